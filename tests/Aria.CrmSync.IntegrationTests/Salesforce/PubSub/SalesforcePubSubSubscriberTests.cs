using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.IntegrationTests.Salesforce.PubSub;

/// <summary>A CRM edit reaches the lead through a real change event: emulator → Pub/Sub (gRPC, TLS) → subscriber → targeted sync.</summary>
public sealed class SalesforcePubSubSubscriberTests
{
    private static Dictionary<string, object?> Amount(decimal value) => new() { ["Amount"] = value };

    [Fact]
    public async Task CrmEdit_ReachesLeadThroughChangeEvent_WithOneBatchedRead()
    {
        await using var h = await PubSubSubscriberHost.StartAsync();
        var callsBefore = h.Emulator.Calls.ApiCalls;
        h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(2500m));

        await h.WaitForValueAsync(2500m);
        var state = await h.Services.GetRequiredService<ISyncStateStore>().GetAsync(h.LeadId);
        Assert.Equal(SyncStatus.Synced, state!.Status);
        // One notification, one targeted read of the changed id (no change-stream query, no per-event write).
        Assert.InRange(h.Emulator.Calls.ApiCalls - callsBefore, 1, 2);
    }

    [Fact]
    public async Task SubscriberRestarted_ReplaysEventsMissedWhileDown()
    {
        await using var h = await PubSubSubscriberHost.StartAsync();
        h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(2000m));
        await h.WaitForValueAsync(2000m);
        await h.WaitForStoredReplayIdAsync(); // this connection never ran a connection sync: without a stored position there is no checkpoint to catch up from

        await h.Subscriber.StopAsync(CancellationToken.None);
        h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(3000m)); // committed while no one listens
        await Task.Delay(300);
        Assert.Equal(2000m, (await h.Leads.GetAsync(PubSubSubscriberHost.User, h.LeadId))!.ExpectedValue);

        await h.StartSubscriberAsync(); // resumes after the stored replay id, not at LATEST
        await h.WaitForValueAsync(3000m);
    }

    [Fact]
    public async Task StoppedBeforeAnyPositionWasStored_ResubscribesAtLatest_AndCatchesUpFromTheConnectionCheckpoint()
    {
        await using var h = await PubSubSubscriberHost.StartAsync(startSubscriber: false);
        Assert.True((await h.Sync.SyncConnectionAsync(PubSubSubscriberHost.User, CrmProvider.Salesforce)).Completed); // the connection's checkpoint
        var calls = h.Emulator.Calls.ApiCalls;
        await h.StartSubscriberAsync(); // from LATEST: no position stored yet; its catch-up reads from the checkpoint
        await PubSubSubscriberHost.WaitUntilAsync(() => h.Emulator.Calls.ApiCalls > calls, "the first subscription's catch-up read");
        await h.Services.GetRequiredService<ICrmChangeNotifier>().WaitIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await h.Subscriber.StopAsync(CancellationToken.None); // before any response (keep-alives come every 270 s): still none stored
        var key = h.Services.GetRequiredService<InMemoryCrmConnectionResolver>().Find(PubSubSubscriberHost.User, CrmProvider.Salesforce)!.ConnectionKey;
        Assert.Null((await h.Services.GetRequiredService<ISyncStateStore>().GetCursorAsync(key, "pubsub:/data/OpportunityChangeEvent"))?.Cursor.LastId);

        h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(3500m)); // committed while no one listens, with nothing to replay from
        await Task.Delay(300);
        Assert.Equal(1200m, (await h.Leads.GetAsync(PubSubSubscriberHost.User, h.LeadId))!.ExpectedValue);

        await h.StartSubscriberAsync(); // LATEST again (the event is before it), then an incremental sync from the checkpoint
        await h.WaitForValueAsync(3500m);
    }

    [Fact]
    public async Task ReplayIdPastRetention_FallsBackToIncrementalSync()
    {
        await using var h = await PubSubSubscriberHost.StartAsync(o => o.ChangeEventRetention = TimeSpan.FromSeconds(1));
        h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(2000m));
        await h.WaitForValueAsync(2000m);
        await h.WaitForStoredReplayIdAsync(); // the scenario needs a stored position to expire (stored once its sync ran)

        await h.Subscriber.StopAsync(CancellationToken.None);
        h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(4000m));
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the event (and the stored replay id) leave the retention window
        Assert.Equal(0, h.Emulator.ChangeEvents.Count);

        await h.StartSubscriberAsync(); // INVALID_ARGUMENT replayid.corrupted → incremental sync, then LATEST
        await h.WaitForValueAsync(4000m);
    }

    [Fact]
    public async Task ExpiredAccessToken_RefreshedAndResubscribed()
    {
        await using var h = await PubSubSubscriberHost.StartAsync(startSubscriber: false);
        h.Emulator.ExpireAccessTokens();
        await h.StartSubscriberAsync(); // UNAUTHENTICATED → refresh through the OAuth endpoint → subscribe again
        h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(2200m));
        await h.WaitForValueAsync(2200m);
    }

    [Fact]
    public async Task GapEvent_ReadsTheNamedRecord()
    {
        await using var h = await PubSubSubscriberHost.StartAsync();
        h.Emulator.ChangeEvents.IsEnabled = false; // a change Salesforce could not describe
        h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(5100m));
        h.Emulator.ChangeEvents.IsEnabled = true;
        h.Emulator.ChangeEvents.PublishGap("Opportunity", [h.OpportunityId]);
        await h.WaitForValueAsync(5100m);
    }

    [Fact]
    public async Task GapOverflow_RunsIncrementalSync()
    {
        await using var h = await PubSubSubscriberHost.StartAsync();
        h.Emulator.ChangeEvents.IsEnabled = false;
        h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(5200m));
        h.Emulator.ChangeEvents.IsEnabled = true;
        h.Emulator.ChangeEvents.PublishGapOverflow("Opportunity");
        await h.WaitForValueAsync(5200m);
    }

    [Fact]
    public async Task LostNotification_DelaysChange_PeriodicSyncStillAppliesIt()
    {
        await using var h = await PubSubSubscriberHost.StartAsync();
        h.Emulator.ChangeEvents.IsEnabled = false; // the notification never arrives
        h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(6100m));
        await Task.Delay(500);
        Assert.Equal(1200m, (await h.Leads.GetAsync(PubSubSubscriberHost.User, h.LeadId))!.ExpectedValue);

        var result = await h.Sync.SyncConnectionAsync(PubSubSubscriberHost.User, CrmProvider.Salesforce); // the periodic safety net
        Assert.True(result.Completed, result.Reason);
        Assert.Equal(6100m, (await h.Leads.GetAsync(PubSubSubscriberHost.User, h.LeadId))!.ExpectedValue);
    }

    [Fact]
    public async Task TaskAndEventChangeEvents_PullTheNewActivitiesIntoTheLead_WithoutAConnectionSync()
    {
        await using var h = await PubSubSubscriberHost.StartAsync(activities: true);
        await PubSubSubscriberHost.WaitUntilAsync(() => h.Emulator.ChangeEvents.ActiveSubscriptions == 3, "the record and both activity topics were subscribed");

        var call = h.Emulator.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = h.OpportunityId, ["Subject"] = "Discovery call", ["TaskSubtype"] = "Call", ["Status"] = "Completed" });
        var demo = h.Emulator.Org.Insert("Event", new Dictionary<string, object?> { ["WhatId"] = h.OpportunityId, ["Subject"] = "Demo", ["StartDateTime"] = new DateTimeOffset(2026, 12, 8, 15, 0, 0, TimeSpan.Zero), ["EndDateTime"] = new DateTimeOffset(2026, 12, 8, 16, 0, 0, TimeSpan.Zero), ["DurationInMinutes"] = 60L });

        List<LeadEvent> events;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while ((events = await h.Leads.GetEventsAsync(PubSubSubscriberHost.User, h.LeadId).ToListAsync()).Count < 2)
            {
                await Task.Delay(20, timeout.Token); // throws when the activities never arrive
            }
        }

        Assert.Equal(new[] { call, demo }.Order(StringComparer.Ordinal), events.Select(e => e.ExternalId).Order(StringComparer.Ordinal));
    }
}
