using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aria.CrmSync.IntegrationTests.Salesforce.PubSub;

/// <summary>
/// With no configured users the subscriber follows the connection registry: due Salesforce connections are subscribed,
/// paused ones are not, and across host processes sharing the stores a connection is subscribed by one at a time.
/// </summary>
public sealed class PubSubRegistryTests
{
    private static Dictionary<string, object?> Amount(decimal value) => new() { ["Amount"] = value };

    [Fact]
    public async Task RegisteredConnection_IsSubscribed_PausedStops_ResumedSubscribesAgain()
    {
        await using var h = await PubSubSubscriberHost.StartAsync(followRegistry: true);
        var registry = h.Services.GetRequiredService<ICrmConnectionRegistry>();
        var events = h.Emulator.ChangeEvents;

        h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(2100m));
        await h.WaitForValueAsync(2100m);
        Assert.Equal(1, events.ActiveSubscriptions);

        await registry.PauseAsync(PubSubSubscriberHost.User, CrmProvider.Salesforce, "test");
        await PubSubSubscriberHost.WaitUntilAsync(() => events.ActiveSubscriptions == 0, "the paused connection's subscription ended");
        var opened = events.SubscriptionsOpened;

        await registry.ResumeAsync(PubSubSubscriberHost.User, CrmProvider.Salesforce);
        await PubSubSubscriberHost.WaitUntilAsync(() => events.SubscriptionsOpened > opened && events.ActiveSubscriptions == 1, "the resumed connection was subscribed again");
        h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(2200m));
        await h.WaitForValueAsync(2200m);
    }

    [Fact]
    public async Task TwoHostProcesses_SubscribeTheConnectionOnce_AndTheOtherTakesOverWhenItStops()
    {
        await using var h = await PubSubSubscriberHost.StartAsync(followRegistry: true);
        var events = h.Emulator.ChangeEvents;
        await using var peer = h.BuildPeer();
        var peerSubscriber = peer.GetServices<IHostedService>().Single(s => s.GetType().Name == "SalesforcePubSubWorker");
        await peerSubscriber.StartAsync(CancellationToken.None);
        try
        {
            await Task.Delay(600); // six registry rounds of the peer: it must find the lease held
            Assert.Equal((1L, 1L), (events.ActiveSubscriptions, events.SubscriptionsOpened));

            await h.Subscriber.StopAsync(CancellationToken.None); // a clean stop releases the lease
            await PubSubSubscriberHost.WaitUntilAsync(() => events.SubscriptionsOpened == 2 && events.ActiveSubscriptions == 1, "the peer took the subscription over");
            h.Emulator.Org.Update("Opportunity", h.OpportunityId, Amount(2600m));
            await h.WaitForValueAsync(2600m); // synced by the peer's engine into the shared lead store
        }
        finally
        {
            await peerSubscriber.StopAsync(CancellationToken.None);
        }

        await h.StartSubscriberAsync(); // DisposeAsync stops it again
    }
}
