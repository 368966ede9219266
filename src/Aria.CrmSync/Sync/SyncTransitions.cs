namespace Aria.CrmSync.Sync;

/// <summary>
/// The transitions of a lead's sync state, the only code that writes <see cref="CrmSyncState.Status"/>. Each checks the
/// state machine (<see cref="SyncStateMachine"/>) and throws <see cref="CrmSyncStateTransitionException"/> when the
/// transition is illegal, so no caller can keep an old status silently or skip a step.
/// </summary>
internal static class SyncTransitions
{
    /// <summary>Moves the status one step (a host's <see cref="ICrmSyncService.UpdateSyncStatusAsync"/>).</summary>
    public static CrmSyncState MoveTo(this CrmSyncState state, SyncStatus to, int maxRetries)
    {
        SyncStateMachine.EnsureAllowed(state.LeadMemoryId, state.Status, to, state.RetryCount, maxRetries);
        return state.Status == to ? state : state with { Status = to };
    }

    /// <summary>
    /// Something waits to be sent (a lead change, a queued note): <c>synced → pending</c>. With
    /// <paramref name="resumeError"/>, a lead in <c>error</c> that has retries left goes <c>pending</c> too (its next
    /// sync sends it); otherwise <c>error</c> and <c>conflict</c> keep their status.
    /// </summary>
    public static CrmSyncState MarkPending(this CrmSyncState state, bool resumeError, int maxRetries)
    {
        var to = state.Status switch
        {
            SyncStatus.Synced or SyncStatus.Pending => SyncStatus.Pending,
            SyncStatus.Error when resumeError && state.RetryCount < maxRetries => SyncStatus.Pending,
            _ => state.Status,
        };
        return state.MoveTo(to, maxRetries);
    }

    /// <summary>
    /// A sync claims the writes it is about to make: the lead is <c>pending</c> while they are under way (from
    /// <c>error</c> too: the sync itself is the retry); an open conflict keeps <c>conflict</c>.
    /// </summary>
    public static CrmSyncState Claim(this CrmSyncState state)
        => state.Status == SyncStatus.Conflict ? state : state.MoveTo(SyncStatus.Pending, int.MaxValue);

    /// <summary>Gets whether an operation (a sync, a note delivery) may start on the lead.</summary>
    public static bool CanOperate(this CrmSyncState state, int maxRetries)
        => state.Status == SyncStatus.Conflict || SyncStateMachine.IsAllowed(state.Status, SyncStatus.Pending, state.RetryCount, maxRetries);

    /// <summary>
    /// An operation that started from this state ends in <paramref name="to"/>, through <c>pending</c> unless the status
    /// is unchanged (<c>error → pending → synced</c> needs a retry left; <c>conflict</c> only goes to <c>synced</c>).
    /// </summary>
    public static CrmSyncState Settle(this CrmSyncState state, SyncStatus to, int maxRetries)
        => state.Settle(state, to, maxRetries);

    /// <summary>
    /// An operation that started from <paramref name="state"/> ends in <paramref name="next"/> (the state it computed)
    /// with status <paramref name="to"/>, checked from the status and retry count it started with (see
    /// <see cref="Settle(CrmSyncState, SyncStatus, int)"/>).
    /// </summary>
    public static CrmSyncState Settle(this CrmSyncState state, CrmSyncState next, SyncStatus to, int maxRetries)
    {
        if (state.Status == SyncStatus.Conflict && to != SyncStatus.Conflict)
        {
            SyncStateMachine.EnsureAllowed(state.LeadMemoryId, state.Status, to, state.RetryCount, maxRetries);
        }
        else
        {
            SyncStateMachine.EnsureOperationAllowed(state.LeadMemoryId, state.Status, to, state.RetryCount, maxRetries);
        }

        return next.Status == to ? next : next with { Status = to };
    }

    /// <summary>
    /// A successful operation that started from <paramref name="state"/> ends in <paramref name="next"/> with status
    /// <paramref name="to"/> (see <see cref="Settle(CrmSyncState, CrmSyncState, SyncStatus, int)"/>); once <c>synced</c>,
    /// the error, the retry count and the next attempt are cleared.
    /// </summary>
    public static CrmSyncState Succeed(this CrmSyncState state, CrmSyncState next, SyncStatus to, int maxRetries)
    {
        var settled = state.Settle(next, to, maxRetries);
        return to == SyncStatus.Synced ? settled with { ErrorMessage = null, RetryCount = 0, NextAttemptAt = null } : settled;
    }

    /// <summary>
    /// An operation failed: <c>error</c> (through <c>pending</c>) with the message and the next automatic attempt, if
    /// any. A lead with an open conflict keeps <c>conflict</c> (a person must settle it first) and records the message.
    /// </summary>
    public static CrmSyncState Fail(this CrmSyncState state, string message, DateTimeOffset? nextAttemptAt, DateTimeOffset now, int maxRetries)
    {
        if (state.Status == SyncStatus.Conflict)
        {
            return state with { ErrorMessage = message, NextAttemptAt = null, UpdatedAt = now };
        }

        return state.Settle(SyncStatus.Error, maxRetries) with { ErrorMessage = message, NextAttemptAt = nextAttemptAt, UpdatedAt = now };
    }

    /// <summary>
    /// Counts an automatic or scheduled retry: <c>error → pending</c> with one more retry and the next attempt due at
    /// <paramref name="nextAttemptAt"/>. Only a lead in <c>error</c> with retries left is retried.
    /// </summary>
    public static CrmSyncState CountRetry(this CrmSyncState state, DateTimeOffset nextAttemptAt, DateTimeOffset now, int maxRetries)
    {
        if (state.Status != SyncStatus.Error)
        {
            throw new CrmSyncStateTransitionException(state.LeadMemoryId, state.Status, SyncStatus.Pending, "only a lead in error is retried");
        }

        return state.MoveTo(SyncStatus.Pending, maxRetries) with { RetryCount = state.RetryCount + 1, NextAttemptAt = nextAttemptAt, UpdatedAt = now };
    }

    /// <summary>A person asked for a sync of a lead that exhausted its retries: it gets a fresh set (the status is unchanged).</summary>
    public static CrmSyncState ResetRetries(this CrmSyncState state, DateTimeOffset now)
        => state with { RetryCount = 0, UpdatedAt = now };

    /// <summary>
    /// A person settled an open conflict (<paramref name="conflictLog"/> holds the settled entry): once none is open,
    /// <c>conflict → synced</c>.
    /// </summary>
    public static CrmSyncState Resolve(this CrmSyncState state, IReadOnlyList<SyncConflict> conflictLog, int maxRetries)
    {
        var next = state with { ConflictLog = conflictLog };
        return next.OpenConflicts.Any() ? next : next.MoveTo(SyncStatus.Synced, maxRetries) with { ErrorMessage = null };
    }
}
