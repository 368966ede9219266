using Aria.CrmSync.ReliabilityTests.Infrastructure;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.ReliabilityTests.Faults;

/// <summary>
/// Regression tests for gaps the soak found: a whole-connection sync that stops because of an unreadable CRM response or
/// a daily-quota pause must leave an <c>error</c> entry in the audit trail like every other failure (before the fix the
/// first escaped as an exception with no entry, the second returned a paused result with no entry).
/// </summary>
public sealed class ConnectionSyncFailureAuditTests
{
    [Theory]
    [InlineData("salesforce", "query*")]
    [InlineData("hubspot", "deals.search")]
    public async Task MalformedChangeStreamResponse_StopsTheRun_WithAnErrorEntry(string providerWire, string endpoint)
    {
        var provider = new CrmProvider(providerWire);
        await using var host = await EngineHost.StartAsync();
        await host.AddLeadAsync(provider, "lead-1");
        host.Emulator(provider).Faults.Add(new FaultRule { Kind = FaultKind.MalformedJson, Endpoint = endpoint, RemainingCount = 1 });

        var result = await host.Sync.SyncConnectionAsync(EngineHost.User, provider);

        Assert.False(result.Completed);
        Assert.Contains("malformed", result.Reason, StringComparison.OrdinalIgnoreCase);
        var error = Assert.Single(await host.AuditAsync(operation: CrmAuditOperation.Error));
        Assert.Null(error.LeadMemoryId);
        Assert.Equal("CRM_SYNC_DATA", error.Details.GetProperty("code").GetString());
        Assert.Equal("sync_connection", error.Details.GetProperty("operation").GetString());

        // The next run resumes and completes.
        var again = await host.Sync.SyncConnectionAsync(EngineHost.User, provider);
        Assert.True(again.Completed, again.Reason);
        Assert.Equal(1, again.LeadsCompared);
    }

    [Fact]
    public async Task DailyQuotaPause_IsAudited()
    {
        await using var host = await EngineHost.StartAsync(services: s => s.PostConfigure<SalesforceOptions>(string.Empty, o => o.RateLimits.DailyQuotaPause = TimeSpan.FromMinutes(30)));
        await host.AddLeadAsync(CrmProvider.Salesforce, "lead-1");
        host.Salesforce.Faults.FailNext(FaultKind.RateLimited, "query*"); // 403 REQUEST_LIMIT_EXCEEDED TotalRequests

        var result = await host.Sync.SyncConnectionAsync(EngineHost.User, CrmProvider.Salesforce);

        Assert.False(result.Completed);
        Assert.NotNull(result.PausedUntil);
        var error = Assert.Single(await host.AuditAsync(operation: CrmAuditOperation.Error));
        Assert.Equal("CRM_RATE_LIMITED", error.Details.GetProperty("code").GetString());
        Assert.True(error.Details.TryGetProperty("paused_until", out _));
    }
}
