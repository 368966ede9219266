using Aria.CrmSync.Sync;

namespace Aria.CrmSync.Tests.Sync;

public class SyncTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(SyncStatus.Synced)]
    [InlineData(SyncStatus.Pending)]
    [InlineData(SyncStatus.Conflict)]
    public void CountRetry_LeadNotInError_Throws(SyncStatus status)
    {
        var ex = Assert.Throws<CrmSyncStateTransitionException>(() => State(status).CountRetry(Now.AddMinutes(1), Now, maxRetries: 5));

        Assert.Equal((status, SyncStatus.Pending), (ex.From, ex.To));
    }

    [Fact]
    public void CountRetry_InErrorWithRetriesLeft_GoesPendingAndCounts()
    {
        var next = State(SyncStatus.Error, retries: 2).CountRetry(Now.AddMinutes(1), Now, maxRetries: 5);

        Assert.Equal((SyncStatus.Pending, 3, Now.AddMinutes(1)), (next.Status, next.RetryCount, next.NextAttemptAt));
        Assert.Throws<CrmSyncStateTransitionException>(() => State(SyncStatus.Error, retries: 5).CountRetry(Now, Now, maxRetries: 5));
    }

    [Fact]
    public void Settle_DeadLetteredError_ThrowsInsteadOfKeepingTheOldStatus()
    {
        var deadLettered = State(SyncStatus.Error, retries: 5);

        var ex = Assert.Throws<CrmSyncStateTransitionException>(() => deadLettered.Succeed(deadLettered, SyncStatus.Synced, maxRetries: 5));

        Assert.Equal((SyncStatus.Error, SyncStatus.Pending), (ex.From, ex.To));
        Assert.False(deadLettered.CanOperate(maxRetries: 5));
    }

    [Fact]
    public void Succeed_FromErrorWithRetriesLeft_SyncedAndClearsTheError()
    {
        var failed = State(SyncStatus.Error, retries: 2) with { ErrorMessage = "down", NextAttemptAt = Now };

        var next = failed.Succeed(failed, SyncStatus.Synced, maxRetries: 5);

        Assert.Equal((SyncStatus.Synced, 0, null, (DateTimeOffset?)null), (next.Status, next.RetryCount, next.ErrorMessage, next.NextAttemptAt));
    }

    [Fact]
    public void Fail_ConflictKeepsConflict_OthersGoToErrorThroughPending()
    {
        Assert.Equal(SyncStatus.Conflict, State(SyncStatus.Conflict).Fail("x", Now, Now, 5).Status);
        Assert.Null(State(SyncStatus.Conflict).Fail("x", Now, Now, 5).NextAttemptAt);
        Assert.Equal((SyncStatus.Error, "x", Now), State(SyncStatus.Synced).Fail("x", Now, Now, 5) is var s ? (s.Status, s.ErrorMessage, s.NextAttemptAt) : default);
    }

    [Fact]
    public void MoveTo_IllegalStep_Throws()
    {
        Assert.Throws<CrmSyncStateTransitionException>(() => State(SyncStatus.Synced).MoveTo(SyncStatus.Conflict, 5));
        Assert.Equal(SyncStatus.Pending, State(SyncStatus.Error, retries: 4).MarkPending(resumeError: true, 5).Status);
        Assert.Equal(SyncStatus.Error, State(SyncStatus.Error, retries: 5).MarkPending(resumeError: true, 5).Status);
        Assert.Equal(SyncStatus.Error, State(SyncStatus.Error).MarkPending(resumeError: false, 5).Status);
    }

    private static CrmSyncState State(SyncStatus status, int retries = 0) => new()
    {
        Id = "s-1",
        LeadMemoryId = "lead-1",
        Status = status,
        RetryCount = retries,
        CreatedAt = Now,
        UpdatedAt = Now,
    };
}
