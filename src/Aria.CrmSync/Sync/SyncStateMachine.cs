namespace Aria.CrmSync.Sync;

/// <summary>
/// The sync status state machine of the seed plan, enforced in this one place:
/// <c>synced → pending</c>, <c>pending → synced | conflict | error</c>, <c>conflict → synced</c>,
/// <c>error → pending</c> (while fewer than the maximum retries were made). Staying in a status is allowed.
/// </summary>
internal static class SyncStateMachine
{
    public static bool IsAllowed(SyncStatus from, SyncStatus to, int retryCount, int maxRetries)
        => from == to || (from, to) switch
        {
            (SyncStatus.Synced, SyncStatus.Pending) => true,
            (SyncStatus.Pending, SyncStatus.Synced) => true,
            (SyncStatus.Pending, SyncStatus.Conflict) => true,
            (SyncStatus.Pending, SyncStatus.Error) => true,
            (SyncStatus.Conflict, SyncStatus.Synced) => true,
            (SyncStatus.Error, SyncStatus.Pending) => retryCount < maxRetries,
            _ => false,
        };

    /// <summary>Throws unless <paramref name="from"/> may move to <paramref name="to"/> in one step.</summary>
    public static void EnsureAllowed(string leadMemoryId, SyncStatus from, SyncStatus to, int retryCount, int maxRetries)
    {
        if (!IsAllowed(from, to, retryCount, maxRetries))
        {
            var reason = from == SyncStatus.Error && to == SyncStatus.Pending
                ? $"the maximum of {maxRetries} retries was reached"
                : null;
            throw new CrmSyncStateTransitionException(leadMemoryId, from, to, reason);
        }
    }

    /// <summary>
    /// Validates an operation that starts from <paramref name="from"/> and ends in <paramref name="to"/>: unless the
    /// status is unchanged, the operation passes through <c>pending</c> (<c>synced → pending → synced</c>).
    /// </summary>
    public static void EnsureOperationAllowed(string leadMemoryId, SyncStatus from, SyncStatus to, int retryCount, int maxRetries)
    {
        if (from == to)
        {
            return;
        }

        if (from != SyncStatus.Pending)
        {
            EnsureAllowed(leadMemoryId, from, SyncStatus.Pending, retryCount, maxRetries);
        }

        if (to != SyncStatus.Pending)
        {
            EnsureAllowed(leadMemoryId, SyncStatus.Pending, to, retryCount, maxRetries);
        }
    }

    /// <summary>Returns whether an operation may start on a lead in <paramref name="status"/>.</summary>
    public static bool CanStart(SyncStatus status, int retryCount, int maxRetries)
        => status != SyncStatus.Conflict && IsAllowed(status, SyncStatus.Pending, retryCount, maxRetries);
}
