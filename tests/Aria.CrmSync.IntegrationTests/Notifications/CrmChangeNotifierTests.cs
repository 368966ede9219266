using Aria.CrmSync.IntegrationTests.Salesforce.PubSub;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.IntegrationTests.Notifications;

/// <summary>The notification path on its own: debounced, batched targeted syncs through the engine (no subscriber running).</summary>
public sealed class CrmChangeNotifierTests
{
    private const string User = PubSubSubscriberHost.User;

    [Fact]
    public async Task NotifyAsync_Burst_RunsAsOneBatchedReadAndAppliesEveryChange()
    {
        await using var h = await PubSubSubscriberHost.StartAsync(startSubscriber: false);
        var notifier = h.Services.GetRequiredService<ICrmChangeNotifier>();
        var second = h.Emulator.Org.InsertOpportunity("Second", SalesforceStages.Prospecting, new DateOnly(2027, 5, 1), 10m);
        var third = h.Emulator.Org.InsertOpportunity("Third", SalesforceStages.Prospecting, new DateOnly(2027, 5, 1), 20m);
        var links = h.Services.GetRequiredService<ICrmLinkService>();
        await links.ImportCrmRecordsAsync(User, CrmProvider.Salesforce);
        Assert.True((await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce, new ConnectionSyncOptions { FullReconciliation = true, IncludeActivities = false })).Completed);

        h.Emulator.Org.Update("Opportunity", h.OpportunityId, new Dictionary<string, object?> { ["Amount"] = 111m });
        h.Emulator.Org.Update("Opportunity", second, new Dictionary<string, object?> { ["Amount"] = 222m });
        h.Emulator.Org.Update("Opportunity", third, new Dictionary<string, object?> { ["Amount"] = 333m });
        var before = h.Emulator.Calls.ApiCalls;
        foreach (var id in new[] { h.OpportunityId, second, third, second })
        {
            await notifier.NotifyAsync(new CrmChangeNotification { UserId = User, Provider = CrmProvider.Salesforce, CrmIds = [id] });
        }

        await notifier.WaitIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, h.Emulator.Calls.ApiCalls - before); // four notices, one read of three ids, no writes
        Assert.Equal(111m, (await h.Leads.FindByCrmIdAsync(User, CrmProvider.Salesforce, h.OpportunityId))!.ExpectedValue);
        Assert.Equal(222m, (await h.Leads.FindByCrmIdAsync(User, CrmProvider.Salesforce, second))!.ExpectedValue);
        Assert.Equal(333m, (await h.Leads.FindByCrmIdAsync(User, CrmProvider.Salesforce, third))!.ExpectedValue);
    }

    [Fact]
    public async Task NotifyAsync_LeaseHeldByAnotherWorker_RetriedUntilItRuns()
    {
        await using var h = await PubSubSubscriberHost.StartAsync(startSubscriber: false);
        var states = h.Services.GetRequiredService<ISyncStateStore>();
        // Held long enough that a loaded machine still checks before it expires (600 ms failed under a load of 6 and more).
        var lease = await states.TryAcquireLeaseAsync("sync:salesforce:" + User, "another-worker", TimeSpan.FromSeconds(3));
        Assert.NotNull(lease);
        h.Emulator.Org.Update("Opportunity", h.OpportunityId, new Dictionary<string, object?> { ["Amount"] = 4321m });

        var notifier = h.Services.GetRequiredService<ICrmChangeNotifier>();
        await notifier.NotifyAsync(new CrmChangeNotification { UserId = User, Provider = CrmProvider.Salesforce, CrmIds = [h.OpportunityId] });
        await Task.Delay(300);
        Assert.Equal(1200m, (await h.Leads.GetAsync(User, h.LeadId))!.ExpectedValue); // the other worker still holds the connection
        await h.WaitForValueAsync(4321m, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task NotifyAsync_IncrementalRequest_RunsConnectionSync()
    {
        await using var h = await PubSubSubscriberHost.StartAsync(startSubscriber: false);
        h.Emulator.Org.Update("Opportunity", h.OpportunityId, new Dictionary<string, object?> { ["Amount"] = 777m });
        var notifier = h.Services.GetRequiredService<ICrmChangeNotifier>();
        await notifier.NotifyAsync(new CrmChangeNotification { UserId = User, Provider = CrmProvider.Salesforce, RequiresIncrementalSync = true });
        await notifier.WaitIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(777m, (await h.Leads.GetAsync(User, h.LeadId))!.ExpectedValue);
    }

    [Fact]
    public async Task PublicEntryPoints_NullArguments_Throw()
    {
        await using var h = await PubSubSubscriberHost.StartAsync(startSubscriber: false);
        var notifier = h.Services.GetRequiredService<ICrmChangeNotifier>();
        Assert.Equal("notification", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await notifier.NotifyAsync(null!))).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => CrmChangeNotificationBuilderExtensions.AddChangeNotifications(null!)).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => SalesforcePubSubBuilderExtensions.AddSalesforcePubSub(null!, _ => { })).ParamName);
        var builder = new ServiceCollection().AddAriaCrmSync();
        Assert.Equal("configure", Assert.Throws<ArgumentNullException>(() => builder.AddSalesforcePubSub(null!)).ParamName);
        Assert.Equal("emulator", (await Assert.ThrowsAsync<ArgumentNullException>(() => PubSubEmulatorServerExtensions.StartPubSubServerAsync(null!))).ParamName);
        Assert.Equal("objectName", Assert.ThrowsAny<ArgumentException>(() => h.Emulator.ChangeEvents.PublishGap(null!, [])).ParamName);
        Assert.Equal("recordIds", Assert.Throws<ArgumentNullException>(() => h.Emulator.ChangeEvents.PublishGap("Opportunity", null!)).ParamName);
        Assert.Equal("changeType", Assert.Throws<ArgumentException>(() => h.Emulator.ChangeEvents.PublishGap("Opportunity", [h.OpportunityId], "UPDATE")).ParamName);
        Assert.Equal("objectName", Assert.Throws<ArgumentException>(() => h.Emulator.ChangeEvents.PublishGapOverflow("Account")).ParamName);
    }
}
