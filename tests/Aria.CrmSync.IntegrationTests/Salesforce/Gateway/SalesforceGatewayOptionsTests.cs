using Aria.CrmSync.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

public sealed class SalesforceGatewayOptionsTests
{
    [Fact]
    public async Task NamedOptions_LetTwoOrgsCoexist_EachRefreshingWithItsOwnConnectedApp()
    {
        await using var orgA = new SalesforceEmulator(new SalesforceEmulatorOptions { ClientId = "app-a", ClientSecret = "secret-a", Seed = 11 });
        await using var orgB = new SalesforceEmulator(new SalesforceEmulatorOptions { ClientId = "app-b", ClientSecret = "secret-b", Seed = 12 });
        var urlA = (await orgA.StartServerAsync()).BaseAddress;
        var urlB = (await orgB.StartServerAsync()).BaseAddress;
        var tokensA = orgA.IssueTokens();
        var tokensB = orgB.IssueTokens();
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores()
            .UseInMemoryConnections(c => c
                .Add(new CrmConnection { UserId = "alice", Provider = CrmProvider.Salesforce, OptionsName = "org-a", AccessToken = tokensA.AccessToken, RefreshToken = tokensA.RefreshToken, InstanceUrl = urlA })
                .Add(new CrmConnection { UserId = "bob", Provider = CrmProvider.Salesforce, OptionsName = "org-b", AccessToken = tokensB.AccessToken, RefreshToken = tokensB.RefreshToken, InstanceUrl = urlB }))
            .AddSalesforce("org-a", o => { o.ClientId = "app-a"; o.ClientSecret = "secret-a"; o.LoginUrl = urlA; })
            .AddSalesforce("org-b", o => { o.ClientId = "app-b"; o.ClientSecret = "secret-b"; o.LoginUrl = urlB; o.NotesAs = SalesforceNoteKind.Note; });
        await using var provider = services.BuildServiceProvider();
        var gateway = provider.GetServices<ICrmGateway>().Single(g => g.Provider == CrmProvider.Salesforce);
        var resolver = provider.GetRequiredService<ICrmConnectionResolver>();
        var oppA = orgA.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "A", ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 1, 1) });
        var oppB = orgB.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "B", ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 1, 1) });
        orgA.ExpireAccessTokens();
        orgB.ExpireAccessTokens();

        var alice = await resolver.ResolveAsync("alice", CrmProvider.Salesforce);
        var bob = await resolver.ResolveAsync("bob", CrmProvider.Salesforce);
        Assert.Equal("A", (await gateway.GetRecordAsync(alice, oppA))!.Name);
        Assert.Equal("B", (await gateway.GetRecordAsync(bob, oppB))!.Name);
        await gateway.CreateNotesAsync(alice, [new CrmNoteRequest { IdempotencyKey = "a1", CrmId = oppA, Text = "[ARIA] for A" }]);
        await gateway.CreateNotesAsync(bob, [new CrmNoteRequest { IdempotencyKey = "b1", CrmId = oppB, Text = "[ARIA] for B" }]);

        Assert.Equal(1, orgA.Calls.Count(SalesforceEndpoints.OAuthToken));
        Assert.Equal(1, orgB.Calls.Count(SalesforceEndpoints.OAuthToken));
        Assert.Equal(1, orgA.Org.Count("ContentNote"));
        Assert.Equal(1, orgB.Org.Count("Note")); // org-b writes classic notes
        Assert.NotEqual(tokensA.AccessToken, (await resolver.ResolveAsync("alice", CrmProvider.Salesforce)).AccessToken);
    }

    [Fact]
    public async Task InvalidOptions_FailStartUp_WithEveryProblemNamed()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections()
            .AddSalesforce(o =>
            {
                o.ApiVersion = "v66";
                o.QueryBatchSize = 50;
                o.LoginUrl = new Uri("http://login.example.com");
                o.RateLimits.DailyQuotaThreshold = 2;
            });
        using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        var message = string.Join("\n", ex.Failures);
        Assert.Contains("ApiVersion", message);
        Assert.Contains("QueryBatchSize", message);
        Assert.Contains("LoginUrl", message);
        Assert.Contains("ClientId", message);
        Assert.Contains("DailyQuotaThreshold", message);
    }

    [Fact]
    public async Task ConfigurationOverload_BindsEveryKey_AndUnknownOptionNamesFailClearly()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AriaCrmSync:Salesforce:ApiVersion"] = "65.0",
            ["AriaCrmSync:Salesforce:LoginUrl"] = "https://test.salesforce.com",
            ["AriaCrmSync:Salesforce:ClientId"] = "consumer-key",
            ["AriaCrmSync:Salesforce:ClientSecret"] = "consumer-secret",
            ["AriaCrmSync:Salesforce:InstanceUrl"] = "https://acme.my.salesforce.com",
            ["AriaCrmSync:Salesforce:NotesAs"] = "Note",
            ["AriaCrmSync:Salesforce:QueryBatchSize"] = "500",
            ["AriaCrmSync:Salesforce:OverlapWindow"] = "00:01:00",
            ["AriaCrmSync:Salesforce:RateLimits:MaxConcurrentRequests"] = "10",
            ["AriaCrmSync:Salesforce:RateLimits:DailyQuotaThreshold"] = "0.8",
        }).Build();
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().AddSalesforce(configuration.GetSection(SalesforceOptions.DefaultSectionName));
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<SalesforceOptions>>().Get(Options.DefaultName);
        Assert.Equal("65.0", options.ApiVersion);
        Assert.Equal(new Uri("https://test.salesforce.com"), options.LoginUrl);
        Assert.Equal("consumer-key", options.ClientId);
        Assert.Equal("consumer-secret", options.ClientSecret);
        Assert.Equal(new Uri("https://acme.my.salesforce.com"), options.InstanceUrl);
        Assert.Equal(SalesforceNoteKind.Note, options.NotesAs);
        Assert.Equal(500, options.QueryBatchSize);
        Assert.Equal(TimeSpan.FromMinutes(1), options.OverlapWindow);
        Assert.Equal(10, options.RateLimits.MaxConcurrentRequests);
        Assert.Equal(0.8, options.RateLimits.DailyQuotaThreshold);
        Assert.Single(provider.GetServices<ICrmGateway>());

        var gateway = provider.GetServices<ICrmGateway>().Single();
        var stranger = new CrmConnection { UserId = "u", Provider = CrmProvider.Salesforce, OptionsName = "nope", AccessToken = "t" };
        var ex = await Assert.ThrowsAsync<CrmSyncException>(() => gateway.GetRecordAsync(stranger, "006000000000001AAA"));
        Assert.Contains("'nope'", ex.Message);
    }
}
