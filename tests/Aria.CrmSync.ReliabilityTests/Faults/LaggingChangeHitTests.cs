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

    [Fact]
    public async Task LeadSideChangesAreReadEarly_WhileTheSearchesWait_WithTheSameOutcome()
    {
        var sequential = await SyncMixedChangesAsync(early: false);
        var early = await SyncMixedChangesAsync(early: true);

        // When the last change page was merged, the early run had also read the 80 lead-side changes (one read call);
        // the sequential run reads them after the change stream.
        Assert.Equal(sequential[^1] + 1, early[^1]);
    }

    /// <summary>
    /// 300 linked deals; 210 change in the CRM (two search pages or more), 60 other leads and 20 of those deals' leads
    /// change in ARIA; searches after the first wait 3 s, as if paced. Checks the outcome and returns the count of
    /// batch reads when each change page was merged.
    /// </summary>
    private static async Task<List<long>> SyncMixedChangesAsync(bool early)
    {
        await using var host = await EngineHost.StartAsync();
        var linked = new List<(LeadMemory Lead, string CrmId)>();
        for (var i = 0; i < 300; i++)
        {
            linked.Add(await host.AddLeadAsync(HubSpot, $"lead-{i:D3}"));
        }

        Assert.True((await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot)).Completed);
        var newClose = new DateOnly(2027, 3, 31);
        for (var i = 0; i < 210; i++)
        {
            host.SetCrmAmount(HubSpot, linked[i].CrmId, 3000m + i);
            await Task.Delay(2); // distinct modification times
        }

        foreach (var i in Enumerable.Range(190, 80))
        {
            await host.EditLeadAsync(linked[i].Lead.Id, l => l with { ExpectedCloseDate = newClose });
        }

        var emulator = host.Emulator(HubSpot);
        emulator.Calls.Reset();
        emulator.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Endpoint = "deals.search", SkipCount = 1, Latency = TimeSpan.FromSeconds(3) });
        var reads = new List<long>();
        var result = await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot, new ConnectionSyncOptions { ReadLocalChangesEarly = early }, new Inline(p =>
        {
            if (p.Phase == ConnectionSyncPhase.CrmChanges)
            {
                reads.Add(emulator.Calls.Count("deals.batch.read"));
            }
        }));
        emulator.Faults.Reset();

        Assert.True(result.Completed, result.Reason);
        Assert.True(reads.Count >= 2, $"{reads.Count} change pages");
        for (var i = 0; i < 300; i++)
        {
            var lead = (await host.Leads.GetAsync(EngineHost.User, linked[i].Lead.Id))!;
            var amount = i < 210 ? 3000m + i : 1000m;
            Assert.Equal(amount, lead.ExpectedValue);
            Assert.Equal(amount, host.CrmAmount(HubSpot, linked[i].CrmId));
            Assert.Equal(i is >= 190 and < 270 ? newClose : new DateOnly(2026, 6, 30), lead.ExpectedCloseDate);
        }

        var again = await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot);
        Assert.True(again.Completed, again.Reason);
        Assert.Equal((0, 0), (again.LeadsUpdated, again.CrmRecordsUpdated));
        return reads;
    }

    [Fact]
    public async Task NotesOfLeadsComparedNoMore_AreSentBesideTheComparisons_InFullCalls_EachExactlyOnce()
    {
        await using var host = await EngineHost.StartAsync(recordExchanges: true);
        var linked = new List<(LeadMemory Lead, string CrmId)>();
        for (var i = 0; i < 300; i++)
        {
            linked.Add(await host.AddLeadAsync(HubSpot, $"lead-{i:D3}"));
        }

        Assert.True((await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot)).Completed);

        // 210 deals change in the CRM (two search pages); leads 200–239 change in ARIA too (compared after the
        // stream); one note is queued on leads 0–249 and a second on leads 0–9.
        for (var i = 0; i < 210; i++)
        {
            host.SetCrmAmount(HubSpot, linked[i].CrmId, 3000m + i);
            await Task.Delay(2);
        }

        var newClose = new DateOnly(2027, 3, 31);
        foreach (var i in Enumerable.Range(200, 40))
        {
            await host.EditLeadAsync(linked[i].Lead.Id, l => l with { ExpectedCloseDate = newClose });
        }

        for (var i = 0; i < 250; i++)
        {
            await host.Sync.QueueSummaryAsync(EngineHost.User, linked[i].Lead.Id, $"Recap {i}");
            if (i < 10)
            {
                await host.Sync.QueueSummaryAsync(EngineHost.User, linked[i].Lead.Id, $"Second recap {i}");
            }
        }

        var emulator = host.Emulator(HubSpot);
        var before = emulator.Exchanges.Count;
        var result = await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot);

        Assert.True(result.Completed, result.Reason);
        Assert.Equal(260, result.NotesPushed);

        // The single notes of the 240 leads compared no more (200–239 were read early and merged first) went beside
        // the comparisons in two full calls; the rest (the 40 left over and the 20 notes of the leads with two) in one
        // call after them: 3 calls, as many as one note phase would make, the two-note leads' all in the last.
        var calls = emulator.Exchanges.Skip(before).Where(e => e.Endpoint == "notes.batch.create" && e.Response.StatusCode == 201).Select(e => e.Request.BodyText).ToList();
        Assert.Equal([100, 100, 60], calls.Select(body => System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("inputs").GetArrayLength()));
        Assert.Equal(10, calls[^1].Split("Second recap").Length - 1);
        var hubSpot = (HubSpotEmulator)emulator;
        for (var i = 0; i < 300; i++)
        {
            Assert.Equal(i < 10 ? 2 : i < 250 ? 1 : 0, hubSpot.GetAssociations("deals", linked[i].CrmId, "notes").Count);
            var lead = (await host.Leads.GetAsync(EngineHost.User, linked[i].Lead.Id))!;
            Assert.Equal(i < 210 ? 3000m + i : 1000m, lead.ExpectedValue);
            Assert.Equal(i is >= 200 and < 240 ? newClose : new DateOnly(2026, 6, 30), lead.ExpectedCloseDate);
            Assert.Equal(i is >= 200 and < 240 ? newClose.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : "2026-06-30", hubSpot.GetObject("deals", linked[i].CrmId)!["closedate"]?[..10]);
            var state = (await host.States.GetAsync(linked[i].Lead.Id))!;
            Assert.Equal(SyncStatus.Synced, state.Status);
            Assert.DoesNotContain(state.Outbox, o => o.Status != OutboxItemStatus.Done);
        }

        var again = await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot);
        Assert.Equal((0, 0, 0), (again.LeadsUpdated, again.CrmRecordsUpdated, again.NotesPushed));
    }

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class Inline(Action<ConnectionSyncProgress> report) : IProgress<ConnectionSyncProgress>
    {
        public void Report(ConnectionSyncProgress value) => report(value);
    }
}
