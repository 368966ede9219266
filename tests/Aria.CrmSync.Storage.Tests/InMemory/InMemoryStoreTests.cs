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

public sealed class InMemoryConnectionRegistryTests : ConnectionRegistryContract
{
    protected override Task<ICrmConnectionRegistry> CreateRegistryAsync(TimeProvider time) => Task.FromResult<ICrmConnectionRegistry>(new InMemoryCrmConnectionRegistry(time));
}
