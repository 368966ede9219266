using System.Globalization;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace Aria.CrmSync.ReliabilityTests.Infrastructure;

/// <summary>
/// The whole library as a host wires it: <c>AddAriaCrmSync()</c> with both gateways against a Salesforce emulator and a
/// HubSpot emulator served over loopback HTTP, OAuth connections for <see cref="User"/> (and <see cref="OtherUser"/>),
/// in-memory stores unless told otherwise, fast HTTP retries.
/// </summary>
internal sealed class EngineHost : IAsyncDisposable
{
    public const string User = "user-a";
    public const string OtherUser = "user-b";

    private int _records;

    private EngineHost(SalesforceEmulator salesforce, HubSpotEmulator hubSpot, ServiceProvider services)
    {
        Salesforce = salesforce;
        HubSpot = hubSpot;
        Services = services;
    }

    public SalesforceEmulator Salesforce { get; }

    public HubSpotEmulator HubSpot { get; }

    public ServiceProvider Services { get; }

    public ICrmSyncService Sync => Services.GetRequiredService<ICrmSyncService>();

    public ICrmAuditService Audit => Services.GetRequiredService<ICrmAuditService>();

    public ILeadMemoryStore Leads => Services.GetRequiredService<ILeadMemoryStore>();

    public ISyncStateStore States => Services.GetRequiredService<ISyncStateStore>();

    public InMemoryCrmConnectionResolver Connections => Services.GetRequiredService<InMemoryCrmConnectionResolver>();

    /// <summary>Gets every access and refresh token the emulators issued to the host's connections at start.</summary>
    public List<string> IssuedTokens { get; } = [];

    public static async Task<EngineHost> StartAsync(
        Action<IAriaCrmSyncBuilder>? stores = null,
        Action<CrmSyncOptions>? sync = null,
        Action<IServiceCollection>? services = null,
        Action<ILoggingBuilder>? logging = null,
        int seed = 11,
        bool recordExchanges = false)
    {
        var salesforce = new SalesforceEmulator(new SalesforceEmulatorOptions { Seed = seed, RecordExchanges = recordExchanges });
        var hubSpot = new HubSpotEmulator(new HubSpotEmulatorOptions { Seed = seed, RecordExchanges = recordExchanges, RequestsPerInterval = 100_000, SearchRequestsPerSecond = 10_000 });
        await salesforce.StartServerAsync();
        await hubSpot.StartServerAsync();

        var issued = new List<string>();
        var connections = new List<CrmConnection>();
        foreach (var user in new[] { User, OtherUser })
        {
            var sf = salesforce.IssueTokens();
            var hs = hubSpot.IssueOAuthTokens();
            issued.AddRange([sf.AccessToken, sf.RefreshToken!, hs.AccessToken, hs.RefreshToken]);
            connections.Add(new CrmConnection { UserId = user, Provider = CrmProvider.Salesforce, AccessToken = sf.AccessToken, RefreshToken = sf.RefreshToken, InstanceUrl = sf.InstanceUrl });
            connections.Add(new CrmConnection { UserId = user, Provider = CrmProvider.HubSpot, CredentialKind = CrmCredentialKind.OAuth, AccessToken = hs.AccessToken, RefreshToken = hs.RefreshToken });
        }

        var collection = new ServiceCollection();
        collection.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Trace);
            logging?.Invoke(b);
        });
        var builder = collection.AddAriaCrmSync(o =>
            {
                o.RetryJitter = 0;
                sync?.Invoke(o);
            })
            .UseInMemoryStores()
            .UseInMemoryConnections(r =>
            {
                foreach (var connection in connections)
                {
                    r.Add(connection);
                }
            })
            .AddSalesforce(o =>
            {
                o.ClientId = salesforce.Options.ClientId;
                o.ClientSecret = salesforce.Options.ClientSecret;
                o.LoginUrl = salesforce.BaseAddress;
            })
            .AddHubSpot(o =>
            {
                o.BaseAddress = hubSpot.BaseAddress;
                o.ClientId = hubSpot.Options.ClientId;
                o.ClientSecret = hubSpot.Options.ClientSecret;
                o.RateLimits = new CrmRateLimits { RequestsPerWindow = 100_000, Window = TimeSpan.FromSeconds(10) };
                o.SearchRequestsPerSecond = 10_000;
            });
        stores?.Invoke(builder);
        foreach (var name in new[] { SalesforceOptions.HttpClientName, HubSpotOptions.HttpClientName })
        {
            collection.PostConfigure<HttpStandardResilienceOptions>(name + "-standard", o =>
            {
                o.Retry.Delay = TimeSpan.FromMilliseconds(2);
                o.Retry.UseJitter = false;
                o.Retry.BackoffType = DelayBackoffType.Constant;
            });
        }

        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var host = new EngineHost(salesforce, hubSpot, provider);
        host.IssuedTokens.AddRange(issued);
        return host;
    }

    /// <summary>Creates a CRM record (opportunity or deal) and a lead linked to it, with the same values on both sides.</summary>
    public async Task<(LeadMemory Lead, string CrmId)> AddLeadAsync(CrmProvider provider, string leadId, string user = User, decimal? amount = 1000m, DateOnly? closeDate = null, string? stage = null)
    {
        var close = closeDate ?? new DateOnly(2026, 6, 30);
        var n = Interlocked.Increment(ref _records);
        string crmId;
        if (provider == CrmProvider.Salesforce)
        {
            crmId = Salesforce.Org.Insert("Opportunity", new Dictionary<string, object?>
            {
                ["Name"] = $"Deal {n}",
                ["StageName"] = stage ?? "Prospecting",
                ["Amount"] = amount,
                ["CloseDate"] = close,
            });
        }
        else
        {
            crmId = HubSpot.InsertObject("deals", new Dictionary<string, string?>
            {
                ["dealname"] = $"Deal {n}",
                ["pipeline"] = "default",
                ["dealstage"] = stage ?? "appointmentscheduled",
                ["amount"] = amount?.ToString(CultureInfo.InvariantCulture),
                ["closedate"] = close.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00.000Z",
            }).Id;
        }

        var now = DateTimeOffset.UtcNow;
        var lead = await Leads.InsertAsync(new LeadMemory
        {
            Id = leadId,
            UserId = user,
            CompanyName = "Company " + leadId,
            CrmProvider = provider,
            CrmId = crmId,
            ExpectedValue = amount,
            ExpectedCloseDate = close,
            CreatedAt = now,
            UpdatedAt = now,
        });
        return (lead, crmId);
    }

    /// <summary>Changes a lead as the host application would (version-checked).</summary>
    public async Task<LeadMemory> EditLeadAsync(string leadId, Func<LeadMemory, LeadMemory> edit, string user = User)
    {
        var lead = await Leads.GetAsync(user, leadId) ?? throw new InvalidOperationException(leadId);
        return await Leads.UpdateAsync(edit(lead) with { UpdatedAt = DateTimeOffset.UtcNow });
    }

    /// <summary>Reads the CRM amount of a record directly.</summary>
    public decimal? CrmAmount(CrmProvider provider, string crmId)
        => provider == CrmProvider.Salesforce
            ? Salesforce.Org.Get("Opportunity", crmId)!["Amount"] is { } a ? Convert.ToDecimal(a, CultureInfo.InvariantCulture) : null
            : HubSpot.GetObject("deals", crmId)!["amount"] is { Length: > 0 } text ? decimal.Parse(text, CultureInfo.InvariantCulture) : null;

    /// <summary>Changes a CRM amount as a CRM user would.</summary>
    public void SetCrmAmount(CrmProvider provider, string crmId, decimal amount)
    {
        if (provider == CrmProvider.Salesforce)
        {
            Salesforce.Org.Update("Opportunity", crmId, new Dictionary<string, object?> { ["Amount"] = amount });
        }
        else
        {
            HubSpot.UpdateObject("deals", crmId, new Dictionary<string, string?> { ["amount"] = amount.ToString(CultureInfo.InvariantCulture) });
        }
    }

    public CrmEmulator Emulator(CrmProvider provider) => provider == CrmProvider.Salesforce ? Salesforce : HubSpot;

    public async Task<List<CrmAuditEntry>> AuditAsync(string user = User, CrmAuditOperation? operation = null)
        => [.. await Audit.QueryAuditLogAsync(new AuditQuery { UserId = user, Operation = operation, Limit = null })];

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Salesforce.DisposeAsync();
        await HubSpot.DisposeAsync();
    }
}
