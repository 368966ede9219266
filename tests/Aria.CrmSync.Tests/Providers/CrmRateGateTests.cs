using Aria.CrmSync.Gateways.Http;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Tests.Providers;

public class CrmRateGateTests
{
    private static readonly CrmConnection Connection = new() { UserId = "u", Provider = CrmProvider.HubSpot, AccessToken = "t" };

    [Fact]
    public async Task AcquireAsync_WithinWindowCapacity_DoesNotWait()
    {
        var time = new FakeTimeProvider();
        var gate = new CrmRateGate(CrmProvider.HubSpot, _ => new CrmRateLimits { RequestsPerWindow = 10 }, time);

        for (var i = 0; i < 10; i++)
        {
            var lease = gate.AcquireAsync(Connection, CancellationToken.None);
            Assert.True(lease.IsCompleted);
            (await lease).Dispose();
        }

        // A rolling window holds at most 10: the eleventh goes when the first leaves the window, not earlier.
        var eleventh = gate.AcquireAsync(Connection, CancellationToken.None).AsTask();
        Assert.False(eleventh.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(9.9));
        await Task.Yield();
        Assert.False(eleventh.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.2));
        (await eleventh.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(92)]
    [InlineData(174)]
    public async Task SteadyStream_NeverMoreThanTheAllowanceInAnyRollingWindow_AndSustainsAllOfIt(int allowance)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var window = TimeSpan.FromSeconds(10);
        var gate = new CrmRateGate(CrmProvider.HubSpot, _ => new CrmRateLimits { RequestsPerWindow = allowance, Window = window }, time);
        var sent = await SendAsync(gate, time, allowance * 5);

        // The busiest rolling window (t − W, t] of the send times.
        var busiest = sent.Max(t => sent.Count(s => s > t - window && s <= t));
        Assert.Equal(allowance, busiest);
        var windows = (sent[^1] - sent[0]) / window;
        Assert.InRange(sent.Count / (windows + 1), allowance * 0.99, allowance * 1.01); // the first window's burst, then the allowance per window
    }

    [Fact]
    public async Task PauseWindow_ThenTheAllowanceComesBackRequestByRequest()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var gate = new CrmRateGate(CrmProvider.HubSpot, _ => new CrmRateLimits { RequestsPerWindow = 10, Window = TimeSpan.FromSeconds(10) }, time);
        gate.PauseWindow(Connection, TimeSpan.FromSeconds(3));

        var sent = await SendAsync(gate, time, 5);

        // Nothing before the pause ends, then one per second (10 per 10 s), not a burst of 10 into a full window.
        Assert.Equal(TimeSpan.FromSeconds(4), sent[0] - DateTimeOffset.UnixEpoch);
        Assert.All(sent.Zip(sent.Skip(1)), p => Assert.Equal(TimeSpan.FromSeconds(1), p.Second - p.First));
    }

    /// <summary>Acquires <paramref name="count"/> leases one after the other, advancing the fake clock 1 ms while one waits; returns the send times.</summary>
    private static async Task<List<DateTimeOffset>> SendAsync(CrmRateGate gate, FakeTimeProvider time, int count)
    {
        var sent = new List<DateTimeOffset>();
        while (sent.Count < count)
        {
            var acquire = gate.AcquireAsync(Connection, CancellationToken.None).AsTask();
            for (var step = 0; !acquire.IsCompleted; step++)
            {
                Assert.True(step < 20_000, $"acquire #{sent.Count} still waiting after {step} ms");
                time.Advance(TimeSpan.FromMilliseconds(1));
                await Task.Yield();
            }

            (await acquire).Dispose();
            sent.Add(time.GetUtcNow());
        }

        return sent;
    }

    [Fact]
    public async Task Observe_RemainingBelowBudget_ThrottlesToTheServersCount()
    {
        var time = new FakeTimeProvider();
        var gate = new CrmRateGate(CrmProvider.HubSpot, _ => new CrmRateLimits { RequestsPerWindow = 100 }, time);

        gate.Observe(Connection, new RateObservation(WindowRemaining: 0, WindowMax: 100, DailyUsed: null, DailyMax: null));

        var next = gate.AcquireAsync(Connection, CancellationToken.None).AsTask();
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(100));
        (await next.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public async Task Observe_DailyQuotaAtThreshold_PausesWithTypedError()
    {
        var time = new FakeTimeProvider();
        var gate = new CrmRateGate(CrmProvider.Salesforce, _ => new CrmRateLimits { DailyQuotaThreshold = 0.9, DailyQuotaPause = TimeSpan.FromMinutes(30) }, time);

        gate.Observe(Connection, new RateObservation(null, null, DailyUsed: 899, DailyMax: 1000));
        (await gate.AcquireAsync(Connection, CancellationToken.None)).Dispose();
        gate.Observe(Connection, new RateObservation(null, null, DailyUsed: 900, DailyMax: 1000));

        var ex = await Assert.ThrowsAsync<CrmRateLimitedException>(async () => await gate.AcquireAsync(Connection, CancellationToken.None));
        Assert.Equal(CrmRateLimitScope.Daily, ex.Scope);
        Assert.Equal(TimeSpan.FromMinutes(30), ex.RetryAfter);

        time.Advance(TimeSpan.FromMinutes(31));
        (await gate.AcquireAsync(Connection, CancellationToken.None)).Dispose();
    }

    [Fact]
    public async Task PauseWindow_HoldsRequestsUntilRetryAfter()
    {
        var time = new FakeTimeProvider();
        var gate = new CrmRateGate(CrmProvider.HubSpot, _ => new CrmRateLimits { RequestsPerWindow = 100 }, time);

        gate.PauseWindow(Connection, TimeSpan.FromSeconds(2));
        var next = gate.AcquireAsync(Connection, CancellationToken.None).AsTask();

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1.5));
        (await next.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public async Task MaxConcurrentRequests_CapsInFlightRequests()
    {
        var gate = new CrmRateGate(CrmProvider.Salesforce, _ => new CrmRateLimits { MaxConcurrentRequests = 2 }, new FakeTimeProvider());

        var a = await gate.AcquireAsync(Connection, CancellationToken.None);
        var b = await gate.AcquireAsync(Connection, CancellationToken.None);
        var c = gate.AcquireAsync(Connection, CancellationToken.None).AsTask();
        Assert.False(c.IsCompleted);

        a.Dispose();
        a.Dispose(); // double release is harmless
        (await c.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        b.Dispose();
        var d = gate.AcquireAsync(Connection, CancellationToken.None).AsTask();
        var e = gate.AcquireAsync(Connection, CancellationToken.None).AsTask();
        Assert.True(d.IsCompleted && e.IsCompleted);
    }

    [Fact]
    public async Task Connections_HaveSeparateBudgets()
    {
        var time = new FakeTimeProvider();
        var gate = new CrmRateGate(CrmProvider.HubSpot, _ => new CrmRateLimits { RequestsPerWindow = 1 }, time);
        var other = Connection with { UserId = "other" };

        (await gate.AcquireAsync(Connection, CancellationToken.None)).Dispose();
        Assert.True(gate.AcquireAsync(other, CancellationToken.None).IsCompleted);
        Assert.False(gate.AcquireAsync(Connection, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task InvalidLimits_AreRejected()
    {
        var gate = new CrmRateGate(CrmProvider.HubSpot, _ => new CrmRateLimits { DailyQuotaThreshold = 2 }, new FakeTimeProvider());
        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await gate.AcquireAsync(Connection, CancellationToken.None));
        Assert.Equal("DailyQuotaThreshold", ex.ParamName);
    }
}
