using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Aria.CrmSync.IntegrationTests.Salesforce.PubSub;

/// <summary>
/// A host with the engine (in-memory stores), the Salesforce gateway on the emulator and the Pub/Sub subscriber on the
/// emulator's Pub/Sub server (TLS, its self-signed certificate trusted), with one imported, synced opportunity.
/// </summary>
internal sealed class PubSubSubscriberHost : IAsyncDisposable
{
    public const string User = "u1";

    private PubSubSubscriberHost(SalesforceEmulator emulator, PubSubEmulatorServer server, ServiceProvider services, string opportunityId, string leadId)
    {
        Emulator = emulator;
        Server = server;
        Services = services;
        OpportunityId = opportunityId;
        LeadId = leadId;
    }

    public SalesforceEmulator Emulator { get; }

    public PubSubEmulatorServer Server { get; }

    public ServiceProvider Services { get; }

    public string OpportunityId { get; }

    public string LeadId { get; }

    public ILeadMemoryStore Leads => Services.GetRequiredService<ILeadMemoryStore>();

    public ICrmSyncService Sync => Services.GetRequiredService<ICrmSyncService>();

    public IHostedService Subscriber => Services.GetServices<IHostedService>().Single(s => s.GetType().Name == "SalesforcePubSubWorker");

    public static async Task<PubSubSubscriberHost> StartAsync(Action<SalesforceEmulatorOptions>? configureEmulator = null, bool startSubscriber = true, bool followRegistry = false, bool activities = false)
    {
        var options = new SalesforceEmulatorOptions();
        configureEmulator?.Invoke(options);
        var emulator = new SalesforceEmulator(options);
        var server = await emulator.StartPubSubServerAsync();
        var opportunity = emulator.Org.InsertOpportunity("Realtime renewal", SalesforceStages.Prospecting, new DateOnly(2027, 3, 1), amount: 1200m);
        var tokens = emulator.IssueTokens();
        var services = new ServiceCollection();
        Configure(services, emulator, server, tokens, followRegistry, activities);
        var provider = services.BuildServiceProvider();
        if (followRegistry)
        {
            await provider.GetRequiredService<ICrmConnectionRegistry>().AddAsync(User, CrmProvider.Salesforce);
        }

        var imported = await provider.GetRequiredService<ICrmLinkService>().ImportCrmRecordsAsync(User, CrmProvider.Salesforce);
        var lead = Assert.Single(imported);
        Assert.True((await provider.GetRequiredService<ICrmSyncService>().TriggerManualSyncAsync(User, lead.Id)).Success);
        var host = new PubSubSubscriberHost(emulator, server, provider, opportunity, lead.Id);
        if (startSubscriber)
        {
            await host.StartSubscriberAsync();
        }

        return host;
    }

    /// <summary>
    /// Builds a second host process's services (its own engine and subscriber on the same emulator) sharing this host's
    /// stores and connection registry, as processes sharing one database do.
    /// </summary>
    public ServiceProvider BuildPeer()
    {
        var services = new ServiceCollection();
        Configure(services, Emulator, Server, Emulator.IssueTokens(), followRegistry: true, activities: false);
        services.Replace(ServiceDescriptor.Singleton(Services.GetRequiredService<ISyncStateStore>()));
        services.Replace(ServiceDescriptor.Singleton(Services.GetRequiredService<ILeadMemoryStore>()));
        services.Replace(ServiceDescriptor.Singleton(Services.GetRequiredService<IAuditStore>()));
        services.Replace(ServiceDescriptor.Singleton(Services.GetRequiredService<ICrmConnectionRegistry>()));
        return services.BuildServiceProvider();
    }

    /// <summary>Waits until <paramref name="condition"/> holds (10 s at most).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            try
            {
                await Task.Delay(20, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("Timed out waiting until " + what + ".");
            }
        }
    }

    private static void Configure(IServiceCollection services, SalesforceEmulator emulator, PubSubEmulatorServer server, SalesforceTokens tokens, bool followRegistry, bool activities)
    {
        services.AddAriaCrmSync()
            .UseInMemoryStores()
            .UseInMemoryConnections(c => c.Add(new CrmConnection { UserId = User, Provider = CrmProvider.Salesforce, AccessToken = tokens.AccessToken, RefreshToken = tokens.RefreshToken, InstanceUrl = tokens.InstanceUrl }))
            .AddSalesforceEmulator(emulator)
            .AddChangeNotifications(o => o.DebounceInterval = TimeSpan.FromMilliseconds(50))
            .AddSalesforcePubSub(o =>
            {
                o.Endpoint = server.Address;
                if (followRegistry)
                {
                    o.RegistryRefreshInterval = TimeSpan.FromMilliseconds(100);
                    o.SubscriptionLeaseDuration = TimeSpan.FromSeconds(1);
                }
                else
                {
                    o.UserIds.Add(User);
                }

                if (activities)
                {
                    o.ActivityTopics.Add("/data/TaskChangeEvent");
                    o.ActivityTopics.Add("/data/EventChangeEvent");
                }

                o.ReconnectDelay = TimeSpan.FromMilliseconds(100);
                var thumbprint = server.Certificate.GetCertHashString();
                o.ConfigureHttpHandler = h => h.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint;
            });
    }

    /// <summary>Starts the subscriber and waits until its subscription is open (a change after this is delivered).</summary>
    public async Task StartSubscriberAsync()
    {
        var before = Emulator.ChangeEvents.SubscriptionsOpened;
        await Subscriber.StartAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (Emulator.ChangeEvents.SubscriptionsOpened <= before)
        {
            await Task.Delay(20, cts.Token);
        }
    }

    /// <summary>Waits until the subscriber has stored a replay id for the records' topic (10 s at most).</summary>
    public async Task WaitForStoredReplayIdAsync()
    {
        var states = Services.GetRequiredService<ISyncStateStore>();
        var key = Services.GetRequiredService<InMemoryCrmConnectionResolver>().Find(User, CrmProvider.Salesforce)!.ConnectionKey;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while ((await states.GetCursorAsync(key, "pubsub:/data/OpportunityChangeEvent"))?.Cursor.LastId is not { Length: > 0 })
        {
            await Task.Delay(20, cts.Token);
        }
    }

    /// <summary>Waits until the lead's expected value is <paramref name="expected"/>; returns the time it took.</summary>
    public async Task<TimeSpan> WaitForValueAsync(decimal expected, TimeSpan? timeout = null)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var lead = await Leads.GetAsync(User, LeadId);
            if (lead!.ExpectedValue == expected)
            {
                return started.Elapsed;
            }

            try
            {
                await Task.Delay(20, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The lead's expected value is {lead.ExpectedValue}, not {expected}.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Subscriber.StopAsync(CancellationToken.None);
        await Services.DisposeAsync();
        await Server.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
