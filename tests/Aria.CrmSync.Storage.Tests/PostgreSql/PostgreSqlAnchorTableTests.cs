using Aria.CrmSync.Storage.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.PostgreSql;

/// <summary>
/// The PostgreSQL anchor table (migration 0004, <c>UsePostgreSqlAuditAnchorSink</c>): anchors are inserted only through
/// the anchor-writer login, the library's runtime login reads them and verifies against them, and every act by which
/// the runtime login could write, change or remove an anchor fails; the writer cannot change or remove them either.
/// </summary>
[RequiresPostgres]
public sealed class PostgreSqlAnchorTableTests : IAsyncLifetime
{
    private readonly LazyPostgresSchema _schema = new();

    private PostgresTestSchema Schema => _schema.Value;

    private string RuntimeRole => Schema.Name + "_rt";

    private string WriterRole => Schema.Name + "_aw";

    [Fact]
    public async Task Anchors_WrittenByTheWriterLogin_AreVerifiedThroughTheRuntimeLogin()
    {
        var (runtime, writer) = await SetUpAsync();
        await using var services = Services(runtime.ConnectionString, writer.ConnectionString);
        var audit = services.GetRequiredService<ICrmAuditService>();

        await audit.LogManyAsync([Draft("u1"), Draft("u1")]);
        var exported = await audit.ExportAnchorAsync("u1");

        Assert.Equal($"2|{writer.Login}", await ScalarAsync(Schema.ConnectionString, $"SELECT count(*) || '|' || min(written_by) FROM {Schema.Name}.crm_audit_anchors WHERE user_id = 'u1' AND sequence = 2"));
        var anchors = new List<AuditChainAnchor>();
        await foreach (var anchor in services.GetRequiredService<IAuditAnchorSink>().ReadAsync("u1"))
        {
            anchors.Add(anchor);
        }

        Assert.Equal(exported, anchors[^1]);
        var result = await audit.VerifyAgainstAnchorsAsync("u1");
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(2, result.AnchorsChecked);
    }

    [Fact]
    public async Task Rfc3161StampedAnchors_KeepTheirTokenInTheTable_AndVerify()
    {
        var (runtime, writer) = await SetUpAsync();
        using var tsa = new Aria.CrmSync.Testing.LocalTimestampAuthority();
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryConnections().UsePostgreSqlStores(o =>
        {
            o.ConnectionString = runtime.ConnectionString;
            o.Schema = Schema.Name;
            o.RunMigrationsOnStart = false;
        }).UsePostgreSqlAuditAnchorSink(writer.ConnectionString)
          .UseRfc3161AuditAnchorSink(tsa.BaseAddress, [tsa.Certificate], client => client.ConfigurePrimaryHttpMessageHandler(tsa.CreateHandler));
        await using var provider = services.BuildServiceProvider();
        var audit = provider.GetRequiredService<ICrmAuditService>();

        await audit.LogSyncOperationAsync("u1", "lead-1", CrmAuditOperation.Pull, CrmProvider.HubSpot, true);

        Assert.Equal("1", await ScalarAsync(Schema.ConnectionString, $"SELECT count(*) FROM {Schema.Name}.crm_audit_anchors WHERE user_id = 'u1' AND timestamp_token IS NOT NULL"));
        Assert.True((await audit.VerifyAgainstAnchorsAsync("u1")).IsValid);
        Assert.Equal(1, tsa.RequestCount);
    }

    [Fact]
    public async Task RuntimeLogin_ConfiguredAsTheWriter_GetsATypedError()
    {
        var (runtime, _) = await SetUpAsync();
        await using var services = Services(runtime.ConnectionString, runtime.ConnectionString);
        var sink = services.GetRequiredService<IAuditAnchorSink>();

        var error = await Assert.ThrowsAsync<CrmSyncStoreException>(() => sink.WriteAsync(new AuditChainAnchor { Head = new AuditChainHead("u1", 1, new string('a', 64)), IssuedAt = T0 }).AsTask());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, Assert.IsType<PostgresException>(error.InnerException).SqlState);
        Assert.Equal("0", await ScalarAsync(Schema.ConnectionString, $"SELECT count(*) FROM {Schema.Name}.crm_audit_anchors"));
    }

    public static TheoryData<string, string> ForbiddenActs => new()
    {
        { "runtime", "INSERT INTO {0}.crm_audit_anchors (user_id, sequence, hash, issued_at) VALUES ('u1', 9, 'x', '2026-01-01T00:00:00.0000000Z')" },
        { "runtime", "UPDATE {0}.crm_audit_anchors SET hash = 'x'" },
        { "runtime", "DELETE FROM {0}.crm_audit_anchors" },
        { "runtime", "TRUNCATE {0}.crm_audit_anchors" },
        { "runtime", "ALTER TABLE {0}.crm_audit_anchors DISABLE TRIGGER ALL" },
        { "runtime", "DROP TRIGGER crm_audit_anchors_append_only ON {0}.crm_audit_anchors" },
        { "runtime", "DROP TABLE {0}.crm_audit_anchors" },
        { "runtime", "ALTER TABLE {0}.crm_audit_anchors OWNER TO CURRENT_USER" },
        { "runtime", "SELECT {0}.crm_sync_grant_anchor_writer(CURRENT_USER::text)" },
        { "runtime", "CREATE OR REPLACE FUNCTION {0}.crm_audit_anchors_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$" },
        { "writer", "UPDATE {0}.crm_audit_anchors SET hash = 'x'" },
        { "writer", "DELETE FROM {0}.crm_audit_anchors" },
        { "writer", "TRUNCATE {0}.crm_audit_anchors" },
        { "writer", "ALTER TABLE {0}.crm_audit_anchors DISABLE TRIGGER ALL" },
        { "writer", "DROP TABLE {0}.crm_audit_anchors" },
        { "writer", "SELECT count(*) FROM {0}.crm_audit_log" },
        { "writer", "SELECT {0}.crm_sync_grant_anchor_reader(CURRENT_USER::text)" },
    };

    [Theory]
    [MemberData(nameof(ForbiddenActs))]
    public async Task NoLogin_CanRewriteAnchors(string who, string act)
    {
        var (runtime, writer) = await SetUpAsync();
        await using (var services = Services(runtime.ConnectionString, writer.ConnectionString))
        {
            await services.GetRequiredService<ICrmAuditService>().LogManyAsync([Draft("u1"), Draft("u1")]);
        }

        var before = await ScalarAsync(Schema.ConnectionString, $"SELECT string_agg(user_id || sequence || hash, ',' ORDER BY id) FROM {Schema.Name}.crm_audit_anchors");
        var login = who == "runtime" ? runtime.ConnectionString : writer.ConnectionString;

        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(login, string.Format(System.Globalization.CultureInfo.InvariantCulture, act, Schema.Name)));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.NotNull(before);
        Assert.Equal(before, await ScalarAsync(Schema.ConnectionString, $"SELECT string_agg(user_id || sequence || hash, ',' ORDER BY id) FROM {Schema.Name}.crm_audit_anchors"));
        Assert.Equal("O", await ScalarAsync(Schema.ConnectionString, $"SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'crm_audit_anchors_append_only' AND tgrelid = '{Schema.Name}.crm_audit_anchors'::regclass"));
    }

    [Fact]
    public async Task Roles_HaveExactlyTheirPrivilegesOnTheAnchorTable_AndTriggersBindTheOwner()
    {
        await SetUpAsync();

        Assert.Equal("SELECT", await Privileges(RuntimeRole));
        Assert.Equal("INSERT,SELECT", await Privileges(WriterRole));
        Assert.Equal("falsefalsefalse", await ScalarAsync(Schema.ConnectionString, $"SELECT rolsuper::text || rolbypassrls::text || rolcanlogin::text FROM pg_roles WHERE rolname = '{WriterRole}'"));
        await ExecuteAsync(Schema.ConnectionString, $"INSERT INTO {Schema.Name}.crm_audit_anchors (user_id, sequence, hash, issued_at) VALUES ('u1', 1, 'h', '2026-01-01T00:00:00.0000000Z')");
        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(Schema.ConnectionString, $"DELETE FROM {Schema.Name}.crm_audit_anchors"));
        Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_RefuseAWriterRoleThatIsTheRuntimeRole()
    {
        var error = PostgreSqlStoreOptionsValidator.Check(new PostgreSqlStoreOptions { ConnectionString = "Host=x", RuntimeRole = "r", AnchorWriterRole = "r" });

        Assert.Contains("AnchorWriterRole", error, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    private Task<string?> Privileges(string role)
        => ScalarAsync(Schema.ConnectionString, $"SELECT string_agg(privilege_type, ',' ORDER BY privilege_type) FROM information_schema.role_table_grants WHERE table_schema = '{Schema.Name}' AND table_name = 'crm_audit_anchors' AND grantee = '{role}'");

    /// <summary>Migrates as the owner with both roles configured; returns a login in the runtime role and one in the writer role.</summary>
    private async Task<((string Login, string ConnectionString) Runtime, (string Login, string ConnectionString) Writer)> SetUpAsync()
    {
        var runtime = await Schema.CreateLoginRoleAsync();
        var writer = await Schema.CreateLoginRoleAsync();
        Schema.DropWithSchema(RuntimeRole);
        Schema.DropWithSchema(WriterRole);
        await using (var owner = Services(runtime.ConnectionString, writer.ConnectionString))
        {
            await owner.GetRequiredService<PostgreSqlDatabase>().EnsureInitializedAsync(CancellationToken.None);
        }

        await Schema.ExecuteAsync($"GRANT {RuntimeRole} TO {runtime.Role}; GRANT {WriterRole} TO {writer.Role};");
        return ((runtime.Role, runtime.ConnectionString), (writer.Role, writer.ConnectionString));
    }

    private ServiceProvider Services(string runtimeConnectionString, string writerConnectionString)
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryConnections().UsePostgreSqlStores(o =>
        {
            o.ConnectionString = runtimeConnectionString;
            o.MigrationConnectionString = Schema.ConnectionString;
            o.RuntimeRole = RuntimeRole;
            o.AnchorWriterRole = WriterRole;
            o.Schema = Schema.Name;
        }).UsePostgreSqlAuditAnchorSink(writerConnectionString);
        return services.BuildServiceProvider();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
