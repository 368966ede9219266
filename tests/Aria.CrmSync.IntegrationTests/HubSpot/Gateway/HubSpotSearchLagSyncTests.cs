using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

/// <summary>
/// With the search index lagging 1–3 s, a rep's write that lands while a connection sync runs is invisible to that
/// run's change stream; the next run's overlap window re-reads it, so nothing is lost. The engine and the emulator share
/// a fake clock advanced by hand, so when the index catches up is deterministic.
/// </summary>
public sealed class HubSpotSearchLagSyncTests
{
    private static async Task<(HubSpotGatewayHost Host, FakeTimeProvider Clock, List<string> Deals)> StartAsync(Action<HubSpotGatewayHost, List<string>> duringFirstSearch)
    {
        var deals = new List<string>();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        HubSpotGatewayHost? self = null;
        var armed = false;
        var hook = new Salesforce.Gateway.HookHandler(request =>
        {
            if (armed && request.RequestUri!.AbsolutePath.EndsWith("/deals/search", StringComparison.Ordinal))
            {
                armed = false;
                duringFirstSearch(self!, deals);
            }
        });
        var host = self = await HubSpotGatewayHost.StartAsync(
            emulatorOptions: o =>
            {
                o.TimeProvider = clock;
                o.SearchIndexLag = TimeSpan.FromSeconds(1);
                o.SearchIndexLagJitter = TimeSpan.FromSeconds(2);
                o.RequestsPerInterval = 100_000; // the emulator's clock stands still between advances
                o.SearchRequestsPerSecond = 10_000;
            },
            services: s =>
            {
                s.AddSingleton<TimeProvider>(clock); // the engine and the emulator share one clock
                s.AddHttpClient(HubSpotOptions.HttpClientName).AddHttpMessageHandler(() => hook);
            });
        for (var i = 0; i < 20; i++)
        {
            var at = clock.GetUtcNow().AddHours(-1).AddSeconds(i);
            deals.Add(host.Emulator.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = $"Deal {i}", ["dealstage"] = "appointmentscheduled", ["pipeline"] = "default", ["amount"] = $"{1000 + i}" }, at, at).Id);
            await host.AddLeadAsync($"lead-{i}", deals[^1], value: 1000m + i);
        }

        var options = new ConnectionSyncOptions { IncludeActivities = false };
        Assert.True((await host.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot, options)).Completed);
        armed = true;
        return (host, clock, deals);
    }

    [Theory]
    [InlineData(true)]  // the default overlap (2 minutes, well above the lag): picked up by the next run
    [InlineData(false)] // no overlap: the lag hides the write from both runs (the control that shows the lag matters)
    public async Task ARepsWriteDuringASync_IsPickedUpByTheNextRun_WhenTheOverlapCoversTheLag(bool overlap)
    {
        var options = new ConnectionSyncOptions { IncludeActivities = false, OverlapWindow = overlap ? new ConnectionSyncOptions().OverlapWindow : TimeSpan.Zero };
        var (host, clock, deals) = await StartAsync((h, ids) => h.Emulator.UpdateObject("deals", ids[7], new Dictionary<string, string?> { ["amount"] = "7777" }));
        await using var _ = host;
        clock.Advance(TimeSpan.FromSeconds(30)); // the first sync's checkpoint settles

        var during = await host.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot, options);
        Assert.True(during.Completed, during.Reason);
        Assert.Equal(1007m, (await host.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-7"))!.ExpectedValue); // not searchable yet
        Assert.Equal("7777", host.Emulator.GetObject("deals", deals[7])!.Properties["amount"]);

        clock.Advance(TimeSpan.FromSeconds(3)); // the index catches up (lag ≤ 3 s)
        var next = await host.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot, options);

        Assert.True(next.Completed, next.Reason);
        Assert.Equal(overlap ? 7777m : 1007m, (await host.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-7"))!.ExpectedValue);
    }

    [Fact]
    public async Task AStaleSearchHit_OfADealTheSyncJustWrote_DoesNotPullTheOldValueOverTheLead()
    {
        var options = new ConnectionSyncOptions { IncludeActivities = false };
        var (host, clock, deals) = await StartAsync((_, _) => { });
        await using var _ = host;

        // A rep sets the amount; once the index has it, a sync brings it to the lead (the state agrees with that version).
        host.Emulator.UpdateObject("deals", deals[3], new Dictionary<string, string?> { ["amount"] = "3333" });
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True((await host.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot, options)).Completed);
        var lead = await host.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-3");
        Assert.Equal(3333m, lead!.ExpectedValue);

        // ARIA edits the lead; the next sync pushes it. The index still shows the deal at the rep's version.
        await host.Leads.UpdateAsync(lead with { ExpectedValue = 4444m, UpdatedAt = clock.GetUtcNow() });
        clock.Advance(TimeSpan.FromSeconds(5));
        var push = await host.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot, options);
        Assert.True(push.Completed, push.Reason);
        Assert.Equal(1, push.CrmRecordsUpdated);
        Assert.Equal("4444", host.Emulator.GetObject("deals", deals[3])!.Properties["amount"]);

        // Within the lag, search still returns the rep's version (3333, older than the push): it must not come back.
        clock.Advance(TimeSpan.FromMilliseconds(500));
        var stale = await host.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot, options);
        Assert.True(stale.Completed, stale.Reason);
        Assert.True(stale.RecordsRead > 0); // the lagging hit was read, and judged stale
        Assert.Equal(4444m, (await host.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-3"))!.ExpectedValue);
        Assert.Equal(0, stale.LeadsUpdated);

        // Once the index catches up, both sides still agree on ARIA's value.
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True((await host.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot, options)).Completed);
        Assert.Equal(4444m, (await host.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-3"))!.ExpectedValue);
        Assert.Equal("4444", host.Emulator.GetObject("deals", deals[3])!.Properties["amount"]);
        Assert.Equal(SyncStatus.Synced, (await host.States.GetAsync("lead-3"))!.Status);
    }
}
