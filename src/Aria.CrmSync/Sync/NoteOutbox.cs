namespace Aria.CrmSync.Sync;

/// <summary>
/// The outbox half of a note delivery, shared by the single-lead push (<c>PushSummaryAsync</c>, manual syncs, retries)
/// and the connection sync's note phase: claiming queued notes before the CRM call and recording its results.
/// </summary>
internal static class NoteOutbox
{
    /// <summary>
    /// Marks the queued notes <paramref name="selected"/> picks in flight (attempt counted, claimed for
    /// <paramref name="claimDuration"/>) before the call: after a crash or an uncertain failure, the next attempt knows
    /// the CRM may already hold the note and looks for it first. A note another sender holds is left to it; a lead that
    /// may not start an operation (retries exhausted) claims nothing.
    /// </summary>
    /// <returns>The state with the claims, or <paramref name="state"/> itself when nothing was claimed.</returns>
    public static CrmSyncState Claim(CrmSyncState state, Func<OutboxItem, bool> selected, DateTimeOffset now, TimeSpan claimDuration, int maxRetries, List<OutboxItem> claimed)
    {
        claimed.Clear();
        if (!state.CanOperate(maxRetries))
        {
            return state;
        }

        var outbox = state.Outbox.Select(o =>
        {
            if (!selected(o) || o.Status is not (OutboxItemStatus.Pending or OutboxItemStatus.InFlight) || o.ClaimedUntil > now)
            {
                return o; // delivered, given up, or being delivered by another sender right now
            }

            var marked = o with { Status = OutboxItemStatus.InFlight, Attempts = o.Attempts + 1, LastAttemptAt = now, ClaimedUntil = now + claimDuration };
            claimed.Add(marked);
            return marked;
        }).ToList();
        return claimed.Count == 0 ? state : state with { Outbox = outbox, UpdatedAt = now };
    }

    /// <summary>
    /// Records the CRM's answers for a lead's notes: delivered notes are done (with the CRM's note id, without their
    /// text; only the newest <paramref name="deliveredKept"/> are kept, see <see cref="SyncStateRetention"/>) and leave the
    /// pending changes; refused ones fail (permanently) or wait for the next attempt (transient). When every note of the
    /// call was delivered the operation succeeds (<see cref="SyncTransitions.Succeed"/>: the settled status, and the
    /// error and retry count cleared once <c>synced</c>); a refusal leaves the status for the failure that follows.
    /// </summary>
    public static CrmSyncState Record(CrmSyncState state, IReadOnlyDictionary<string, CrmNoteResult> results, DateTimeOffset now, int maxRetries, int deliveredKept)
    {
        var delivered = results.Values.Where(r => r.Success).Select(r => r.IdempotencyKey).ToHashSet(StringComparer.Ordinal);
        var next = state with
        {
            Outbox = SyncStateRetention.CompactOutbox(
                [.. state.Outbox.Select(o => results.TryGetValue(o.IdempotencyKey, out var r)
                    ? r.Success
                        ? SyncStateRetention.Delivered(o, r.NoteId)
                        : o with { Status = r.IsTransient ? OutboxItemStatus.InFlight : OutboxItemStatus.Failed, LastError = $"{r.ErrorCode} {r.ErrorMessage}".Trim(), ClaimedUntil = null }
                    : o)],
                deliveredKept),
            PendingChanges = state.PendingChanges.Where(p => !(p.Field == LeadFields.Notes && p.Value is not null && delivered.Contains(p.Value))).ToList(),
            LastPushAt = delivered.Count > 0 ? now : state.LastPushAt,
            LastSyncAt = delivered.Count > 0 ? now : state.LastSyncAt,
            SyncDirection = SyncDirection.Push,
            UpdatedAt = now,
        };
        if (results.Values.Any(r => !r.Success))
        {
            return next;
        }

        var settled = next.Status == SyncStatus.Conflict ? SyncStatus.Conflict : LeadSyncPlan.SettledStatus(next);
        return state.Succeed(next, settled, maxRetries);
    }
}
