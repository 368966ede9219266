using Aria.CrmSync.Storage.PostgreSql;

namespace Aria.CrmSync.Storage.Tests.PostgreSql;

/// <summary>Migration 0007 (stakeholders) on a schema that already holds leads.</summary>
[RequiresPostgres]
public sealed class PostgreSqlStakeholdersMigrationTests : IAsyncLifetime
{
    private const string EmptyJson = "{}";

    private readonly LazyPostgresSchema _schema = new();

    [Fact]
    public async Task Migration0007_KeepsTheLeads_WhichReadWithNoStakeholdersUntilASyncPullsThem()
    {
        var schema = _schema.Value;
        // Back to version 6 as a host running the previous release left it, with a lead.
        await schema.MigrateThenExecuteAsync($"""
            ALTER TABLE "{schema.Name}".crm_sync_lead_memories DROP COLUMN stakeholders;
            DELETE FROM "{schema.Name}".crm_sync_migrations WHERE version = 7;
            INSERT INTO "{schema.Name}".crm_sync_lead_memories (id, user_id, company_name, crm_provider, crm_id, lifecycle_stage, status, expected_value, expected_close_date, metadata, created_at, updated_at, version)
            VALUES ('lead-1', 'u1', 'Acme', 'hubspot', '12345', 'opportunity', 'active', 1200.50, '2026-12-31', '{EmptyJson}', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z', 3);
            """);

        var leads = new PostgreSqlLeadMemoryStore(schema.Open()); // migrates to 7 on first use
        var lead = (await leads.GetAsync("u1", "lead-1"))!;
        var updated = await leads.UpdateAsync(lead with { Stakeholders = [new CrmContact { Id = "901", Name = "Ada", Email = "ada@example.com" }] });

        Assert.Equal(("Acme", 1200.50m, 3L), (lead.CompanyName, lead.ExpectedValue, lead.Version));
        Assert.Empty(lead.Stakeholders);
        Assert.Equal(4, updated.Version);
        Assert.Equal("ada@example.com", Assert.Single((await leads.GetAsync("u1", "lead-1"))!.Stakeholders).Email);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
