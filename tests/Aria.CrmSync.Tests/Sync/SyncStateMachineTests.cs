using Aria.CrmSync.Sync;

namespace Aria.CrmSync.Tests.Sync;

public class SyncStateMachineTests
{
    [Theory]
    [InlineData(SyncStatus.Synced, SyncStatus.Pending)]
    [InlineData(SyncStatus.Pending, SyncStatus.Synced)]
    [InlineData(SyncStatus.Pending, SyncStatus.Conflict)]
    [InlineData(SyncStatus.Pending, SyncStatus.Error)]
    [InlineData(SyncStatus.Conflict, SyncStatus.Synced)]
    [InlineData(SyncStatus.Error, SyncStatus.Pending)]
    [InlineData(SyncStatus.Synced, SyncStatus.Synced)]
    [InlineData(SyncStatus.Error, SyncStatus.Error)]
    public void IsAllowed_SeedTransitions(SyncStatus from, SyncStatus to)
        => Assert.True(SyncStateMachine.IsAllowed(from, to, retryCount: 0, maxRetries: 5));

    [Theory]
    [InlineData(SyncStatus.Synced, SyncStatus.Conflict)]
    [InlineData(SyncStatus.Synced, SyncStatus.Error)]
    [InlineData(SyncStatus.Conflict, SyncStatus.Pending)]
    [InlineData(SyncStatus.Conflict, SyncStatus.Error)]
    [InlineData(SyncStatus.Error, SyncStatus.Synced)]
    [InlineData(SyncStatus.Error, SyncStatus.Conflict)]
    public void EnsureAllowed_OtherTransitions_Throw(SyncStatus from, SyncStatus to)
    {
        var ex = Assert.Throws<CrmSyncStateTransitionException>(() => SyncStateMachine.EnsureAllowed("lead-1", from, to, 0, 5));
        Assert.Equal(from, ex.From);
        Assert.Equal(to, ex.To);
        Assert.Equal(409, ex.StatusCode);
    }

    [Fact]
    public void ErrorToPending_AfterMaxRetries_Throws()
    {
        Assert.True(SyncStateMachine.IsAllowed(SyncStatus.Error, SyncStatus.Pending, 4, 5));
        var ex = Assert.Throws<CrmSyncStateTransitionException>(() => SyncStateMachine.EnsureAllowed("lead-1", SyncStatus.Error, SyncStatus.Pending, 5, 5));
        Assert.Contains("maximum of 5 retries", ex.Message);
    }

    [Fact]
    public void EnsureOperationAllowed_PassesThroughPending()
    {
        SyncStateMachine.EnsureOperationAllowed("l", SyncStatus.Synced, SyncStatus.Synced, 0, 5);
        SyncStateMachine.EnsureOperationAllowed("l", SyncStatus.Synced, SyncStatus.Conflict, 0, 5);
        SyncStateMachine.EnsureOperationAllowed("l", SyncStatus.Error, SyncStatus.Synced, 4, 5);
        Assert.Throws<CrmSyncStateTransitionException>(() => SyncStateMachine.EnsureOperationAllowed("l", SyncStatus.Error, SyncStatus.Synced, 5, 5));
        Assert.Throws<CrmSyncStateTransitionException>(() => SyncStateMachine.EnsureOperationAllowed("l", SyncStatus.Conflict, SyncStatus.Error, 0, 5));
    }

    [Fact]
    public void RetryPolicy_BacksOffExponentiallyWithinBoundsAndHonoursRetryAfter()
    {
        var options = new CrmSyncOptions { RetryBaseDelay = TimeSpan.FromSeconds(10), RetryMaxDelay = TimeSpan.FromMinutes(2), RetryJitter = 0.2 };
        var policy = new RetryPolicy(options);
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var nominal = Math.Min(10 * Math.Pow(2, attempt), 120);
            for (var sample = 0; sample < 50; sample++)
            {
                var delay = policy.NextDelay(attempt, retryAfter: null).TotalSeconds;
                Assert.InRange(delay, nominal * 0.8 - 0.001, nominal * 1.2 + 0.001);
            }
        }

        Assert.Equal(TimeSpan.FromMinutes(30), policy.NextDelay(0, TimeSpan.FromMinutes(30)));
        var jittered = Enumerable.Range(0, 50).Select(_ => policy.NextDelay(3, null)).Distinct().Count();
        Assert.True(jittered > 10, "delays are jittered");
    }
}
