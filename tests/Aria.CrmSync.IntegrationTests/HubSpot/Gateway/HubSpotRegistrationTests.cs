using Aria.CrmSync.Gateways.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

public sealed class HubSpotRegistrationTests
{
    [Fact]
    public void AddHubSpot_FromConfiguration_NamedOptions_RegisteredOnce()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HubSpot:BaseAddress"] = "https://api.hubapi.com",
            ["HubSpot:ApiVersion"] = "2026-03",
            ["HubSpot:ClientId"] = "client",
            ["HubSpot:ClientSecret"] = "secret",
            ["HubSpot:RateLimits:RequestsPerWindow"] = "190",
            ["HubSpot:RateLimits:Window"] = "00:00:10",
        }).Build();
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections()
            .AddHubSpot(configuration.GetSection("HubSpot"))
            .AddHubSpot("eu", o => o.BaseAddress = new Uri("https://api-eu1.hubapi.com"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<HubSpotOptions>>();
        Assert.Equal("2026-03", options.Get(string.Empty).ApiVersion);
        Assert.Equal(190, options.Get(string.Empty).RateLimits.RequestsPerWindow);
        Assert.Equal("https://api-eu1.hubapi.com/", options.Get("eu").BaseAddress.ToString());
        Assert.Single(provider.GetServices<ICrmGateway>(), g => g.Provider == CrmProvider.HubSpot);
        Assert.Single(provider.GetServices<ICrmTokenRefresher>(), r => r.Provider == CrmProvider.HubSpot);
    }

    [Fact]
    public void InvalidOptions_FailValidation_WithoutEchoingSecrets()
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections()
            .AddHubSpot(o =>
            {
                o.ApiVersion = "v2";
                o.ClientSecret = "super-secret-value";
                o.RateLimits = new CrmRateLimits { RequestsPerWindow = 0 };
            });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<HubSpotOptions>>().Get(string.Empty));
        Assert.Contains(ex.Failures, f => f.Contains("ApiVersion", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("RateLimits.RequestsPerWindow", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("ClientId and ClientSecret", StringComparison.Ordinal));
        Assert.DoesNotContain("super-secret-value", string.Join(" ", ex.Failures));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(190)]
    public async Task PacedLimits_NeverExceedNinetyTwoPercentInAnyRollingWindow_AndSustainNinetyPercent(int limit)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var window = TimeSpan.FromSeconds(10);
        var gate = new CrmRateGate(CrmProvider.HubSpot, _ => Providers.HubSpot.HubSpotGateway.PacedLimits(new CrmRateLimits { RequestsPerWindow = limit, Window = window }), time);
        var sent = await SendInTurnAsync(gate, time, limit * 6, maxWaitMs: 20_000);

        // HubSpot counts the requests arriving in its rolling 10 s (here each answered at once).
        var busiest = sent.Max(t => sent.Count(s => s > t - window && s <= t));
        Assert.True(busiest <= limit * 0.92, $"{busiest} requests in one rolling window, limit {limit}");
        var perWindow = (sent.Count - 1) / ((sent[^1] - sent[0]) / window);
        Assert.True(perWindow >= limit * 0.88, $"sustained {perWindow:F1} per window, limit {limit}");
    }

    [Fact]
    public async Task HubSpotsGate_CountsARequestUntilAWindowAfterItsResponse_SoAQueuedRequestCannotCrowdHubSpotsWindow()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var gate = new CrmRateGate(CrmProvider.HubSpot, _ => new CrmRateLimits { RequestsPerWindow = 2, Window = TimeSpan.FromSeconds(10) }, time, countUntilResponse: true);
        var connection = new CrmConnection { UserId = "u", Provider = CrmProvider.HubSpot, AccessToken = "t" };
        var first = await gate.AcquireAsync(connection, CancellationToken.None);
        (await gate.AcquireAsync(connection, CancellationToken.None)).Dispose(); // answered at once, at 0 s

        // The first request is still on its way (queued, slow): it holds its place however long it takes.
        var third = gate.AcquireAsync(connection, CancellationToken.None).AsTask();
        await AdvanceAsync(time, TimeSpan.FromSeconds(10.5));
        Assert.True(third.IsCompleted, "the second request left the window 10 s after its response");
        var fourth = gate.AcquireAsync(connection, CancellationToken.None).AsTask();
        await AdvanceAsync(time, TimeSpan.FromSeconds(15));
        Assert.False(fourth.IsCompleted); // two in the window: the first (in flight for 25.5 s) and the third

        first.Dispose(); // its response arrives at 25.5 s: it counts until 35.5 s
        (await third).Dispose(); // at 25.5 s too
        await AdvanceAsync(time, TimeSpan.FromSeconds(9.8));
        Assert.False(fourth.IsCompleted);
        await AdvanceAsync(time, TimeSpan.FromSeconds(0.4));
        (await fourth.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public async Task ARequestOutsideTheWindow_NeitherWaitsForNorTakesAPlace_ButStopsAtTheDailyPause()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var gate = new CrmRateGate(CrmProvider.HubSpot, _ => new CrmRateLimits { RequestsPerWindow = 2, Window = TimeSpan.FromSeconds(10) }, time, countUntilResponse: true);
        var connection = new CrmConnection { UserId = "u", Provider = CrmProvider.HubSpot, AccessToken = "t" };
        (await gate.AcquireAsync(connection, CancellationToken.None)).Dispose();
        (await gate.AcquireAsync(connection, CancellationToken.None)).Dispose();
        var third = gate.AcquireAsync(connection, CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted); // the window is full

        for (var i = 0; i < 5; i++)
        {
            var search = gate.AcquireAsync(connection, countInWindow: false, CancellationToken.None);
            Assert.True(search.IsCompleted, "a search waited for the general window");
            (await search).Dispose();
        }

        gate.PauseWindow(connection, TimeSpan.FromSeconds(30)); // a ten-second 429 holds the general window, not searches
        Assert.True(gate.AcquireAsync(connection, countInWindow: false, CancellationToken.None).IsCompleted);
        Assert.Equal(0, gate.Snapshot(connection).Tokens);

        gate.PauseDaily(connection, TimeSpan.FromHours(1));
        var daily = await Assert.ThrowsAsync<CrmRateLimitedException>(async () => await gate.AcquireAsync(connection, countInWindow: false, CancellationToken.None));
        Assert.Equal(CrmRateLimitScope.Daily, daily.Scope);
    }

    /// <summary>Acquires <paramref name="count"/> leases one after the other (each answered at once), advancing the fake clock 1 ms while one waits; returns the send times.</summary>
    private static async Task<List<DateTimeOffset>> SendInTurnAsync(CrmRateGate gate, Microsoft.Extensions.Time.Testing.FakeTimeProvider time, int count, int maxWaitMs)
    {
        var connection = new CrmConnection { UserId = "u", Provider = CrmProvider.HubSpot, AccessToken = "t" };
        var sent = new List<DateTimeOffset>();
        while (sent.Count < count)
        {
            var acquire = gate.AcquireAsync(connection, CancellationToken.None).AsTask();
            for (var step = 0; !acquire.IsCompleted; step++)
            {
                Assert.True(step < maxWaitMs, $"acquire #{sent.Count} still waiting after {step} ms; gate {gate.Snapshot(connection)}, status {acquire.Status}");
                time.Advance(TimeSpan.FromMilliseconds(1));
                await Task.Yield();
            }

            (await acquire).Dispose();
            sent.Add(time.GetUtcNow());
        }

        return sent;
    }

    private static async Task AdvanceAsync(Microsoft.Extensions.Time.Testing.FakeTimeProvider time, TimeSpan by)
    {
        for (var step = TimeSpan.Zero; step < by; step += TimeSpan.FromMilliseconds(50))
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Yield();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(10)]
    public async Task PacedSearchLimits_NeverExceedTheLimitInAnyRollingSecond_AndSustainNinetyPercent(int perSecond)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var gate = new CrmRateGate(CrmProvider.HubSpot, _ => Providers.HubSpot.HubSpotGateway.PacedSearchLimits(perSecond), time);
        var sent = await SendInTurnAsync(gate, time, perSecond * 20, maxWaitMs: 5_000);

        // HubSpot counts the searches of the rolling second (t − 1 s, t].
        var busiest = sent.Max(t => sent.Count(s => s > t - TimeSpan.FromSeconds(1) && s <= t));
        Assert.True(busiest <= perSecond, $"{busiest} searches in one rolling second, limit {perSecond}");
        var sustained = (sent.Count - 1) / (sent[^1] - sent[0]).TotalSeconds;
        Assert.InRange(sustained, perSecond * 0.85, perSecond * 0.95);
    }
}
