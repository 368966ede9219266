using Aria.CrmSync.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Tests.Providers;

/// <summary>Provider descriptors: what the engine knows about a CRM comes from the gateway's registration.</summary>
public sealed class CrmProviderDescriptorTests
{
    private const string User = "user-1";
    private static readonly CrmProvider Pipedrive = new("pipedrive");

    private static CrmProviderDescriptor PipedriveDescriptor => new()
    {
        Provider = Pipedrive,
        DisplayName = "Pipedrive",
        RecordName = "Pipedrive deal",
        DefaultStageMap = () =>
        {
            var map = new CrmStageMap { WonStage = "won", LostStage = "lost" };
            map.ToLeadStage["qualified"] = LifecycleStages.Lead;
            map.ToLeadStage["negotiation"] = LifecycleStages.Opportunity;
            map.ToCrmStage[LifecycleStages.Lead] = "qualified";
            map.ToCrmStage[LifecycleStages.Opportunity] = "negotiation";
            return map;
        },
        MaxUpdateBatchSize = 50,
        Capabilities = CrmProviderCapabilities.Notes,
    };

    [Fact]
    public void WellKnownDescriptors_MatchTheBuiltInGateways()
    {
        var catalog = CrmProviderCatalog.WellKnown;

        Assert.Equal("Salesforce", catalog.Get(CrmProvider.Salesforce).DisplayName);
        Assert.Equal("HubSpot deal", catalog.Get(CrmProvider.HubSpot).RecordName);
        Assert.Equal(200, catalog.Get(CrmProvider.Salesforce).MaxUpdateBatchSize);
        Assert.Equal(100, catalog.Get(CrmProvider.HubSpot).MaxUpdateBatchSize);
        Assert.True(catalog.Get(CrmProvider.Salesforce).Supports(CrmProviderCapabilities.InstanceUrlPerConnection));
        Assert.False(catalog.Get(CrmProvider.HubSpot).Supports(CrmProviderCapabilities.InstanceUrlPerConnection));
        Assert.Equal("lead-sf-", catalog.Get(CrmProvider.Salesforce).LeadIdPrefix);
        Assert.Equal(CrmStageMap.HubSpotDefault().WonStage, catalog.Get(CrmProvider.HubSpot).DefaultStageMap!().WonStage);
    }

    [Fact]
    public void UnknownProvider_HasNoSilentDefaults_ButTypedErrors()
    {
        var ex = Assert.Throws<CrmSyncValidationException>(() => CrmStageMap.For(Pipedrive));
        Assert.Equal(Pipedrive, ex.Provider);
        Assert.Equal(Pipedrive, Assert.Throws<CrmSyncValidationException>(() => CrmProviderCatalog.WellKnown.Get(Pipedrive)).Provider);
        Assert.Throws<ArgumentOutOfRangeException>(() => CrmProviderCatalog.WellKnown.Get(default));
        Assert.Equal("pipedrive", CrmProviderCatalog.WellKnown.GetDisplayName(Pipedrive));
        Assert.Equal(CrmStageMap.SalesforceDefault().WonStage, CrmStageMap.For(CrmProvider.Salesforce).WonStage);
    }

    [Fact]
    public void Descriptor_Defaults_AndValidation()
    {
        var minimal = new CrmProviderDescriptor { Provider = Pipedrive, DisplayName = "Pipedrive" };

        Assert.Equal("Pipedrive record", minimal.RecordName);
        Assert.Equal("lead-pipedrive-", minimal.LeadIdPrefix);
        Assert.Null(minimal.DefaultStageMap);
        Assert.Equal("DisplayName", Assert.Throws<CrmSyncValidationException>(() => new CrmProviderCatalog([minimal.With(displayName: " ")])).Field);
        Assert.Equal("MaxUpdateBatchSize", Assert.Throws<CrmSyncValidationException>(() => new CrmProviderDescriptor { Provider = Pipedrive, DisplayName = "P", MaxUpdateBatchSize = 0 }.Validate()).Field);
        Assert.Throws<CrmSyncValidationException>(() => new CrmProviderDescriptor { Provider = default, DisplayName = "P" }.Validate());
    }

    [Fact]
    public async Task RegisteredDescriptor_DrivesTheEngine_StageMapNamesAndErrors()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        var gateway = new FakeCrmGateway(Pipedrive, time);
        await using var provider = Build(time, gateway, b => b.AddCrmProvider(PipedriveDescriptor));
        var catalog = provider.GetRequiredService<CrmProviderCatalog>();
        var options = provider.GetRequiredService<IOptions<CrmSyncOptions>>().Value;
        var leads = provider.GetRequiredService<ILeadMemoryStore>();
        var sync = provider.GetRequiredService<ICrmSyncService>();
        await leads.InsertAsync(Lead("lead-1", "d-1"));
        await leads.InsertAsync(Lead("lead-2", "d-missing"));
        gateway.Put("d-1", "negotiation", 1200m);

        var pulled = await sync.PullStageChangesAsync(User, "lead-1");
        var missing = await sync.PullStageChangesAsync(User, "lead-2");

        Assert.Equal("Pipedrive", catalog.Get(Pipedrive).DisplayName);
        Assert.Equal("won", options.StageMapFor(Pipedrive).WonStage);
        Assert.True(pulled.Success, pulled.Error);
        Assert.Equal(LifecycleStages.Opportunity, (await leads.GetAsync(User, "lead-1"))!.LifecycleStage);
        Assert.False(missing.Success);
        Assert.Contains("Pipedrive deal", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfiguredStageMap_WinsOverTheDescriptorsDefault()
    {
        var time = new FakeTimeProvider();
        var custom = new CrmStageMap { WonStage = "closed-won", LostStage = "closed-lost" };
        custom.ToCrmStage[LifecycleStages.Lead] = "new";
        custom.ToCrmStage[LifecycleStages.Opportunity] = "talks";
        await using var provider = Build(time, new FakeCrmGateway(Pipedrive, time), b => b.AddCrmProvider(PipedriveDescriptor), o => o.StageMaps[Pipedrive] = custom);

        Assert.Same(custom, provider.GetRequiredService<IOptions<CrmSyncOptions>>().Value.StageMapFor(Pipedrive));
    }

    [Fact]
    public async Task GatewayWithoutDescriptor_FailsWithATypedErrorWhereAStageMapIsNeeded()
    {
        var time = new FakeTimeProvider();
        var gateway = new FakeCrmGateway(Pipedrive, time);
        await using var provider = Build(time, gateway, _ => { });
        var leads = provider.GetRequiredService<ILeadMemoryStore>();
        await leads.InsertAsync(Lead("lead-1", "d-1"));
        gateway.Put("d-1", "negotiation");

        var pulled = await provider.GetRequiredService<ICrmSyncService>().PullStageChangesAsync(User, "lead-1");

        Assert.False(pulled.Success);
        Assert.Contains("No default stage map is known for the CRM 'pipedrive'", pulled.Error, StringComparison.Ordinal);
        Assert.Equal("pipedrive", provider.GetRequiredService<CrmProviderCatalog>().GetDisplayName(Pipedrive));
    }

    [Fact]
    public async Task ComposioResolver_GivesAPlaceholderInstanceUrl_OnlyToCrmsWithAHostPerConnection()
    {
        var perOrg = PipedriveDescriptor.With(capabilities: CrmProviderCapabilities.InstanceUrlPerConnection);
        var options = new ComposioOptions { ApiKey = "k" };
        options.ConnectedAccounts.Add(new ComposioConnectedAccount { UserId = User, Provider = Pipedrive, ConnectedAccountId = "ca_pd" });
        options.ConnectedAccounts.Add(new ComposioConnectedAccount { UserId = User, Provider = CrmProvider.HubSpot, ConnectedAccountId = "ca_hs" });
        var monitor = new StaticMonitor(options);

        var withCapability = new ComposioConnectionResolver(monitor, [], new CrmProviderCatalog([perOrg]));
        var without = new ComposioConnectionResolver(monitor, [], new CrmProviderCatalog([PipedriveDescriptor]));

        Assert.Equal("https://ca-pd.pipedrive.composio.invalid/", (await withCapability.ResolveAsync(User, Pipedrive)).InstanceUrl?.ToString());
        Assert.Null((await without.ResolveAsync(User, Pipedrive)).InstanceUrl);
        Assert.Null((await withCapability.ResolveAsync(User, CrmProvider.HubSpot)).InstanceUrl);
    }

    private sealed class StaticMonitor(ComposioOptions value) : IOptionsMonitor<ComposioOptions>
    {
        public ComposioOptions CurrentValue => value;

        public ComposioOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ComposioOptions, string?> listener) => null;
    }

    private static LeadMemory Lead(string id, string crmId) => new()
    {
        Id = id,
        UserId = User,
        CompanyName = "Acme",
        CrmProvider = Pipedrive,
        CrmId = crmId,
        LifecycleStage = LifecycleStages.Lead,
        Status = LeadStatuses.Active,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    private static ServiceProvider Build(FakeTimeProvider time, FakeCrmGateway gateway, Action<IAriaCrmSyncBuilder> register, Action<CrmSyncOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        var builder = services.AddAriaCrmSync(o => configure?.Invoke(o))
            .UseInMemoryStores()
            .UseInMemoryConnections(c => c.Add(new CrmConnection { UserId = User, Provider = Pipedrive, AccessToken = "token", CredentialKind = CrmCredentialKind.StaticToken }));
        register(builder);
        builder.AddGateway(gateway);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}

internal static class DescriptorTestExtensions
{
    public static CrmProviderDescriptor With(this CrmProviderDescriptor d, string? displayName = null, CrmProviderCapabilities? capabilities = null) => new()
    {
        Provider = d.Provider,
        DisplayName = displayName ?? d.DisplayName,
        RecordName = d.RecordName,
        DefaultStageMap = d.DefaultStageMap,
        MaxUpdateBatchSize = d.MaxUpdateBatchSize,
        Capabilities = capabilities ?? d.Capabilities,
    };
}
