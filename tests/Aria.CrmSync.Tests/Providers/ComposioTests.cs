using System.Text.Json;
using Aria.CrmSync.Auditing;
using Aria.CrmSync.Providers.Composio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Tests.Providers;

/// <summary>Composio options, registration, connection resolution and the proxy request's pieces.</summary>
public class ComposioTests
{
    private const string Key = "ak_test_secret_key_value_123";

    private static ServiceProvider Build(Action<IAriaCrmSyncBuilder> configure)
    {
        var services = new ServiceCollection();
        configure(services.AddAriaCrmSync().UseInMemoryStores());
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddComposio_FromConfiguration_BindsKeyBaseAndConnectedAccounts()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Composio:ApiKey"] = Key,
            ["Composio:BaseAddress"] = "https://backend.composio.dev/api/v3.1",
            ["Composio:UseAbsoluteEndpoints"] = "true",
            ["Composio:RateLimitBackoff"] = "00:00:02",
            ["Composio:ConnectedAccounts:0:UserId"] = "user-1",
            ["Composio:ConnectedAccounts:0:Provider"] = "Salesforce",
            ["Composio:ConnectedAccounts:0:ConnectedAccountId"] = "ca_sf1",
            ["Composio:ConnectedAccounts:0:InstanceUrl"] = "https://acme.my.salesforce.com",
            ["Composio:ConnectedAccounts:1:UserId"] = "user-1",
            ["Composio:ConnectedAccounts:1:Provider"] = "hubspot",
            ["Composio:ConnectedAccounts:1:ConnectedAccountId"] = "ca_hs1",
        }).Build();
        using var provider = Build(b => b.AddComposio(configuration.GetSection("Composio")).UseComposioConnections());

        var options = provider.GetRequiredService<IOptions<ComposioOptions>>().Value;

        Assert.Equal(Key, options.ApiKey);
        Assert.Equal(new Uri("https://backend.composio.dev/api/v3.1"), options.BaseAddress);
        Assert.True(options.UseAbsoluteEndpoints);
        Assert.Equal(TimeSpan.FromSeconds(2), options.RateLimitBackoff);
        Assert.Equal(2, options.ConnectedAccounts.Count);
        Assert.Equal(CrmProvider.HubSpot, options.ConnectedAccounts[1].Provider);
        Assert.DoesNotContain(Key, options.ToString(), StringComparison.Ordinal);
        Assert.IsType<ComposioConnectionResolver>(provider.GetRequiredService<ICrmConnectionResolver>());
    }

    [Fact]
    public async Task StartUp_FailsWithoutAnApiKey_AndNeverShowsTheKey()
    {
        var missing = Host.CreateApplicationBuilder();
        missing.Services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().AddComposio(o => o.ApiKey = " ");
        using (var app = missing.Build())
        {
            var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
            Assert.Contains("ApiKey", ex.Message, StringComparison.Ordinal);
        }

        var invalid = Host.CreateApplicationBuilder();
        invalid.Services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().AddComposio(o =>
        {
            o.ApiKey = Key;
            o.BaseAddress = new Uri("http://backend.composio.dev/api/v3"); // not https, not loopback
            o.RateLimitBackoff = TimeSpan.Zero;
            o.ConnectedAccounts.Add(new ComposioConnectedAccount { UserId = "u", Provider = CrmProvider.HubSpot });
        });
        using (var app = invalid.Build())
        {
            var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
            Assert.Contains("BaseAddress", ex.Message, StringComparison.Ordinal);
            Assert.Contains("RateLimitBackoff", ex.Message, StringComparison.Ordinal);
            Assert.Contains("ConnectedAccounts[0]", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Key, ex.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AddComposio_Twice_RegistersTheBrokerOnce()
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().AddComposio(o => o.ApiKey = Key).AddComposio(o => o.UseAbsoluteEndpoints = true);

        Assert.Single(services, d => d.ServiceType == typeof(Aria.CrmSync.Providers.Http.ICrmBroker));
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<ComposioOptions>>().Value;
        Assert.Equal(Key, options.ApiKey);
        Assert.True(options.UseAbsoluteEndpoints);
    }

    [Fact]
    public async Task Resolver_MapsUsersToBrokeredConnections_FromOptionsThenSources()
    {
        using var provider = Build(b => b
            .AddComposio(o =>
            {
                o.ApiKey = Key;
                o.ConnectedAccounts.Add(new ComposioConnectedAccount { UserId = "u1", Provider = CrmProvider.HubSpot, ConnectedAccountId = " ca_hs " });
                o.ConnectedAccounts.Add(new ComposioConnectedAccount { UserId = "u1", Provider = CrmProvider.Salesforce, ConnectedAccountId = "ca_sf", InstanceUrl = new Uri("https://acme.my.salesforce.com"), OptionsName = "eu" });
            })
            .UseComposioConnections((user, crm, _) => ValueTask.FromResult(user == "u2" && crm == CrmProvider.Salesforce ? "ca_from_row" : null)));
        var resolver = provider.GetRequiredService<ICrmConnectionResolver>();

        var hubSpot = await resolver.ResolveAsync("u1", CrmProvider.HubSpot);
        var salesforce = await resolver.ResolveAsync("u1", CrmProvider.Salesforce);
        var fromRow = await resolver.ResolveAsync("u2", CrmProvider.Salesforce);

        Assert.Equal(CrmCredentialKind.Brokered, hubSpot.CredentialKind);
        Assert.Equal("ca_hs", hubSpot.BrokerAccountId);
        Assert.Null(hubSpot.InstanceUrl); // HubSpotOptions.BaseAddress
        Assert.Null(hubSpot.AccessToken);
        Assert.Equal("hubspot:u1", hubSpot.ConnectionKey);
        Assert.Equal(new Uri("https://acme.my.salesforce.com"), salesforce.InstanceUrl);
        Assert.Equal("eu", salesforce.OptionsName);
        Assert.Equal("ca_from_row", fromRow.BrokerAccountId);
        Assert.Equal(new Uri("https://ca-from-row.salesforce.composio.invalid"), fromRow.InstanceUrl);

        var none = await Assert.ThrowsAsync<CrmConnectionException>(async () => await resolver.ResolveAsync("u3", CrmProvider.HubSpot));
        Assert.True(none.RequiresReauthorization);
        await resolver.SaveTokensAsync(hubSpot, new CrmTokenSet { AccessToken = "ignored" }); // nothing to persist
    }

    [Fact]
    public async Task Resolver_WithAHostSource_AsksItAfterTheOptions()
    {
        using var provider = Build(b => b.AddComposio(o => o.ApiKey = Key).UseComposioConnections<RowSource>());
        var connection = await provider.GetRequiredService<ICrmConnectionResolver>().ResolveAsync("user-9", CrmProvider.HubSpot);

        Assert.Equal("ca_row_user-9", connection.BrokerAccountId);
    }

    [Fact]
    public void ComposioRegistration_InvalidArguments_NameTheParameter()
    {
        var builder = new ServiceCollection().AddAriaCrmSync();
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => ComposioAriaCrmSyncBuilderExtensions.AddComposio(null!, o => { })).ParamName);
        Assert.Equal("configure", Assert.Throws<ArgumentNullException>(() => builder.AddComposio((Action<ComposioOptions>)null!)).ParamName);
        Assert.Equal("configuration", Assert.Throws<ArgumentNullException>(() => builder.AddComposio((IConfiguration)null!)).ParamName);
        Assert.Equal("findConnectedAccountId", Assert.Throws<ArgumentNullException>(() => builder.UseComposioConnections(null!)).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => ComposioAriaCrmSyncBuilderExtensions.UseComposioConnections(null!)).ParamName);
        var resolver = new ComposioConnectionResolver(new StaticMonitor(new ComposioOptions()), []);
        Assert.Equal("userId", Assert.ThrowsAny<ArgumentException>(() => resolver.ResolveAsync("", CrmProvider.HubSpot).AsTask().GetAwaiter().GetResult()).ParamName);
    }

    [Theory]
    [InlineData("https://acme.my.salesforce.com/services/data/v66.0/query?q=SELECT+Id%20FROM%20X", null, false, "/services/data/v66.0/query")]
    [InlineData("https://api.hubapi.com/crm/v3/objects/deals/12?properties=a,b&archived=false", null, false, "/crm/v3/objects/deals/12")]
    [InlineData("https://gateway.example/hubspot/crm/v3/objects/deals", "https://gateway.example/hubspot", false, "/crm/v3/objects/deals")]
    [InlineData("https://acme.my.salesforce.com/services/data/v66.0/query?q=x", null, true, "https://acme.my.salesforce.com/services/data/v66.0/query")]
    public void Endpoint_IsThePathRelativeToTheInstance_OrTheUrlWithoutItsQuery(string url, string? instance, bool absolute, string expected)
    {
        var connection = new CrmConnection { UserId = "u", Provider = CrmProvider.Salesforce, CredentialKind = CrmCredentialKind.Brokered, BrokerAccountId = "ca_1", InstanceUrl = instance is null ? null : new Uri(instance) };

        Assert.Equal(expected, ComposioBroker.EndpointOf(new Uri(url), connection, absolute));
    }

    [Fact]
    public void Query_IsDecodedIntoParameters_InOrder_KeepingPlusSignsAndRepeats()
    {
        var query = ComposioBroker.QueryOf(new Uri("https://x.example/p?q=SELECT%20Id%20FROM%20Opportunity%20WHERE%20Name%20%3D%20'A%2BB'&properties=a,b&properties=c&flag&empty="));

        Assert.Equal(
            [("q", "SELECT Id FROM Opportunity WHERE Name = 'A+B'"), ("properties", "a,b"), ("properties", "c"), ("flag", string.Empty), ("empty", string.Empty)],
            query);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(4, 8)]
    [InlineData(7, 60)]
    [InlineData(30, 60)]
    public void Backoff_DoublesPer429InARow_UpToTheMaximum(int streak, int seconds)
        => Assert.Equal(TimeSpan.FromSeconds(seconds), ComposioBroker.Backoff(new ComposioOptions(), streak));

    [Fact]
    public void AuditDetails_KeepFlags_UnderCredentialLikeKeys_ButMaskTheirValues()
    {
        var details = AuditDetails.From(new Dictionary<string, object?>
        {
            ["error_details"] = new Dictionary<string, object?> { ["requires_reauthorization"] = true, ["broker_request_id"] = "req_1", ["authorization"] = "Bearer abc", ["api_key"] = null },
        });

        var inner = details.GetProperty("error_details");
        Assert.True(inner.GetProperty("requires_reauthorization").GetBoolean());
        Assert.Equal("req_1", inner.GetProperty("broker_request_id").GetString());
        Assert.Equal("[REDACTED]", inner.GetProperty("authorization").GetString());
        Assert.Equal(JsonValueKind.Null, inner.GetProperty("api_key").ValueKind);
    }

    [Fact]
    public void CrmSyncException_WithDetails_KeepsExistingKeysAndLeavesTheOriginalUnchanged()
    {
        var ex = new CrmConnectionException(CrmProvider.HubSpot, "x", requiresReauthorization: true);

        var copy = Assert.IsType<CrmConnectionException>(ex.WithDetails([new("broker", "composio"), new("provider", "salesforce"), new("requires_reauthorization", false)]));

        Assert.Equal("composio", copy.Details["broker"]);
        Assert.Equal("hubspot", copy.Details["provider"]);
        Assert.Equal(true, copy.Details["requires_reauthorization"]);
        Assert.True(copy.RequiresReauthorization);
        Assert.False(ex.Details.ContainsKey("broker"));
        Assert.Equal("details", Assert.Throws<ArgumentNullException>(() => ex.WithDetails(null!)).ParamName);
    }

    private sealed class RowSource : IComposioConnectedAccountSource
    {
        public ValueTask<ComposioConnectedAccount?> FindAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
            => ValueTask.FromResult<ComposioConnectedAccount?>(new ComposioConnectedAccount { UserId = userId, Provider = provider, ConnectedAccountId = "ca_row_" + userId });
    }

    private sealed class StaticMonitor(ComposioOptions value) : IOptionsMonitor<ComposioOptions>
    {
        public ComposioOptions CurrentValue => value;

        public ComposioOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ComposioOptions, string?> listener) => null;
    }
}
