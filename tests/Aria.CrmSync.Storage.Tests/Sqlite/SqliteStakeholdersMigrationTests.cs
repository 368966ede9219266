using Aria.CrmSync.Storage.Sqlite;

namespace Aria.CrmSync.Storage.Tests.Sqlite;

/// <summary>Migration 0006 (stakeholders) on a database that already holds leads.</summary>
public sealed class SqliteStakeholdersMigrationTests : IDisposable
{
    private readonly SqliteTestFile _file = new();

    [Fact]
    public async Task Migration0006_KeepsTheLeads_WhichReadWithNoStakeholdersUntilASyncPullsThem()
    {
        _file.MigrateThenExecute("""
            ALTER TABLE crm_sync_lead_memories DROP COLUMN stakeholders;
            DELETE FROM crm_sync_migrations WHERE version = 6;
            INSERT INTO crm_sync_lead_memories (id, user_id, company_name, crm_provider, crm_id, lifecycle_stage, status, expected_value, expected_close_date, health_score, metadata, first_touch_at, last_activity_at, created_at, updated_at, version)
            VALUES ('lead-1', 'u1', 'Acme', 'salesforce', '006000000000001AAA', 'opportunity', 'active', '1200.50', '2026-12-31', NULL, '{}', NULL, NULL, '2026-12-01T00:00:00.0000000Z', '2026-12-01T00:00:00.0000000Z', 3);
            """);

        var leads = new SqliteLeadMemoryStore(_file.Open()); // migrates to 6 on first use

        var lead = (await leads.GetAsync("u1", "lead-1"))!;
        var updated = await leads.UpdateAsync(lead with { Stakeholders = [new CrmContact { Id = "003000000000001AAA", Name = "Ada", Role = "Decision Maker", IsPrimary = true }] });

        Assert.Equal(("Acme", 1200.50m, 3L), (lead.CompanyName, lead.ExpectedValue, lead.Version));
        Assert.Empty(lead.Stakeholders);
        Assert.Equal(4, updated.Version);
        Assert.Equal("Decision Maker", Assert.Single((await leads.GetAsync("u1", "lead-1"))!.Stakeholders).Role);
    }

    public void Dispose() => _file.Dispose();
}
