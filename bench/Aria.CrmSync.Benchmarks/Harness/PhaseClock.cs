using System.Diagnostics;
using System.Globalization;

namespace Aria.CrmSync.Benchmarks.Harness;

/// <summary>
/// Where a connection sync's wall time goes: the engine reports progress after each page of a phase, so the last report of
/// a phase tells when it ended (activities run alongside the pushes, so their times overlap).
/// </summary>
/// <param name="stopwatch">The running stopwatch of the measured sync.</param>
internal sealed class PhaseClock(Stopwatch stopwatch) : IProgress<ConnectionSyncProgress>
{
    private readonly Dictionary<ConnectionSyncPhase, (TimeSpan First, TimeSpan Last)> _phases = [];
    private readonly Lock _gate = new();
    private ConnectionSyncPhase? _current;

    /// <summary>Gets the phase of the last progress report (<see langword="null"/> before the first).</summary>
    public ConnectionSyncPhase? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <inheritdoc />
    public void Report(ConnectionSyncProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var now = stopwatch.Elapsed;
        lock (_gate)
        {
            _phases[value.Phase] = _phases.TryGetValue(value.Phase, out var seen) ? (seen.First, now) : (now, now);
            _current = value.Phase;
        }
    }

    /// <summary>Describes each phase's first and last progress report, in seconds from the start.</summary>
    public string Describe()
    {
        lock (_gate)
        {
            return string.Join(", ", _phases
                .OrderBy(p => p.Value.Last)
                .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value.First.TotalSeconds:N2}–{p.Value.Last.TotalSeconds:N2} s")));
        }
    }
}
