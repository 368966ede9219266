using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Soak.Simulation;

/// <summary>
/// The virtual time of a deterministic soak: a <see cref="FakeTimeProvider"/> that also knows when its next timer is
/// due, so the scheduler can jump straight to it when every actor waits for time (a delay, a retry's due time, a lease
/// running out). Timers fire synchronously inside <see cref="FakeTimeProvider.Advance"/>, on the scheduler's thread.
/// </summary>
public sealed class SimClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly List<TrackedTimer> _timers = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var tracked = new TrackedTimer(this);
        lock (_timers)
        {
            _timers.Add(tracked);
        }

        tracked.Set(dueTime, period);
        tracked.Inner = base.CreateTimer(s => tracked.Fire(callback, s), state, dueTime, period);
        return tracked;
    }

    /// <summary>Advances the clock to the earliest timer due (firing it and any other due then); false when none is set.</summary>
    public bool TryAdvanceToNextTimer()
    {
        DateTimeOffset? next = null;
        lock (_timers)
        {
            _timers.RemoveAll(t => t.Due is null);
            foreach (var timer in _timers)
            {
                if (next is null || timer.Due < next)
                {
                    next = timer.Due;
                }
            }
        }

        if (next is not { } due)
        {
            return false;
        }

        var now = GetUtcNow();
        Advance(due > now ? due - now : TimeSpan.Zero);
        return true;
    }

    private sealed class TrackedTimer(SimClock clock) : ITimer
    {
        public ITimer? Inner { get; set; }

        public DateTimeOffset? Due { get; private set; }

        private TimeSpan Period { get; set; }

        public void Set(TimeSpan dueTime, TimeSpan period)
        {
            Period = period;
            Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + dueTime;
        }

        public void Fire(TimerCallback callback, object? state)
        {
            Due = Period == Timeout.InfiniteTimeSpan || Period == TimeSpan.Zero ? null : clock.GetUtcNow() + Period;
            callback(state);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Set(dueTime, period);
            return Inner?.Change(dueTime, period) ?? true;
        }

        public void Dispose()
        {
            Due = null;
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
