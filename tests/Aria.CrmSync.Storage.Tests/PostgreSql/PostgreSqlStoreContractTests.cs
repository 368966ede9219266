using Aria.CrmSync.Storage.PostgreSql;
using Aria.CrmSync.Storage.Tests.Contracts;

namespace Aria.CrmSync.Storage.Tests.PostgreSql;

[RequiresPostgres]
public sealed class PostgreSqlSyncStateStoreTests : SyncStateStoreContract, IAsyncLifetime
{
    private readonly LazyPostgresSchema _schema = new();

    protected override Task<ISyncStateStore> CreateStoreAsync(TimeProvider time) => Task.FromResult<ISyncStateStore>(new PostgreSqlSyncStateStore(_schema.Value.Open(), time));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}

[RequiresPostgres]
public sealed class PostgreSqlAuditStoreTests : AuditStoreContract, IAsyncLifetime
{
    private readonly LazyPostgresSchema _schema = new();

    protected override Task<IAuditStore> CreateStoreAsync() => Task.FromResult<IAuditStore>(new PostgreSqlAuditStore(_schema.Value.Open()));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}

[RequiresPostgres]
public sealed class PostgreSqlLeadMemoryStoreTests : LeadMemoryStoreContract, IAsyncLifetime
{
    private readonly LazyPostgresSchema _schema = new();

    protected override Task<ILeadMemoryStore> CreateStoreAsync() => Task.FromResult<ILeadMemoryStore>(new PostgreSqlLeadMemoryStore(_schema.Value.Open()));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}

[RequiresPostgres]
public sealed class PostgreSqlConnectionRegistryTests : ConnectionRegistryContract, IAsyncLifetime
{
    private readonly LazyPostgresSchema _schema = new();

    protected override Task<ICrmConnectionRegistry> CreateRegistryAsync(TimeProvider time) => Task.FromResult<ICrmConnectionRegistry>(new PostgreSqlConnectionRegistry(_schema.Value.Open(), time));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}

[RequiresPostgres]
public sealed class PostgreSqlConnectionSchedulerTests : ConnectionSchedulerContract, IAsyncLifetime
{
    private readonly LazyPostgresSchema _schema = new();

    protected override Task<ICrmConnectionRegistry> CreateRegistryAsync(TimeProvider time) => Task.FromResult<ICrmConnectionRegistry>(new PostgreSqlConnectionRegistry(_schema.Value.Open(), time));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
