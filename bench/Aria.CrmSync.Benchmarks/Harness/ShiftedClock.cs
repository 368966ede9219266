namespace Aria.CrmSync.Benchmarks.Harness;

/// <summary>
/// The system clock moved forward by an adjustable offset, shared by the emulators and the library: time flows (rate
/// windows, timeouts) and the harness can let an hour pass between the first sync and the measured one.
/// </summary>
internal sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Gets how far the clock is ahead of the system clock (the engine child process starts from it).</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
