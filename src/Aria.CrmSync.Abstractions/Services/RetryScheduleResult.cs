namespace Aria.CrmSync;

/// <summary>The outcome of scheduling a retry.</summary>
public sealed record RetryScheduleResult
{
    /// <summary>Gets the lead memory id.</summary>
    public required string LeadMemoryId { get; init; }

    /// <summary>Gets whether a retry was scheduled.</summary>
    public required bool Success { get; init; }

    /// <summary>Gets the status after the call (<c>pending</c> when scheduled).</summary>
    public SyncStatus? Status { get; init; }

    /// <summary>Gets the retry count after the call.</summary>
    public int RetryCount { get; init; }

    /// <summary>Gets when the retry is due.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Gets why no retry was scheduled (for example <c>Max retries exceeded</c>).</summary>
    public string? Error { get; init; }
}

/// <summary>The outcome of a pass over due retries.</summary>
/// <param name="Attempted">How many leads were retried.</param>
/// <param name="Succeeded">How many of them synced.</param>
/// <param name="Failed">How many failed again.</param>
public sealed record RetryRunResult(int Attempted, int Succeeded, int Failed);
