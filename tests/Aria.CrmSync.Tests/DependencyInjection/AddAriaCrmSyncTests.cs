using Aria.CrmSync.Storage.InMemory;
using Aria.CrmSync.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Tests.DependencyInjection;

public class AddAriaCrmSyncTests
{
    [Fact]
    public void AddAriaCrmSync_ReturnsBuilderOverTheSameServices()
    {
        var services = new ServiceCollection();
        var builder = services.AddAriaCrmSync();
        Assert.Same(services, builder.Services);
    }

    [Fact]
    public void AddAriaCrmSync_NullServices_Throws()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => CrmSyncServiceCollectionExtensions.AddAriaCrmSync(null!));
        Assert.Equal("services", ex.ParamName);
    }

    [Fact]
    public void AddAriaCrmSync_Twice_RegistersServicesOnceAndAppliesBothConfigurations()
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync(o => o.MaxRetries = 3).UseInMemoryStores().UseInMemoryConnections();
        services.AddAriaCrmSync(o => o.RetryJitter = 0);

        Assert.Single(services, d => d.ServiceType == typeof(ICrmSyncService));
        Assert.Single(services, d => d.ServiceType == typeof(ICrmAuditService));
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<CrmSyncOptions>>().Value;
        Assert.Equal(3, options.MaxRetries);
        Assert.Equal(0, options.RetryJitter);
    }

    [Fact]
    public void Resolve_WithInMemoryStores_GivesWorkingSingletons()
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.Same(provider.GetRequiredService<ICrmSyncService>(), provider.GetRequiredService<ICrmSyncService>());
        Assert.IsType<InMemorySyncStateStore>(provider.GetRequiredService<ISyncStateStore>());
        Assert.IsType<InMemoryAuditStore>(provider.GetRequiredService<IAuditStore>());
        Assert.IsType<InMemoryLeadMemoryStore>(provider.GetRequiredService<ILeadMemoryStore>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void HostTimeProvider_IsUsed()
    {
        var fake = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(fake);
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections();
        using var provider = services.BuildServiceProvider();
        Assert.Same(fake, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public async Task StartAsync_WithoutStores_FailsWithAClearMessage()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAriaCrmSync();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("UseInMemoryStores()", ex.Message);
        Assert.Contains("ISyncStateStore", ex.Message);
        Assert.Contains("ICrmConnectionResolver", ex.Message);
    }

    [Fact]
    public async Task StartAsync_MergeRuleOnScalarField_FailsValidation()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAriaCrmSync(o => o.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.Merge).UseInMemoryStores().UseInMemoryConnections();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("merge applies to 'notes' only", ex.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public async Task StartAsync_MaxRetriesOutOfRange_FailsValidation(int maxRetries)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAriaCrmSync(o => o.MaxRetries = maxRetries).UseInMemoryStores().UseInMemoryConnections();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("MaxRetries", ex.Message);
    }

    [Fact]
    public async Task StartAsync_StageMapWithoutWonStage_FailsValidation()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAriaCrmSync(o => o.StageMaps[CrmProvider.HubSpot] = new CrmStageMap()).UseInMemoryStores().UseInMemoryConnections();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("StageMaps[hubspot] needs WonStage and LostStage", ex.Message);
    }

    [Fact]
    public async Task AddAriaCrmSync_FromConfiguration_BindsOptions()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CrmSync:MaxRetries"] = "2",
            ["CrmSync:RetryBaseDelay"] = "00:00:05",
            ["CrmSync:FieldRules:expected_value"] = "Manual",
        });
        builder.Services.AddAriaCrmSync(builder.Configuration.GetSection("CrmSync")).UseInMemoryStores().UseInMemoryConnections();
        using var host = builder.Build();
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<CrmSyncOptions>>().Value;

        Assert.Equal(2, options.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(5), options.RetryBaseDelay);
        Assert.Equal(ConflictResolution.Manual, options.RuleFor(LeadFields.ExpectedValue));
        Assert.Equal(ConflictResolution.CrmWins, options.RuleFor(LeadFields.Status));
        await host.StopAsync();
    }

    [Fact]
    public async Task ConnectionResolver_HostImplementation_IsUsed()
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseConnectionResolver<NoConnections>().AddGateway(new FakeCrmGateway(CrmProvider.Salesforce, new FakeTimeProvider()));
        await using var provider = services.BuildServiceProvider();
        var leads = provider.GetRequiredService<ILeadMemoryStore>();
        var now = DateTimeOffset.UnixEpoch;
        await leads.InsertAsync(new LeadMemory { Id = "l", UserId = "u", CompanyName = "c", CrmProvider = CrmProvider.Salesforce, CrmId = "006000000000001AAA", CreatedAt = now, UpdatedAt = now });

        var result = await provider.GetRequiredService<ICrmSyncService>().PullStageChangesAsync("u", "l");

        Assert.False(result.Success);
        Assert.Equal(CrmConnectionException.ErrorCode, result.ErrorCode);
        Assert.Equal("not connected", result.Error);
    }

    private sealed class NoConnections : ICrmConnectionResolver
    {
        public ValueTask<CrmConnection> ResolveAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
            => throw new CrmConnectionException(provider, "not connected");

        public ValueTask SaveTokensAsync(CrmConnection connection, CrmTokenSet tokens, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task UseConnectionRegistry_FromConfiguration_RegistersTheListedConnections()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Connections:0:UserId"] = "user-a",
            ["Connections:0:Provider"] = "salesforce",
            ["Connections:1:UserId"] = "user-b",
            ["Connections:1:Provider"] = "HubSpot",
            ["Connections:1:Paused"] = "true",
        }).Build();
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().UseConnectionRegistry(configuration.GetSection("Connections"));
        await using var provider = services.BuildServiceProvider();

        var list = await provider.GetRequiredService<ICrmConnectionRegistry>().ListAsync().ToListAsync();

        Assert.Equal([("user-a", CrmProvider.Salesforce, CrmConnectionState.Active), ("user-b", CrmProvider.HubSpot, CrmConnectionState.Paused)], list.Select(r => (r.UserId, r.Provider, r.State)));
    }

    [Fact]
    public void UseConnectionRegistry_EntryWithoutProvider_FailsWithATypedError()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Connections:0:UserId"] = "user-a" }).Build();
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().UseConnectionRegistry(configuration.GetSection("Connections"));
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<CrmSyncValidationException>(() => provider.GetRequiredService<ICrmConnectionRegistry>());
        Assert.Contains("Connections:0", ex.Message, StringComparison.Ordinal);
    }
}
