using Aria.CrmSync.Storage.InMemory;
using Aria.CrmSync.Storage.Tests.Contracts;

namespace Aria.CrmSync.Storage.Tests.InMemory;

public sealed class InMemorySyncStateStoreTests : SyncStateStoreContract
{
    protected override Task<ISyncStateStore> CreateStoreAsync(TimeProvider time) => Task.FromResult<ISyncStateStore>(new InMemorySyncStateStore(time));
}

public sealed class InMemoryAuditStoreTests : AuditStoreContract
{
    protected override Task<IAuditStore> CreateStoreAsync() => Task.FromResult<IAuditStore>(new InMemoryAuditStore());
}

public sealed class InMemoryLeadMemoryStoreTests : LeadMemoryStoreContract
{
    protected override Task<ILeadMemoryStore> CreateStoreAsync() => Task.FromResult<ILeadMemoryStore>(new InMemoryLeadMemoryStore());
}

/// <summary>The contract on a store that leaves <see cref="ILeadMemoryStore.FindByCrmIdsAsync"/> to the interface's default implementation.</summary>
public sealed class DefaultFindByCrmIdsLeadMemoryStoreTests : LeadMemoryStoreContract
{
    protected override Task<ILeadMemoryStore> CreateStoreAsync() => Task.FromResult<ILeadMemoryStore>(new WithoutBatchedLookup(new InMemoryLeadMemoryStore()));

    private sealed class WithoutBatchedLookup(ILeadMemoryStore inner) : ILeadMemoryStore
    {
        public ValueTask<LeadMemory?> GetAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default) => inner.GetAsync(userId, leadMemoryId, cancellationToken);

        public ValueTask<LeadMemory?> FindByCrmIdAsync(string userId, CrmProvider provider, string crmId, CancellationToken cancellationToken = default) => inner.FindByCrmIdAsync(userId, provider, crmId, cancellationToken);

        public IAsyncEnumerable<LeadMemory> ListLinkedAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default) => inner.ListLinkedAsync(userId, provider, cancellationToken);

        public ValueTask<LeadMemory> InsertAsync(LeadMemory lead, CancellationToken cancellationToken = default) => inner.InsertAsync(lead, cancellationToken);

        public ValueTask<LeadMemory> UpdateAsync(LeadMemory lead, CancellationToken cancellationToken = default) => inner.UpdateAsync(lead, cancellationToken);

        public ValueTask<int> AddEventsAsync(IReadOnlyList<LeadEvent> events, CancellationToken cancellationToken = default) => inner.AddEventsAsync(events, cancellationToken);

        public IAsyncEnumerable<LeadEvent> GetEventsAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default) => inner.GetEventsAsync(userId, leadMemoryId, cancellationToken);
    }
}

public sealed class InMemoryConnectionRegistryTests : ConnectionRegistryContract
{
    protected override Task<ICrmConnectionRegistry> CreateRegistryAsync(TimeProvider time) => Task.FromResult<ICrmConnectionRegistry>(new InMemoryCrmConnectionRegistry(time));
}
