using Aria.CrmSync.Storage.Sqlite;
using Aria.CrmSync.Storage.Tests.Contracts;

namespace Aria.CrmSync.Storage.Tests.Sqlite;

/// <summary>Migration 0007 (custom fields) on a database the previous release's migrations (1..6) created, with leads in it.</summary>
public sealed class SqliteCustomFieldsMigrationTests : IDisposable
{
    private readonly SqliteTestFile _file = new();

    [Fact]
    public async Task Migration0007_KeepsEveryLeadAndItsValues_WhichReadWithNoCustomFieldsUntilWritten()
    {
        _file.MigrateThenExecute(
            """
            INSERT INTO crm_sync_lead_memories (id, user_id, company_name, crm_provider, crm_id, lifecycle_stage, status, expected_value, expected_close_date, health_score, metadata, first_touch_at, last_activity_at, created_at, updated_at, stakeholders, version) VALUES
              ('lead-1', 'u1', 'Acme', 'salesforce', '006000000000001AAA', 'opportunity', 'active', '1200.50', '2026-12-31', 71, '{"trigger":"manual"}', '2026-11-01T08:00:00.0000000Z', NULL, '2026-12-01T00:00:00.0000000Z', '2026-12-02T00:00:00.0000000Z', '[{"id":"003000000000001AAA","name":"Ada","email":"ada@example.com","role":"Decision Maker","is_primary":true}]', 3),
              ('lead-2', 'u1', 'Ünïcödé 😀', NULL, NULL, 'lead', 'paused', NULL, NULL, NULL, '{}', NULL, NULL, '2026-12-01T00:00:00.0000000Z', '2026-12-01T00:00:00.0000000Z', '[]', 1);
            """,
            upToVersion: 6);

        var leads = new SqliteLeadMemoryStore(_file.Open()); // migrates to 7 on first use
        await LeadMemoryStoreContract.AssertMigratedLeadsAsync(leads);
    }

    public void Dispose() => _file.Dispose();
}
