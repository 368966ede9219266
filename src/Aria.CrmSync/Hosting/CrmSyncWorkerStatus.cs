namespace Aria.CrmSync.Hosting;

/// <summary>What the background worker last did, for health checks and diagnostics. Thread-safe.</summary>
internal sealed class CrmSyncWorkerStatus
{
    private readonly Lock _gate = new();

    /// <summary>Gets when the last pass ended without a store error.</summary>
    public DateTimeOffset? LastSuccessAt { get; private set; }

    /// <summary>Gets how many passes in a row failed (0 after a good pass).</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>Gets the type and message of the last failure (no secrets: exception messages are logged the same way).</summary>
    public string? LastError { get; private set; }

    /// <summary>Gets how many connections the last good pass found.</summary>
    public int ConnectionCount { get; private set; }

    public void Succeeded(DateTimeOffset at, int connections)
    {
        lock (_gate)
        {
            LastSuccessAt = at;
            ConsecutiveFailures = 0;
            ConnectionCount = connections;
        }
    }

    public void Failed(Exception error)
    {
        lock (_gate)
        {
            ConsecutiveFailures++;
            LastError = $"{error.GetType().Name}: {error.Message}";
        }
    }
}
