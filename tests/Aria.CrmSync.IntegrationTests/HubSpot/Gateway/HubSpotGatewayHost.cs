using Aria.CrmSync.Providers.HubSpot;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

/// <summary>
/// The HubSpot gateway wired through DI (<c>AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections(...).AddHubSpot(...)</c>)
/// against a <see cref="HubSpotEmulator"/> over loopback HTTP (or the in-process handler), with the real clock.
/// </summary>
internal sealed class HubSpotGatewayHost : IAsyncDisposable
{
    public const string UserId = "user-1";

    private HubSpotGatewayHost(HubSpotEmulator emulator, ServiceProvider services, CrmConnection connection, ComposioEmulator? composio)
    {
        Emulator = emulator;
        Services = services;
        Connection = connection;
        Composio = composio;
    }

    public HubSpotEmulator Emulator { get; }

    /// <summary>Gets the Composio emulator in front of the portal (<see cref="GatewayTransport.Composio"/>), or <see langword="null"/>.</summary>
    public ComposioEmulator? Composio { get; }

    public ServiceProvider Services { get; }

    /// <summary>Gets the connection as first registered (its token may since have been refreshed).</summary>
    public CrmConnection Connection { get; }

    public HubSpotGateway Gateway => Services.GetRequiredService<HubSpotGateway>();

    public ICrmGateway CrmGateway => Services.GetServices<ICrmGateway>().Single(g => g.Provider == CrmProvider.HubSpot);

    public ICrmSyncService Sync => Services.GetRequiredService<ICrmSyncService>();

    public ILeadMemoryStore Leads => Services.GetRequiredService<ILeadMemoryStore>();

    public ISyncStateStore States => Services.GetRequiredService<ISyncStateStore>();

    public ICrmAuditService Audit => Services.GetRequiredService<ICrmAuditService>();

    public InMemoryCrmConnectionResolver Resolver => Services.GetRequiredService<InMemoryCrmConnectionResolver>();

    /// <summary>Gets the number of 429s the emulator answered (requests not counted against the limit; no 401s in these tests).</summary>
    public long RateLimited => Emulator.Calls.Total - Emulator.Calls.ApiCalls;

    public static async Task<HubSpotGatewayHost> StartAsync(
        Action<HubSpotEmulatorOptions>? emulatorOptions = null,
        Action<HubSpotOptions>? gatewayOptions = null,
        bool oauth = false,
        bool inProcess = false,
        Action<IServiceCollection>? services = null,
        Action<IAriaCrmSyncBuilder>? builder = null,
        Action<CrmSyncOptions>? syncOptions = null,
        IEnumerable<string>? scopes = null,
        GatewayTransport transport = GatewayTransport.Direct)
    {
        var options = new HubSpotEmulatorOptions { Seed = 7 };
        emulatorOptions?.Invoke(options);
        var emulator = new HubSpotEmulator(options);
        if (!inProcess)
        {
            await emulator.StartServerAsync();
        }

        CrmConnection connection;
        if (oauth)
        {
            var tokens = emulator.IssueOAuthTokens();
            connection = new CrmConnection { UserId = UserId, Provider = CrmProvider.HubSpot, CredentialKind = CrmCredentialKind.OAuth, AccessToken = tokens.AccessToken, RefreshToken = tokens.RefreshToken };
        }
        else
        {
            connection = new CrmConnection { UserId = UserId, Provider = CrmProvider.HubSpot, CredentialKind = CrmCredentialKind.StaticToken, AccessToken = emulator.CreatePrivateAppToken(scopes) };
        }

        ComposioEmulator? composio = null;
        if (transport == GatewayTransport.Composio)
        {
            // Composio holds the token(s); the library only knows the connected account.
            composio = new ComposioEmulator(null, emulator, new ComposioEmulatorOptions { Seed = options.Seed, BaseAddress = new Uri("https://composio.emulator.local") });
            if (!inProcess)
            {
                await composio.StartServerAsync();
            }

            var account = composio.AddConnectedAccount(CrmProvider.HubSpot, connection.AccessToken!, connection.RefreshToken, UserId);
            connection = connection with { CredentialKind = CrmCredentialKind.Brokered, BrokerAccountId = account.Id, AccessToken = null, RefreshToken = null };
        }

        var collection = new ServiceCollection();
        var aria = collection.AddAriaCrmSync(o => syncOptions?.Invoke(o))
            .UseInMemoryStores()
            .UseInMemoryConnections(r => r.Add(connection))
            .AddHubSpot(o =>
            {
                o.BaseAddress = emulator.BaseAddress;
                o.ClientId = options.ClientId;
                o.ClientSecret = options.ClientSecret;
                o.RateLimits = new CrmRateLimits { RequestsPerWindow = options.RequestsPerInterval, Window = options.RateLimitInterval };
                o.SearchRequestsPerSecond = options.SearchRequestsPerSecond;
                gatewayOptions?.Invoke(o);
            });
        if (composio is not null)
        {
            aria.AddComposio(o =>
            {
                o.ApiKey = composio.ApiKey;
                o.BaseAddress = composio.ApiBaseAddress;
            });
            if (inProcess)
            {
                collection.AddHttpClient(ComposioOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(composio.CreateHandler);
            }
        }

        builder?.Invoke(aria);
        collection.Configure<HttpStandardResilienceOptions>(HubSpotOptions.HttpClientName + "-standard", o => o.Retry.Delay = TimeSpan.FromMilliseconds(20));
        if (inProcess)
        {
            collection.AddHttpClient(HubSpotOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(emulator.CreateHandler);
            collection.AddHttpClient(HubSpotOptions.OAuthHttpClientName).ConfigurePrimaryHttpMessageHandler(emulator.CreateHandler);
        }

        services?.Invoke(collection);
        return new HubSpotGatewayHost(emulator, collection.BuildServiceProvider(), connection, composio);
    }

    /// <summary>Inserts a deal directly (not counted).</summary>
    public string InsertDeal(string name, string stage = "appointmentscheduled", string? amount = null, string? closeDate = null, string pipeline = "default", DateTimeOffset? lastModified = null)
    {
        var properties = new Dictionary<string, string?> { ["dealname"] = name, ["dealstage"] = stage, ["pipeline"] = pipeline };
        if (amount is not null)
        {
            properties["amount"] = amount;
        }

        if (closeDate is not null)
        {
            properties["closedate"] = closeDate;
        }

        return Emulator.InsertObject("deals", properties, lastModified: lastModified).Id;
    }

    /// <summary>Links a new lead to a deal.</summary>
    public async Task<LeadMemory> AddLeadAsync(string id, string dealId, string stage = LifecycleStages.Lead, string status = LeadStatuses.Active, decimal? value = null, DateOnly? closeDate = null)
    {
        var now = DateTimeOffset.UtcNow;
        return await Leads.InsertAsync(new LeadMemory
        {
            Id = id,
            UserId = UserId,
            CompanyName = "Company " + id,
            CrmProvider = CrmProvider.HubSpot,
            CrmId = dealId,
            LifecycleStage = stage,
            Status = status,
            ExpectedValue = value,
            ExpectedCloseDate = closeDate,
            CreatedAt = now,
            UpdatedAt = now,
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        if (Composio is not null)
        {
            await Composio.DisposeAsync();
        }

        await Emulator.DisposeAsync();
    }
}
