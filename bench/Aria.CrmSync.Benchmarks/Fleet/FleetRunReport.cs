using System.Globalization;
using System.Text;

namespace Aria.CrmSync.Benchmarks.Fleet;

/// <summary>The figures of one fleet run (one process count), from the workers' journals and the end-state check.</summary>
internal sealed record FleetRunReport
{
    public required int Processes { get; init; }

    public required FleetSettings Settings { get; init; }

    /// <summary>Gets the completed connection syncs per minute before the kill (the whole run without one).</summary>
    public required double SyncsPerMinute { get; init; }

    public required double LatenessP50Ms { get; init; }

    public required double LatenessP99Ms { get; init; }

    /// <summary>Gets two processes syncing one connection at overlapping times.</summary>
    public required int DoubleRuns { get; init; }

    public required int MinSyncs { get; init; }

    public required int MaxSyncs { get; init; }

    /// <summary>Gets the connections the killed process held, and the longest and median time until another process claimed them.</summary>
    public required int HeldByKilled { get; init; }

    public required int NotTakenOver { get; init; }

    public required double? TakeoverMaxSeconds { get; init; }

    public required double? TakeoverP50Seconds { get; init; }

    public required long ApiCalls { get; init; }

    public required int CompletedRuns { get; init; }

    public required int Edits { get; init; }

    public required FleetCheckResult Check { get; init; }

    public required double WorkerCpuSeconds { get; init; }

    public required double Seconds { get; init; }

    public bool Sound => DoubleRuns == 0 && Check.Lost.Count == 0 && Check.Duplicated == 0 && NotTakenOver == 0
        && (TakeoverMaxSeconds is null || TakeoverMaxSeconds <= Settings.LeaseTtl.TotalSeconds + 5);

    public static FleetRunReport Create(int processes, FleetSettings settings, List<FleetProcess> workers, long start, long end, string? killed, long? killedAt, long calls, int edits, FleetCheckResult check)
    {
        var journal = workers.SelectMany(w => w.Journal).ToList();
        var throughputEnd = killedAt ?? end;
        var warm = start + 10_000; // the first seconds start the processes' pools
        var completed = journal.Where(j => j.Kind == "done" && j.Value == "True").ToList();
        var perMinute = completed.Count(j => j.At >= warm && j.At < throughputEnd) / ((throughputEnd - warm) / 60_000.0);
        var lateness = journal.Where(j => j.Kind == "claim" && j.At >= start && j.At < end).Select(j => double.Parse(j.Value, CultureInfo.InvariantCulture)).Order().ToList();
        var perConnection = completed.Where(j => j.At >= start && j.At < end).GroupBy(j => (j.UserId, j.Provider)).ToDictionary(g => g.Key, g => g.Count());
        var connections = settings.Users;

        // Runs: from a claim to its pass (or to the kill, for the killed process's runs in flight).
        var runs = new List<(string Process, (string, string) Key, long From, long To)>();
        foreach (var group in journal.Where(j => j.Kind is "claim" or "done").GroupBy(j => (j.Process, j.UserId, j.Provider)))
        {
            long? open = null;
            foreach (var entry in group.OrderBy(e => e.At))
            {
                if (entry.Kind == "claim")
                {
                    open = entry.At;
                }
                else if (open is { } from)
                {
                    runs.Add((entry.Process, (entry.UserId, entry.Provider), from, entry.At));
                    open = null;
                }
            }

            if (open is { } stillOpen)
            {
                runs.Add((group.Key.Process, (group.Key.UserId, group.Key.Provider), stillOpen, group.Key.Process == killed && killedAt is { } k ? k : long.MaxValue));
            }
        }

        var doubles = 0;
        foreach (var byConnection in runs.GroupBy(r => r.Key))
        {
            var ordered = byConnection.OrderBy(r => r.From).ToList();
            for (var a = 0; a < ordered.Count; a++)
            {
                for (var b = a + 1; b < ordered.Count && ordered[b].From < ordered[a].To; b++)
                {
                    if (ordered[b].Process != ordered[a].Process)
                    {
                        doubles++;
                    }
                }
            }
        }

        var held = killed is null ? [] : runs.Where(r => r.Process == killed && r.To == killedAt).Select(r => r.Key).Distinct().ToList();
        var takeovers = held.Select(key => journal.Where(j => j.Kind == "claim" && j.Process != killed && (j.UserId, j.Provider) == key && j.At >= killedAt).Select(j => (double?)((j.At - killedAt!.Value) / 1000.0)).Min()).ToList();
        var taken = takeovers.Where(t => t is not null).Select(t => t!.Value).Order().ToList();
        return new FleetRunReport
        {
            Processes = processes,
            Settings = settings,
            SyncsPerMinute = perMinute,
            LatenessP50Ms = Percentile(lateness, 0.50),
            LatenessP99Ms = Percentile(lateness, 0.99),
            DoubleRuns = doubles,
            MinSyncs = perConnection.Count < connections ? 0 : perConnection.Values.Min(),
            MaxSyncs = perConnection.Count == 0 ? 0 : perConnection.Values.Max(),
            HeldByKilled = held.Count,
            NotTakenOver = takeovers.Count(t => t is null),
            TakeoverMaxSeconds = taken.Count == 0 ? null : taken[^1],
            TakeoverP50Seconds = taken.Count == 0 ? null : Percentile(taken, 0.5),
            ApiCalls = calls,
            CompletedRuns = completed.Count(j => j.At >= start),
            Edits = edits,
            Check = check,
            WorkerCpuSeconds = workers.Sum(w => w.ProcessorTime.TotalSeconds),
            Seconds = (end - start) / 1000.0,
        };
    }

    public static string ToMarkdown(IReadOnlyList<FleetRunReport> reports)
    {
        var s = reports[0].Settings;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"`{s.Command()}` — {s.Users:N0} connections (half Salesforce, half HubSpot, each its own emulated org or portal) × {s.Leads} leads, per-call latency {s.LatencyMs.Min}–{s.LatencyMs.Max} ms, interval {s.Interval.TotalSeconds:F0} s, {s.PerProcess} connections at once per process, at most {s.PerTenant} per tenant ({s.Tenants} tenants), lease TTL {s.LeaseTtl.TotalSeconds:F0} s, heartbeat {s.Heartbeat.TotalSeconds:F0} s, {s.EditsPerMinute} edits/min (each: a CRM amount, an ARIA close date, a note; every fifth a CRM call).");
        md.AppendLine();
        md.AppendLine("| Processes | Syncs/min (before the kill) | vs 1 process | Lateness p50 / p99 | Double runs | Syncs per connection (min–max) | Killed process held | Takeover p50 / max | Not taken over | API calls / completed run | Edits, notes, events checked | Lost | Duplicated | Worker CPU s |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var one = reports.FirstOrDefault(r => r.Processes == 1)?.SyncsPerMinute;
        foreach (var r in reports)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Processes} | {r.SyncsPerMinute:F0} | {(one is { } o && o > 0 ? (r.SyncsPerMinute / o).ToString("F2", CultureInfo.InvariantCulture) + "×" : "—")} | {r.LatenessP50Ms / 1000:F1} s / {r.LatenessP99Ms / 1000:F1} s | {r.DoubleRuns} | {r.MinSyncs}–{r.MaxSyncs} | {r.HeldByKilled} | {(r.TakeoverP50Seconds is { } p ? p.ToString("F1", CultureInfo.InvariantCulture) + " s / " + r.TakeoverMaxSeconds!.Value.ToString("F1", CultureInfo.InvariantCulture) + " s" : "—")} | {r.NotTakenOver} | {(r.CompletedRuns == 0 ? 0 : (double)r.ApiCalls / r.CompletedRuns):F1} | {r.Check.Edits} / {r.Check.Notes} / {r.Check.Events} | {r.Check.Lost.Count} | {r.Check.Duplicated} | {r.WorkerCpuSeconds:F0} |");
        }

        return md.ToString();
    }

    public override string ToString()
    {
        var text = FormattableString.Invariant($"fleet: {Processes} process(es), {Seconds:F0} s: {SyncsPerMinute:F0} syncs/min, lateness p50 {LatenessP50Ms:F0} ms p99 {LatenessP99Ms:F0} ms, {DoubleRuns} double runs, syncs per connection {MinSyncs}-{MaxSyncs}, killed held {HeldByKilled} (not taken over {NotTakenOver}, takeover p50 {TakeoverP50Seconds} s max {TakeoverMaxSeconds} s), {ApiCalls} API calls / {CompletedRuns} runs, {Edits} edits; checked {Check.Edits} edits {Check.Notes} notes {Check.Events} events: {Check.Lost.Count} lost, {Check.Duplicated} duplicated; worker CPU {WorkerCpuSeconds:F0} s");
        var details = Check.Lost.Take(20).Select(l => "\n  lost: " + l).Concat(Check.Duplicates.Take(20).Select(d => "\n  duplicated: " + d));
        return text + string.Concat(details);
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
