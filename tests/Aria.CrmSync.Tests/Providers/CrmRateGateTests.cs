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

        var eleventh = gate.AcquireAsync(Connection, CancellationToken.None).AsTask();
        Assert.False(eleventh.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1)); // one token refills per 1 s (10 per 10 s)
        (await eleventh.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
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
