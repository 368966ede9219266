using System.Globalization;
using System.Net;
using Aria.CrmSync.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Benchmarks;

/// <content>The emulated CRMs the latency probe measures: seeded, imported and synced once before the edits.</content>
internal static partial class LatencyProbe
{
    private interface ILatencyWorld : IAsyncDisposable
    {
        CrmProvider Provider { get; }

        IServiceProvider Services { get; }

        IReadOnlyList<string> CrmIds { get; }

        /// <summary>Gets the REST API calls the emulator counted.</summary>
        long ApiCalls { get; }

        string RealtimePath(TimeSpan debounce);

        /// <summary>Commits one edit in the CRM (a person's change).</summary>
        void Edit(string crmId, decimal amount);

        Task StartRealtimeAsync();

        Task StopRealtimeAsync();
    }

    private static async Task ImportAndSyncAsync(IServiceProvider services, CrmProvider provider)
    {
        await services.GetRequiredService<ICrmLinkService>().ImportCrmRecordsAsync(User, provider);
        var baseline = await services.GetRequiredService<ICrmSyncService>().SyncConnectionAsync(User, provider, new ConnectionSyncOptions { FullReconciliation = true, IncludeActivities = false });
        if (!baseline.Completed)
        {
            throw new InvalidOperationException("The baseline sync did not complete: " + baseline.Reason);
        }
    }

    /// <summary>Salesforce: Change Data Capture over the emulator's Pub/Sub server (gRPC, TLS, loopback).</summary>
    private sealed class SalesforceWorld(SalesforceEmulator emulator, IAsyncDisposable server, ServiceProvider services, List<string> ids) : ILatencyWorld
    {
        public CrmProvider Provider => CrmProvider.Salesforce;

        public IServiceProvider Services => services;

        public IReadOnlyList<string> CrmIds => ids;

        public long ApiCalls => emulator.Calls.ApiCalls;

        private IHostedService Subscriber => services.GetServices<IHostedService>().Single(s => s.GetType().Name == "SalesforcePubSubWorker");

        public static async Task<ILatencyWorld> CreateAsync(int leads, TimeSpan debounce)
        {
            var emulator = new SalesforceEmulator(new SalesforceEmulatorOptions { DailyApiRequestLimit = 100_000_000, ConcurrentRequestLimit = 1000 });
            var server = await emulator.StartPubSubServerAsync();
            var ids = new List<string>(leads);
            for (var i = 0; i < leads; i++)
            {
                ids.Add(emulator.Org.InsertOpportunity($"Latency {i}", SalesforceStages.Prospecting, new DateOnly(2027, 6, 30), 1000m + i));
            }

            var tokens = emulator.IssueTokens();
            var thumbprint = server.Certificate.GetCertHashString();
            var collection = new ServiceCollection();
            collection.AddAriaCrmSync()
                .UseInMemoryStores()
                .UseInMemoryConnections(c => c.Add(new CrmConnection { UserId = User, Provider = CrmProvider.Salesforce, AccessToken = tokens.AccessToken, RefreshToken = tokens.RefreshToken, InstanceUrl = tokens.InstanceUrl }))
                .AddSalesforceEmulator(emulator)
                .AddChangeNotifications(o => o.DebounceInterval = debounce)
                .AddSalesforcePubSub(o =>
                {
                    o.Endpoint = server.Address;
                    o.UserIds.Add(User);
                    o.ConfigureHttpHandler = h => h.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint;
                });
            var services = collection.BuildServiceProvider();
            await ImportAndSyncAsync(services, CrmProvider.Salesforce);
            return new SalesforceWorld(emulator, server, services, ids);
        }

        public string RealtimePath(TimeSpan debounce) => $"Salesforce: Change Data Capture (Pub/Sub), debounce {debounce.TotalMilliseconds:0} ms";

        public void Edit(string crmId, decimal amount) => emulator.Org.Update("Opportunity", crmId, new Dictionary<string, object?> { ["Amount"] = amount });

        public async Task StartRealtimeAsync()
        {
            await Subscriber.StartAsync(CancellationToken.None);
            while (emulator.ChangeEvents.SubscriptionsOpened == 0)
            {
                await Task.Delay(10);
            }
        }

        public Task StopRealtimeAsync() => Subscriber.StopAsync(CancellationToken.None);

        public async ValueTask DisposeAsync()
        {
            await services.DisposeAsync();
            await server.DisposeAsync();
            await emulator.DisposeAsync();
        }
    }

    /// <summary>HubSpot: the emulator's signed webhook deliveries → <c>MapHubSpotWebhooks</c> on Kestrel (loopback).</summary>
    private sealed class HubSpotWorld(HubSpotEmulator emulator, WebApplication app, Uri target, List<string> ids) : ILatencyWorld
    {
        public CrmProvider Provider => CrmProvider.HubSpot;

        public IServiceProvider Services => app.Services;

        public IReadOnlyList<string> CrmIds => ids;

        public long ApiCalls => emulator.Calls.ApiCalls;

        public static async Task<ILatencyWorld> CreateAsync(int leads, TimeSpan debounce)
        {
            // HubSpot's higher tier is 190 requests per 10 s; the limit is lifted here so that latency is the path's own.
            var options = new HubSpotEmulatorOptions { RequestsPerInterval = 100_000, DailyLimit = 100_000_000, SearchRequestsPerSecond = 1000 };
            var emulator = new HubSpotEmulator(options);
            await emulator.StartServerAsync();
            var ids = new List<string>(leads);
            for (var i = 0; i < leads; i++)
            {
                ids.Add(emulator.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = $"Latency {i}", ["dealstage"] = "appointmentscheduled", ["pipeline"] = "default", ["amount"] = (1000 + i).ToString(CultureInfo.InvariantCulture) }).Id);
            }

            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var connection = new CrmConnection { UserId = User, Provider = CrmProvider.HubSpot, CredentialKind = CrmCredentialKind.StaticToken, AccessToken = emulator.CreatePrivateAppToken() };
            builder.Services.AddAriaCrmSync()
                .UseInMemoryStores()
                .UseInMemoryConnections(c => c.Add(connection))
                .AddHubSpot(o =>
                {
                    o.BaseAddress = emulator.BaseAddress;
                    o.ClientId = options.ClientId;
                    o.ClientSecret = options.ClientSecret;
                    o.RateLimits = new CrmRateLimits { RequestsPerWindow = options.RequestsPerInterval, Window = options.RateLimitInterval };
                    o.SearchRequestsPerSecond = options.SearchRequestsPerSecond;
                })
                .AddHubSpotWebhooks(o => o.PortalUsers[options.PortalId.ToString(CultureInfo.InvariantCulture)] = [User])
                .AddChangeNotifications(o => o.DebounceInterval = debounce);
            var app = builder.Build();
            app.MapHubSpotWebhooks("/hubspot/webhooks");
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            await ImportAndSyncAsync(app.Services, CrmProvider.HubSpot);
            return new HubSpotWorld(emulator, app, new Uri(new Uri(address), "/hubspot/webhooks"), ids);
        }

        public string RealtimePath(TimeSpan debounce) => $"HubSpot: webhooks (v3, batches ≤100, 100 ms batch window), debounce {debounce.TotalMilliseconds:0} ms";

        public void Edit(string crmId, decimal amount)
            => emulator.UpdateObject("deals", crmId, new Dictionary<string, string?> { ["amount"] = amount.ToString(CultureInfo.InvariantCulture) });

        public Task StartRealtimeAsync()
        {
            emulator.Webhooks.Subscribe("deal.propertyChange", "amount");
            emulator.Webhooks.Subscribe("deal.propertyChange", "dealstage");
            emulator.Webhooks.Start(new HubSpotWebhookSettings { TargetUrl = target });
            return Task.CompletedTask;
        }

        public async Task StopRealtimeAsync() => await emulator.Webhooks.DisposeAsync();

        public async ValueTask DisposeAsync()
        {
            await emulator.Webhooks.DisposeAsync();
            await app.StopAsync();
            await app.DisposeAsync();
            await emulator.DisposeAsync();
        }
    }
}
