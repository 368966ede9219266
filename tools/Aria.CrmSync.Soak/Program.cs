using System.Globalization;
using Aria.CrmSync.Soak.Driver;
using Aria.CrmSync.Soak.Worker;

namespace Aria.CrmSync.Soak;

/// <summary>
/// <c>dotnet run -c Release --project tools/Aria.CrmSync.Soak -- --leads 5000 --rounds 50 --fault-rate 0.2 --crashes 20</c>
/// runs a soak (see <see cref="SoakDriver"/>); <c>worker ...</c> is the sync worker the driver starts as a child process.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "worker")
        {
            return await RunWorkerAsync(args[1..]);
        }

        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine("usage: Aria.CrmSync.Soak [--leads N] [--rounds N] [--fault-rate 0.2] [--crashes N] [--users N] [--store sqlite|postgres] [--workers N]");
            Console.WriteLine("                         [--postgres <connection string>] [--seed N] [--edit-rate 0.25] [--summary-rate 0.05] [--activity-rate 0.05]");
            Console.WriteLine("                         [--manual-rate 0.02] [--token-expiries N] [--work-dir DIR] [--keep] [--report report.json] [--default-circuit-breaker]");
            Console.WriteLine("                         [--note-claim-seconds 15] [--no-hubspot-search-lag] [--seeds N] [--deterministic [--store memory|sqlite] [--trace lead-id,lead-id]]");
            Console.WriteLine("  --deterministic  in-process simulation: seeded scheduler, virtual time, emulators in process; a seed replays exactly");
            Console.WriteLine("  --seeds N        N soaks with consecutive seeds from --seed; every failure is printed with the command that replays it");
            return 0;
        }

        var options = SoakOptions.Parse(args);
        if (options.Deterministic && !Simulation.SimScheduler.EnsureSingleThreadedPool())
        {
            await Console.Error.WriteLineAsync("--deterministic needs a thread pool of one thread; the runtime refused it");
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        if (options.Seeds > 1)
        {
            var totals = await SoakSeries.RunAsync(options, Console.Out, cancel.Token);
            return totals.AllPassed ? 0 : 1;
        }

        var report = await SoakDriver.RunAsync(options, Console.Out, cancel.Token);
        Console.WriteLine(report);
        if (!report.Passed)
        {
            Console.WriteLine("replay: " + options.ReplayCommand());
        }

        return report.Passed ? 0 : 1;
    }

    private static async Task<int> RunWorkerAsync(string[] args)
    {
        var config = WorkerConfig.Load(args[0]);
        var round = RoundCommands.Load(args[1]);
        var partition = int.Parse(args[2], CultureInfo.InvariantCulture);
        var partitions = int.Parse(args[3], CultureInfo.InvariantCulture);
        var runId = args[4];
        using var journal = new Journal(Path.Combine(config.JournalDirectory, runId + ".jsonl"));
        journal.Write(new JournalEntry { Kind = "start" });
        var tokens = TokenFile.Open(config.TokensPath);
        await using var services = WorkerHost.Build(config, tokens, journal);
        try
        {
            await WorkerRunner.RunRoundAsync(services, config, round, $"soak-worker-{partition}", journal, partition, partitions);
            journal.Write(new JournalEntry { Kind = "done" });
            return 0;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync(ex.ToString());
            return 3;
        }
    }
}
