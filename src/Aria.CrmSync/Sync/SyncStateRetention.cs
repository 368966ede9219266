namespace Aria.CrmSync.Sync;

/// <summary>
/// Keeps a lead's sync state bounded: every optimistic write re-serialises the whole row, so what only the audit trail
/// needs leaves it. Delivered outbox items keep their key, CRM id and times (not their text), and only the newest
/// <see cref="CrmSyncOptions.DeliveredNotesKept"/> of them; the conflict log keeps every open conflict and the newest
/// <see cref="CrmSyncOptions.ResolvedConflictsKept"/> resolved ones. State stored before this (full texts, long logs)
/// loads as it is and is compacted by its next write.
/// </summary>
internal static class SyncStateRetention
{
    /// <summary>Returns a delivered item as kept: its text (held by the CRM) and last error dropped.</summary>
    public static OutboxItem Delivered(OutboxItem item, string? crmObjectId)
        => item with { Status = OutboxItemStatus.Done, CrmObjectId = crmObjectId, Text = string.Empty, LastError = null, ClaimedUntil = null, MayExist = false };

    /// <summary>Gets whether the lead's record of deliveries may have been pruned (it holds as many as are kept).</summary>
    public static bool DeliveriesMayBePruned(CrmSyncState state, int deliveredKept)
        => state.Outbox.Count(o => o.Status == OutboxItemStatus.Done) >= deliveredKept;

    /// <summary>Drops the oldest delivered items beyond <paramref name="deliveredKept"/> and the text of any delivered item.</summary>
    public static IReadOnlyList<OutboxItem> CompactOutbox(IReadOnlyList<OutboxItem> outbox, int deliveredKept)
    {
        var delivered = outbox.Count(o => o.Status == OutboxItemStatus.Done);
        if (delivered <= deliveredKept && outbox.All(o => o.Status != OutboxItemStatus.Done || o.Text.Length == 0))
        {
            return outbox;
        }

        // Newest delivery first; among equal times, the one recorded later (items are appended).
        var keep = Enumerable.Range(0, outbox.Count)
            .Where(i => outbox[i].Status == OutboxItemStatus.Done)
            .OrderByDescending(i => outbox[i].LastAttemptAt ?? outbox[i].CreatedAt)
            .ThenByDescending(i => i)
            .Take(deliveredKept)
            .ToHashSet();
        return outbox.Where((o, i) => o.Status != OutboxItemStatus.Done || keep.Contains(i))
            .Select(o => o.Status == OutboxItemStatus.Done && o.Text.Length > 0 ? o with { Text = string.Empty, LastError = null } : o)
            .ToList();
    }

    /// <summary>Keeps every open conflict and the newest <paramref name="resolvedKept"/> resolved ones, oldest first.</summary>
    public static IReadOnlyList<SyncConflict> CompactConflictLog(IReadOnlyList<SyncConflict> log, int resolvedKept)
    {
        var resolved = log.Count(c => !c.IsOpen);
        if (resolved <= resolvedKept)
        {
            return log;
        }

        var dropped = Enumerable.Range(0, log.Count)
            .Where(i => !log[i].IsOpen)
            .OrderBy(i => log[i].ResolvedAt)
            .ThenBy(i => i)
            .Take(resolved - resolvedKept)
            .ToHashSet();
        return [.. log.Where((_, i) => !dropped.Contains(i))]; // oldest first, as recorded
    }
}
