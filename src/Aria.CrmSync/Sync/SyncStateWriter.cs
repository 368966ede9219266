using Aria.CrmSync.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Sync;

/// <summary>
/// Writes lead sync states for the engine's parts: creates a lead's state on first use and changes one optimistically
/// (read, change, version-checked write; read again when another writer got there first).
/// </summary>
internal sealed class SyncStateWriter(ISyncStateStore states, CrmSyncOptions options, TimeProvider time, ILogger logger)
{
    /// <summary>Reads, changes and writes a sync state, re-reading when another writer got there first.</summary>
    /// <returns>The stored state (the one read when <paramref name="mutate"/> returned it unchanged).</returns>
    public async Task<CrmSyncState> MutateAsync(string leadMemoryId, Func<CrmSyncState, CrmSyncState> mutate, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var state = await states.GetAsync(leadMemoryId, cancellationToken).ConfigureAwait(false)
                ?? throw new CrmSyncNotFoundException(leadMemoryId);
            var next = mutate(state);
            if (ReferenceEquals(next, state))
            {
                return state;
            }

            try
            {
                return await states.UpdateAsync(next with { Version = state.Version }, cancellationToken).ConfigureAwait(false);
            }
            catch (CrmSyncConcurrencyException) when (attempt < options.ConcurrencyAttempts)
            {
                Log.ConcurrentWrite(logger, leadMemoryId, attempt);
            }
        }
    }

    /// <summary>
    /// Changes many states as <see cref="MutateAsync"/> changes one, in one batched read and one batched write
    /// (<see cref="ISyncStateStore.WriteManyAsync"/>: one transaction on the built-in stores); a state another writer
    /// changed in between is read and changed again on its own. <paramref name="mutate"/> may run more than once for a
    /// lead; the stored state is the outcome of its last run.
    /// </summary>
    /// <returns>
    /// The stored state of every lead (the one read when <paramref name="mutate"/> returned it unchanged), or
    /// <see langword="null"/> for a lead whose state other writers kept changing (nothing of this call is written for it).
    /// </returns>
    /// <exception cref="CrmSyncNotFoundException">A lead has no sync state.</exception>
    public async Task<Dictionary<string, CrmSyncState?>> MutateManyAsync(IReadOnlyCollection<string> leadMemoryIds, Func<string, CrmSyncState, CrmSyncState> mutate, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, CrmSyncState?>(StringComparer.Ordinal);
        var writes = new List<CrmSyncState>();
        foreach (var state in await states.GetManyAsync(leadMemoryIds, cancellationToken).ConfigureAwait(false))
        {
            var next = mutate(state.LeadMemoryId, state);
            if (ReferenceEquals(next, state))
            {
                stored[state.LeadMemoryId] = state;
            }
            else
            {
                writes.Add(next with { Version = state.Version });
            }
        }

        var results = writes.Count == 0 ? [] : await states.WriteManyAsync(writes, cancellationToken).ConfigureAwait(false);
        foreach (var result in results)
        {
            if (result.Stored is { } written)
            {
                stored[result.LeadMemoryId] = written;
            }
        }

        foreach (var id in leadMemoryIds.Where(id => !stored.ContainsKey(id)).ToList())
        {
            try
            {
                stored[id] = await MutateAsync(id, s => mutate(id, s), cancellationToken).ConfigureAwait(false); // refused (changed meanwhile) or missing
            }
            catch (CrmSyncConcurrencyException)
            {
                stored[id] = null;
            }
        }

        return stored;
    }

    /// <summary>The lead's sync state, created (<c>synced</c>, no agreement yet) when it has none.</summary>
    public async Task<CrmSyncState> GetOrCreateAsync(LeadMemory lead, CancellationToken cancellationToken)
    {
        var existing = await states.GetAsync(lead.Id, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return existing;
        }

        try
        {
            return await states.InsertAsync(NewState(lead, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        }
        catch (CrmSyncConcurrencyException)
        {
            return await states.GetAsync(lead.Id, cancellationToken).ConfigureAwait(false)
                ?? throw new CrmSyncNotFoundException(lead.Id);
        }
    }

    /// <summary>A new lead's sync state (not stored yet: version 0): <c>synced</c>, with no agreed base.</summary>
    public static CrmSyncState NewState(LeadMemory lead, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now).ToString(),
        LeadMemoryId = lead.Id,
        UserId = lead.UserId,
        Provider = lead.CrmProvider,
        CrmId = lead.CrmId,
        Status = SyncStatus.Synced,
        LastSyncAt = null,
        CreatedAt = now,
        UpdatedAt = now,
    };

    /// <summary>Stores a state: inserted when it was never stored (version 0), else version-checked against its version.</summary>
    public ValueTask<CrmSyncState> StoreAsync(CrmSyncState next, bool insert, CancellationToken cancellationToken)
        => insert ? states.InsertAsync(next, cancellationToken) : states.UpdateAsync(next, cancellationToken);
}
