using System.Diagnostics;
using System.Globalization;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.Benchmarks.Harness;

/// <summary>
/// When the measured sync spent its budgets: samples the emulator's recorded exchanges every 100 ms and reports, per
/// second of the sync, the calls that count against the general budget and the searches (which have their own), so a
/// run above the rate-limit floor shows where the general budget sat idle.
/// </summary>
internal sealed class CallTimeline
{
    private readonly IReadOnlyCollection<EmulatorExchange> _exchanges;
    private readonly int _before;
    private readonly List<(double Seconds, int General, int Search)> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;

    private CallTimeline(IReadOnlyCollection<EmulatorExchange> exchanges)
    {
        _exchanges = exchanges;
        _before = exchanges.Count;
        var clock = Stopwatch.StartNew();
        _sampler = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Sample(clock.Elapsed.TotalSeconds);
                try
                {
                    await Task.Delay(100, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            Sample(clock.Elapsed.TotalSeconds);
        });
    }

    /// <summary>Starts sampling.</summary>
    public static CallTimeline Start(IReadOnlyCollection<EmulatorExchange> exchanges) => new(exchanges);

    /// <summary>Stops sampling and describes the calls per second, e.g. <c>0:9/4 1:10/4 …</c>.</summary>
    public async Task<string> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sampler.ConfigureAwait(false);
        _stop.Dispose();
        var perSecond = new SortedDictionary<int, (int General, int Search)>();
        var previous = (General: 0, Search: 0);
        foreach (var (seconds, general, search) in _samples)
        {
            var second = (int)seconds;
            var seen = perSecond.GetValueOrDefault(second);
            perSecond[second] = (seen.General + general - previous.General, seen.Search + search - previous.Search);
            previous = (general, search);
        }

        return string.Join(" ", perSecond.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}:{p.Value.General}/{p.Value.Search}")));
    }

    private void Sample(double seconds)
    {
        var general = 0;
        var search = 0;
        foreach (var exchange in _exchanges.Skip(_before))
        {
            if (exchange.Response.StatusCode == 429)
            {
                continue;
            }

            if (exchange.Endpoint.EndsWith(".search", StringComparison.Ordinal))
            {
                search++;
            }
            else
            {
                general++;
            }
        }

        _samples.Add((seconds, general, search));
    }
}
