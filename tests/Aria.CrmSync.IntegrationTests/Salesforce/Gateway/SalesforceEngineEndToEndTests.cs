using System.Text.Json;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

/// <summary>The real engine (<see cref="ICrmSyncService"/>) over the Salesforce gateway and the emulator, over loopback HTTP.</summary>
public class SalesforceEngineEndToEndTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    private void Report(string stage, SfGatewayHost host)
        => output.WriteLine($"{stage}: {host.Emulator.Calls.ApiCalls} API calls ({string.Join(", ", host.Emulator.Calls.ByEndpoint.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))})");

    private static async Task<LeadMemory> AddLeadAsync(SfGatewayHost host, string leadId, string crmId, decimal? value, DateOnly? closeDate, string stage = LifecycleStages.Lead, string status = LeadStatuses.Active)
        => await host.Leads.InsertAsync(new LeadMemory
        {
            Id = leadId,
            UserId = SfGatewayHost.UserId,
            CompanyName = "Acme " + leadId,
            CrmProvider = CrmProvider.Salesforce,
            CrmId = crmId,
            LifecycleStage = stage,
            Status = status,
            ExpectedValue = value,
            ExpectedCloseDate = closeDate,
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
        });

    private static async Task<LeadMemory> EditLeadAsync(SfGatewayHost host, string leadId, Func<LeadMemory, LeadMemory> edit)
    {
        var lead = await host.Leads.GetAsync(SfGatewayHost.UserId, leadId);
        return await host.Leads.UpdateAsync(edit(lead!) with { UpdatedAt = DateTimeOffset.UtcNow });
    }

    private static async Task<List<LeadEvent>> EventsAsync(SfGatewayHost host, string leadId)
    {
        var events = new List<LeadEvent>();
        await foreach (var e in host.Leads.GetEventsAsync(SfGatewayHost.UserId, leadId))
        {
            events.Add(e);
        }

        return events;
    }

    private static async Task<List<CrmAuditEntry>> AuditAsync(SfGatewayHost host, string? leadId = null)
        => [.. await host.Audit.QueryAuditLogAsync(new AuditQuery { UserId = SfGatewayHost.UserId, LeadMemoryId = leadId, Limit = null })];

    [Fact]
    public async Task ManualSync_MergesBothSides_PushesTheSummary_AndPullsActivities()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opp = host.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "Acme", ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 6, 30), ["Amount"] = 1000m });
        await AddLeadAsync(host, "lead-1", opp, 1000m, new DateOnly(2026, 6, 30));
        var first = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1");
        Assert.True(first.Success, first.Error);

        // Both sides change: Salesforce moves the stage and the close date, ARIA changes the value and the close date.
        await Task.Delay(5);
        host.Org.Update("Opportunity", opp, new Dictionary<string, object?> { ["StageName"] = "Negotiation/Review", ["CloseDate"] = new DateOnly(2026, 7, 31) });
        await EditLeadAsync(host, "lead-1", l => l with { ExpectedValue = 2500m, ExpectedCloseDate = new DateOnly(2026, 8, 15) });
        var call = host.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = opp, ["Subject"] = "Pricing call", ["TaskSubtype"] = "Call", ["CallType"] = "Inbound", ["Status"] = "Completed" });
        var meeting = host.Org.Insert("Event", new Dictionary<string, object?> { ["WhatId"] = opp, ["Subject"] = "On-site", ["StartDateTime"] = DateTimeOffset.UtcNow.AddDays(1), ["EndDateTime"] = DateTimeOffset.UtcNow.AddDays(1).AddHours(1), ["DurationInMinutes"] = 60L });
        var pushed = await host.Sync.PushSummaryAsync(SfGatewayHost.UserId, "lead-1", "Call recap: legal review next week");
        Assert.True(pushed.Success, pushed.Error);
        host.Emulator.Calls.Reset();

        var result = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1");
        Report("manual sync of one lead (read, conditional update, activities)", host);

        Assert.True(result.Success, result.Error);
        Assert.Equal(SyncStatus.Synced, result.Status);
        var lead = (await host.Leads.GetAsync(SfGatewayHost.UserId, "lead-1"))!;
        Assert.Equal(LifecycleStages.Opportunity, lead.LifecycleStage); // Salesforce's stage change reached the lead
        Assert.Equal(2500m, lead.ExpectedValue);                     // ARIA's value reached Salesforce
        Assert.Equal(new DateOnly(2026, 7, 31), lead.ExpectedCloseDate); // conflict: the CRM wins by default
        var record = host.Org.Get("Opportunity", opp)!;
        Assert.Equal(2500m, record["Amount"]);
        Assert.Equal(new DateOnly(2026, 7, 31), record["CloseDate"]);
        Assert.Equal("Negotiation/Review", record["StageName"]);
        var note = Assert.Single(host.Org.List("ContentNote"));
        Assert.StartsWith("[ARIA] Call recap: legal review next week (aria:", (string)note["Title"]!);
        var events = await EventsAsync(host, "lead-1");
        Assert.Contains(events, e => e.ExternalId == call && e.EventType == "call" && e.Direction == "inbound");
        Assert.Contains(events, e => e.ExternalId == meeting && e.EventType == "meeting");
        Assert.DoesNotContain(events, e => e.EventType == "note"); // ARIA's own note is not an activity

        // The update was conditional: one retrieve of SystemModstamp, one Collections PATCH.
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsGet));
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsUpdate));

        var audit = await AuditAsync(host, "lead-1");
        var resolved = Assert.Single(audit, e => e.Operation == CrmAuditOperation.ConflictResolved);
        Assert.Equal("expected_close_date", resolved.Details.GetProperty("field").GetString());
        Assert.Contains(audit, e => e.Operation == CrmAuditOperation.Push && e.Details.TryGetProperty("fields_pushed", out var f) && f.EnumerateArray().Any(x => x.GetString() == "expected_value"));
        Assert.Contains(audit, e => e.Operation == CrmAuditOperation.Push && e.Details.TryGetProperty("note_id", out var n) && n.GetString() == (string)note["Id"]!);
        Assert.Contains(audit, e => e.Operation == CrmAuditOperation.Pull && e.Details.TryGetProperty("activities_new", out var a) && a.GetInt32() == 2);
        Assert.DoesNotContain(audit, e => e.Details.GetRawText().Contains(host.Tokens.AccessToken, StringComparison.Ordinal));
        Assert.True((await host.Audit.VerifyAsync(SfGatewayHost.UserId)).IsValid);
    }

    [Fact]
    public async Task ManualSync_WhenSalesforceChangesTheRecordAfterItWasRead_RereadsAndKeepsBothEdits()
    {
        SfGatewayHost? self = null;
        string? opp = null;
        var hooked = 0;
        var hook = new HookHandler(request =>
        {
            // A rep edits the close date between the engine's read and its conditional write.
            if (Gateways.Http.CrmHttpRequestOptions.EndpointOf(request) == "salesforce.collections.retrieve" && Interlocked.Increment(ref hooked) == 1)
            {
                self!.Org.Update("Opportunity", opp!, new Dictionary<string, object?> { ["CloseDate"] = new DateOnly(2026, 9, 30) });
            }
        });
        await using var host = self = await SfGatewayHost.StartAsync(services: s => s.AddHttpClient(SalesforceOptions.HttpClientName).AddHttpMessageHandler(() => hook), transport: Transport);
        opp = host.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "Acme", ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 6, 30), ["Amount"] = 1000m });
        await AddLeadAsync(host, "lead-1", opp, 1000m, new DateOnly(2026, 6, 30));
        Assert.True((await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1")).Success);
        await EditLeadAsync(host, "lead-1", l => l with { ExpectedValue = 4000m });
        await Task.Delay(5);
        host.Emulator.Calls.Reset();

        var result = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1");

        Assert.True(result.Success, result.Error);
        var record = host.Org.Get("Opportunity", opp)!;
        Assert.Equal(4000m, record["Amount"]);                            // ARIA's edit, written on the second attempt
        Assert.Equal(new DateOnly(2026, 9, 30), record["CloseDate"]);     // the rep's edit, not overwritten
        Assert.Equal(new DateOnly(2026, 9, 30), (await host.Leads.GetAsync(SfGatewayHost.UserId, "lead-1"))!.ExpectedCloseDate);
        Assert.Equal(2, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsGet)); // precondition refused once, then passed
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsUpdate));
    }

    [Fact]
    public async Task ConnectionSync_OverThreeHundredOpportunities_ConvergesBothSides_WithBatchedCalls()
    {
        await using var host = await SfGatewayHost.StartAsync(options: o => o.QueryBatchSize = 200, transport: Transport);
        var opps = host.Seed(300);
        for (var i = 0; i < opps.Count; i++)
        {
            await AddLeadAsync(host, $"lead-{i:D3}", opps[i], 1000m + i, new DateOnly(2026, 6, 30));
        }

        host.Emulator.Calls.Reset();
        var initial = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce);
        Report("initial connection sync, 300 leads", host);
        Assert.True(initial.Completed, initial.Reason);
        Assert.Equal(300, initial.LeadsCompared);
        Assert.Equal(0, initial.LeadsUpdated + initial.CrmRecordsUpdated);
        await Task.Delay(5);

        // Salesforce side: 40 deals won, 10 amounts changed (also changed by ARIA: conflicts), 2 deals deleted.
        for (var i = 0; i < 40; i++)
        {
            host.Org.Update("Opportunity", opps[i], new Dictionary<string, object?> { ["StageName"] = "Closed Won" });
        }

        for (var i = 100; i < 110; i++)
        {
            host.Org.Update("Opportunity", opps[i], new Dictionary<string, object?> { ["Amount"] = 9000m + i });
        }

        host.Org.Delete("Opportunity", opps[298]);
        host.Org.Delete("Opportunity", opps[299]);

        // ARIA side: 60 values changed (10 of them conflicting with Salesforce).
        for (var i = 100; i < 160; i++)
        {
            await EditLeadAsync(host, $"lead-{i:D3}", l => l with { ExpectedValue = 5000m + l.ExpectedValue });
        }

        // Notes: five pushes whose responses were lost (Salesforce wrote them), one that went through.
        host.Emulator.Faults.FailNext(FaultKind.ResponseLost, SalesforceEndpoints.Composite, count: 5);
        for (var i = 200; i < 205; i++)
        {
            Assert.False((await host.Sync.PushSummaryAsync(SfGatewayHost.UserId, $"lead-{i:D3}", $"Summary {i}")).Success);
        }

        Assert.True((await host.Sync.PushSummaryAsync(SfGatewayHost.UserId, "lead-205", "Summary 205")).Success);
        Assert.Equal(6, host.Org.Count("ContentNote"));

        // Activities: calls on 20 deals, rep notes on 5, a task on an account (not a deal), ARIA-tagged classic note (skipped).
        for (var i = 0; i < 20; i++)
        {
            host.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = opps[50 + i], ["Subject"] = $"Call {i}", ["TaskSubtype"] = "Call" });
        }

        for (var i = 0; i < 5; i++)
        {
            host.Org.Insert("Note", new Dictionary<string, object?> { ["ParentId"] = opps[80 + i], ["Title"] = $"Rep note {i}", ["Body"] = "Champion confirmed" });
        }

        host.Org.Insert("Note", new Dictionary<string, object?> { ["ParentId"] = opps[90], ["Title"] = "[ARIA] pushed earlier", ["Body"] = "[ARIA] pushed earlier" });
        var account = host.Org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Acme" });
        host.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = account, ["Subject"] = "Account task" });
        host.Emulator.Calls.Reset();

        var result = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce);
        Report("second connection sync (50 pulled, 50 pushed, 10 conflicts, 5 notes, 25 activities, 2 deletions)", host);

        Assert.True(result.Completed, result.Reason);
        Assert.Equal(50, result.LeadsUpdated);        // 40 won + 10 conflicts resolved for Salesforce
        Assert.Equal(50, result.CrmRecordsUpdated);   // 60 ARIA edits less the 10 conflicts
        Assert.Equal(10, result.ConflictsResolved);
        Assert.Equal(0, result.ConflictsOpen);
        Assert.Equal(5, result.NotesPushed);
        Assert.Equal(25, result.ActivitiesAdded);
        Assert.Equal(2, result.Failures.Count);
        Assert.All(result.Failures, f => Assert.Equal(CrmSyncNotFoundException.ErrorCode, f.ErrorCode));

        // End state, Salesforce side.
        Assert.Equal(6, host.Org.Count("ContentNote")); // the lost notes were found, not written twice
        Assert.Equal(6, host.Org.Count("ContentDocumentLink"));
        for (var i = 110; i < 160; i++)
        {
            Assert.Equal(6000m + i, host.Org.Get("Opportunity", opps[i])!["Amount"]);
        }

        for (var i = 100; i < 110; i++)
        {
            Assert.Equal(9000m + i, host.Org.Get("Opportunity", opps[i])!["Amount"]);
        }

        // End state, ARIA side.
        for (var i = 0; i < 40; i++)
        {
            var lead = (await host.Leads.GetAsync(SfGatewayHost.UserId, $"lead-{i:D3}"))!;
            Assert.Equal((LifecycleStages.Account, LeadStatuses.Won), (lead.LifecycleStage, lead.Status));
        }

        for (var i = 100; i < 110; i++)
        {
            Assert.Equal(9000m + i, (await host.Leads.GetAsync(SfGatewayHost.UserId, $"lead-{i:D3}"))!.ExpectedValue);
        }

        Assert.Equal(2, (await EventsAsync(host, "lead-080")).Count + (await EventsAsync(host, "lead-050")).Count);
        Assert.Empty(await EventsAsync(host, "lead-090"));
        foreach (var i in new[] { 200, 205, 150 })
        {
            var state = await host.Sync.GetSyncStateAsync($"lead-{i:D3}");
            Assert.Equal(SyncStatus.Synced, state!.Status);
        }

        Assert.Equal(SyncStatus.Error, (await host.Sync.GetSyncStateAsync("lead-299"))!.Status);

        // Audit trail.
        var audit = await AuditAsync(host);
        Assert.Equal(10, audit.Count(e => e.Operation == CrmAuditOperation.ConflictResolved));
        Assert.Equal(5, audit.Count(e => e.Operation == CrmAuditOperation.Push && e.Details.TryGetProperty("already_existed", out var x) && x.ValueKind == JsonValueKind.True));
        Assert.Contains(audit, e => e.Operation == CrmAuditOperation.Pull && e.LeadMemoryId is null && e.Details.GetProperty("activities_new").GetInt32() == 25);
        Assert.True((await host.Audit.VerifyAsync(SfGatewayHost.UserId)).IsValid);

        // Calls: one change page (52 records), one retrieve + one PATCH for 60 conditional updates, one note lookup, three activity queries.
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.QueryAll));
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsUpdate));
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.Composite));
        Assert.True(host.Emulator.Calls.ApiCalls <= 10, $"{host.Emulator.Calls.ApiCalls} calls: {string.Join(", ", host.Emulator.Calls.ByEndpoint)}");

        // A run without changes reads the streams and writes nothing.
        host.Emulator.Calls.Reset();
        var quiet = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce);
        Report("quiet connection sync", host);
        Assert.True(quiet.Completed);
        Assert.Equal(0, quiet.LeadsUpdated + quiet.CrmRecordsUpdated + quiet.NotesPushed + quiet.ActivitiesAdded);
        Assert.Equal(0, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsUpdate) + host.Emulator.Calls.Count(SalesforceEndpoints.Composite));
    }

    [Fact]
    public async Task ConnectionSync_AChangePageLargerThanAWriteSlice_IsWrittenSliceBySlice_WithItsCrmWritesInWholeCalls()
    {
        // One change page of 600 records and 2 deletions: merged 250 records at a time (their leads looked up per
        // slice), while the 300 CRM writes the page's merges make, spread over its three slices, still go out together:
        // one pre-write read and two update calls of 200, as for one batch.
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opps = host.Seed(700);
        for (var i = 0; i < opps.Count; i++)
        {
            await AddLeadAsync(host, $"lead-{i:D3}", opps[i], 1000m + i, new DateOnly(2026, 6, 30));
        }

        Assert.True((await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce)).Completed);
        await Task.Delay(5);
        for (var i = 0; i < 600; i++)
        {
            host.Org.Update("Opportunity", opps[i], new Dictionary<string, object?> { ["StageName"] = "Closed Won" });
            if (i % 2 == 0)
            {
                await EditLeadAsync(host, $"lead-{i:D3}", l => l with { ExpectedValue = 50_000m + i }); // another field: no conflict, a push
            }
        }

        host.Org.Delete("Opportunity", opps[650]);
        host.Org.Delete("Opportunity", opps[651]);
        host.Emulator.Calls.Reset();

        var result = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce, new ConnectionSyncOptions { IncludeActivities = false });
        Report("one change page of 600 records, 300 of them also changed in ARIA, 2 deletions", host);

        Assert.True(result.Completed, result.Reason);
        Assert.Equal(600, result.LeadsUpdated);
        Assert.Equal(300, result.CrmRecordsUpdated);
        Assert.Equal(0, result.ConflictsResolved + result.ConflictsOpen);
        Assert.Equal(2, result.Failures.Count);
        Assert.All(result.Failures, f => Assert.Equal(CrmSyncNotFoundException.ErrorCode, f.ErrorCode));
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.QueryAll));
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsGet)); // the pre-write read of all 300
        Assert.Equal(2, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsUpdate));
        for (var i = 0; i < 600; i++)
        {
            var lead = (await host.Leads.GetAsync(SfGatewayHost.UserId, $"lead-{i:D3}"))!;
            Assert.Equal((LifecycleStages.Account, LeadStatuses.Won), (lead.LifecycleStage, lead.Status));
            Assert.Equal(i % 2 == 0 ? 50_000m + i : 1000m + i, (decimal)host.Org.Get("Opportunity", opps[i])!["Amount"]!);
            Assert.Equal(SyncStatus.Synced, (await host.Sync.GetSyncStateAsync($"lead-{i:D3}"))!.Status);
        }

        Assert.Equal(SyncStatus.Error, (await host.Sync.GetSyncStateAsync("lead-650"))!.Status);
        var audit = await AuditAsync(host);
        Assert.Equal(300, audit.Count(e => e.Operation == CrmAuditOperation.Push));
        Assert.True((await host.Audit.VerifyAsync(SfGatewayHost.UserId)).IsValid);
    }

    [Fact]
    public async Task ConnectionSync_PausesOnTheDailyAllocation_AndResumesFromItsCheckpoint()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await SfGatewayHost.StartAsync(emulator: o => o.DailyApiRequestLimit = 4, options: o => o.QueryBatchSize = 200, services: s => s.AddSingleton<TimeProvider>(clock), transport: Transport);
        var opps = host.Seed(1000);
        var start = clock.GetUtcNow().AddHours(-1);
        for (var i = 0; i < opps.Count; i++)
        {
            host.Org.SetSystemModstamp("Opportunity", opps[i], start.AddSeconds(i)); // one per second: the checkpoint's second holds one record
        }

        for (var i = 0; i < opps.Count; i += 10)
        {
            await AddLeadAsync(host, $"lead-{i:D4}", opps[i], 1000m + i, new DateOnly(2026, 6, 30));
        }

        var options = new ConnectionSyncOptions { IncludeActivities = false, OverlapWindow = TimeSpan.Zero };
        var paused = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce, options);

        Assert.False(paused.Completed);
        Assert.Equal(clock.GetUtcNow().AddHours(1), paused.PausedUntil);
        Assert.Contains("daily", paused.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(4, host.Emulator.Calls.ApiCalls); // 90 % of 4: the gate stopped before Salesforce had to refuse
        Assert.Equal(800, paused.RecordsRead);
        Assert.NotNull(paused.Cursor);

        clock.Advance(TimeSpan.FromMinutes(61));
        host.Emulator.ResetDailyUsage();
        var resumed = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce, options);

        Assert.True(resumed.Completed, resumed.Reason);
        Assert.InRange(resumed.RecordsRead, 200, 400); // from the checkpoint, not from the start
        for (var i = 0; i < opps.Count; i += 10)
        {
            Assert.Equal(SyncStatus.Synced, (await host.Sync.GetSyncStateAsync($"lead-{i:D4}"))!.Status);
        }
    }
}

/// <summary>Runs an action before each request reaches the server.</summary>
internal sealed class HookHandler(Action<HttpRequestMessage> before) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        before(request);
        return base.SendAsync(request, cancellationToken);
    }
}
