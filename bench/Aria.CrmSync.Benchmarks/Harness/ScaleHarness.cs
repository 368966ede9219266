using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Aria.CrmSync.Benchmarks.Harness;

/// <summary>One measured scenario.</summary>
public sealed record HarnessRow
{
    public required string Scenario { get; init; }

    public required long Calls { get; init; }

    public required int LowerBound { get; init; }

    public required string Formula { get; init; }

    public long? BaselineCalls { get; init; }

    public required TimeSpan Wall { get; init; }

    public TimeSpan? RateFloor { get; init; }

    public required int LeadsCompared { get; init; }

    public required double PeakManagedMb { get; init; }

    /// <summary>Gets the engine child process's memory (<c>--engine-process</c>): managed when idle, peak managed, peak heap a collection left, peak live (forced full collections), peak survived (the same collections' own count), peak working set, in MB.</summary>
    public (double IdleManagedMb, double PeakManagedMb, double PeakAfterGcMb, double PeakLiveMb, double PeakSurvivedMb, double PeakWorkingSetMb)? EngineMemory { get; init; }

    public required int Refused { get; init; }

    public required int Failures { get; init; }

    public bool? SameEndStateAsBaseline { get; init; }

    /// <summary>Gets the calls by endpoint, e.g. <c>deals.search×8</c>.</summary>
    public required string Endpoints { get; init; }

    /// <summary>Gets when each phase of the sync reported progress (see <see cref="PhaseClock"/>).</summary>
    public required string Phases { get; init; }

    public double CallsOverBound => (double)Calls / LowerBound;

    public double? FewerThanBaseline => BaselineCalls is { } b ? (double)b / Calls : null;

    public double? WallOverFloor => RateFloor is { } f && f > TimeSpan.Zero ? Wall / f : null;

    public double LeadsPerSecond => LeadsCompared / Wall.TotalSeconds;

    /// <summary>Whether every target of issue 6 holds for this row.</summary>
    public bool MeetsTargets => CallsOverBound <= 1.1 && (FewerThanBaseline is null or >= 50) && (WallOverFloor is null or <= 1.25) && Refused == 0 && Failures == 0 && SameEndStateAsBaseline != false;
}

/// <summary>
/// The API-call harness of issue 6: the documented workload against the emulators with realistic limits, synced with
/// <see cref="ICrmSyncService.SyncConnectionAsync"/>, and (optionally) the same workload the seed plan's way, one lead
/// at a time, on an identical copy, to compare calls and end state.
/// </summary>
public static class ScaleHarness
{
    public static async Task<IReadOnlyList<HarnessRow>> RunAsync(HarnessSettings settings, TextWriter log)
    {
        var workload = Workload.Create(settings);
        var rows = new List<HarnessRow>();
        if (settings.IncludeSalesforce)
        {
            rows.Add(await RunScenarioAsync("Salesforce", CrmProvider.Salesforce, null, settings, workload, log));
        }

        foreach (var tier in settings.HubSpotTiers)
        {
            rows.Add(await RunScenarioAsync($"HubSpot {tier}/10 s", CrmProvider.HubSpot, tier, settings, workload, log));
        }

        return rows;
    }

    public static string ToMarkdown(IReadOnlyList<HarnessRow> rows, HarnessSettings settings)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Workload: {settings.Leads:N0} linked leads; {settings.CrmOnlyShare:P0} change in the CRM, {settings.AriaOnlyShare:P0} in ARIA, {settings.BothShare:P0} on both sides (conflicts, CRM wins); {settings.Notes:N0} notes queued. Seed {settings.Seed}.{(settings.CustomFields > 0 ? $" {4 + settings.CustomFields} mapped fields (the default four and {settings.CustomFields} custom fields of eight types; every CRM and ARIA edit also changes one custom field)." : string.Empty)}");
        md.AppendLine();
        md.AppendLine("| scenario | API calls | lower bound | calls ÷ bound | per-lead baseline calls | fewer than baseline | wall time | rate-limit floor | wall ÷ floor | leads/s | peak managed memory | 429/403 | failures | end state = baseline | targets |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var r in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} | {r.Calls:N0} | {r.LowerBound:N0} | {r.CallsOverBound:N2} | {(r.BaselineCalls is { } b ? b.ToString("N0", CultureInfo.InvariantCulture) : "—")} | {(r.FewerThanBaseline is { } f ? f.ToString("N0", CultureInfo.InvariantCulture) + "×" : "—")} | {r.Wall.TotalSeconds:N1} s | {(r.RateFloor is { } floor ? floor.TotalSeconds.ToString("N1", CultureInfo.InvariantCulture) + " s" : "n/a")} | {(r.WallOverFloor is { } w ? w.ToString("N2", CultureInfo.InvariantCulture) : "n/a")} | {r.LeadsPerSecond:N0} | {r.PeakManagedMb:N0} MB | {r.Refused} | {r.Failures} | {(r.SameEndStateAsBaseline switch { true => "yes", false => "NO", null => "—" })} | {(r.MeetsTargets ? "met" : "MISSED")} |");
        }

        if (rows.Any(r => r.EngineMemory is not null))
        {
            md.AppendLine();
            md.AppendLine("The measured sync ran in a child process (`--engine-process`): the emulators stay in the harness process, so \"peak managed memory\" above is the engine's own (with its SQLite stores), above the idle process. The child process:");
            foreach (var r in rows.Where(r => r.EngineMemory is not null))
            {
                var (idle, peak, afterGc, live, survived, workingSet) = r.EngineMemory!.Value;
                md.AppendLine(CultureInfo.InvariantCulture, $"- {r.Scenario}: managed {idle:N0} MB idle, {peak:N0} MB at its peak ({peak - idle:N0} MB for the sync, uncollected garbage included); the largest heap a collection left {afterGc:N0} MB; **peak live {live:N0} MB** (a forced full collection every 250 ms, read after it); **peak survived {survived:N1} MB** (what those collections found live); peak working set {workingSet:N0} MB");
            }
        }

        md.AppendLine();
        md.AppendLine("Lower bounds:");
        foreach (var r in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {r.Scenario}: {r.Formula} = {r.LowerBound}");
        }

        md.AppendLine();
        md.AppendLine("Calls by endpoint, and when each phase reported progress (first–last report, seconds from the start):");
        foreach (var r in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {r.Scenario}: {r.Endpoints}; {r.Phases}");
        }

        return md.ToString();
    }

    private static async Task<HarnessRow> RunScenarioAsync(string name, CrmProvider provider, int? tier, HarnessSettings settings, Workload workload, TextWriter log)
    {
        log.WriteLine($"[{name}] seeding {settings.Leads:N0} deals and leads, first sync…");
        await using var batched = await CrmInstance.CreateAsync(provider, settings.Leads, tier, loopback: true, provider == CrmProvider.Salesforce ? settings.SalesforceLatency : settings.HubSpotLatency, record: true, settings.CustomFields);
        await batched.InitialSyncAsync();
        await batched.ApplyAsync(workload);
        var refusedBefore = batched.Refused;
        var exchangesBefore = batched.Emulator.Exchanges.Count;
        var (callsBefore, _) = batched.Calls;

        log.WriteLine($"[{name}] measured connection sync{(settings.EngineProcess ? " (engine in a child process)" : string.Empty)}…");
        var timeline = CallTimeline.Start(batched.Emulator.Exchanges);
        var measuredSync = settings.EngineProcess
            ? await SyncInChildAsync(batched, tier, log)
            : await SyncHereAsync(batched, provider);
        var (completed, reason, failures, leadsCompared, wall, peakManagedMb, phases) = measuredSync.Sync;
        log.WriteLine($"[{name}] time by phase: {phases}");
        log.WriteLine($"[{name}] calls per second (general/search): {await timeline.StopAsync()}");
        var calls = batched.Calls.ApiCalls - callsBefore;
        var measured = batched.Emulator.Exchanges.Skip(exchangesBefore).ToList();
        var byEndpoint = measured.GroupBy(e => e.Endpoint).Select(g => $"{g.Key}×{g.Count()}");
        var searches = measured.Count(e => e.Endpoint.EndsWith(".search", StringComparison.Ordinal) && e.Response.StatusCode == 200);
        var endpoints = string.Join(", ", byEndpoint);
        log.WriteLine($"[{name}] calls by endpoint: {endpoints}");
        if (Environment.GetEnvironmentVariable("ARIA_HARNESS_TRACE") == "1")
        {
            foreach (var e in measured)
            {
                log.WriteLine($"  {e.Endpoint} {e.Request.Method} {e.Request.Path}{e.Request.QueryString} req={e.Request.Body.Length}B -> {e.Response.StatusCode} {e.Response.Body.Length}B {(e.Request.Body.Length < 400 ? e.Request.BodyText : e.Request.BodyText[..400])}");
            }
        }
        var bound = provider == CrmProvider.Salesforce ? LowerBound.Salesforce(workload, settings.Notes) : LowerBound.HubSpot(workload, settings.Notes);
        log.WriteLine($"[{name}] {calls} calls (bound {bound.Total}) in {wall.TotalSeconds:N1} s; completed={completed} failures={failures} {reason}");

        long? baselineCalls = null;
        bool? same = null;
        if (settings.RunBaseline)
        {
            log.WriteLine($"[{name}] baseline: the same workload one lead at a time (seed plan), limits off…");
            await using var baseline = await CrmInstance.CreateAsync(provider, settings.Leads, requestsPer10s: null, loopback: false, TimeSpan.Zero, record: false, settings.CustomFields);
            await baseline.InitialSyncAsync();
            await baseline.ApplyAsync(workload);
            var before = baseline.Calls.ApiCalls;
            for (var i = 0; i < settings.Leads; i++)
            {
                await baseline.Sync.TriggerManualSyncAsync(CrmInstance.UserId, CrmInstance.LeadId(i));
            }

            baselineCalls = baseline.Calls.ApiCalls - before;
            var expected = await baseline.SnapshotAsync(settings.Leads);
            var actual = await batched.SnapshotAsync(settings.Leads);
            var differences = expected.Zip(actual).Where(p => p.First != p.Second).ToList();
            same = differences.Count == 0;
            log.WriteLine($"[{name}] baseline {baselineCalls:N0} calls; end states {(same == true ? "identical" : $"differ on {differences.Count} leads, e.g. {differences[0].First} vs {differences[0].Second}")}");
        }

        return new HarnessRow
        {
            Scenario = name,
            Calls = calls,
            LowerBound = bound.Total,
            Formula = bound.Formula,
            BaselineCalls = baselineCalls,
            Wall = wall,
            RateFloor = tier is { } t ? TimeSpan.FromSeconds(Math.Max(calls / (t / 10.0), searches / 5.0)) : null,
            LeadsCompared = leadsCompared,
            PeakManagedMb = peakManagedMb,
            EngineMemory = measuredSync.Engine,
            Refused = batched.Refused - refusedBefore,
            Failures = failures + (completed ? 0 : 1),
            SameEndStateAsBaseline = same,
            Endpoints = endpoints,
            Phases = phases,
        };
    }

    /// <summary>The measured sync in this process (the emulator's memory counts too).</summary>
    private static async Task<(MeasuredSync Sync, (double, double, double, double, double, double)? Engine)> SyncHereAsync(CrmInstance batched, CrmProvider provider)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var peak = memoryBefore;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Delay(5).ConfigureAwait(false);
            }
        });
        var stopwatch = Stopwatch.StartNew();
        var phases = new PhaseClock(stopwatch);
        var result = await batched.Sync.SyncConnectionAsync(CrmInstance.UserId, provider, progress: phases);
        stopwatch.Stop();
        await sampling.CancelAsync();
        await sampler;
        return (new MeasuredSync(result.Completed, result.Reason, result.Failures.Count, result.LeadsCompared, stopwatch.Elapsed, (peak - memoryBefore) / Mb, phases.Describe()), null);
    }

    /// <summary>The measured sync in a child process (<see cref="EngineProcess"/>): its memory is the engine's own.</summary>
    private static async Task<(MeasuredSync Sync, (double, double, double, double, double, double)? Engine)> SyncInChildAsync(CrmInstance batched, int? tier, TextWriter log)
    {
        var report = await EngineProcess.RunAsync(batched, tier, log);
        var sync = new MeasuredSync(report.Completed, report.Reason, report.Failures, report.LeadsCompared, TimeSpan.FromSeconds(report.WallSeconds), (report.PeakManagedBytes - report.IdleManagedBytes) / Mb, report.Phases);
        return (sync, (report.IdleManagedBytes / Mb, report.PeakManagedBytes / Mb, report.PeakHeapAfterGcBytes / Mb, report.PeakLiveBytes / Mb, report.PeakSurvivedBytes / Mb, report.PeakWorkingSetBytes / Mb));
    }

    private const double Mb = 1024.0 * 1024.0;

    /// <summary>What the measured sync reported.</summary>
    private sealed record MeasuredSync(bool Completed, string? Reason, int Failures, int LeadsCompared, TimeSpan Wall, double PeakManagedMb, string Phases);
}
