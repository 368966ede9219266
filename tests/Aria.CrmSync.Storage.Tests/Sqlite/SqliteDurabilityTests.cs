using System.Data.Common;
using Aria.CrmSync.Storage.Sqlite;
using Aria.CrmSync.Storage.Tests.Durability;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Sqlite;

public sealed class SqliteDurabilityTests : DurableStoreTests, IDisposable
{
    private readonly SqliteTestFile _file = new();

    protected override string Kind => "sqlite";

    protected override (string ConnectionString, string Schema) ChildTarget => (_file.ConnectionString, "-");

    protected override void UseStores(IAriaCrmSyncBuilder builder) => builder.UseSqliteStores(_file.ConnectionString);

    protected override (ISyncStateStore SyncStates, IAuditStore Audit, ILeadMemoryStore Leads) OpenInstance()
    {
        var database = _file.Open();
        return (new SqliteSyncStateStore(database, TimeProvider.System), new SqliteAuditStore(database), new SqliteLeadMemoryStore(database));
    }

    protected override async Task<DbConnection> ConnectRawAsync()
    {
        var connection = new SqliteConnection(_file.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    protected override string Table(string name) => name;

    protected override Task TamperAsync(string sql)
        => ExecuteRawAsync($"DROP TRIGGER crm_audit_log_no_update; DROP TRIGGER crm_audit_log_no_delete; {sql};");

    protected override Task MigrateNewInstanceAsync()
    {
        _file.Open().EnsureInitialized();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("INSERT OR REPLACE INTO crm_audit_log ({0}) SELECT {0} FROM crm_audit_log WHERE sequence = 1")]
    [InlineData("REPLACE INTO crm_audit_log ({0}) SELECT {0} FROM crm_audit_log WHERE sequence = 1")]
    [InlineData("INSERT OR REPLACE INTO crm_audit_log ({0}) SELECT 'new-id', user_id, lead_memory_id, operation, provider, 0, details, 'rewritten', created_at, sequence, previous_hash, hash FROM crm_audit_log WHERE sequence = 1")]
    [InlineData("UPDATE OR REPLACE crm_audit_log SET error_message = 'rewritten' WHERE sequence = 1")]
    public async Task AuditLog_ConflictClauses_CannotRewriteARow(string sql)
    {
        var (_, audit, _) = OpenInstance();
        var entry = (await audit.AppendAsync([Draft("u1")], Aria.CrmSync.Auditing.CrmAuditService.Sealer))[0];

        var error = await Assert.ThrowsAsync<SqliteException>(() => ExecuteRawAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, "id, user_id, lead_memory_id, operation, provider, success, details, error_message, created_at, sequence, previous_hash, hash")));

        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        Assert.Equal(Json(entry), Json(Assert.Single(await audit.ReadChainAsync("u1").ToListAsync())));
    }

    [Fact]
    public async Task Connections_UseWalWithNormalSynchronousAndABusyTimeout()
    {
        var database = _file.Open();
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode; PRAGMA synchronous; PRAGMA busy_timeout;";
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        do
        {
            while (reader.Read())
            {
                values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
            }
        }
        while (reader.NextResult());

        Assert.Equal(["wal", "1", "30000"], values); // synchronous 1 = NORMAL
        await Task.CompletedTask;
    }

    [Fact]
    public async Task AbandonedTransaction_IsNeverVisible_AndTheChainContinues()
    {
        var (_, audit, _) = OpenInstance();
        var first = (await audit.AppendAsync([Draft("u1")], Auditing.CrmAuditService.Sealer))[0];

        // A writer that inserted the next entry but never committed (its connection dropped).
        var forged = Auditing.CrmAuditService.Sealer.Seal(Draft("u1"), 2, first.Hash);
        using (var connection = new SqliteConnection(_file.ConnectionString + ";Pooling=False"))
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO crm_audit_log (id, user_id, operation, provider, success, details, created_at, sequence, previous_hash, hash) VALUES (@id, 'u1', 'pull', 'salesforce', 1, '{}', '2026-01-01T00:00:00.0000000Z', 2, @previous, @hash)";
            insert.Parameters.AddWithValue("@id", forged.Id);
            insert.Parameters.AddWithValue("@previous", first.Hash);
            insert.Parameters.AddWithValue("@hash", forged.Hash);
            insert.ExecuteNonQuery();
        }

        Assert.Single(await audit.ReadChainAsync("u1").ToListAsync());
        var next = await audit.AppendAsync([Draft("u1")], Auditing.CrmAuditService.Sealer);
        Assert.Equal(2, next[0].Sequence);
        Assert.NotEqual(forged.Id, next[0].Id);
    }

    [Fact]
    public void UseSqliteStores_RegistersTheThreeSqliteStores_ReplacingEarlierOnes()
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().UseSqliteStores(_file.ConnectionString);
        using var provider = services.BuildServiceProvider();

        Assert.IsType<SqliteSyncStateStore>(provider.GetRequiredService<ISyncStateStore>());
        Assert.IsType<SqliteAuditStore>(provider.GetRequiredService<IAuditStore>());
        Assert.IsType<SqliteLeadMemoryStore>(provider.GetRequiredService<ILeadMemoryStore>());
        Assert.Single(services, d => d.ServiceType == typeof(IAuditStore));
    }

    [Theory]
    [InlineData("Data Source=:memory:")]
    [InlineData("Data Source=x.db;Mode=ReadOnly")]
    [InlineData("")]
    public void UseSqliteStores_InvalidOptions_FailValidation(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseSqliteStores(o => o.ConnectionString = connectionString);
        using var provider = services.BuildServiceProvider();

        Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<SqliteStoreOptions>>().Value);
    }

    [Fact]
    public void UseSqliteStores_NullArguments_Throw()
    {
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => SqliteAriaCrmSyncBuilderExtensions.UseSqliteStores(null!, "Data Source=x.db")).ParamName);
        var builder = new ServiceCollection().AddAriaCrmSync();
        Assert.Equal("connectionString", Assert.Throws<ArgumentException>(() => builder.UseSqliteStores(string.Empty)).ParamName);
        Assert.Equal("configure", Assert.Throws<ArgumentNullException>(() => builder.UseSqliteStores((Action<SqliteStoreOptions>)null!)).ParamName);
    }

    public void Dispose() => _file.Dispose();
}
