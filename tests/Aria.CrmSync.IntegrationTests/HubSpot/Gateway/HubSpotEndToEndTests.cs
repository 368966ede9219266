using Xunit.Abstractions;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

public class HubSpotEndToEndTests(ITestOutputHelper output)
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    [Fact]
    public async Task TriggerManualSync_BothSidesEdited_Conflict_Note_Activities()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(syncOptions: o => o.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.AriaWins, transport: Transport);
        var deal = h.InsertDeal("Acme", "qualifiedtobuy", amount: "1000", closeDate: "2026-05-01T00:00:00.000Z");
        await h.AddLeadAsync("lead-1", deal, LifecycleStages.Lead, value: 1000m, closeDate: new DateOnly(2026, 5, 1));
        var first = await h.Sync.TriggerManualSyncAsync(HubSpotGatewayHost.UserId, "lead-1");
        Assert.True(first.Success, first.Error);

        // Both sides change: the CRM moves the stage and the amount, the lead changes amount and close date.
        h.Emulator.UpdateObject("deals", deal, new Dictionary<string, string?> { ["dealstage"] = "presentationscheduled", ["amount"] = "1500" });
        var lead = (await h.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-1"))!;
        await h.Leads.UpdateAsync(lead with { ExpectedValue = 2000m, ExpectedCloseDate = new DateOnly(2026, 6, 15) });
        await h.Sync.MarkLeadChangedAsync(HubSpotGatewayHost.UserId, "lead-1", [LeadFields.ExpectedValue, LeadFields.ExpectedCloseDate]);
        await h.Sync.PushSummaryAsync(HubSpotGatewayHost.UserId, "lead-1", "Met the CFO; budget confirmed.");
        HubSpotActivityTests.Engage(h, "calls", deal, 206, DateTimeOffset.UtcNow.AddHours(-1), new() { ["hs_call_title"] = "Discovery", ["hs_call_body"] = "<p>Good call</p>", ["hs_call_direction"] = "OUTBOUND" });

        var result = await h.Sync.TriggerManualSyncAsync(HubSpotGatewayHost.UserId, "lead-1");

        Assert.True(result.Success, result.Error);
        var after = (await h.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-1"))!;
        Assert.Equal(LifecycleStages.Opportunity, after.LifecycleStage); // CRM-only change taken
        Assert.Equal(2000m, after.ExpectedValue); // conflict, aria_wins
        Assert.Equal(new DateOnly(2026, 6, 15), after.ExpectedCloseDate);
        var dealNow = h.Emulator.GetObject("deals", deal)!;
        Assert.Equal("2000", dealNow["amount"]);
        Assert.Equal("2026-06-15T00:00:00.000Z", dealNow["closedate"]);
        Assert.Equal("presentationscheduled", dealNow["dealstage"]);
        var note = Assert.Single(h.Emulator.ListObjects("notes"));
        Assert.StartsWith("[ARIA] Met the CFO", note["hs_note_body"]);
        var events = await h.Leads.GetEventsAsync(HubSpotGatewayHost.UserId, "lead-1").ToListAsync();
        var call = Assert.Single(events);
        Assert.Equal("Good call", call.Content);
        Assert.Equal("outbound", call.Direction);
        var state = (await h.Sync.GetSyncStateAsync("lead-1"))!;
        Assert.Equal(SyncStatus.Synced, state.Status);

        var audit = await h.Audit.StreamAuditLogAsync(new AuditQuery { UserId = HubSpotGatewayHost.UserId, Limit = null }).ToListAsync();
        Assert.Contains(audit, e => e.Operation == CrmAuditOperation.ConflictResolved && e.Details.TryGetProperty("field", out var f) && f.GetString() == LeadFields.ExpectedValue);
        Assert.Contains(audit, e => e.Operation == CrmAuditOperation.Push && e.Details.TryGetProperty("note_id", out _));
        Assert.Contains(audit, e => e.Operation == CrmAuditOperation.Push && e.Details.TryGetProperty("fields_pushed", out _));
        Assert.True((await h.Audit.VerifyAsync(HubSpotGatewayHost.UserId)).IsValid);
    }

    [Fact]
    public async Task SyncConnection_HundredsOfDeals_BatchedBothWays()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(o => o.SearchRequestsPerSecond = 50, inProcess: true, transport: Transport);
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        var deals = Enumerable.Range(0, 300).Select(i => h.InsertDeal($"Deal {i}", "appointmentscheduled", amount: "100", lastModified: start.AddMilliseconds(i))).ToList();
        for (var i = 0; i < deals.Count; i++)
        {
            await h.AddLeadAsync($"lead-{i:000}", deals[i], value: 100m);
        }

        var initial = await h.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot);
        output.WriteLine($"first run: {h.Emulator.Calls.ApiCalls} API calls: {string.Join(", ", h.Emulator.Calls.ByEndpoint.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))}");
        Assert.True(initial.Completed, initial.Reason);
        Assert.Equal(300, initial.LeadsCompared);

        // CRM edits on 0..49, lead edits on 50..99, both sides on 100..109 (crm_wins), notes on 200..219, calls on 0..9.
        for (var i = 0; i < 50; i++)
        {
            h.Emulator.UpdateObject("deals", deals[i], new Dictionary<string, string?> { ["dealstage"] = i % 2 == 0 ? "closedwon" : "contractsent", ["amount"] = "777" });
        }

        for (var i = 50; i < 110; i++)
        {
            var lead = (await h.Leads.GetAsync(HubSpotGatewayHost.UserId, $"lead-{i:000}"))!;
            await h.Leads.UpdateAsync(lead with { ExpectedValue = 5000m + i });
            await h.Sync.MarkLeadChangedAsync(HubSpotGatewayHost.UserId, lead.Id, [LeadFields.ExpectedValue]);
        }

        for (var i = 100; i < 110; i++)
        {
            h.Emulator.UpdateObject("deals", deals[i], new Dictionary<string, string?> { ["amount"] = "999" });
        }

        // Notes are sent as they are pushed; the first one's response is lost (the note exists, the engine cannot know).
        h.Emulator.Faults.FailNext(Testing.FaultKind.ResponseLost, "notes.batch.create");
        for (var i = 200; i < 220; i++)
        {
            var pushed = await h.Sync.PushSummaryAsync(HubSpotGatewayHost.UserId, $"lead-{i:000}", $"Summary {i}");
            Assert.Equal(i != 200, pushed.Success);
        }

        for (var i = 0; i < 10; i++)
        {
            HubSpotActivityTests.Engage(h, "calls", deals[i], 206, DateTimeOffset.UtcNow.AddMinutes(-i), new() { ["hs_call_title"] = $"Call {i}" });
        }

        h.Emulator.Calls.Reset();
        var run = await h.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot);

        output.WriteLine($"second run: {h.Emulator.Calls.ApiCalls} API calls: {string.Join(", ", h.Emulator.Calls.ByEndpoint.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))}");
        Assert.True(run.Completed, run.Reason);
        Assert.Empty(run.Failures);
        Assert.Equal(60, run.LeadsUpdated); // 50 CRM edits + 10 conflicts won by the CRM
        Assert.Equal(50, run.CrmRecordsUpdated); // lead-only edits
        Assert.Equal(10, run.ConflictsResolved);
        Assert.Equal(1, run.NotesPushed); // the uncertain one, found by its key instead of written again
        Assert.Equal(10, run.ActivitiesAdded);

        var won = (await h.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-000"))!;
        Assert.Equal(LeadStatuses.Won, won.Status);
        Assert.Equal(777m, won.ExpectedValue);
        Assert.Equal(LifecycleStages.Opportunity, (await h.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-001"))!.LifecycleStage);
        Assert.Equal("5060", h.Emulator.GetObject("deals", deals[60])!["amount"]);
        Assert.Equal(999m, (await h.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-105"))!.ExpectedValue);
        Assert.Equal("999", h.Emulator.GetObject("deals", deals[105])!["amount"]);
        Assert.Equal(20, h.Emulator.CountObjects("notes")); // the lost response did not duplicate
        Assert.Equal(1, h.Emulator.Calls.Count("deals.batch.update")); // 50 writes in one batch
        Assert.Equal(0, h.Emulator.Calls.Count("notes.batch.create"));
        Assert.True(h.Emulator.Calls.ApiCalls < 40, $"{h.Emulator.Calls.ApiCalls} API calls: {string.Join(", ", h.Emulator.Calls.ByEndpoint.Select(p => $"{p.Key}={p.Value}"))}");

        // Another run with nothing new changes nothing.
        var idle = await h.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot);
        Assert.True(idle.Completed);
        Assert.Equal(0, idle.LeadsUpdated);
        Assert.Equal(0, idle.CrmRecordsUpdated);
        var audit = await h.Audit.StreamAuditLogAsync(new AuditQuery { UserId = HubSpotGatewayHost.UserId, Limit = null }).ToListAsync();
        Assert.Equal(20, audit.Count(e => e.Operation == CrmAuditOperation.Push && e.Details.TryGetProperty("note_id", out _)));
        Assert.Single(audit, e => e.Operation == CrmAuditOperation.Push && e.Details.TryGetProperty("already_existed", out var existed) && existed.GetBoolean());
        Assert.True((await h.Audit.VerifyAsync(HubSpotGatewayHost.UserId)).IsValid);
    }

    [Fact]
    public async Task LeadMarkedWon_DealInCustomPipeline_GetsThePipelinesWonStage()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: Transport);
        var pipeline = h.Emulator.AddDealPipeline("Partners", ("Intro", 0.2, false), ("Won", 1.0, true), ("Lost", 0.0, true));
        var deal = h.InsertDeal("P", pipeline.Stages[0].Id, pipeline: pipeline.Id);
        await h.AddLeadAsync("lead-p", deal);
        Assert.True((await h.Sync.TriggerManualSyncAsync(HubSpotGatewayHost.UserId, "lead-p")).Success);

        var lead = (await h.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-p"))!;
        await h.Leads.UpdateAsync(lead with { Status = LeadStatuses.Won, LifecycleStage = LifecycleStages.Account });
        await h.Sync.MarkLeadChangedAsync(HubSpotGatewayHost.UserId, "lead-p", [LeadFields.Status, LeadFields.LifecycleStage]);
        var result = await h.Sync.TriggerManualSyncAsync(HubSpotGatewayHost.UserId, "lead-p");

        Assert.True(result.Success, result.Error);
        Assert.Equal(pipeline.Stages[1].Id, h.Emulator.GetObject("deals", deal)!["dealstage"]);
        Assert.Equal(SyncStatus.Synced, (await h.Sync.GetSyncStateAsync("lead-p"))!.Status);
    }
}
