using Aria.CrmSync.Providers.Salesforce;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

/// <summary>
/// The Salesforce gateway wired through DI (<c>AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().AddSalesforce()</c>)
/// against a <see cref="SalesforceEmulator"/> served over loopback HTTP (or in process), with fast retries.
/// </summary>
internal sealed class SfGatewayHost : IAsyncDisposable
{
    public const string UserId = "user-sf";

    private SfGatewayHost(SalesforceEmulator emulator, ServiceProvider services, SalesforceTokens tokens, Uri baseAddress, ComposioEmulator? composio)
    {
        Emulator = emulator;
        Services = services;
        Tokens = tokens;
        BaseAddress = baseAddress;
        Composio = composio;
    }

    public SalesforceEmulator Emulator { get; }

    /// <summary>Gets the Composio emulator in front of the org (<see cref="GatewayTransport.Composio"/>), or <see langword="null"/>.</summary>
    public ComposioEmulator? Composio { get; }

    public ServiceProvider Services { get; }

    public SalesforceTokens Tokens { get; }

    public Uri BaseAddress { get; }

    public SalesforceOrg Org => Emulator.Org;

    public ICrmGateway Gateway => Services.GetServices<ICrmGateway>().Single(g => g.Provider == CrmProvider.Salesforce);

    public SalesforceGateway Internal => (SalesforceGateway)Gateway;

    public InMemoryCrmConnectionResolver Resolver => Services.GetRequiredService<InMemoryCrmConnectionResolver>();

    public ICrmSyncService Sync => Services.GetRequiredService<ICrmSyncService>();

    public ILeadMemoryStore Leads => Services.GetRequiredService<ILeadMemoryStore>();

    public ICrmAuditService Audit => Services.GetRequiredService<ICrmAuditService>();

    /// <summary>Gets the connection as the resolver holds it now (with refreshed tokens).</summary>
    public CrmConnection Connection => Resolver.Find(UserId, CrmProvider.Salesforce)!;

    public static async Task<SfGatewayHost> StartAsync(
        Action<SalesforceEmulatorOptions>? emulator = null,
        Action<SalesforceOptions>? options = null,
        bool loopback = true,
        Action<IServiceCollection>? services = null,
        Action<CrmSyncOptions>? sync = null,
        bool withRefreshToken = true,
        ILoggerProvider? logs = null,
        GatewayTransport transport = GatewayTransport.Direct)
    {
        var emulatorOptions = new SalesforceEmulatorOptions();
        if (!loopback)
        {
            emulatorOptions.BaseAddress = new Uri("https://emulator.local"); // in process: no socket, but an https instance URL
        }

        emulator?.Invoke(emulatorOptions);
        var emu = new SalesforceEmulator(emulatorOptions);
        var baseAddress = loopback ? (await emu.StartServerAsync()).BaseAddress : emu.BaseAddress;
        var tokens = emu.IssueTokens(withRefreshToken: withRefreshToken);
        var connection = new CrmConnection
        {
            UserId = UserId,
            Provider = CrmProvider.Salesforce,
            AccessToken = tokens.AccessToken,
            RefreshToken = tokens.RefreshToken,
            InstanceUrl = tokens.InstanceUrl,
        };
        ComposioEmulator? composio = null;
        if (transport == GatewayTransport.Composio)
        {
            // Composio holds the tokens; the library only knows the connected account.
            composio = new ComposioEmulator(emu, null, new ComposioEmulatorOptions { Seed = emulatorOptions.Seed, BaseAddress = new Uri("https://composio.emulator.local") });
            if (loopback)
            {
                await composio.StartServerAsync();
            }

            var account = composio.AddConnectedAccount(CrmProvider.Salesforce, tokens.AccessToken, tokens.RefreshToken, UserId);
            connection = connection with { CredentialKind = CrmCredentialKind.Brokered, BrokerAccountId = account.Id, AccessToken = null, RefreshToken = null };
        }

        var collection = new ServiceCollection();
        if (logs is not null)
        {
            collection.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)); // before AddAriaCrmSync, which falls back to null loggers
        }

        var aria = collection.AddAriaCrmSync(o =>
            {
                o.RetryJitter = 0;
                sync?.Invoke(o);
            })
            .UseInMemoryStores()
            .UseInMemoryConnections(c => c.Add(connection))
            .AddSalesforce(o =>
            {
                o.ClientId = emulatorOptions.ClientId;
                o.ClientSecret = emulatorOptions.ClientSecret;
                o.LoginUrl = baseAddress;
                options?.Invoke(o);
            });
        if (!loopback)
        {
            collection.AddHttpClient(SalesforceOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => emu.CreateHandler());
        }

        if (composio is not null)
        {
            aria.AddComposio(o =>
            {
                o.ApiKey = composio.ApiKey;
                o.BaseAddress = composio.ApiBaseAddress;
            });
            if (!loopback)
            {
                collection.AddHttpClient(ComposioOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => composio.CreateHandler());
            }
        }

        FastRetries(collection);
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return new SfGatewayHost(emu, provider, tokens, baseAddress, composio);
    }

    /// <summary>Keeps the standard retry policy (3 retries of idempotent requests) but without its half-second waits.</summary>
    public static void FastRetries(IServiceCollection services)
        => services.PostConfigure<HttpStandardResilienceOptions>($"{SalesforceOptions.HttpClientName}-standard", o =>
        {
            o.Retry.Delay = TimeSpan.FromMilliseconds(5);
            o.Retry.UseJitter = false;
            o.Retry.BackoffType = DelayBackoffType.Constant;
        });

    /// <summary>Inserts opportunities directly into the org (not counted).</summary>
    public List<string> Seed(int count, string stage = "Prospecting", DateTimeOffset? modstamp = null, string prefix = "Deal")
    {
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var id = Org.Insert("Opportunity", new Dictionary<string, object?>
            {
                ["Name"] = $"{prefix} {i:D4}",
                ["StageName"] = stage,
                ["CloseDate"] = new DateOnly(2026, 6, 30),
                ["Amount"] = 1000m + i,
            });
            if (modstamp is { } stamp)
            {
                Org.SetSystemModstamp("Opportunity", id, stamp);
            }

            ids.Add(id);
        }

        return ids;
    }

    public async Task<List<CrmChangePage>> ReadChangesAsync(CrmCursor? since = null)
    {
        var pages = new List<CrmChangePage>();
        await foreach (var page in Gateway.GetChangesAsync(Connection, since))
        {
            pages.Add(page);
        }

        return pages;
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
