namespace Aria.CrmSync.Sync;

/// <summary>
/// A batch's audit entries, appended in slices as its leads settle rather than all at once at its end: an entry is held
/// three times while it is appended (the draft, the entry prepared for the trail, the sealed entry, each with its details
/// as a parsed JSON document), so appending 2,000 leads' entries in one call held them all, ≈ 10 MB at once on top of the
/// batch (heap dumps at 100,000 leads). Each slice is one append (one transaction on the built-in stores); the entries
/// keep their order in the chain.
/// </summary>
internal static class AuditSlices
{
    /// <summary>How many drafts are appended at a time.</summary>
    public const int Size = 250;

    /// <summary>Appends the drafts and clears them; with <paramref name="onlyWhenFull"/>, only once they fill a slice.</summary>
    public static async Task FlushAsync(ICrmAuditService audit, List<CrmAuditEntry> drafts, bool onlyWhenFull, CancellationToken cancellationToken)
    {
        if (drafts.Count == 0 || (onlyWhenFull && drafts.Count < Size))
        {
            return;
        }

        await audit.LogManyAsync(drafts.ToList(), cancellationToken).ConfigureAwait(false);
        drafts.Clear();
    }
}
