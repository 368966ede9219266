using Aria.CrmSync.Storage.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Storage.Tests.Sqlite;

/// <summary>Migration 0005 (fleet scheduling) on a database that already holds registered connections.</summary>
public sealed class SqliteFleetMigrationTests : IDisposable
{
    private readonly SqliteTestFile _file = new();

    [Fact]
    public async Task Migration0005_KeepsTheRegisteredConnections_AndMakesThemClaimable()
    {
        _file.MigrateThenExecute("""
            DROP INDEX crm_sync_connections_due;
            ALTER TABLE crm_sync_connections DROP COLUMN tenant_id;
            ALTER TABLE crm_sync_connections DROP COLUMN next_due_at;
            ALTER TABLE crm_sync_connections DROP COLUMN lease_owner;
            ALTER TABLE crm_sync_connections DROP COLUMN lease_token;
            ALTER TABLE crm_sync_connections DROP COLUMN lease_expires_at;
            ALTER TABLE crm_sync_connections DROP COLUMN last_synced_at;
            DELETE FROM crm_sync_migrations WHERE version = 5;
            INSERT INTO crm_sync_connections (user_id, provider, state, pause_reason, paused_until, created_at, updated_at) VALUES
              ('u1', 'salesforce', 'active', NULL, NULL, '2026-12-01T00:00:00.0000000Z', '2026-12-01T00:00:00.0000000Z');
            """);

        var registry = new SqliteConnectionRegistry(_file.Open(), new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero)));

        var claimed = await ((ICrmConnectionScheduler)registry).ClaimDueAsync("host-1", 10, 10, TimeSpan.FromSeconds(30));

        Assert.Equal(("u1", CrmProvider.Salesforce, 1L), (Assert.Single(claimed).UserId, claimed[0].Provider, claimed[0].Token));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), (await registry.GetAsync("u1", CrmProvider.Salesforce))!.CreatedAt);
    }

    public void Dispose() => _file.Dispose();
}
