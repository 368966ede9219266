using System.Diagnostics;
using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Sync;

/// <summary>Whole-connection sync: batched, incremental, resumable, one lease per connection (each run a <see cref="ConnectionRun"/>).</summary>
internal sealed class ConnectionSynchronizer(ISyncStateStore states, ICrmAuditService audit, ICrmConnectionResolver connections, ConnectionRunParts runParts, SyncEngineEnvironment env)
{
    private readonly ISyncStateStore _states = states;
    private readonly ICrmAuditService _audit = audit;
    private readonly ICrmConnectionResolver _connections = connections;
    private readonly ConnectionRunParts _runParts = runParts;
    private readonly ConnectionFields _fields = runParts.Fields;
    private readonly TimeProvider _time = env.Time;
    private readonly CrmSyncTelemetry _telemetry = env.Telemetry;
    private readonly IReadOnlyDictionary<CrmProvider, ICrmGateway> _gateways = env.Gateways;

    internal const string RecordStream = "records";
    internal const string ActivityStream = "activities";
    private static readonly string ProcessWorkerId = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    public async Task<ConnectionSyncResult> SyncConnectionAsync(string userId, CrmProvider provider, ConnectionSyncOptions options, IProgress<ConnectionSyncProgress>? progress, CancellationToken cancellationToken)
    {
        return await RunConnectionAsync(userId, provider, options, progress, static (run, token) => run.ExecuteAsync(token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="execute"/> on a connection under its lease, with the stops and audit every connection run has.</summary>
    public async Task<ConnectionSyncResult> RunConnectionAsync(string userId, CrmProvider provider, ConnectionSyncOptions options, IProgress<ConnectionSyncProgress>? progress, Func<ConnectionRun, CancellationToken, Task> execute, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = _telemetry.StartActivity("sync.connection", provider);

        if (!_gateways.TryGetValue(provider, out var gateway))
        {
            return NotRun(userId, provider, $"No gateway is registered for {Serialization.WireValue.Format(provider)}");
        }

        CrmConnection connection;
        try
        {
            connection = await _connections.ResolveAsync(userId, provider, cancellationToken).ConfigureAwait(false);
        }
        catch (CrmSyncException ex)
        {
            await _audit.LogSyncOperationAsync(userId, null, CrmAuditOperation.Error, provider, false, new Dictionary<string, object?> { ["operation"] = "sync_connection", ["code"] = ex.Code }, ex.Message, cancellationToken).ConfigureAwait(false);
            return NotRun(userId, provider, ex.Message) with { RequiresReauthorization = ex is CrmConnectionException { RequiresReauthorization: true } };
        }

        try
        {
            // The connection's catalogue, checked against the CRM's field metadata before the run reads or writes: a
            // mapping that does not fit fails this connection alone, audited, and no lead of it is touched.
            connection = await _fields.PrepareAsync(gateway, connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SyncFailures.IsOperational(ex, cancellationToken))
        {
            var code = (ex as CrmSyncException)?.Code ?? CrmSyncException.DefaultCode;
            var message = Security.SecretRedactor.Redact(SyncFailures.Describe(ex), [connection.AccessToken, connection.RefreshToken]);
            await _audit.LogSyncOperationAsync(userId, null, CrmAuditOperation.Error, provider, false, SyncFailures.WithErrorDetails(new Dictionary<string, object?> { ["operation"] = LeadLoader.FieldMappingOperation, ["code"] = code }, ex), message, cancellationToken).ConfigureAwait(false);
            return NotRun(userId, provider, message) with { RequiresReauthorization = ex is CrmConnectionException { RequiresReauthorization: true } };
        }

        var lease = await _states.TryAcquireLeaseAsync("sync:" + connection.ConnectionKey, options.WorkerId ?? ProcessWorkerId, options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            return NotRun(userId, provider, LeaseHeldReason);
        }

        var run = new ConnectionRun(_runParts, connection, gateway, options, progress, lease);
        try
        {
            await execute(run, cancellationToken).ConfigureAwait(false);
        }
        catch (CrmRateLimitedException ex) when (ex.Scope == CrmRateLimitScope.Daily)
        {
            var pausedUntil = ex.RetryAfter is { } after ? _time.GetUtcNow() + after : (DateTimeOffset?)null;
            run.Stop($"Paused: {ex.Message}", pausedUntil);
            await AuditStoppedRunAsync(userId, provider, run, ex, pausedUntil).ConfigureAwait(false);
        }
        catch (CrmSyncConcurrencyException ex) when (ex.ResourceId == run.Lease.Resource)
        {
            run.Stop("Lost the connection lease to another worker; it continues from the last checkpoint", null);
        }
        catch (CrmSyncException ex) when (ex is CrmConnectionException or CrmRateLimitedException or CrmSyncDataException)
        {
            // Unreachable, limited, or an unreadable response: the run stops; the next one resumes from the last checkpoint.
            run.Stop(ex.Message, null, ex);
            await AuditStoppedRunAsync(userId, provider, run, ex, null).ConfigureAwait(false);
        }
        catch (CrmSyncException ex)
        {
            await AuditStoppedRunAsync(userId, provider, run, ex, null).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await _states.ReleaseLeaseAsync(run.Lease, CancellationToken.None).ConfigureAwait(false);
        }

        progress?.Report(run.Progress(ConnectionSyncPhase.Done));
        _telemetry.OperationCompleted("sync_connection", provider, run.Completed, Stopwatch.GetElapsedTime(started));
        return run.Result(userId, provider, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Records a connection sync that stopped early: every failure, and every pause, has its <c>error</c> entry.</summary>
    private Task AuditStoppedRunAsync(string userId, CrmProvider provider, ConnectionRun run, CrmSyncException exception, DateTimeOffset? pausedUntil)
    {
        var details = new Dictionary<string, object?>
        {
            ["operation"] = "sync_connection",
            ["code"] = exception.Code,
            ["phase"] = run.Phase.ToString(),
        };
        if (pausedUntil is not null)
        {
            details["paused_until"] = pausedUntil;
        }

        return _audit.LogSyncOperationAsync(userId, null, CrmAuditOperation.Error, provider, false, SyncFailures.WithErrorDetails(details, exception), exception.Message, CancellationToken.None);
    }

    /// <summary>The <see cref="ConnectionSyncResult.Reason"/> of a run that found the connection lease held (the fleet worker retries it soon).</summary>
    internal const string LeaseHeldReason = "Another worker is syncing this connection";

    private static ConnectionSyncResult NotRun(string userId, CrmProvider provider, string reason)
        => new() { UserId = userId, Provider = provider, Completed = false, Reason = reason };

}
