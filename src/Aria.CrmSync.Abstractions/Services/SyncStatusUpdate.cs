namespace Aria.CrmSync;

/// <summary>Optional parts of a status change made through <see cref="ICrmSyncService.UpdateSyncStatusAsync"/>.</summary>
public sealed record SyncStatusUpdate
{
    /// <summary>Gets the pending changes to record (replaces the list when set).</summary>
    public IReadOnlyList<PendingChange>? PendingChanges { get; init; }

    /// <summary>Gets the error message to record.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Gets the direction of the operation; sets <c>last_sync_at</c> and <c>last_push_at</c>/<c>last_pull_at</c>.</summary>
    public SyncDirection? Direction { get; init; }
}
