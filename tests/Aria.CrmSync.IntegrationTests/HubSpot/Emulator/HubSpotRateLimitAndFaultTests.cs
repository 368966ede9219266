using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

public sealed class HubSpotRateLimitAndFaultTests
{
    [Fact]
    public async Task TenSecondlyRollingWindow_Returns429WithHubSpotBodyAndHeaders_ThenRecovers()
    {
        await using var h = await HubSpotHarness.StartAsync(inProcess: true);
        for (var i = 0; i < 100; i++)
        {
            var ok = await h.GetAsync("/crm/v3/objects/deals?limit=1");
            Assert.Equal(200, ok.Status);
            Assert.Equal((99 - i).ToString(), ok.Header("X-HubSpot-RateLimit-Remaining"));
            if (i == 0)
            {
                Assert.Equal("100", ok.Header("X-HubSpot-RateLimit-Max"));
                Assert.Equal("10000", ok.Header("X-HubSpot-RateLimit-Interval-Milliseconds"));
                Assert.Equal("250000", ok.Header("X-HubSpot-RateLimit-Daily"));
                Assert.Equal("249999", ok.Header("X-HubSpot-RateLimit-Daily-Remaining"));
            }

            h.Clock.Advance(TimeSpan.FromMilliseconds(50));
        }

        var limited = await h.GetAsync("/crm/v3/objects/deals?limit=1");
        Assert.Equal(429, limited.Status);
        Assert.Equal("error", limited.Object["status"]!.GetValue<string>());
        Assert.Equal("You have reached your ten_secondly_rolling limit.", limited.Object["message"]!.GetValue<string>());
        Assert.Equal("RATE_LIMIT", limited.Object["errorType"]!.GetValue<string>());
        Assert.Equal("TEN_SECONDLY_ROLLING", limited.Object["policyName"]!.GetValue<string>());
        Assert.NotNull(limited.Object["correlationId"]);
        Assert.Equal("0", limited.Header("X-HubSpot-RateLimit-Remaining"));
        Assert.Null(limited.Header("Retry-After"));

        // Another private app has its own burst budget.
        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals?limit=1", h.Emulator.CreatePrivateAppToken())).Status);

        // The first request leaves the window 10 s after it was made (at +5 s now): 5.0 s more.
        h.Clock.Advance(TimeSpan.FromMilliseconds(5000));
        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals?limit=1")).Status);
        Assert.Equal(429, (await h.GetAsync("/crm/v3/objects/deals?limit=1")).Status);
        Assert.Equal(102, h.Emulator.Calls.ApiCalls);
        Assert.Equal(104, h.Emulator.Calls.Count("deals.objects.list"));
    }

    [Fact]
    public async Task ProfessionalTier_AllowsConfiguredBurst_AndOAuthResponsesOmitDailyHeaders()
    {
        await using var h = await HubSpotHarness.StartAsync(o => o.RequestsPerInterval = 190, inProcess: true);
        var oauth = h.Emulator.IssueOAuthTokens().AccessToken;
        for (var i = 0; i < 190; i++)
        {
            Assert.Equal(200, (await h.GetAsync("/crm/v3/pipelines/deals", oauth)).Status);
        }

        var limited = await h.GetAsync("/crm/v3/pipelines/deals", oauth);
        Assert.Equal(429, limited.Status);
        Assert.Equal("190", limited.Header("X-HubSpot-RateLimit-Max"));
        Assert.Null(limited.Header("X-HubSpot-RateLimit-Daily"));
    }

    [Fact]
    public async Task DailyLimit_Returns429Daily_UntilResetOrMidnight()
    {
        await using var h = await HubSpotHarness.StartAsync(o => o.DailyLimit = 3, inProcess: true);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals")).Status);
        }

        var daily = await h.GetAsync("/crm/v3/objects/deals");
        Assert.Equal(429, daily.Status);
        Assert.Equal("DAILY", daily.Object["policyName"]!.GetValue<string>());
        Assert.Equal("You have reached your daily limit.", daily.Object["message"]!.GetValue<string>());
        Assert.Equal("0", daily.Header("X-HubSpot-RateLimit-Daily-Remaining"));
        Assert.Equal(3, h.Emulator.DailyUsed);

        h.Emulator.ResetDailyLimit();
        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals")).Status);
        Assert.Equal(200, (await h.PostAsync("/crm/v3/objects/deals/search", new JsonObject())).Status);
        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals")).Status);
        var searchDaily = await h.PostAsync("/crm/v3/objects/deals/search", new JsonObject());
        Assert.Equal(429, searchDaily.Status);
        Assert.Equal("DAILY", searchDaily.Object["policyName"]!.GetValue<string>());
        h.Clock.Advance(TimeSpan.FromHours(15));
        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals")).Status);
    }

    [Fact]
    public async Task DailyLimit_ResetsAtMidnightInTheAccountTimeZone()
    {
        // 09:00 UTC is 04:00 in UTC-5: the account's midnight is at 05:00 UTC the next day.
        await using var h = await HubSpotHarness.StartAsync(
            o =>
            {
                o.DailyLimit = 1;
                o.AccountTimeZone = TimeZoneInfo.CreateCustomTimeZone("UTC-5", TimeSpan.FromHours(-5), "UTC-5", "UTC-5");
            },
            inProcess: true);
        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals")).Status);
        h.Clock.Advance(TimeSpan.FromHours(15) + TimeSpan.FromMinutes(30));
        Assert.Equal(429, (await h.GetAsync("/crm/v3/objects/deals")).Status);
        h.Clock.Advance(TimeSpan.FromHours(5));
        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals")).Status);
    }

    [Fact]
    public async Task InjectedFaults_AreHubSpotShaped_AndNotCounted()
    {
        await using var h = await HubSpotHarness.StartAsync(inProcess: true);
        h.Emulator.Faults.FailNext(FaultKind.RateLimited, "deals.objects.list");
        var limited = await h.GetAsync("/crm/v3/objects/deals");
        Assert.Equal(429, limited.Status);
        Assert.Equal("TEN_SECONDLY_ROLLING", limited.Object["policyName"]!.GetValue<string>());
        Assert.Equal("0", limited.Header("X-HubSpot-RateLimit-Remaining"));

        h.Emulator.Faults.FailNext(FaultKind.ServerError, "deals.*");
        var error = await h.GetAsync("/crm/v3/objects/deals");
        Assert.Equal(500, error.Status);
        Assert.Equal("error", error.Object["status"]!.GetValue<string>());
        Assert.NotNull(error.Object["correlationId"]);
        Assert.NotNull(error.Object["category"]);

        h.Emulator.Faults.FailNext(FaultKind.ServiceUnavailable);
        Assert.Equal(503, (await h.GetAsync("/crm/v3/objects/deals")).Status);

        h.Emulator.FailNextWithStatus(502, "deals.search");
        Assert.Equal(502, (await h.PostAsync("/crm/v3/objects/deals/search", new JsonObject())).Status);
        h.Emulator.FailNextWithStatus(477);
        var migration = await h.GetAsync("/crm/v3/pipelines/deals");
        Assert.Equal(477, migration.Status);
        Assert.Equal("30", migration.Header("Retry-After"));
        h.Emulator.FailNextWithStatus(423, "deals.objects.create");
        Assert.Equal(423, (await h.PostAsync("/crm/v3/objects/deals", JsonNode.Parse("""{"properties":{"dealname":"x"}}""")!)).Status);
        Assert.Equal(0, h.Emulator.CountObjects("deals"));

        Assert.Equal(0, h.Emulator.Calls.ApiCalls);
        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals")).Status);
        Assert.Equal(1, h.Emulator.Calls.ApiCalls);
        Assert.Equal(6, h.Emulator.Calls.Total - 1);

        h.Emulator.Faults.FailNext(FaultKind.DropConnection, "deals.objects.list");
        await Assert.ThrowsAsync<HttpRequestException>(() => h.GetAsync("/crm/v3/objects/deals"));
    }

    [Fact]
    public async Task RandomFaults_AreReproducibleFromTheSeed()
    {
        static async Task<List<int>> RunAsync(int seed)
        {
            await using var h = await HubSpotHarness.StartAsync(o => o.Seed = seed);
            h.Emulator.Faults.Add(new FaultRule { Kind = FaultKind.ServiceUnavailable, Rate = 0.3, Endpoint = "deals.*" });
            var statuses = new List<int>();
            for (var i = 0; i < 40; i++)
            {
                statuses.Add((await h.GetAsync("/crm/v3/objects/deals?limit=1")).Status);
            }

            return statuses;
        }

        var a = await RunAsync(7);
        var b = await RunAsync(7);
        var c = await RunAsync(8);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Contains(503, a);
        Assert.Contains(200, a);
    }

    [Fact]
    public async Task CallAccounting_CountsEndpointsAndBillableCalls()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var deal = await h.CreateDealAsync("Count me");
        await h.GetAsync($"/crm/v3/objects/deals/{deal}");
        await h.PostAsync("/crm/v3/objects/notes/batch/create", JsonNode.Parse("""{"inputs":[{"properties":{"hs_timestamp":"1700000000000"}},{"properties":{"hs_timestamp":"1700000000000"}}]}""")!);
        await h.PostAsync("/crm/v3/objects/deals/search", new JsonObject());
        await h.GetAsync($"/crm/v4/objects/deals/{deal}/associations/notes");
        await h.GetAsync("/crm/v3/objects/deals", token: string.Empty);
        await h.PostFormAsync("/oauth/v1/token", ("grant_type", "refresh_token"), ("refresh_token", "x"));
        await h.GetAsync("/crm/v3/nowhere");

        Assert.Equal(1, h.Emulator.Calls.Count("deals.objects.create"));
        Assert.Equal(1, h.Emulator.Calls.Count("deals.objects.get"));
        Assert.Equal(1, h.Emulator.Calls.Count("notes.batch.create"));
        Assert.Equal(1, h.Emulator.Calls.Count("deals.search"));
        Assert.Equal(1, h.Emulator.Calls.Count("associations.list"));
        Assert.Equal(1, h.Emulator.Calls.Count("deals.objects.list"));
        Assert.Equal(1, h.Emulator.Calls.Count("oauth.token"));
        Assert.Equal(1, h.Emulator.Calls.Count("unknown"));
        Assert.Equal(5, h.Emulator.Calls.ApiCalls);
        Assert.Equal(8, h.Emulator.Calls.Total);
        Assert.Equal(5, h.Emulator.DailyUsed);
        Assert.Equal(4, h.Emulator.Calls.CountPrefix("deals."));
    }
}
