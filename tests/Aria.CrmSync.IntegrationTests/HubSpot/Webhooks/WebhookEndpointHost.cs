using System.Net;
using Aria.CrmSync.IntegrationTests.Salesforce.Gateway;
using Aria.CrmSync.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Webhooks;

/// <summary>
/// A real ASP.NET Core host on Kestrel (127.0.0.1, free port) with the engine (in-memory stores), the HubSpot gateway on
/// the emulator's loopback server and <c>MapHubSpotWebhooks</c>; the emulator delivers its webhooks to that endpoint.
/// </summary>
internal sealed class WebhookEndpointHost : IAsyncDisposable
{
    public const string User = "user-1";
    public const string Path = "/hubspot/webhooks";

    private int _failuresLeft;
    private int _failureStatus;
    private TimeSpan _failureStall;

    private WebhookEndpointHost(HubSpotEmulator emulator, WebApplication app, Uri target, CapturingLoggerProvider logs)
    {
        Logs = logs;
        Emulator = emulator;
        App = app;
        Target = target;
    }

    public HubSpotEmulator Emulator { get; }

    public WebApplication App { get; }

    /// <summary>Gets the endpoint's URL (the app's webhook target).</summary>
    public Uri Target { get; }

    public IServiceProvider Services => App.Services;

    public ILeadMemoryStore Leads => Services.GetRequiredService<ILeadMemoryStore>();

    public ICrmSyncService Sync => Services.GetRequiredService<ICrmSyncService>();

    public ICrmChangeNotifier Notifier => Services.GetRequiredService<ICrmChangeNotifier>();

    /// <summary>Gets the log lines the host wrote (to check that no secret reaches them).</summary>
    public CapturingLoggerProvider Logs { get; }

    /// <summary>Gets every request that reached the host, before the endpoint (or an injected failure) answered it.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    /// <summary>Makes the next <paramref name="count"/> requests be answered <paramref name="status"/> after <paramref name="stall"/>, before they reach the endpoint.</summary>
    public void FailNext(int count, int status = StatusCodes.Status503ServiceUnavailable, TimeSpan stall = default)
    {
        _failureStatus = status;
        _failureStall = stall;
        Interlocked.Exchange(ref _failuresLeft, count);
    }

    public static async Task<WebhookEndpointHost> StartAsync(Action<HubSpotEmulatorOptions>? configureEmulator = null)
    {
        var options = new HubSpotEmulatorOptions { Seed = 11 };
        configureEmulator?.Invoke(options);
        var emulator = new HubSpotEmulator(options);
        var connection = new CrmConnection { UserId = User, Provider = CrmProvider.HubSpot, CredentialKind = CrmCredentialKind.StaticToken, AccessToken = emulator.CreatePrivateAppToken() };

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Debug).AddProvider(logs);
        builder.Services.AddAriaCrmSync()
            .UseInMemoryStores()
            .UseInMemoryConnections(r => r.Add(connection))
            .AddHubSpotEmulator(emulator) // REST in process; the webhook deliveries go over the socket
            .AddHubSpotWebhooks(o => o.PortalUsers[options.PortalId.ToString(System.Globalization.CultureInfo.InvariantCulture)] = [User])
            .AddChangeNotifications(o => o.DebounceInterval = TimeSpan.FromMilliseconds(50));
        var app = builder.Build();
        WebhookEndpointHost? host = null;
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            using (var copy = new MemoryStream())
            {
                await context.Request.Body.CopyToAsync(copy);
                context.Request.Body.Position = 0;
                host?.Received.Enqueue(new ReceivedRequest(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), copy.ToArray()));
            }

            if (host is not null && Interlocked.Decrement(ref host._failuresLeft) >= 0)
            {
                try
                {
                    await Task.Delay(host._failureStall, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return; // the sender gave up (its timeout)
                }

                context.Response.StatusCode = host._failureStatus;
                return;
            }

            await next(context);
        });
        app.MapHubSpotWebhooks(Path);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        host = new WebhookEndpointHost(emulator, app, new Uri(new Uri(address), Path), logs);
        return host;
    }

    /// <summary>Inserts deals directly, imports them as leads and syncs the connection once (before webhooks start).</summary>
    public async Task<IReadOnlyList<(string DealId, string LeadId)>> SeedAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Emulator.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = "Deal " + i, ["dealstage"] = "appointmentscheduled", ["pipeline"] = "default", ["amount"] = "100" });
        }

        var leads = await Services.GetRequiredService<ICrmLinkService>().ImportCrmRecordsAsync(User, CrmProvider.HubSpot);
        Assert.Equal(count, leads.Count);
        Assert.True((await Sync.SyncConnectionAsync(User, CrmProvider.HubSpot, new ConnectionSyncOptions { FullReconciliation = true, IncludeActivities = false })).Completed);
        return [.. leads.Select(l => (l.CrmId!, l.Id))];
    }

    /// <summary>Starts delivery to the endpoint with amount and stage subscriptions.</summary>
    public void StartWebhooks(Action<HubSpotWebhookSettings>? configure = null)
    {
        Emulator.Webhooks.Subscribe("deal.propertyChange", "amount");
        Emulator.Webhooks.Subscribe("deal.propertyChange", "dealstage");
        var settings = new HubSpotWebhookSettings { TargetUrl = Target, BatchWindow = TimeSpan.FromMilliseconds(20), RetryBaseDelay = TimeSpan.FromMilliseconds(50) };
        configure?.Invoke(settings);
        Emulator.Webhooks.Start(settings);
    }

    /// <summary>Waits until every lead's expected value is the one given.</summary>
    public async Task WaitForValuesAsync(IReadOnlyDictionary<string, decimal> expected, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var wrong = await WrongValuesAsync(expected);
            if (wrong.Count == 0)
            {
                return;
            }

            try
            {
                await Task.Delay(25, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{wrong.Count} lead(s) not updated, e.g. {wrong[0]}.");
            }
        }
    }

    public async Task<List<string>> WrongValuesAsync(IReadOnlyDictionary<string, decimal> expected)
    {
        var wrong = new List<string>();
        foreach (var (leadId, value) in expected)
        {
            var lead = await Leads.GetAsync(User, leadId);
            if (lead?.ExpectedValue != value)
            {
                wrong.Add($"{leadId}: {lead?.ExpectedValue} instead of {value}");
            }
        }

        return wrong;
    }

    public async ValueTask DisposeAsync()
    {
        await Emulator.Webhooks.DisposeAsync();
        await App.StopAsync();
        await App.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}

/// <summary>A request as the host received it.</summary>
internal sealed record ReceivedRequest(Dictionary<string, string> Headers, byte[] Body);
