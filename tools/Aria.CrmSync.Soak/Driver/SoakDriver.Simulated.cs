using Aria.CrmSync.Soak.Simulation;
using Aria.CrmSync.Soak.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.Soak.Driver;

/// <summary>The sync phase of a deterministic soak (<c>--deterministic</c>): workers as actors of the <see cref="SimScheduler"/>.</summary>
public static partial class SoakDriver
{
    private sealed partial class SoakRun
    {
        /// <summary>
        /// Runs the round's workers as simulated processes: each one the same <see cref="WorkerRunner"/> code a worker
        /// process runs, on its own service provider (its own token cache, rate gates and circuit breakers), sharing the
        /// store and the emulators. Token expiries and kills are placed by CRM call counts exactly as in a run with
        /// processes; as the schedule follows from the seed, so do the calls they fall on. A killed worker is
        /// abandoned where it stood and restarted at once or in the next round, as a killed process would be.
        /// </summary>
        private async Task SimulatedPhaseAsync(RoundCommands commands, List<long> killAt, List<long> expiries, long startCalls)
        {
            var scheduler = sim!.Scheduler;
            var workers = Enumerable.Range(0, options.Workers).Select(p => StartSimulatedWorker(commands, p)).ToList();
            scheduler.BeforeStep = () =>
            {
                var calls = world.TotalCalls - startCalls;
                while (expiries.Count > 0 && calls >= expiries[0])
                {
                    expiries.RemoveAt(0);
                    world.ExpireTokens();
                    sim.Trace?.Event("access tokens expire");
                }

                var alive = workers.Where(w => !w.Actor.Finished && !w.Actor.Dead).ToList();
                if (killAt.Count > 0 && calls >= killAt[0] && alive.Count > 0)
                {
                    killAt.RemoveAt(0);
                    var victim = alive[_random.Next(alive.Count)];
                    scheduler.Kill(victim.Actor);
                    victim.Journal.Seal();
                    _killedRuns.Add(victim.RunId);
                    report.Crashes++;
                    sim.Trace?.Event($"worker {victim.RunId} killed");
                    if (_random.NextDouble() < 0.5)
                    {
                        workers[workers.IndexOf(victim)] = StartSimulatedWorker(commands, victim.Partition);
                    }
                    else
                    {
                        _unpushed.AddRange(commands.Summaries.Where((_, i) => i % options.Workers == victim.Partition));
                    }
                }
            };

            try
            {
                await scheduler.RunUntilIdleAsync();
            }
            finally
            {
                scheduler.BeforeStep = null;
            }

            foreach (var worker in workers.Where(w => !w.Actor.Dead))
            {
                if (worker.Actor.Error is { } error)
                {
                    report.Problems.Add($"worker {worker.RunId} (round {commands.Round}) failed: {Tail(error.ToString())}");
                }

                worker.Journal.Dispose();
                await worker.Services.DisposeAsync();
            }
        }

        private SimulatedWorker StartSimulatedWorker(RoundCommands commands, int partition)
        {
            _runs++;
            report.WorkerRuns++;
            var runId = $"run-{_runs:D5}-r{commands.Round}-p{partition}";
            var journal = new Journal(Path.Combine(journals, runId + ".jsonl"));
            journal.Write(new JournalEntry { Kind = "start" });
            var services = WorkerHost.Build(_config, TokenFile.Open(_config.TokensPath), journal, sim: sim);
            var actor = sim!.Scheduler.Start(runId, async () =>
            {
                await WorkerRunner.RunRoundAsync(services, _config, commands, $"soak-worker-{partition}", journal, partition, options.Workers);
                journal.Write(new JournalEntry { Kind = "done" });
            });
            return new SimulatedWorker(actor, services, journal, partition, runId);
        }

        private sealed record SimulatedWorker(SimActor Actor, ServiceProvider Services, Journal Journal, int Partition, string RunId);
    }
}
