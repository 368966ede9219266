using System.Data.Common;
using Aria.CrmSync.Auditing;
using Aria.CrmSync.Storage.Tests.CrashWriter;
using Microsoft.Extensions.DependencyInjection;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Durability;

/// <summary>
/// What a durable store adds to the port contracts, run against SQLite and PostgreSQL: state survives a restart, a
/// writer killed mid-batch leaves nothing half-written and loses nothing committed, the database itself refuses to
/// change audit rows, tampering behind the library's back is named by verification, unreadable rows raise a typed
/// error naming the row, and migrations are idempotent and safe to run concurrently.
/// </summary>
public abstract partial class DurableStoreTests
{
    /// <summary>Gets the store kind understood by <see cref="CrashWriterProcess"/>.</summary>
    protected abstract string Kind { get; }

    /// <summary>Gets the connection string and schema a child process uses.</summary>
    protected abstract (string ConnectionString, string Schema) ChildTarget { get; }

    /// <summary>Registers the store under test (a host's <c>UseXxxStores(...)</c> call).</summary>
    protected abstract void UseStores(IAriaCrmSyncBuilder builder);

    /// <summary>Opens a new, independent store instance (its own pool and write gate: as another process would).</summary>
    protected abstract (ISyncStateStore SyncStates, IAuditStore Audit, ILeadMemoryStore Leads) OpenInstance();

    /// <summary>Opens a raw connection with full rights (the file's owner, or a PostgreSQL superuser).</summary>
    protected abstract Task<DbConnection> ConnectRawAsync();

    /// <summary>Gets a table's name as raw SQL must write it.</summary>
    protected abstract string Table(string name);

    /// <summary>Runs <paramref name="sql"/> with the audit log's append-only triggers out of the way (what an attacker with full rights does).</summary>
    protected abstract Task TamperAsync(string sql);

    /// <summary>Runs the migrations of a new instance to completion.</summary>
    protected abstract Task MigrateNewInstanceAsync();

    /// <summary>Gets the migration versions the store's embedded scripts apply, in order.</summary>
    protected virtual long[] MigrationVersions => [1L, 2L, 3L, 4L, 5L, 6L, 7L];

    protected ServiceProvider BuildServices(Action<IAriaCrmSyncBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddAriaCrmSync().UseInMemoryConnections();
        UseStores(builder);
        configure?.Invoke(builder);
        return services.BuildServiceProvider();
    }

    protected async Task<int> ExecuteRawAsync(string sql)
    {
        await using var connection = await ConnectRawAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    protected async Task<List<object?[]>> QueryRawAsync(string sql)
    {
        await using var connection = await ConnectRawAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    [Fact]
    public async Task Restart_NewInstanceReadsBackEverythingWritten()
    {
        var state = Rich("lead-1");
        var cursor = new SyncCursorRecord("salesforce:u1", "records", new CrmCursor(T0.AddSeconds(7), "006B"), T0);
        IReadOnlyList<CrmAuditEntry> written;
        AuditChainHead head;
        SyncLease? lease;
        await using (var services = BuildServices())
        {
            var audit = services.GetRequiredService<ICrmAuditService>();
            await services.GetRequiredService<ISyncStateStore>().InsertAsync(state);
            await services.GetRequiredService<ISyncStateStore>().SaveCursorAsync(cursor);
            lease = await services.GetRequiredService<ISyncStateStore>().TryAcquireLeaseAsync("conn:1", "worker-a", TimeSpan.FromHours(1));
            await services.GetRequiredService<ILeadMemoryStore>().InsertAsync(Lead("lead-1"));
            await services.GetRequiredService<ILeadMemoryStore>().AddEventsAsync([Event("lead-1", "1", T0), Event("lead-1", "2", T0.AddHours(1))]);
            written = await audit.LogManyAsync([Draft("u1"), Draft("u1", "lead-2", CrmAuditOperation.Push), Draft("u2")]);
            head = await audit.GetChainHeadAsync("u1");
        }

        await using (var services = BuildServices())
        {
            var syncStates = services.GetRequiredService<ISyncStateStore>();
            Assert.Equal(Json(state with { Version = 1 }), Json(await syncStates.GetAsync("lead-1")));
            Assert.Equal(Json(cursor), Json(await syncStates.GetCursorAsync("salesforce:u1", "records")));
            Assert.Null(await syncStates.TryAcquireLeaseAsync("conn:1", "worker-b", TimeSpan.FromHours(1))); // still held
            Assert.NotNull(await syncStates.RenewLeaseAsync(lease!, TimeSpan.FromHours(1)));

            var leads = services.GetRequiredService<ILeadMemoryStore>();
            Assert.Equal(Json(Lead("lead-1") with { Version = 1 }), Json(await leads.GetAsync("user-1", "lead-1")));
            Assert.Equal(["1", "2"], (await leads.GetEventsAsync("user-1", "lead-1").ToListAsync()).Select(e => e.ExternalId));

            var audit = services.GetRequiredService<ICrmAuditService>();
            var chain = await services.GetRequiredService<IAuditStore>().ReadChainAsync("u1").ToListAsync();
            Assert.Equal(written.Where(e => e.UserId == "u1").Select(Json), chain.Select(Json));
            var verified = await audit.VerifyAsync("u1", head);
            Assert.True(verified.IsValid, verified.Message);
            Assert.Equal(2, verified.EntriesVerified);
            Assert.Equal(3, (await audit.LogManyAsync([Draft("u1")]))[0].Sequence);
        }
    }

    [Fact]
    public async Task Crash_WriterKilledMidBatch_LeavesWholeBatchesOnly()
    {
        var (connectionString, schema) = ChildTarget;
        var committed = await CrashWriterProcess.RunAndKillMidBatchAsync(Kind, connectionString, schema, hangAtBatch: 3);

        Assert.Equal(2, committed);
        var (_, audit, _) = OpenInstance();
        var perBatch = CrashWriterProcess.BatchSize * 3 / 4;
        var chain = await audit.ReadChainAsync(CrashWriterProcess.User).ToListAsync();
        Assert.Equal(Enumerable.Range(1, committed * perBatch).Select(i => (long)i), chain.Select(e => e.Sequence)); // nothing lost, nothing half-written
        Assert.Equal(committed * (CrashWriterProcess.BatchSize - perBatch), (await audit.GetChainHeadAsync(CrashWriterProcess.OtherUser)).Sequence);

        // The dead writer's lock is gone: the next append goes through at once and continues the chain.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var next = await audit.AppendAsync([Draft(CrashWriterProcess.User)], CrmAuditService.Sealer, timeout.Token);
        Assert.Equal(committed * perBatch + 1, next[0].Sequence);
        await AssertChainVerifiesAsync(CrashWriterProcess.User, committed * perBatch + 1);
        await AssertChainVerifiesAsync(CrashWriterProcess.OtherUser, committed * (CrashWriterProcess.BatchSize - perBatch));
    }

    [Fact]
    public async Task ConcurrentAppenders_OnSeparateInstances_KeepOneValidChain()
    {
        var instances = Enumerable.Range(0, 4).Select(_ => OpenInstance().Audit).ToList();
        await instances[0].AppendAsync([Draft("u1")], CrmAuditService.Sealer); // schema ready before the race

        await Task.WhenAll(instances.SelectMany((store, n) => Enumerable.Range(0, 3).Select(i => Task.Run(async () =>
        {
            for (var j = 0; j < 5; j++)
            {
                await store.AppendAsync([Draft("u1", $"lead-{n}-{i}-{j}"), Draft("u2"), Draft("u1")], CrmAuditService.Sealer);
            }
        }))));

        var chain = await instances[1].ReadChainAsync("u1").ToListAsync();
        Assert.Equal(Enumerable.Range(1, 1 + (4 * 3 * 5 * 2)).Select(i => (long)i), chain.Select(e => e.Sequence));
        await AssertChainVerifiesAsync("u1", 121);
        await AssertChainVerifiesAsync("u2", 4 * 3 * 5);
    }

    [Fact]
    public async Task AuditLog_UpdateAndDelete_AreRefusedByTheDatabase()
    {
        var (_, audit, _) = OpenInstance();
        var entry = (await audit.AppendAsync([Draft("u1")], CrmAuditService.Sealer))[0];

        var update = await Assert.ThrowsAnyAsync<DbException>(() => ExecuteRawAsync($"UPDATE {Table("crm_audit_log")} SET success = NOT success WHERE id = '{entry.Id}'"));
        var delete = await Assert.ThrowsAnyAsync<DbException>(() => ExecuteRawAsync($"DELETE FROM {Table("crm_audit_log")}"));

        Assert.Contains("append-only", update.Message, StringComparison.Ordinal);
        Assert.Contains("append-only", delete.Message, StringComparison.Ordinal);
        Assert.Equal(Json(entry), Json(Assert.Single(await audit.ReadChainAsync("u1").ToListAsync())));
    }

    [Fact]
    public async Task AuditLog_RowAlteredBehindTheLibrary_IsNamedByVerify()
    {
        await using var services = BuildServices();
        var audit = services.GetRequiredService<ICrmAuditService>();
        var entries = await audit.LogManyAsync([Draft("u1"), Draft("u1"), Draft("u1")]);

        await TamperAsync($"UPDATE {Table("crm_audit_log")} SET error_message = 'nothing happened' WHERE id = '{entries[1].Id}'");
        var result = await audit.VerifyAsync("u1");

        Assert.Equal(AuditTamperKind.Altered, result.Kind);
        Assert.Equal(entries[1].Id, result.FailedEntryId);
        Assert.Equal(2, result.FailedSequence);
    }

    [Fact]
    public async Task AuditLog_RowRemovedBehindTheLibrary_IsNamedByVerify()
    {
        await using var services = BuildServices();
        var audit = services.GetRequiredService<ICrmAuditService>();
        var entries = await audit.LogManyAsync([Draft("u1"), Draft("u1"), Draft("u1")]);

        await TamperAsync($"DELETE FROM {Table("crm_audit_log")} WHERE id = '{entries[1].Id}'");
        var result = await audit.VerifyAsync("u1");

        Assert.Equal(AuditTamperKind.Missing, result.Kind);
        Assert.Equal(2, result.FailedSequence);
    }

    [Fact]
    public async Task CorruptJsonColumn_ThrowsDataErrorNamingTheRow()
    {
        var (syncStates, _, _) = OpenInstance();
        await syncStates.InsertAsync(State("good"));
        await syncStates.InsertAsync(State("bad"));
        await ExecuteRawAsync($"UPDATE {Table("lead_memory_crm_sync")} SET conflict_log = '[{{\"field\": 42}}]' WHERE lead_memory_id = 'bad'");

        var single = await Assert.ThrowsAsync<CrmSyncDataException>(async () => await syncStates.GetAsync("bad"));
        var listing = await Assert.ThrowsAsync<CrmSyncDataException>(async () => await syncStates.QueryAsync(new SyncStateQuery()).ToListAsync());

        Assert.Equal("lead_memory_crm_sync row 'sync-bad'", single.DataSource);
        Assert.Contains("conflict_log", single.Message, StringComparison.Ordinal);
        Assert.Equal(CrmSyncDataException.ErrorCode, single.Code);
        Assert.Equal(single.DataSource, listing.DataSource); // a listing names the bad row instead of silently skipping it
        Assert.NotNull(await syncStates.GetAsync("good")); // the other rows stay readable
    }

    [Fact]
    public async Task UnknownEnumValue_ThrowsDataErrorNamingTheRowAndValue()
    {
        var (syncStates, audit, _) = OpenInstance();
        await syncStates.InsertAsync(State("lead-1"));
        var entry = (await audit.AppendAsync([Draft("u1")], CrmAuditService.Sealer))[0];
        await ExecuteRawAsync($"UPDATE {Table("lead_memory_crm_sync")} SET status = 'paused' WHERE lead_memory_id = 'lead-1'");
        await ExecuteRawAsync(
            $"INSERT INTO {Table("crm_audit_log")} (id, user_id, operation, provider, success, details, created_at, sequence, previous_hash, hash) " +
            $"VALUES ('forged', 'u1', 'teleport', 'salesforce', {(Kind == "sqlite" ? "1" : "true")}, '{{}}', '{(Kind == "sqlite" ? "2026-02-04T09:00:00.0000000Z" : "2026-02-04T09:00:00Z")}', 2, '{entry.Hash}', 'x')");

        var state = await Assert.ThrowsAsync<CrmSyncDataException>(async () => await syncStates.GetAsync("lead-1"));
        var chain = await Assert.ThrowsAsync<CrmSyncDataException>(async () => await audit.ReadChainAsync("u1").ToListAsync());

        Assert.Equal("lead_memory_crm_sync row 'sync-lead-1'", state.DataSource);
        Assert.Contains("'paused'", state.Message, StringComparison.Ordinal);
        Assert.Contains("status", state.Message, StringComparison.Ordinal);
        Assert.Equal("crm_audit_log row 'forged'", chain.DataSource);
        Assert.Contains("'teleport'", chain.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrations_RunTwiceAndConcurrently_ApplyEachVersionOnce()
    {
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(MigrateNewInstanceAsync)));
        await MigrateNewInstanceAsync();

        var versions = await QueryRawAsync($"SELECT version, name FROM {Table("crm_sync_migrations")} ORDER BY version");
        Assert.Equal(MigrationVersions, versions.Select(r => Convert.ToInt64(r[0])));
        Assert.Equal([(1L, "0001_initial"), (2L, "0002_connections")], versions.Take(2).Select(r => (Convert.ToInt64(r[0]), (string)r[1]!)));
        var (syncStates, _, _) = OpenInstance();
        Assert.Equal(1, (await syncStates.InsertAsync(State("lead-1"))).Version);
    }

    [Fact]
    public async Task HostStart_MigratesTheSchemaBeforeFirstUse()
    {
        await using var services = BuildServices();
        foreach (var hosted in services.GetServices<Microsoft.Extensions.Hosting.IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        var versions = await QueryRawAsync($"SELECT version FROM {Table("crm_sync_migrations")} ORDER BY version");
        Assert.Equal(MigrationVersions, versions.Select(r => Convert.ToInt64(r[0])));
    }

    /// <summary>Asserts that <see cref="ICrmAuditService.VerifyAsync"/> (through a host's services) finds the user's chain intact and <paramref name="length"/> long.</summary>
    protected async Task AssertChainVerifiesAsync(string userId, long length)
    {
        await using var services = BuildServices();
        var result = await services.GetRequiredService<ICrmAuditService>().VerifyAsync(userId);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(length, result.EntriesVerified);
    }
}
