using Aria.CrmSync.ReliabilityTests.Infrastructure;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.ReliabilityTests.Faults;

/// <summary>
/// HubSpot's search index lags writes, so a change hit that shows a change is read by id before anything is written for
/// its lead. Those reads happen as the pages arrive (while the next search waits for the search budget), and the change
/// checkpoint never moves past a hit still waiting for its read: a run that stops in between leaves the hit to the next
/// run, whatever the overlap window.
/// </summary>
public sealed class LaggingChangeHitTests
{
    private static readonly CrmProvider HubSpot = CrmProvider.HubSpot;

    [Fact]
    public async Task RunStopsBeforeTheHitsAreReadById_TheNextRunStillTakesTheCrmChanges_WithNoOverlapWindow()
    {
        await using var host = await EngineHost.StartAsync();
        var (first, firstId) = await host.AddLeadAsync(HubSpot, "lead-first");
        var (second, secondId) = await host.AddLeadAsync(HubSpot, "lead-second");
        Assert.True((await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot)).Completed);

        host.SetCrmAmount(HubSpot, firstId, 4000m);
        await Task.Delay(5); // the second change is later: a checkpoint saved after it would be past the first
        host.SetCrmAmount(HubSpot, secondId, 5000m);
        host.Emulator(HubSpot).Faults.Add(new FaultRule { Kind = FaultKind.MalformedJson, Endpoint = "deals.batch.read", RemainingCount = 10 }); // outlasts the retries
        var failed = await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot);
        Assert.False(failed.Completed);
        Assert.Equal(2, failed.RecordsRead); // both hits were found; their read by id failed
        host.Emulator(HubSpot).Faults.Reset();
        Assert.Equal(1000m, (await host.Leads.GetAsync(EngineHost.User, first.Id))!.ExpectedValue);

        // With no overlap the next run reads from the saved checkpoint alone: it must still be before both hits.
        var result = await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot, new ConnectionSyncOptions { OverlapWindow = TimeSpan.Zero });

        Assert.True(result.Completed, result.Reason);
        Assert.Equal(4000m, (await host.Leads.GetAsync(EngineHost.User, first.Id))!.ExpectedValue);
        Assert.Equal(5000m, (await host.Leads.GetAsync(EngineHost.User, second.Id))!.ExpectedValue);
    }

    [Fact]
    public async Task HitsAreReadAndMergedPageByPage_ARunStoppedByALaterSearchKeepsThePagesItFinished()
    {
        const int deals = 250; // more than one search page (200)
        await using var host = await EngineHost.StartAsync();
        var linked = new List<(LeadMemory Lead, string CrmId)>();
        for (var i = 0; i < deals; i++)
        {
            linked.Add(await host.AddLeadAsync(HubSpot, $"lead-{i:D3}"));
        }

        Assert.True((await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot)).Completed);
        foreach (var (_, crmId) in linked)
        {
            host.SetCrmAmount(HubSpot, crmId, 2000m);
            await Task.Delay(2); // distinct modification times: a page of one timestamp is read as a group first
        }

        host.Emulator(HubSpot).Calls.Reset();
        host.Emulator(HubSpot).Faults.Add(new FaultRule { Kind = FaultKind.MalformedJson, Endpoint = "deals.search", SkipCount = 1, RemainingCount = 10 }); // the second page fails
        var failed = await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot);
        Assert.False(failed.Completed);
        host.Emulator(HubSpot).Faults.Reset();

        // The first page's hits were read by id and merged before the run stopped; the later ones were not.
        var amounts = new List<decimal?>();
        foreach (var (lead, _) in linked)
        {
            amounts.Add((await host.Leads.GetAsync(EngineHost.User, lead.Id))!.ExpectedValue);
        }

        var took = amounts.Count(a => a == 2000m);
        Assert.InRange(took, 100, deals - 1);
        Assert.Equal(failed.LeadsUpdated, took);
        Assert.True(host.Emulator(HubSpot).Calls.Count("deals.batch.read") >= 1);

        var result = await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot, new ConnectionSyncOptions { OverlapWindow = TimeSpan.Zero });
        Assert.True(result.Completed, result.Reason);
        foreach (var (lead, crmId) in linked)
        {
            Assert.Equal(2000m, (await host.Leads.GetAsync(EngineHost.User, lead.Id))!.ExpectedValue);
            Assert.Equal(2000m, host.CrmAmount(HubSpot, crmId));
        }
    }
}
