using Aria.CrmSync.Storage.Sqlite;
using Aria.CrmSync.Storage.Tests.Contracts;

namespace Aria.CrmSync.Storage.Tests.Sqlite;

public sealed class SqliteSyncStateStoreTests : SyncStateStoreContract, IDisposable
{
    private readonly SqliteTestFile _file = new();

    protected override Task<ISyncStateStore> CreateStoreAsync(TimeProvider time) => Task.FromResult<ISyncStateStore>(new SqliteSyncStateStore(_file.Open(), time));

    public void Dispose() => _file.Dispose();
}

public sealed class SqliteAuditStoreTests : AuditStoreContract, IDisposable
{
    private readonly SqliteTestFile _file = new();

    protected override Task<IAuditStore> CreateStoreAsync() => Task.FromResult<IAuditStore>(new SqliteAuditStore(_file.Open()));

    public void Dispose() => _file.Dispose();
}

public sealed class SqliteLeadMemoryStoreTests : LeadMemoryStoreContract, IDisposable
{
    private readonly SqliteTestFile _file = new();

    protected override Task<ILeadMemoryStore> CreateStoreAsync() => Task.FromResult<ILeadMemoryStore>(new SqliteLeadMemoryStore(_file.Open()));

    public void Dispose() => _file.Dispose();
}

public sealed class SqliteConnectionRegistryTests : ConnectionRegistryContract, IDisposable
{
    private readonly SqliteTestFile _file = new();

    protected override Task<ICrmConnectionRegistry> CreateRegistryAsync(TimeProvider time) => Task.FromResult<ICrmConnectionRegistry>(new SqliteConnectionRegistry(_file.Open(), time));

    public void Dispose() => _file.Dispose();
}

public sealed class SqliteConnectionSchedulerTests : ConnectionSchedulerContract, IDisposable
{
    private readonly SqliteTestFile _file = new();

    protected override Task<ICrmConnectionRegistry> CreateRegistryAsync(TimeProvider time) => Task.FromResult<ICrmConnectionRegistry>(new SqliteConnectionRegistry(_file.Open(), time));

    public void Dispose() => _file.Dispose();
}
