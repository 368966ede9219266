namespace Aria.CrmSync;

/// <summary>
/// Stores the audit trail: append-only, one hash chain per user, filtered and streamed reads. Stores never update or
/// delete an entry.
/// </summary>
public interface IAuditStore
{
    /// <summary>
    /// Appends entries. For each user, under a lock that serialises appends to that user's chain (across processes
    /// for shared stores), the store reads the chain head, seals each draft with <paramref name="sealer"/> and writes
    /// them in one atomic step: all entries are stored or none.
    /// </summary>
    /// <param name="drafts">Unsealed entries (any users), in the order they happened.</param>
    /// <param name="sealer">Seals each entry into its chain.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The sealed entries, in the order given.</returns>
    ValueTask<IReadOnlyList<CrmAuditEntry>> AppendAsync(IReadOnlyList<CrmAuditEntry> drafts, IAuditChainSealer sealer, CancellationToken cancellationToken = default);

    /// <summary>Reads entries matching <paramref name="query"/>, newest first (by time, then sequence), honouring limit and offset.</summary>
    /// <param name="query">The filters.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The entries, streamed.</returns>
    IAsyncEnumerable<CrmAuditEntry> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Reads a user's chain in sequence order, from <paramref name="fromSequence"/> on.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="fromSequence">The first sequence to read.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The entries, streamed, as stored (including any tampering).</returns>
    IAsyncEnumerable<CrmAuditEntry> ReadChainAsync(string userId, long fromSequence = 1, CancellationToken cancellationToken = default);

    /// <summary>Reads the head of a user's chain.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The head (sequence 0 and no hash for an empty chain).</returns>
    ValueTask<AuditChainHead> GetChainHeadAsync(string userId, CancellationToken cancellationToken = default);
}
