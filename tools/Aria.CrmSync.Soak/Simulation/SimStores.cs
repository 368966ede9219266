using System.Runtime.CompilerServices;

namespace Aria.CrmSync.Soak.Simulation;

/// <summary>
/// A lead store whose calls are yield points of a seeded scheduler (<paramref name="yieldAsync"/>: the
/// <see cref="SimScheduler"/> of a deterministic soak, or the interleaving tests' scheduler), with traced lead writes.
/// </summary>
public sealed class SimLeadStore(ILeadMemoryStore inner, Func<Task> yieldAsync, SimTrace? trace) : ILeadMemoryStore
{
    public async ValueTask<LeadMemory?> GetAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        var result = await inner.GetAsync(userId, leadMemoryId, cancellationToken);
        await yieldAsync();
        return result;
    }

    public async ValueTask<LeadMemory?> FindByCrmIdAsync(string userId, CrmProvider provider, string crmId, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        return await inner.FindByCrmIdAsync(userId, provider, crmId, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<LeadMemory>> FindByCrmIdsAsync(string userId, CrmProvider provider, IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        return await inner.FindByCrmIdsAsync(userId, provider, crmIds, cancellationToken);
    }

    public async IAsyncEnumerable<LeadMemory> ListLinkedAsync(string userId, CrmProvider provider, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        await foreach (var lead in inner.ListLinkedAsync(userId, provider, cancellationToken))
        {
            yield return lead;
        }
    }

    public async ValueTask<LeadMemory> InsertAsync(LeadMemory lead, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        return await inner.InsertAsync(lead, cancellationToken);
    }

    public async ValueTask<LeadMemory> UpdateAsync(LeadMemory lead, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        var result = await inner.UpdateAsync(lead, cancellationToken);
        trace?.Lead(result.Id, $"lead update v{result.Version}: {result.LifecycleStage}/{result.Status} amount={result.ExpectedValue} close={result.ExpectedCloseDate}");
        await yieldAsync();
        return result;
    }

    public async ValueTask<int> AddEventsAsync(IReadOnlyList<LeadEvent> events, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        return await inner.AddEventsAsync(events, cancellationToken);
    }

    public IAsyncEnumerable<LeadEvent> GetEventsAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
        => inner.GetEventsAsync(userId, leadMemoryId, cancellationToken);
}

/// <summary>A sync-state store whose reads and writes are yield points.</summary>
public sealed class SimStateStore(ISyncStateStore inner, Func<Task> yieldAsync, SimTrace? trace) : ISyncStateStore
{
    public async ValueTask<CrmSyncState?> GetAsync(string leadMemoryId, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        var result = await inner.GetAsync(leadMemoryId, cancellationToken);
        await yieldAsync();
        return result;
    }

    public async ValueTask<IReadOnlyList<CrmSyncState>> GetManyAsync(IReadOnlyCollection<string> leadMemoryIds, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        return await inner.GetManyAsync(leadMemoryIds, cancellationToken);
    }

    public async ValueTask<CrmSyncState> InsertAsync(CrmSyncState state, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        var stored = await inner.InsertAsync(state, cancellationToken);
        trace?.State("insert", stored);
        return stored;
    }

    public async ValueTask<CrmSyncState> UpdateAsync(CrmSyncState state, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        CrmSyncState result;
        try
        {
            result = await inner.UpdateAsync(state, cancellationToken);
        }
        catch (CrmSyncConcurrencyException) when (trace?.Follows(state.LeadMemoryId) == true)
        {
            trace.Lead(state.LeadMemoryId, $"state update on v{state.Version} lost the race");
            throw;
        }

        trace?.State("update", result);
        await yieldAsync();
        return result;
    }

    public async IAsyncEnumerable<CrmSyncState> QueryAsync(SyncStateQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        await foreach (var state in inner.QueryAsync(query, cancellationToken))
        {
            yield return state;
        }
    }

    public async ValueTask<SyncCursorRecord?> GetCursorAsync(string connectionKey, string stream, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        return await inner.GetCursorAsync(connectionKey, stream, cancellationToken);
    }

    public async ValueTask SaveCursorAsync(SyncCursorRecord cursor, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        await inner.SaveCursorAsync(cursor, cancellationToken);
    }

    public async ValueTask<SyncLease?> TryAcquireLeaseAsync(string resource, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        return await inner.TryAcquireLeaseAsync(resource, owner, duration, cancellationToken);
    }

    public async ValueTask<SyncLease?> RenewLeaseAsync(SyncLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        return await inner.RenewLeaseAsync(lease, duration, cancellationToken);
    }

    public ValueTask ReleaseLeaseAsync(SyncLease lease, CancellationToken cancellationToken = default)
        => inner.ReleaseLeaseAsync(lease, cancellationToken);
}

/// <summary>An audit store whose appends are yield points (entries of racing operations interleave in the chain).</summary>
public sealed class SimAuditStore(IAuditStore inner, Func<Task> yieldAsync) : IAuditStore
{
    public async ValueTask<IReadOnlyList<CrmAuditEntry>> AppendAsync(IReadOnlyList<CrmAuditEntry> drafts, IAuditChainSealer sealer, CancellationToken cancellationToken = default)
    {
        await yieldAsync();
        return await inner.AppendAsync(drafts, sealer, cancellationToken);
    }

    public IAsyncEnumerable<CrmAuditEntry> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

    public IAsyncEnumerable<CrmAuditEntry> ReadChainAsync(string userId, long fromSequence = 1, CancellationToken cancellationToken = default) => inner.ReadChainAsync(userId, fromSequence, cancellationToken);

    public ValueTask<AuditChainHead> GetChainHeadAsync(string userId, CancellationToken cancellationToken = default) => inner.GetChainHeadAsync(userId, cancellationToken);
}
