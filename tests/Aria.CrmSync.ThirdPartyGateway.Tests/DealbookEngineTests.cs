using System.Net;
using Aria.CrmSync.ThirdPartyGateway.Tests.Dealbook;

namespace Aria.CrmSync.ThirdPartyGateway.Tests;

/// <summary>The whole engine over the third gateway, registered like any other CRM (<c>AddAriaCrmSync().AddDealbook(...)</c>).</summary>
public sealed class DealbookEngineTests
{
    private const string UserId = DealbookHost.UserId;

    [Fact]
    public async Task SingleLeadSync_Conflict_Note_Activity_TokenRefresh_AndAVerifiedAuditTrail()
    {
        await using var h = DealbookHost.Start(sync: o => o.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.Manual);
        var deal = h.Server.AddDeal("Acme", "qualified", value: 1000m);
        await h.AddLeadAsync("lead-1", deal, value: 1000m);
        var first = await h.Sync.TriggerManualSyncAsync(UserId, "lead-1");
        Assert.True(first.Success, first.Error);

        // Both sides change the amount (a manual conflict); the CRM also moves the stage; a person logs a call.
        h.Server.EditDeal(deal, stage: "negotiation", value: 1500m);
        var lead = (await h.Leads.GetAsync(UserId, "lead-1"))!;
        await h.Leads.UpdateAsync(lead with { ExpectedValue = 2000m });
        await h.Sync.MarkLeadChangedAsync(UserId, "lead-1", [LeadFields.ExpectedValue]);
        var call = h.Server.AddActivity(deal, "Discovery call");
        h.Server.ExpireAccessTokens(); // the next request gets a 401: the toolkit refreshes the token once and repeats it

        var synced = await h.Sync.TriggerManualSyncAsync(UserId, "lead-1");

        Assert.Equal(SyncStatus.Conflict, synced.Status);
        var conflict = Assert.Single(synced.Conflicts);
        Assert.Equal(LeadFields.ExpectedValue, conflict.Field);
        Assert.Equal(LifecycleStages.Opportunity, (await h.Leads.GetAsync(UserId, "lead-1"))!.LifecycleStage); // the CRM-only change is taken
        Assert.Equal(1500m, h.Server.GetDeal(deal)!.Value.Value); // the conflicting field waits for a person
        Assert.Contains(h.Server.Requests, r => r == "POST /oauth/token");
        var events = await h.Leads.GetEventsAsync(UserId, "lead-1").ToListAsync();
        Assert.Equal(call, Assert.Single(events).ExternalId);

        var resolved = await h.Sync.ResolveConflictAsync(UserId, "lead-1", LeadFields.ExpectedValue, ConflictResolution.AriaWins);
        Assert.True(resolved.Success, resolved.Error);
        Assert.Equal(2000m, h.Server.GetDeal(deal)!.Value.Value);

        var pushed = await h.Sync.PushSummaryAsync(UserId, "lead-1", "Met the CFO; budget confirmed.");
        Assert.True(pushed.Success, pushed.Error);
        Assert.Equal("[ARIA] Met the CFO; budget confirmed.", Assert.Single(h.Server.NotesOf(deal)));

        var audit = await h.Audit.StreamAuditLogAsync(new AuditQuery { UserId = UserId, Limit = null }).ToListAsync();
        Assert.All(audit, e => Assert.Equal(DealbookBuilderExtensions.Dealbook, e.Provider));
        Assert.Contains(audit, e => e.Operation == CrmAuditOperation.ConflictResolved);
        Assert.Contains(audit, e => e.Operation == CrmAuditOperation.Push && e.Details.TryGetProperty("note_id", out _));
        Assert.True((await h.Audit.VerifyAsync(UserId)).IsValid);
    }

    [Fact]
    public async Task ConnectionSync_AcrossPages_BothWays_ThenAFailedSyncIsRetried()
    {
        await using var h = DealbookHost.Start(sync: o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(50));
        var deals = Enumerable.Range(0, 7).Select(i => h.Server.AddDeal($"Deal {i}", value: 100m)).ToList();
        for (var i = 0; i < deals.Count; i++)
        {
            await h.AddLeadAsync($"lead-{i}", deals[i], value: 100m);
        }

        var initial = await h.Sync.SyncConnectionAsync(UserId, DealbookBuilderExtensions.Dealbook);
        Assert.True(initial.Completed, initial.Reason);
        Assert.Equal(7, initial.LeadsCompared);

        // CRM edits on 0..2 (read back over several change pages of two deals), lead edits on 3..4.
        for (var i = 0; i < 3; i++)
        {
            h.Server.EditDeal(deals[i], value: 700m + i);
        }

        for (var i = 3; i < 5; i++)
        {
            var lead = (await h.Leads.GetAsync(UserId, $"lead-{i}"))!;
            await h.Leads.UpdateAsync(lead with { ExpectedValue = 5000m + i });
            await h.Sync.MarkLeadChangedAsync(UserId, lead.Id, [LeadFields.ExpectedValue]);
        }

        var run = await h.Sync.SyncConnectionAsync(UserId, DealbookBuilderExtensions.Dealbook);

        Assert.True(run.Completed, run.Reason);
        Assert.Empty(run.Failures);
        Assert.Equal(3, run.LeadsUpdated);
        Assert.Equal(2, run.CrmRecordsUpdated);
        Assert.Equal(701m, (await h.Leads.GetAsync(UserId, "lead-1"))!.ExpectedValue);
        Assert.Equal(5004m, h.Server.GetDeal(deals[4])!.Value.Value);

        // Dealbook fails every attempt of the next single-lead sync: the lead goes to error and a retry is scheduled.
        var edited = (await h.Leads.GetAsync(UserId, "lead-6"))!;
        await h.Leads.UpdateAsync(edited with { ExpectedValue = 6666m });
        await h.Sync.MarkLeadChangedAsync(UserId, "lead-6", [LeadFields.ExpectedValue]);
        h.Server.InjectFault(HttpStatusCode.InternalServerError, 100);
        var failed = await h.Sync.TriggerManualSyncAsync(UserId, "lead-6");
        Assert.False(failed.Success);
        Assert.Equal(SyncStatus.Error, (await h.Sync.GetSyncStateAsync("lead-6"))!.Status);
        h.Server.ClearFaults();

        var scheduled = await h.Sync.ScheduleRetryAsync("lead-6", TimeSpan.FromMilliseconds(10));
        Assert.True(scheduled.Success, scheduled.Error);
        await Task.Delay(TimeSpan.FromMilliseconds(100));
        var retried = await h.Sync.ProcessDueRetriesAsync();

        Assert.Equal(1, retried.Succeeded);
        Assert.Equal(6666m, h.Server.GetDeal(deals[6])!.Value.Value);
        Assert.Equal(SyncStatus.Synced, (await h.Sync.GetSyncStateAsync("lead-6"))!.Status);
        var audit = await h.Audit.StreamAuditLogAsync(new AuditQuery { UserId = UserId, Limit = null }).ToListAsync();
        Assert.Contains(audit, e => e.Operation == CrmAuditOperation.Retry || e.Details.TryGetProperty("retry_count", out _));
        Assert.True((await h.Audit.VerifyAsync(UserId)).IsValid);
    }
}
