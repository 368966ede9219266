namespace Aria.CrmSync;

/// <summary>
/// The outcome of a sync operation on one lead. Per-lead failures are values (<see cref="Success"/> false with an
/// <see cref="Error"/>), as the seed plan returns <c>{"success": false, "error": ...}</c>; the sync state and the audit
/// trail record them too.
/// </summary>
public sealed record SyncResult
{
    /// <summary>Gets the lead memory id.</summary>
    public required string LeadMemoryId { get; init; }

    /// <summary>Gets whether the operation succeeded.</summary>
    public required bool Success { get; init; }

    /// <summary>Gets the sync status after the operation, when a sync state exists.</summary>
    public SyncStatus? Status { get; init; }

    /// <summary>Gets the error message of a failed operation (never contains credentials).</summary>
    public string? Error { get; init; }

    /// <summary>Gets the error code of a failed operation (a <see cref="CrmSyncException.Code"/>).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Gets the lead fields changed from the CRM (field → new canonical value).</summary>
    public IReadOnlyDictionary<string, string?> Changes { get; init; } = Empty;

    /// <summary>Gets the CRM fields written from the lead (lead field → value pushed).</summary>
    public IReadOnlyDictionary<string, string?> Pushed { get; init; } = Empty;

    /// <summary>Gets the conflicts detected by this operation (resolved by rule, or open when manual).</summary>
    public IReadOnlyList<SyncConflict> Conflicts { get; init; } = [];

    /// <summary>Gets how many new lead events were stored from CRM activities.</summary>
    public int ActivitiesSynced { get; init; }

    /// <summary>Gets the CRM id of the note written or found, for a summary push.</summary>
    public string? NoteId { get; init; }

    /// <summary>
    /// Gets, for a summary push, whether the note is confirmed in the CRM or still queued (then
    /// <see cref="NextAttemptAt"/> says when it is tried again); <see langword="null"/> for other operations. A queued
    /// note may come with <see cref="Success"/> <see langword="true"/> (it is safely recorded and another sender is
    /// delivering it), never with a <see cref="NoteId"/>.
    /// </summary>
    public NoteDelivery? NoteDelivery { get; init; }

    /// <summary>Gets how many automatic retries were made so far.</summary>
    public int RetryCount { get; init; }

    /// <summary>Gets when the next automatic attempt is due, when one is scheduled (for a queued note: when it is tried again at the earliest).</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    private static IReadOnlyDictionary<string, string?> Empty { get; } = new Dictionary<string, string?>();
}
