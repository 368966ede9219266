using System.Net;
using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

public sealed class SalesforceLimitsAndFaultsTests
{
    [Fact]
    public async Task DailyAllocation_Exhausted_Returns403UntilTheCounterResets()
    {
        await using var host = await SfTestHost.StartAsync(o => o.DailyApiRequestLimit = 5);
        for (var i = 1; i <= 5; i++)
        {
            var ok = await host.GetAsync(SfTestHost.Data("limits"));
            Assert.Equal(HttpStatusCode.OK, ok.Status);
            Assert.Equal($"api-usage={i}/5", ok.Header("Sforce-Limit-Info"));
            Assert.Equal(5 - i, ok.Body!["DailyApiRequests"]!["Remaining"]!.GetValue<int>());
            Assert.Equal(5, ok.Body!["DailyApiRequests"]!["Max"]!.GetValue<int>());
        }

        var refused = await host.QueryAsync("SELECT Id FROM Opportunity");
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal("""[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]""", refused.Text);
        Assert.Equal("api-usage=5/5", refused.Header("Sforce-Limit-Info"));
        Assert.Equal(5, host.Emulator.Calls.ApiCalls);

        // The version list is never counted or refused.
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync("/services/data/")).Status);

        host.Emulator.ResetDailyUsage();
        Assert.Equal(HttpStatusCode.OK, (await host.QueryAsync("SELECT Id FROM Opportunity")).Status);
        Assert.Equal(1, host.Emulator.DailyApiRequestsUsed);
    }

    [Fact]
    public async Task DailyUsage_IsARolling24HourWindow()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 10, 8, 0, 0, TimeSpan.Zero));
        await using var host = await SfTestHost.StartAsync(o =>
        {
            o.TimeProvider = clock;
            o.AccessTokenLifetime = TimeSpan.FromDays(3);
            o.DailyApiRequestLimit = 3;
        }, loopback: false);
        await host.GetAsync(SfTestHost.Data("limits"));
        clock.Advance(TimeSpan.FromHours(12));
        await host.GetAsync(SfTestHost.Data("limits"));
        await host.GetAsync(SfTestHost.Data("limits"));
        Assert.Equal(HttpStatusCode.Forbidden, (await host.GetAsync(SfTestHost.Data("limits"))).Status);
        clock.Advance(TimeSpan.FromHours(12).Add(TimeSpan.FromMinutes(1)));
        var afterOldestExpired = await host.GetAsync(SfTestHost.Data("limits"));
        Assert.Equal(HttpStatusCode.OK, afterOldestExpired.Status);
        Assert.Equal("api-usage=3/3", afterOldestExpired.Header("Sforce-Limit-Info"));
    }

    [Fact]
    public async Task LimitInfoHeader_IsOnEveryRestResponseButVersionsAndAuth()
    {
        await using var host = await SfTestHost.StartAsync();
        Assert.NotNull((await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/006000000000000AAA"))).Header("Sforce-Limit-Info"));
        Assert.NotNull((await host.QueryAsync("SELECT Bad FROM Opportunity")).Header("Sforce-Limit-Info"));
        Assert.NotNull((await host.PostAsync(SfTestHost.Data("composite/sobjects"), new { records = Array.Empty<object>() })).Header("Sforce-Limit-Info"));
        Assert.Null((await host.GetAsync("/services/data")).Header("Sforce-Limit-Info"));
        using var token = await host.Http.PostAsync("/services/oauth2/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "nope" }));
        Assert.False(token.Headers.Contains("Sforce-Limit-Info"));
        Assert.Equal(3, host.Emulator.Calls.ApiCalls);
    }

    [Fact]
    public async Task ConcurrentRequestCap_RejectsRequestsBeyondTheLimit()
    {
        await using var host = await SfTestHost.StartAsync(o =>
        {
            o.ConcurrentRequestLimit = 2;
            o.LongRunningRequestThreshold = TimeSpan.Zero;
            o.RequestProcessingDelay = TimeSpan.FromMilliseconds(600);
        });
        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => host.GetAsync(SfTestHost.Data("limits"))));
        var refused = responses.Where(r => r.Status == HttpStatusCode.Forbidden).ToList();
        Assert.InRange(responses.Count(r => r.Status == HttpStatusCode.OK), 2, 4);
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.Equal("""[{"message":"ConcurrentRequests (Concurrent API Requests) Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]""", r.Text));

        // Once the in-flight requests finish, new ones are accepted again.
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(SfTestHost.Data("limits"))).Status);
    }

    [Fact]
    public async Task ShortRequests_DoNotCountTowardsTheConcurrencyCapByDefault()
    {
        await using var host = await SfTestHost.StartAsync(o => o.ConcurrentRequestLimit = 1);
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => host.GetAsync(SfTestHost.Data("limits"))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
    }

    [Theory]
    [InlineData(FaultKind.ServiceUnavailable, 503, "SERVER_UNAVAILABLE")]
    [InlineData(FaultKind.ServerError, 500, "UNKNOWN_EXCEPTION")]
    [InlineData(FaultKind.RateLimited, 403, "REQUEST_LIMIT_EXCEEDED")]
    public async Task InjectedFaults_HaveSalesforceBodies_AndDoNotApplyTheWrite(FaultKind kind, int status, string code)
    {
        await using var host = await SfTestHost.StartAsync();
        var id = host.Opportunity("Unchanged");
        host.Emulator.Faults.FailNext(kind, SalesforceEndpoints.SObjectPatch);

        var faulted = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { Name = "Changed" });
        Assert.Equal(status, faulted.Code);
        Assert.Equal(code, faulted.ErrorCode);
        Assert.NotNull(faulted.Header("Sforce-Limit-Info"));
        Assert.Equal("Unchanged", host.Org.Get("Opportunity", id)!["Name"]);
        Assert.Equal(0, host.Emulator.Calls.ApiCalls);

        var retried = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { Name = "Changed" });
        Assert.Equal(HttpStatusCode.NoContent, retried.Status);
        Assert.Equal(1, host.Emulator.Calls.ApiCalls);
    }

    [Fact]
    public async Task ResponseLost_AppliesTheWriteButDropsTheConnection()
    {
        await using var host = await SfTestHost.StartAsync();
        var id = host.Opportunity("Before");
        host.Emulator.Faults.FailNext(FaultKind.ResponseLost, SalesforceEndpoints.SObjectPatch);
        await Assert.ThrowsAsync<HttpRequestException>(() => host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { Name = "After" }));
        Assert.Equal("After", host.Org.Get("Opportunity", id)!["Name"]);
    }

    [Fact]
    public async Task FaultInjection_IsReproducibleFromTheSeed()
    {
        async Task<string> RunAsync(int seed)
        {
            await using var host = await SfTestHost.StartAsync(o => o.Seed = seed, loopback: false);
            host.Emulator.Faults.Add(new FaultRule { Kind = FaultKind.ServiceUnavailable, Endpoint = "query*", Rate = 0.4 });
            var codes = new List<int>();
            for (var i = 0; i < 30; i++)
            {
                codes.Add((await host.QueryAsync("SELECT Id FROM Opportunity")).Code);
            }

            return string.Join(',', codes);
        }

        var first = await RunAsync(7);
        Assert.Equal(first, await RunAsync(7));
        Assert.Contains("503", first, StringComparison.Ordinal);
        Assert.Contains("200", first, StringComparison.Ordinal);
        Assert.NotEqual(first, await RunAsync(8));
    }

    [Fact]
    public async Task CallAccounting_UsesStableEndpointKeys()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var id = await host.CreateAsync("Opportunity", new { Name = "A", StageName = "Prospecting", CloseDate = "2026-01-01" });
        await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"));
        await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new { Name = "B" });
        await host.QueryAsync("SELECT Id FROM Opportunity");
        await host.QueryAsync("SELECT Id FROM Opportunity", all: true);
        await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/describe"));
        await host.GetAsync(SfTestHost.Data("sobjects"));
        await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/updated/?start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z"));
        await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/deleted/?start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z"));
        await host.PostAsync(SfTestHost.Data("composite/sobjects"), new { records = Array.Empty<object>() });
        await host.PatchAsync(SfTestHost.Data("composite/sobjects"), new { records = Array.Empty<object>() });
        await host.GetAsync(SfTestHost.Data($"composite/sobjects/Opportunity?ids={id}&fields=Name"));
        await host.DeleteAsync(SfTestHost.Data($"composite/sobjects?ids={id}"));
        await host.PostAsync(SfTestHost.Data("composite"), new JsonObject { ["compositeRequest"] = new JsonArray(new JsonObject { ["method"] = "GET", ["url"] = "/services/data/v66.0/limits", ["referenceId"] = "l" }) });
        await host.DeleteAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"));
        await host.GetAsync(SfTestHost.Data("limits"));
        await host.GetAsync("/services/data/");
        await host.Http.PostAsync("/services/oauth2/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = host.Tokens.RefreshToken!, ["client_id"] = host.Emulator.Options.ClientId }));

        var calls = host.Emulator.Calls;
        foreach (var key in new[]
        {
            SalesforceEndpoints.SObjectCreate, SalesforceEndpoints.SObjectGet, SalesforceEndpoints.SObjectPatch, SalesforceEndpoints.SObjectDelete,
            SalesforceEndpoints.Query, SalesforceEndpoints.QueryAll, SalesforceEndpoints.Describe, SalesforceEndpoints.DescribeGlobal,
            SalesforceEndpoints.Updated, SalesforceEndpoints.Deleted, SalesforceEndpoints.CollectionsCreate, SalesforceEndpoints.CollectionsUpdate,
            SalesforceEndpoints.CollectionsGet, SalesforceEndpoints.CollectionsDelete, SalesforceEndpoints.Composite, SalesforceEndpoints.Limits,
            SalesforceEndpoints.Versions, SalesforceEndpoints.OAuthToken,
        })
        {
            Assert.True(calls.Count(key) == 1, $"{key}: {calls.Count(key)}");
        }

        Assert.Equal(18, calls.Total);
        Assert.Equal(16, calls.ApiCalls);
        Assert.Equal(16, host.Emulator.DailyApiRequestsUsed);
    }

    [Fact]
    public async Task UnauthenticatedCalls_AreNotCounted()
    {
        await using var host = await SfTestHost.StartAsync();
        host.UseToken("garbage");
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.GetAsync(SfTestHost.Data("limits"))).Status);
        host.Http.DefaultRequestHeaders.Authorization = null;
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.GetAsync(SfTestHost.Data("limits"))).Status);
        Assert.Equal(0, host.Emulator.Calls.ApiCalls);
        Assert.Equal(0, host.Emulator.DailyApiRequestsUsed);
    }

    [Fact]
    public async Task OAuthScheme_IsAcceptedLikeBearer()
    {
        await using var host = await SfTestHost.StartAsync();
        host.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("OAuth", host.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(SfTestHost.Data("limits"))).Status);
    }
}
