using Aria.CrmSync.Auditing;
using Aria.CrmSync.Storage.InMemory;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Benchmarks;

internal static class BenchData
{
    public static readonly DateTimeOffset T0 = new(2026, 2, 4, 9, 0, 0, TimeSpan.Zero);

    public static LeadMemory Lead(int i) => new()
    {
        Id = $"lead-{i:D7}",
        UserId = "user-1",
        CompanyName = "Company " + i,
        CrmProvider = CrmProvider.Salesforce,
        CrmId = $"006{i:D12}AAA",
        LifecycleStage = LifecycleStages.Opportunity,
        Status = LeadStatuses.Active,
        ExpectedValue = 1000m + i,
        ExpectedCloseDate = new DateOnly(2026, 6, 30),
        CreatedAt = T0,
        UpdatedAt = T0,
        Version = 1,
    };

    public static CrmRecord Record(int i, bool changed) => new()
    {
        CrmId = $"006{i:D12}AAA",
        Provider = CrmProvider.Salesforce,
        Name = "Deal " + i,
        Stage = "Proposal/Price Quote",
        Amount = changed ? 2000m + i : 1000m + i,
        CloseDate = new DateOnly(2026, 6, 30),
        IsClosed = false,
        IsWon = false,
        LastModifiedAt = T0,
    };

    public static CrmSyncState State(int i) => new()
    {
        Id = "sync-" + i,
        LeadMemoryId = $"lead-{i:D7}",
        UserId = "user-1",
        Provider = CrmProvider.Salesforce,
        CrmId = $"006{i:D12}AAA",
        Status = SyncStatus.Synced,
        BaseSnapshot = new Dictionary<string, string?>
        {
            [LeadFields.LifecycleStage] = LifecycleStages.Opportunity,
            [LeadFields.ExpectedValue] = (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
            [LeadFields.ExpectedCloseDate] = "2026-06-30",
            [LeadFields.Status] = LeadStatuses.Active,
        },
        CreatedAt = T0,
        UpdatedAt = T0,
        Version = 1,
    };

    public static CrmAuditEntry Draft(int i, string userId = "user-1") => new()
    {
        Id = Guid.CreateVersion7(T0.AddMilliseconds(i)).ToString(),
        UserId = userId,
        LeadMemoryId = $"lead-{i % 10_000:D7}",
        Operation = i % 7 == 0 ? CrmAuditOperation.Push : CrmAuditOperation.Pull,
        Provider = CrmProvider.Salesforce,
        Success = true,
        Details = AuditDetails.From(new Dictionary<string, object?> { ["crm_id"] = $"006{i:D12}AAA", ["fields_updated"] = new[] { "expected_value" } }),
        CreatedAt = T0.AddMilliseconds(i),
    };

    public static (CrmAuditService Audit, InMemoryAuditStore Store) AuditService()
    {
        var store = new InMemoryAuditStore();
        var audit = new CrmAuditService(store, new FakeTimeProvider(T0), new Diagnostics.CrmSyncTelemetry());
        return (audit, store);
    }

    public static async Task<(CrmAuditService Audit, InMemoryAuditStore Store)> FilledAuditAsync(int entries)
    {
        var (audit, store) = AuditService();
        const int batch = 10_000;
        for (var start = 0; start < entries; start += batch)
        {
            var drafts = new CrmAuditEntry[Math.Min(batch, entries - start)];
            for (var i = 0; i < drafts.Length; i++)
            {
                drafts[i] = Draft(start + i);
            }

            await store.AppendAsync(drafts, CrmAuditService.Sealer);
        }

        return (audit, store);
    }
}
