using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.Soak.Worker;

/// <summary>
/// One worker's part of a round, as a host would run it: push the summaries it was asked to (idempotently: a restarted
/// worker pushes them again), sync every connection (one lease per connection: concurrent workers skip what another
/// holds), run due retries for a while, sync some leads by hand, then run due retries again. Per-lead failures are values; whole-call failures
/// are <see cref="CrmSyncException"/>s, journaled and survived. Anything else is a crash of the library, journaled and
/// rethrown.
/// </summary>
public static class WorkerRunner
{
    public static async Task RunRoundAsync(IServiceProvider services, WorkerConfig config, RoundCommands round, string workerId, Journal journal, int partition = 0, int partitions = 1, CancellationToken cancellationToken = default)
    {
        var time = services.GetRequiredService<TimeProvider>();
        var sync = services.GetRequiredService<ICrmSyncService>();
        try
        {
            foreach (var summary in round.Summaries.Where((_, i) => i % partitions == partition))
            {
                await GuardAsync(journal, "push_summary", summary.UserId, async () =>
                    journal.Result("push_summary", summary.UserId, await sync.PushSummaryAsync(summary.UserId, summary.LeadId, summary.Text, cancellationToken: cancellationToken)));
            }

            if (round.Final)
            {
                // Quiescent pass: every lead by hand (a person's manual sync grants fresh retries), then full reconciliation.
                foreach (var lead in round.Manual.Where((_, i) => i % partitions == partition))
                {
                    await GuardAsync(journal, "manual_sync", lead.UserId, async () =>
                        journal.Result("manual_sync", lead.UserId, await sync.TriggerManualSyncAsync(lead.UserId, lead.LeadId, cancellationToken)));
                }

                await SyncConnectionsAsync(sync, config, workerId, journal, full: true, cancellationToken);
                return;
            }

            await SyncConnectionsAsync(sync, config, workerId, journal, full: false, cancellationToken);
            await ProcessRetriesAsync(sync, journal, time, TimeSpan.FromSeconds(round.RetrySeconds), cancellationToken);
            foreach (var lead in round.Manual.Where((_, i) => i % partitions == partition))
            {
                await GuardAsync(journal, "manual_sync", lead.UserId, async () =>
                    journal.Result("manual_sync", lead.UserId, await sync.TriggerManualSyncAsync(lead.UserId, lead.LeadId, cancellationToken)));
            }

            // The manual syncs' failures are retried too (otherwise the next round's connection sync would take them first).
            await ProcessRetriesAsync(sync, journal, time, TimeSpan.FromSeconds(round.RetrySeconds), cancellationToken);
            for (var pass = 2; pass <= round.ConnectionPasses; pass++)
            {
                await SyncConnectionsAsync(sync, config, workerId, journal, full: false, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            journal.Write(new JournalEntry { Kind = "crash", Message = ex.ToString() });
            throw;
        }
    }

    private static async Task SyncConnectionsAsync(ICrmSyncService sync, WorkerConfig config, string workerId, Journal journal, bool full, CancellationToken cancellationToken)
    {
        foreach (var user in config.Users)
        {
            foreach (var provider in new[] { CrmProvider.Salesforce, CrmProvider.HubSpot })
            {
                var operation = $"sync_connection:{provider}";
                await GuardAsync(journal, operation, user, async () =>
                {
                    var result = await sync.SyncConnectionAsync(
                        user,
                        provider,
                        new ConnectionSyncOptions { WorkerId = workerId, LeaseDuration = TimeSpan.FromSeconds(config.LeaseSeconds), FullReconciliation = full },
                        cancellationToken: cancellationToken);
                    journal.Call(operation, user, result.Completed, null, result.Reason, result.LeadsCompared);
                    foreach (var failure in result.Failures)
                    {
                        journal.Result(operation, user, failure);
                    }
                });
            }
        }
    }

    private static async Task ProcessRetriesAsync(ICrmSyncService sync, Journal journal, TimeProvider time, TimeSpan budget, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < budget)
        {
            var processed = 0;
            await GuardAsync(journal, "process_due_retries", null, async () =>
            {
                var run = await sync.ProcessDueRetriesAsync(500, cancellationToken);
                processed = run.Attempted;
                journal.Call("process_due_retries", null, true, null, null, run.Attempted);
            });

            if (processed == 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
            }
        }
    }

    /// <summary>Runs a call: a <see cref="CrmSyncException"/> is a whole-call failure (journaled, survived); anything else propagates.</summary>
    private static async Task GuardAsync(Journal journal, string operation, string? userId, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (CrmSyncException ex)
        {
            journal.Call(operation, userId, false, ex.Code, $"{ex.GetType().Name}: {ex.Message}");
        }
    }
}
