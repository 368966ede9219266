using Aria.CrmSync.Storage;

namespace Aria.CrmSync;

/// <summary>
/// Stores the per-lead sync states (with optimistic concurrency), the per-connection change-stream cursors and the
/// leases that let several host instances share the work.
/// </summary>
/// <remarks>Implementations are thread-safe. Every write is atomic: it happens entirely or not at all.</remarks>
public interface ISyncStateStore
{
    /// <summary>Reads the sync state of a lead.</summary>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The state, or <see langword="null"/>.</returns>
    ValueTask<CrmSyncState?> GetAsync(string leadMemoryId, CancellationToken cancellationToken = default);

    /// <summary>Reads the sync states of many leads; missing ones are left out.</summary>
    /// <param name="leadMemoryIds">The lead memory ids.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The states found.</returns>
    ValueTask<IReadOnlyList<CrmSyncState>> GetManyAsync(IReadOnlyCollection<string> leadMemoryIds, CancellationToken cancellationToken = default);

    /// <summary>Inserts a new sync state (its <see cref="CrmSyncState.Version"/> must be 0; it is stored as 1).</summary>
    /// <param name="state">The state.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The stored state.</returns>
    /// <exception cref="CrmSyncConcurrencyException">The lead already has a sync state.</exception>
    ValueTask<CrmSyncState> InsertAsync(CrmSyncState state, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces a sync state if its stored version still equals <see cref="CrmSyncState.Version"/> of
    /// <paramref name="state"/>; the stored copy gets the next version.
    /// </summary>
    /// <param name="state">The new state, carrying the version it was based on.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The stored state.</returns>
    /// <exception cref="CrmSyncConcurrencyException">Another writer changed the state first; nothing was written.</exception>
    /// <exception cref="CrmSyncNotFoundException">The lead has no sync state.</exception>
    ValueTask<CrmSyncState> UpdateAsync(CrmSyncState state, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes many sync states in one call, as a connection sync writes a page of leads: a state whose
    /// <see cref="CrmSyncState.Version"/> is 0 is inserted (as <see cref="InsertAsync"/>), any other replaces the stored
    /// state at that version (as <see cref="UpdateAsync"/>). Each state is written or refused on its own: a stale version,
    /// an existing state on insert or a missing state on update refuses that state only, as a value in its result.
    /// </summary>
    /// <remarks>
    /// The default implementation calls <see cref="InsertAsync"/> and <see cref="UpdateAsync"/> one state at a time; the
    /// built-in stores write the whole batch in one transaction (one round trip on PostgreSQL). When the store itself fails
    /// (a <see cref="CrmSyncStoreException"/>), the built-in stores have written none of the batch.
    /// </remarks>
    /// <param name="states">The states, each for a different lead.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>One result per state, in the order of <paramref name="states"/>.</returns>
    /// <exception cref="ArgumentException">Two states are for the same lead, or a state is invalid.</exception>
    async ValueTask<IReadOnlyList<SyncStateWriteResult>> WriteManyAsync(IReadOnlyList<CrmSyncState> states, CancellationToken cancellationToken = default)
    {
        SyncStateBatch.Check(states);
        var results = new SyncStateWriteResult[states.Count];
        for (var i = 0; i < states.Count; i++)
        {
            try
            {
                var stored = states[i].Version == 0
                    ? await InsertAsync(states[i], cancellationToken).ConfigureAwait(false)
                    : await UpdateAsync(states[i], cancellationToken).ConfigureAwait(false);
                results[i] = SyncStateWriteResult.Written(stored);
            }
            catch (CrmSyncException ex) when (ex is CrmSyncConcurrencyException or CrmSyncNotFoundException)
            {
                results[i] = SyncStateWriteResult.Refused(states[i].LeadMemoryId, ex);
            }
        }

        return results;
    }

    /// <summary>Lists sync states matching <paramref name="query"/>, ordered by next attempt then lead id.</summary>
    /// <param name="query">The filters.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The matching states.</returns>
    IAsyncEnumerable<CrmSyncState> QueryAsync(SyncStateQuery query, CancellationToken cancellationToken = default);

    /// <summary>Reads a connection's checkpoint.</summary>
    /// <param name="connectionKey">The connection.</param>
    /// <param name="stream">The stream.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The checkpoint, or <see langword="null"/>.</returns>
    ValueTask<SyncCursorRecord?> GetCursorAsync(string connectionKey, string stream, CancellationToken cancellationToken = default);

    /// <summary>Writes a connection's checkpoint (last writer wins).</summary>
    /// <param name="cursor">The checkpoint.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the checkpoint is durable.</returns>
    ValueTask SaveCursorAsync(SyncCursorRecord cursor, CancellationToken cancellationToken = default);

    /// <summary>Claims <paramref name="resource"/> for <paramref name="owner"/> unless another owner holds an unexpired claim.</summary>
    /// <param name="resource">What to claim.</param>
    /// <param name="owner">Who claims it.</param>
    /// <param name="duration">How long the claim lasts unless renewed.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The lease, or <see langword="null"/> when another owner holds it.</returns>
    ValueTask<SyncLease?> TryAcquireLeaseAsync(string resource, string owner, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease still held by its owner.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="duration">The new duration from now.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The renewed lease, or <see langword="null"/> when it was lost.</returns>
    ValueTask<SyncLease?> RenewLeaseAsync(SyncLease lease, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Releases a lease (no effect when it was lost).</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the lease is released.</returns>
    ValueTask ReleaseLeaseAsync(SyncLease lease, CancellationToken cancellationToken = default);
}
