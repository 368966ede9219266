using Aria.CrmSync.Storage.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.PostgreSql;

/// <summary>
/// Least privilege on PostgreSQL: migrations run as the owner (<see cref="PostgreSqlStoreOptions.MigrationConnectionString"/>),
/// which creates the runtime role (<see cref="PostgreSqlStoreOptions.RuntimeRole"/>); the library runs as a login that is
/// only a member of it. Everything the stores do works, and every act that could rewrite history fails for that login:
/// UPDATE, DELETE, TRUNCATE, disabling or dropping the triggers, dropping the table, replication mode, taking ownership,
/// binding itself to a user, re-granting itself.
/// </summary>
[RequiresPostgres]
public sealed class PostgreSqlLeastPrivilegeTests : IAsyncLifetime
{
    private readonly LazyPostgresSchema _schema = new();

    private PostgresTestSchema Schema => _schema.Value;

    private string RuntimeRole => Schema.Name + "_rt";

    [Fact]
    public async Task RuntimeLogin_RunsTheWholeLibrary()
    {
        var (login, connectionString) = await SetUpAsync();
        await using var services = Services(connectionString);
        var audit = services.GetRequiredService<ICrmAuditService>();
        var states = services.GetRequiredService<ISyncStateStore>();
        var leads = services.GetRequiredService<ILeadMemoryStore>();

        await leads.InsertAsync(Lead("lead-1"));
        await leads.UpdateAsync(Lead("lead-1") with { Version = 1, CompanyName = "Renamed", CustomFields = new Dictionary<string, string?> { ["region"] = "APAC" } });
        await leads.AddEventsAsync([Event("lead-1", "1", T0)]);
        var state = await states.InsertAsync(State("lead-1"));
        await states.UpdateAsync(state with { RetryCount = 1 });
        await states.SaveCursorAsync(new SyncCursorRecord("k", "records", new CrmCursor(T0, null), T0));
        var lease = await states.TryAcquireLeaseAsync("sync:k", "w", TimeSpan.FromMinutes(1));
        await states.ReleaseLeaseAsync(lease!);
        await audit.LogManyAsync([Draft("u1"), Draft("u1")]);
        await audit.LogSyncOperationAsync("u1", "lead-1", CrmAuditOperation.Pull, CrmProvider.HubSpot, true);

        var verified = await audit.VerifyAsync("u1");
        Assert.True(verified.IsValid, verified.Message);
        Assert.Equal(3, verified.EntriesVerified);
        Assert.Equal(3, (await audit.QueryAuditLogAsync(new AuditQuery { UserId = "u1" })).Count);
        Assert.Equal("Renamed", (await leads.GetAsync("user-1", "lead-1"))!.CompanyName);
        Assert.Equal("APAC", (await leads.GetAsync("user-1", "lead-1"))!.CustomFields["region"]); // the runtime role writes custom_fields (0008)
        Assert.NotEqual(login, await ScalarAsync(Schema.ConnectionString, $"SELECT tableowner FROM pg_tables WHERE schemaname = '{Schema.Name}' AND tablename = 'crm_audit_log'"));
    }

    [Fact]
    public async Task RuntimeLogin_ClaimsRenewsCompletesAndReleasesConnectionLeases()
    {
        var (_, connectionString) = await SetUpAsync();
        await using var runtime = Services(connectionString);
        var registry = runtime.GetRequiredService<ICrmConnectionRegistry>();
        var scheduler = runtime.GetRequiredService<ICrmConnectionScheduler>();
        await registry.AddAsync("u1", CrmProvider.HubSpot);
        await registry.AddAsync("u2", CrmProvider.Salesforce);
        Assert.True(await scheduler.SetTenantAsync("u1", CrmProvider.HubSpot, "tenant-1"));

        var claimed = await scheduler.ClaimDueAsync("runtime-worker", 10, 2, TimeSpan.FromSeconds(30));
        var renewed = await scheduler.RenewAsync("runtime-worker", TimeSpan.FromSeconds(30));
        Assert.True(await scheduler.CompleteAsync(claimed[0], DateTimeOffset.UnixEpoch.AddYears(60), synced: true));
        var released = await scheduler.ReleaseAllAsync("runtime-worker");

        Assert.Equal(2, claimed.Count);
        Assert.Equal(2, renewed.Count);
        Assert.Equal(1, released);
    }

    public static TheoryData<string> ForbiddenActs => new()
    {
        "UPDATE {0}.crm_audit_log SET success = false",
        "DELETE FROM {0}.crm_audit_log",
        "TRUNCATE {0}.crm_audit_log",
        "ALTER TABLE {0}.crm_audit_log DISABLE TRIGGER ALL",
        "ALTER TABLE {0}.crm_audit_log DISABLE TRIGGER crm_audit_log_append_only",
        "DROP TRIGGER crm_audit_log_append_only ON {0}.crm_audit_log",
        "DROP TABLE {0}.crm_audit_log",
        "ALTER TABLE {0}.crm_audit_log OWNER TO CURRENT_USER",
        "SET session_replication_role = replica",
        "CREATE OR REPLACE FUNCTION {0}.crm_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "INSERT INTO {0}.crm_sync_role_users (role_name, user_id) VALUES (CURRENT_USER, 'u1')",
        "UPDATE {0}.crm_sync_settings SET value = 'true'",
        "SELECT {0}.crm_sync_grant_runtime(CURRENT_USER::text)",
        "ALTER TABLE {0}.crm_audit_log NO FORCE ROW LEVEL SECURITY",
    };

    [Theory]
    [MemberData(nameof(ForbiddenActs))]
    public async Task RuntimeLogin_CannotRewriteHistory(string act)
    {
        var (_, connectionString) = await SetUpAsync();
        await using (var services = Services(connectionString))
        {
            await services.GetRequiredService<ICrmAuditService>().LogManyAsync([Draft("u1"), Draft("u1")]);
        }

        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connectionString, string.Format(System.Globalization.CultureInfo.InvariantCulture, act, Schema.Name)));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Equal("2", await ScalarAsync(Schema.ConnectionString, $"SELECT count(*) FROM {Schema.Name}.crm_audit_log"));
        Assert.Equal("O", await ScalarAsync(Schema.ConnectionString, $"SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'crm_audit_log_append_only' AND tgrelid = '{Schema.Name}.crm_audit_log'::regclass"));
    }

    [Fact]
    public async Task RuntimeRole_HasExactlySelectAndInsertOnTheAuditLog()
    {
        await SetUpAsync();

        var privileges = await ScalarAsync(Schema.ConnectionString, $"SELECT string_agg(privilege_type, ',' ORDER BY privilege_type) FROM information_schema.role_table_grants WHERE table_schema = '{Schema.Name}' AND table_name = 'crm_audit_log' AND grantee = '{RuntimeRole}'");
        var attributes = await ScalarAsync(Schema.ConnectionString, $"SELECT rolsuper::text || rolbypassrls::text || rolcanlogin::text || rolcreaterole::text FROM pg_roles WHERE rolname = '{RuntimeRole}'");

        Assert.Equal("INSERT,SELECT", privileges);
        Assert.Equal("falsefalsefalsefalse", attributes);
    }

    [Fact]
    public void Options_RefuseARuntimeRoleThatIsNotAPlainIdentifier()
    {
        var error = PostgreSqlStoreOptionsValidator.Check(new PostgreSqlStoreOptions { ConnectionString = "Host=x", RuntimeRole = "x; DROP ROLE postgres" });

        Assert.Contains("RuntimeRole", error, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    /// <summary>Migrates as the owner with the runtime role configured, and returns a login that is a member of that role only.</summary>
    private async Task<(string Login, string ConnectionString)> SetUpAsync()
    {
        var (login, connectionString) = await Schema.CreateLoginRoleAsync();
        Schema.DropWithSchema(RuntimeRole);
        await using (var owner = Services(connectionString))
        {
            await owner.GetRequiredService<PostgreSqlDatabase>().EnsureInitializedAsync(CancellationToken.None);
        }

        await Schema.ExecuteAsync($"GRANT {RuntimeRole} TO {login}");
        return (login, connectionString);
    }

    private ServiceProvider Services(string runtimeConnectionString)
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryConnections().UsePostgreSqlStores(o =>
        {
            o.ConnectionString = runtimeConnectionString;
            o.MigrationConnectionString = Schema.ConnectionString;
            o.RuntimeRole = RuntimeRole;
            o.Schema = Schema.Name;
        });
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
