using Aria.CrmSync.Auditing;
using Aria.CrmSync.Storage.PostgreSql;
using Npgsql;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.PostgreSql;

/// <summary>
/// Row-level security of the migrations for roles that are subject to it (no BYPASSRLS, not the owner) on plain
/// PostgreSQL: each user's requests run as a database role the owner bound to the user in <c>crm_sync_role_users</c>
/// (per-request <c>SET ROLE</c>), and every session also sets <c>request.jwt.claims</c> to another user and to
/// <c>service_role</c>, which must change nothing (any role can set it). Even when the roles were granted every write (an
/// over-broad grant), a user sees only their own rows of every per-user table and can insert, change or remove no row.
/// </summary>
[RequiresPostgres]
public sealed class PostgreSqlRowLevelSecurityTests : IAsyncLifetime
{
    private static readonly string[] UserTables = ["crm_audit_log", "lead_memory_crm_sync", "crm_sync_lead_memories", "crm_sync_lead_events"];

    private readonly LazyPostgresSchema _schema = new();
    private readonly string _alice = Guid.NewGuid().ToString();
    private readonly string _bob = Guid.NewGuid().ToString();
    private readonly Dictionary<string, string> _roles = [];

    private PostgresTestSchema Schema => _schema.Value;

    [Fact]
    public async Task AuthenticatedUser_SeesOnlyOwnRowsOfEveryUserTable()
    {
        await SeedAndGrantAsync();

        foreach (var table in UserTables)
        {
            Assert.Equal([_alice], await AsUserAsync(_alice, async c => await UsersAsync(c, $"{Schema.Name}.{table}")));
            Assert.Equal([_bob], await AsUserAsync(_bob, async c => await UsersAsync(c, $"{Schema.Name}.{table}")));
        }

        Assert.Equal(0, await AsUserAsync(_alice, c => CountAsync(c, $"SELECT count(*) FROM {Schema.Name}.crm_sync_cursors")));
    }

    [Fact]
    public async Task AuthenticatedUser_CannotInsertRowsForAnyone()
    {
        await SeedAndGrantAsync();
        var log = $"{Schema.Name}.crm_audit_log";
        var sync = $"{Schema.Name}.lead_memory_crm_sync";

        foreach (var owner in new[] { _bob, _alice })
        {
            var audit = await Assert.ThrowsAsync<PostgresException>(() => AsUserAsync(_alice, c => ExecuteAsync(c,
                $"INSERT INTO {log} (user_id, operation, provider, details, sequence, hash) VALUES ('{owner}', 'pull', 'salesforce', '{{}}', 99, 'x')")));
            var state = await Assert.ThrowsAsync<PostgresException>(() => AsUserAsync(_alice, c => ExecuteAsync(c,
                $"INSERT INTO {sync} (lead_memory_id, status, user_id, provider) VALUES ('forged-{owner}', 'synced', '{owner}', 'salesforce')")));

            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, audit.SqlState); // new row violates row-level security policy
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, state.SqlState);
        }
    }

    [Fact]
    public async Task AuthenticatedUser_UpdatesAndDeletesReachNoRow()
    {
        await SeedAndGrantAsync();

        foreach (var table in UserTables.Where(t => t != "crm_audit_log")) // the audit log refuses every UPDATE/DELETE by trigger (tested with the durability tests)
        {
            var t = $"{Schema.Name}.{table}";
            Assert.Equal(0, await AsUserAsync(_alice, c => ExecuteAsync(c, $"UPDATE {t} SET user_id = '{_alice}' WHERE user_id = '{_bob}'")));
            Assert.Equal(0, await AsUserAsync(_alice, c => ExecuteAsync(c, $"UPDATE {t} SET user_id = user_id WHERE user_id = '{_alice}'")));
            Assert.Equal(0, await AsUserAsync(_alice, c => ExecuteAsync(c, $"DELETE FROM {t}")));
        }

        foreach (var table in UserTables)
        {
            Assert.Equal(1, await CountAsAdminAsync(table, _bob));
            Assert.Equal(1, await CountAsAdminAsync(table, _alice));
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    private static async Task<List<string>> UsersAsync(NpgsqlConnection connection, string table)
    {
        await using var command = new NpgsqlCommand($"SELECT DISTINCT user_id FROM {table}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var users = new List<string>();
        while (await reader.ReadAsync())
        {
            users.Add(reader.GetString(0));
        }

        return users;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<int> CountAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Writes one row per user to every per-user table (as the library, the owner), gives each user a role bound to them, and grants those roles every right.</summary>
    private async Task SeedAndGrantAsync()
    {
        var database = Schema.Open();
        var leads = new PostgreSqlLeadMemoryStore(database);
        var states = new PostgreSqlSyncStateStore(database, TimeProvider.System);
        await new PostgreSqlAuditStore(database).AppendAsync([Draft(_alice), Draft(_bob)], CrmAuditService.Sealer);
        foreach (var user in new[] { _alice, _bob })
        {
            await leads.InsertAsync(Lead("lead-" + user, user));
            await leads.AddEventsAsync([Event("lead-" + user, "ext-1", T0, user)]);
            await states.InsertAsync(State("lead-" + user, user));
            var role = await Schema.CreateRoleAsync();
            _roles[user] = role;
            await Schema.ExecuteAsync($"GRANT ALL ON ALL TABLES IN SCHEMA {Schema.Name} TO {role}; GRANT USAGE ON SCHEMA auth TO {role}; INSERT INTO {Schema.Name}.crm_sync_role_users (role_name, user_id) VALUES ('{role}', '{user}');");
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> in a transaction as the role bound to <paramref name="userId"/>, with JWT claims set to
    /// the other user and to <c>service_role</c> (what an attacker under that role would try).
    /// </summary>
    private async Task<T> AsUserAsync<T>(string userId, Func<NpgsqlConnection, Task<T>> action)
    {
        var other = userId == _alice ? _bob : _alice;
        await using var connection = await Schema.ConnectAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, $"SET LOCAL ROLE {_roles[userId]}; SELECT set_config('request.jwt.claims', '{{\"sub\":\"{other}\",\"role\":\"service_role\"}}', true), set_config('request.jwt.claim.sub', '{other}', true);");
        var result = await action(connection);
        await transaction.RollbackAsync();
        return result;
    }

    private async Task<int> CountAsAdminAsync(string table, string userId)
    {
        await using var connection = await Schema.ConnectAsync();
        return await CountAsync(connection, $"SELECT count(*) FROM {Schema.Name}.{table} WHERE user_id = '{userId}'");
    }
}
