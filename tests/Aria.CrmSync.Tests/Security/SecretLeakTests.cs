using System.Text;
using Aria.CrmSync.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Tests.Security;

/// <summary>Tokens and secrets never reach logs, exception messages, results, sync state or the audit trail.</summary>
public class SecretLeakTests
{
    private const string OppId = "006000000000001AAA";

    [Fact]
    public async Task FullSyncWithFailuresCarryingTokens_EmitsNoSecretAnywhere()
    {
        await using var h = new SyncHarness(logging: b => b.AddFakeLogging());
        await h.AddLeadAsync("lead-1", value: 10m);
        h.Salesforce.Put(OppId, "Proposal", 20m);
        var secrets = new[] { SyncHarness.AccessToken, SyncHarness.RefreshToken, "pat-na1-" + SyncHarness.AccessToken };

        // Failures whose messages carry the credentials (as a careless HTTP stack might).
        h.Salesforce.FailNext(new HttpRequestException($"401 Unauthorized, Authorization: Bearer {SyncHarness.AccessToken}"), "get");
        h.Salesforce.FailNext(new CrmSyncException($"refresh failed for refresh_token={SyncHarness.RefreshToken}", CrmProvider.Salesforce), "notes");
        var results = new List<SyncResult>
        {
            await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-1"),
            await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", "summary"),
            await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1"),
        };

        var emitted = new StringBuilder();
        foreach (var record in h.Services.GetFakeLogCollector().GetSnapshot())
        {
            emitted.AppendLine(record.Message).AppendLine(record.Exception?.ToString());
            foreach (var (key, value) in record.StructuredState ?? [])
            {
                emitted.Append(key).Append('=').AppendLine(value);
            }
        }

        foreach (var result in results)
        {
            emitted.AppendLine(result.Error);
        }

        emitted.AppendLine(Serialization.CrmSyncJson.Serialize(await h.States.GetAsync("lead-1")));
        emitted.AppendLine(await Auditing.CrmAuditServiceTests.ExportAsync(h, new AuditExportRequest { UserId = SyncHarness.UserId }));
        emitted.AppendLine(await Auditing.CrmAuditServiceTests.ExportAsync(h, new AuditExportRequest { UserId = SyncHarness.UserId, Format = AuditExportFormat.Json }));
        emitted.AppendLine((await h.Services.GetRequiredService<InMemoryCrmConnectionResolver>().ResolveAsync(SyncHarness.UserId, CrmProvider.Salesforce)).ToString());

        var text = emitted.ToString();
        Assert.Contains("[REDACTED]", text); // the failures were recorded...
        Assert.Contains(results, r => r.Success);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal); // ...without the credentials
        }
    }

    [Fact]
    public void CrmConnection_ToString_HidesTokens()
    {
        var connection = new CrmConnection { UserId = "u", Provider = CrmProvider.HubSpot, AccessToken = "secret-access-123456", RefreshToken = "secret-refresh-654321" };
        var text = connection.ToString();
        Assert.DoesNotContain("secret-access-123456", text);
        Assert.DoesNotContain("secret-refresh-654321", text);
        Assert.Contains("AccessToken = ***", text);
        Assert.Contains("hubspot:u", text);
    }

    [Fact]
    public void CrmTokenSet_ToString_HidesTokens()
    {
        var tokens = new CrmTokenSet { AccessToken = "secret-access-123456", RefreshToken = "secret-refresh-654321" };
        Assert.DoesNotContain("secret", tokens.ToString());
    }
}
