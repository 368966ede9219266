using System.Data.Common;
using Aria.CrmSync.Auditing;
using Aria.CrmSync.Storage.PostgreSql;
using Aria.CrmSync.Storage.Tests.Durability;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.PostgreSql;

[RequiresPostgres]
public sealed class PostgreSqlDurabilityTests : DurableStoreTests, IAsyncLifetime
{
    private readonly LazyPostgresSchema _schema = new();

    private PostgresTestSchema Schema => _schema.Value;

    protected override string Kind => "postgres";

    protected override long[] MigrationVersions => [1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L];

    protected override (string ConnectionString, string Schema) ChildTarget => (Schema.ConnectionString, Schema.Name);

    protected override void UseStores(IAriaCrmSyncBuilder builder)
        => builder.UsePostgreSqlStores(o =>
        {
            o.ConnectionString = Schema.ConnectionString;
            o.Schema = Schema.Name;
        });

    protected override (ISyncStateStore SyncStates, IAuditStore Audit, ILeadMemoryStore Leads) OpenInstance()
    {
        var database = Schema.Open(ownPool: true);
        return (new PostgreSqlSyncStateStore(database, TimeProvider.System), new PostgreSqlAuditStore(database), new PostgreSqlLeadMemoryStore(database));
    }

    protected override async Task<DbConnection> ConnectRawAsync() => await Schema.ConnectAsync();

    protected override string Table(string name) => $"{Schema.Name}.{name}";

    protected override Task TamperAsync(string sql)
        => ExecuteRawAsync($"SET session_replication_role = replica; {sql}; RESET session_replication_role;");

    protected override Task MigrateNewInstanceAsync() => Schema.Open(ownPool: true).EnsureInitializedAsync(CancellationToken.None);

    [Fact]
    public async Task AuditLog_TruncateIsRefused_AndGrantedRolesCannotUpdateOrDelete()
    {
        var (_, audit, _) = OpenInstance();
        await audit.AppendAsync([Draft("u1")], CrmAuditService.Sealer);
        var truncate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteRawAsync($"TRUNCATE {Table("crm_audit_log")}"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, truncate.SqlState);

        // A role granted ALL on the table (as Supabase grants new tables) that claims to be the service role still cannot
        // rewrite history: the claim is not trusted on plain PostgreSQL (no row is visible to change), and the trigger
        // refuses whatever is visible (the owner's own UPDATE is refused in AuditLog_UpdateAndDelete_AreRefusedByTheDatabase).
        var role = await Schema.CreateRoleAsync();
        await ExecuteRawAsync($"GRANT ALL ON {Table("crm_audit_log")} TO {role}");
        var before = Json(Assert.Single(await audit.ReadChainAsync("u1").ToListAsync()));
        await ExecuteRawAsync($"SET ROLE {role}; SELECT set_config('request.jwt.claims', '{{\"role\":\"service_role\"}}', false); UPDATE {Table("crm_audit_log")} SET success = false; DELETE FROM {Table("crm_audit_log")}; RESET ROLE;");
        Assert.Equal(before, Json(Assert.Single(await audit.ReadChainAsync("u1").ToListAsync())));
    }

    [Fact]
    public async Task RowLevelSecurity_NonServiceRole_SeesOnlyTheRowsOfTheUserItIsBoundTo_WhateverItSets()
    {
        var alice = Guid.NewGuid().ToString();
        var bob = Guid.NewGuid().ToString();
        var (_, audit, _) = OpenInstance();
        await audit.AppendAsync([Draft(alice), Draft(bob), Draft(alice), Draft(bob)], CrmAuditService.Sealer);
        var role = await Schema.CreateRoleAsync();
        var unbound = await Schema.CreateRoleAsync();
        await ExecuteRawAsync($"GRANT SELECT ON {Table("crm_audit_log")} TO {role}, {unbound}; INSERT INTO {Table("crm_sync_role_users")} (role_name, user_id) VALUES ('{role}', '{alice}')");

        async Task<List<string>> UsersVisibleAs(string asRole, string settings)
        {
            await using var connection = await Schema.ConnectAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var setRole = new NpgsqlCommand($"SET LOCAL ROLE {asRole}; {settings}", connection, transaction))
            {
                await setRole.ExecuteNonQueryAsync();
            }

            await using var query = new NpgsqlCommand($"SELECT user_id FROM {Table("crm_audit_log")}", connection, transaction);
            await using var reader = await query.ExecuteReaderAsync();
            var users = new List<string>();
            while (await reader.ReadAsync())
            {
                users.Add(reader.GetString(0));
            }

            return users;
        }

        Assert.Equal([alice, alice], await UsersVisibleAs(role, "SELECT 1;"));

        // Any role can set request.jwt.claims (or the older claim settings): on plain PostgreSQL nothing it sets counts.
        Assert.Equal([alice, alice], await UsersVisibleAs(role, $"SELECT set_config('request.jwt.claims', '{{\"sub\":\"{bob}\",\"role\":\"authenticated\"}}', true);"));
        Assert.Equal([alice, alice], await UsersVisibleAs(role, $"SELECT set_config('request.jwt.claim.sub', '{bob}', true), set_config('request.jwt.claim.role', 'service_role', true);"));
        Assert.Empty(await UsersVisibleAs(unbound, $"SELECT set_config('request.jwt.claims', '{{\"sub\":\"{bob}\",\"role\":\"service_role\"}}', true);"));

        // Nor can it bind itself, or change who it is bound to.
        await Assert.ThrowsAsync<PostgresException>(() => UsersVisibleAs(unbound, $"INSERT INTO {Table("crm_sync_role_users")} VALUES ('{unbound}', '{bob}');"));
        await Assert.ThrowsAsync<PostgresException>(() => UsersVisibleAs(role, $"UPDATE {Table("crm_sync_role_users")} SET user_id = '{bob}';"));
        await Assert.ThrowsAsync<PostgresException>(() => UsersVisibleAs(role, $"UPDATE {Table("crm_sync_settings")} SET value = 'true';"));
    }

    [Fact]
    public async Task AbandonedTransaction_HoldingTheChainLock_IsRolledBackWhenItsSessionDies()
    {
        var (_, audit, _) = OpenInstance();
        var first = (await audit.AppendAsync([Draft("u1")], CrmAuditService.Sealer))[0];
        var forged = CrmAuditService.Sealer.Seal(Draft("u1"), 2, first.Hash);

        // A writer takes u1's chain lock (the store's protocol), inserts the next entry, and never commits.
        await using var writer = new NpgsqlConnection(Schema.ConnectionString + ";Pooling=false");
        await writer.OpenAsync();
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            $"SELECT pg_advisory_xact_lock(hashtextextended(@prefix || 'u1', 0)); " +
            $"INSERT INTO {Table("crm_audit_log")} (id, user_id, operation, provider, details, created_at, sequence, previous_hash, hash) VALUES (@id, 'u1', 'pull', 'salesforce', '{{}}', now(), 2, @previous, @hash);",
            writer,
            transaction))
        {
            insert.Parameters.AddWithValue("@prefix", Schema.Name + ":");
            insert.Parameters.AddWithValue("@id", forged.Id);
            insert.Parameters.AddWithValue("@previous", first.Hash);
            insert.Parameters.AddWithValue("@hash", forged.Hash);
            await insert.ExecuteNonQueryAsync();
        }

        // An appender waits for the lock; the writer's session dies (its backend is terminated) without committing.
        var pending = audit.AppendAsync([Draft("u1")], CrmAuditService.Sealer).AsTask();
        await Task.Delay(200);
        Assert.False(pending.IsCompleted);
        await ExecuteRawAsync($"SELECT pg_terminate_backend({writer.ProcessID})");

        var appended = await pending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, appended[0].Sequence);
        Assert.DoesNotContain(await audit.ReadChainAsync("u1").ToListAsync(), e => e.Id == forged.Id);
        await AssertChainVerifiesAsync("u1", 2);
    }

    [Fact]
    public async Task Schema_KeepsTheSeedContract()
    {
        await MigrateNewInstanceAsync();
        var s = Schema.Name;
        async Task<HashSet<string>> Column(string sql) => (await QueryRawAsync(sql)).Select(r => Convert.ToString(r[0], System.Globalization.CultureInfo.InvariantCulture)!).ToHashSet();

        var syncColumns = await Column($"SELECT column_name FROM information_schema.columns WHERE table_schema = '{s}' AND table_name = 'lead_memory_crm_sync'");
        Assert.Superset(new HashSet<string> { "id", "lead_memory_id", "status", "sync_direction", "last_sync_at", "last_push_at", "last_pull_at", "pending_changes", "conflict_log", "error_message", "retry_count", "created_at", "updated_at", "version", "base_snapshot", "outbox", "next_attempt_at", "user_id", "provider", "crm_id" }, syncColumns);
        var auditColumns = await Column($"SELECT column_name FROM information_schema.columns WHERE table_schema = '{s}' AND table_name = 'crm_audit_log'");
        Assert.Superset(new HashSet<string> { "id", "user_id", "lead_memory_id", "operation", "provider", "success", "details", "error_message", "created_at", "sequence", "previous_hash", "hash" }, auditColumns);

        var indexes = (await QueryRawAsync($"SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '{s}'")).ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
        Assert.Superset(new HashSet<string> { "idx_crm_audit_user", "idx_crm_audit_lead", "idx_crm_audit_operation", "idx_crm_audit_provider", "idx_crm_audit_time", "idx_crm_audit_user_lead", "crm_audit_log_user_sequence_key", "idx_crm_sync_status_retry", "ux_crm_sync_lead_events_external" }, indexes.Keys.ToHashSet());
        Assert.Contains("WHERE (status = ANY (ARRAY['error'::text, 'pending'::text]))", indexes["idx_crm_sync_status_retry"], StringComparison.Ordinal);
        Assert.Contains("UNIQUE", indexes["crm_audit_log_user_sequence_key"], StringComparison.Ordinal);

        var comments = await Column($"SELECT coalesce(col_description(c.oid, a.attnum), obj_description(c.oid, 'pg_class')) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 WHERE n.nspname = '{s}' AND c.relname IN ('crm_audit_log', 'lead_memory_crm_sync')");
        Assert.Superset(
            new HashSet<string>
            {
                "Immutable audit trail for all CRM synchronization operations.",
                "push (ARIA→CRM), pull (CRM→ARIA), conflict_detected, conflict_resolved, error, retry.",
                "CRM provider: salesforce or hubspot.",
                "Operation-specific details: fields synced, conflict resolution, etc.",
                "Number of retry attempts after sync failure. Max 5.",
            },
            comments);

        var policies = await Column($"SELECT policyname FROM pg_policies WHERE schemaname = '{s}' AND tablename = 'crm_audit_log'");
        Assert.Equal(["Users read own rows"], policies); // no policy trusts a claim a session can set (no service_role on plain PostgreSQL)
        Assert.Equal(["True"], await Column($"SELECT relrowsecurity FROM pg_class WHERE oid = '{s}.crm_audit_log'::regclass"));
    }

    [Fact]
    public async Task MigrationScript_AppliedByHand_IsRecognised_AndSafeToApplyAgain()
    {
        // The supabase db push path: the plain scripts, run twice, in the session's default schema.
        var script = string.Join("\n", PostgreSqlMigrator.Scripts.Select(s => s.Sql));
        await ExecuteRawAsync($"CREATE SCHEMA {Schema.Name}; SET search_path TO {Schema.Name}; {script}");
        await ExecuteRawAsync($"SET search_path TO {Schema.Name}; {script}");

        await Schema.Open(runMigrations: false).EnsureInitializedAsync(CancellationToken.None);
        var (syncStates, _, _) = OpenInstance();
        Assert.Equal(1, (await syncStates.InsertAsync(State("lead-1"))).Version);
    }

    [Fact]
    public async Task RunMigrationsOnStartOff_UnmigratedSchema_FailsClearly()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Schema.Open(runMigrations: false).EnsureInitializedAsync(CancellationToken.None));
        Assert.Contains("0001_initial", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsePostgreSqlStores_RegistersTheThreeStores_AndValidatesTheSchemaName()
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UsePostgreSqlStores(o =>
        {
            o.ConnectionString = Schema.ConnectionString;
            o.Schema = "bad-name; drop table x";
        });
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(IAuditStore));
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<PostgreSqlStoreOptions>>().Value);
        Assert.Contains("Schema", error.Message, StringComparison.Ordinal);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => PostgreSqlAriaCrmSyncBuilderExtensions.UsePostgreSqlStores(null!, "Host=x")).ParamName);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
