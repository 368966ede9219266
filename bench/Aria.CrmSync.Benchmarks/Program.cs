using BenchmarkDotNet.Running;

namespace Aria.CrmSync.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Aria.CrmSync.Benchmarks -- --filter *</c> runs the BenchmarkDotNet suites;
/// <c>-- memory</c> measures the peak extra memory of a 1,000,000-entry export; <c>-- harness</c> runs the API-call
/// harness (<c>--leads N --notes N --no-baseline --hubspot-tiers 100,190 --engine-process --update-doc docs/benchmarks.md</c>;
/// <c>harness-engine</c> is its engine child process);
/// <c>-- sqlite-append N</c> measures sustained audit appends on SQLite; <c>-- latency</c> measures CRM commit → lead
/// updated through Change Data Capture beside polling (<see cref="LatencyProbe"/>); <c>-- fleet</c> runs the fleet
/// harness on PostgreSQL (<see cref="Fleet.FleetSettings"/>; <c>fleet-worker</c> is its child process) and
/// <c>-- pg-throughput [seconds]</c> measures PostgreSQL audit appends and sync-state writes.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "harness")
        {
            var settings = Harness.HarnessSettings.Parse(args[1..]);
            var rows = await Harness.ScaleHarness.RunAsync(settings, Console.Out);
            var markdown = Harness.ScaleHarness.ToMarkdown(rows, settings);
            Console.WriteLine();
            Console.WriteLine(markdown);
            var docIndex = Array.IndexOf(args, "--update-doc");
            if (docIndex > 0 && docIndex + 1 < args.Length)
            {
                UpdateDoc(args[docIndex + 1], markdown, "harness");
            }

            return rows.All(r => r.MeetsTargets) ? 0 : 1;
        }

        if (args.Length > 0 && args[0] == "harness-engine")
        {
            return await Harness.EngineProcess.MainAsync(args[1]);
        }

        if (args.Length > 0 && args[0] == "latency")
        {
            return await LatencyProbe.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "fleet-worker")
        {
            return await Fleet.FleetWorker.RunAsync(args[1], args[2]);
        }

        if (args.Length > 0 && args[0] == "fleet")
        {
            var settings = Fleet.FleetSettings.Parse(args[1..]);
            var reports = await Fleet.FleetDriver.RunAsync(settings, Console.Out, CancellationToken.None);
            var markdown = Fleet.FleetRunReport.ToMarkdown(reports);
            Console.WriteLine();
            Console.WriteLine(markdown);
            if (settings.UpdateDoc is { } doc)
            {
                UpdateDoc(doc, markdown, "fleet");
            }

            return reports.All(r => r.Sound) ? 0 : 1;
        }

        if (args.Length > 0 && args[0] == "pg-throughput")
        {
            var postgres = Environment.GetEnvironmentVariable("ARIA_CRMSYNC_POSTGRES") ?? throw new InvalidOperationException("Set ARIA_CRMSYNC_POSTGRES.");
            var seconds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
            await Fleet.PostgresThroughputProbe.RunAsync(postgres, TimeSpan.FromSeconds(seconds), Console.Out);
            return 0;
        }

        if (args.Length > 0 && args[0] == "memory")
        {
            return await ExportMemoryProbe.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
        }

        if (args.Length > 0 && args[0] == "sqlite-append")
        {
            return await SqliteAppendProbe.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 500_000);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }

    /// <summary>Replaces the text between the harness markers of a markdown file.</summary>
    private static void UpdateDoc(string path, string markdown, string section)
    {
        var begin = $"<!-- {section}:begin -->";
        var end = $"<!-- {section}:end -->";
        var text = File.ReadAllText(path);
        var from = text.IndexOf(begin, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        if (from < 0 || to < from)
        {
            throw new InvalidOperationException($"{path} has no {begin} … {end} section.");
        }

        File.WriteAllText(path, text[..(from + begin.Length)] + "\n" + markdown + text[to..]);
        Console.WriteLine($"Updated {path}.");
    }
}
