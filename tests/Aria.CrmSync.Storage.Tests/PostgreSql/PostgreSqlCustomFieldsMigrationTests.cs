using Aria.CrmSync.Storage.PostgreSql;
using Aria.CrmSync.Storage.Tests.Contracts;

namespace Aria.CrmSync.Storage.Tests.PostgreSql;

/// <summary>Migration 0008 (custom fields) on a schema the previous release's migrations (1..7) created, with leads in it.</summary>
[RequiresPostgres]
public sealed class PostgreSqlCustomFieldsMigrationTests : IAsyncLifetime
{
    private const string EmptyJson = "{}";
    private const string Metadata = """{"trigger":"manual"}""";
    private const string Stakeholders = """[{"id":"901","name":"Ada","email":"ada@example.com","role":"Decision Maker","is_primary":true}]""";

    private readonly LazyPostgresSchema _schema = new();

    [Fact]
    public async Task Migration0008_KeepsEveryLeadAndItsValues_WhichReadWithNoCustomFieldsUntilWritten()
    {
        var schema = _schema.Value;
        await schema.MigrateThenExecuteAsync(
            $"""
            INSERT INTO "{schema.Name}".crm_sync_lead_memories (id, user_id, company_name, crm_provider, crm_id, lifecycle_stage, status, expected_value, expected_close_date, health_score, metadata, first_touch_at, created_at, updated_at, stakeholders, version) VALUES
              ('lead-1', 'u1', 'Acme', 'hubspot', '12345', 'opportunity', 'active', 1200.50, '2026-12-31', 71, '{Metadata}', '2026-11-01T08:00:00Z', '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z', '{Stakeholders}', 3),
              ('lead-2', 'u1', 'Ünïcödé 😀', NULL, NULL, 'lead', 'paused', NULL, NULL, NULL, '{EmptyJson}', NULL, '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z', '[]', 1);
            """,
            upToVersion: 7);

        var leads = new PostgreSqlLeadMemoryStore(schema.Open()); // migrates to 8 on first use
        await LeadMemoryStoreContract.AssertMigratedLeadsAsync(leads);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
