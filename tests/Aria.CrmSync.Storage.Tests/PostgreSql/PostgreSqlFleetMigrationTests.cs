using Aria.CrmSync.Storage.PostgreSql;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Storage.Tests.PostgreSql;

/// <summary>Migration 0006 (fleet scheduling) on a schema that already holds registered connections.</summary>
[RequiresPostgres]
public sealed class PostgreSqlFleetMigrationTests : IAsyncLifetime
{
    private readonly LazyPostgresSchema _schema = new();

    [Fact]
    public async Task Migration0006_KeepsTheRegisteredConnections_AndMakesThemClaimable()
    {
        var schema = _schema.Value;
        // Back to version 4 as a host running the previous release left it, with two connections (one paused).
        await schema.MigrateThenExecuteAsync($"""
            DROP INDEX "{schema.Name}".crm_sync_connections_due;
            DROP INDEX "{schema.Name}".crm_sync_connections_lease_owner;
            ALTER TABLE "{schema.Name}".crm_sync_connections DROP COLUMN tenant_id, DROP COLUMN next_due_at, DROP COLUMN lease_owner,
              DROP COLUMN lease_token, DROP COLUMN lease_expires_at, DROP COLUMN last_synced_at;
            DELETE FROM "{schema.Name}".crm_sync_migrations WHERE version = 6;
            INSERT INTO "{schema.Name}".crm_sync_connections (user_id, provider, state, pause_reason, paused_until, created_at, updated_at) VALUES
              ('u1', 'salesforce', 'active', NULL, NULL, '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z'),
              ('u2', 'hubspot', 'paused', 'reauthorization', NULL, '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z');
            """);

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));
        var registry = new PostgreSqlConnectionRegistry(schema.Open(), time); // migrates to 5 on first use
        var list = await registry.ListAsync().ToListAsync();
        var claimed = await ((ICrmConnectionScheduler)registry).ClaimDueAsync("host-1", 10, 10, TimeSpan.FromSeconds(30));

        Assert.Equal([("u1", CrmConnectionState.Active, (string?)null), ("u2", CrmConnectionState.Paused, "reauthorization")], list.Select(r => (r.UserId, r.State, r.PauseReason)));
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero), list[1].UpdatedAt);
        var lease = Assert.Single(claimed); // the active one, due at once; the paused one stays paused
        Assert.Equal(("u1", CrmProvider.Salesforce, "u1", (DateTimeOffset?)null, 1L), (lease.UserId, lease.Provider, lease.TenantId, lease.DueAt, lease.Token));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
