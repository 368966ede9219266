using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Hosting;

/// <content>
/// Fleet mode (<see cref="CrmSyncWorkerOptions.Fleet"/>): claim due connections from the
/// <see cref="ICrmConnectionScheduler"/> while this process has a free slot, run each under its row lease, renew the
/// leases on a heartbeat (a connection whose lease was lost is cancelled here), release them all on a clean stop.
/// </content>
internal sealed partial class CrmSyncWorker
{
    private async Task RunFleetAsync(CrmSyncWorkerOptions settings, CrmFleetOptions fleet, CancellationToken stoppingToken)
    {
        if (scheduler is null)
        {
            throw new InvalidOperationException("CrmSyncWorkerOptions.Fleet needs an ICrmConnectionScheduler: use the SQLite or PostgreSQL stores.");
        }

        var owner = fleet.WorkerId ?? $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        var fleetState = new FleetState(owner, scheduler, settings, fleet);
        LogFleetStarted(_logger, owner, fleet.MaxConcurrentConnections, fleet.LeaseTtl.TotalSeconds);
        using var background = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var heartbeat = HeartbeatAsync(fleetState, background.Token);
        var retries = settings.ProcessRetries ? RetryLoopAsync(settings, stoppingToken) : Task.CompletedTask;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var delay = fleet.PollInterval;
                var free = fleet.MaxConcurrentConnections - fleetState.Running.Count;
                if (free > 0)
                {
                    try
                    {
                        var leases = await scheduler.ClaimDueAsync(owner, free, fleet.MaxConcurrentPerTenant, fleet.LeaseTtl, stoppingToken).ConfigureAwait(false);
                        foreach (var lease in leases)
                        {
                            Start(fleetState, lease, stoppingToken);
                        }

                        _status.Succeeded(time.GetUtcNow(), fleetState.Running.Count);
                    }
                    catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (Exception ex)
                    {
                        // The database is unreachable: keep the runs going (their own writes will tell), claim again later.
                        delay = PassFailed(ex, settings.Interval);
                    }
                }

                if (!await fleetState.WaitForSlotOrDelayAsync(time, delay, stoppingToken).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        finally
        {
            // A clean stop: the runs see the cancellation and stop at their next checkpoint; then every lease is
            // released (the connections stay due, so another process picks them up at once).
            await Task.WhenAll(fleetState.Running.Values.Select(r => r.Task)).ConfigureAwait(false);
            await background.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            await retries.ConfigureAwait(false);
            try
            {
                var released = await scheduler.ReleaseAllAsync(owner, CancellationToken.None).ConfigureAwait(false);
                LogFleetStopped(_logger, owner, released);
            }
            catch (Exception ex)
            {
                LogConnectionsNotReleased(_logger, owner, ex.GetType().Name, ex); // they expire after the TTL
            }
        }
    }

    private void Start(FleetState fleetState, CrmConnectionLease lease, CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        LogClaimed(_logger, lease.Provider, lease.UserId, fleetState.Owner, lease.DueAt, lease.DueAt is { } due ? (now - due).TotalMilliseconds : 0);
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var entry = new FleetRun(lease, cancel, Stopwatch.GetTimestamp());
        fleetState.Running[(lease.UserId, lease.Provider)] = entry;
        entry.Task = Task.Run(() => RunLeasedAsync(fleetState, entry), CancellationToken.None);
    }

    private async Task RunLeasedAsync(FleetState fleetState, FleetRun entry)
    {
        var lease = entry.Lease;
        var settings = fleetState.Settings;
        var fleet = fleetState.Fleet;
        var token = entry.Cancel.Token;
        DateTimeOffset? next = null;
        var synced = false;
        try
        {
            // The engine's own connection lease lasts as long as the row lease, so a taken-over connection is free
            // within the TTL too (the default 5 minutes would block it).
            var options = settings.ConnectionSync with { WorkerId = fleetState.Owner, LeaseDuration = fleet.LeaseTtl };
            var result = await sync.SyncConnectionAsync(lease.UserId, lease.Provider, options, progress: null, token).ConfigureAwait(false);
            LogPass(_logger, lease.Provider, lease.UserId, result.Completed, result.LeadsUpdated, result.CrmRecordsUpdated, result.Failures.Count, result.Reason ?? "completed");
            if (registry is not null && (result.RequiresReauthorization || result.PausedUntil is not null))
            {
                await registry.PauseAsync(lease.UserId, lease.Provider, result.RequiresReauthorization ? PauseReasons.Reauthorization : PauseReasons.Quota, result.PausedUntil, token).ConfigureAwait(false);
            }

            synced = result.Completed;

            // The engine lease of a crashed owner can outlive its row lease by up to a heartbeat: try again shortly.
            next = result.Reason == Sync.CrmSyncService.LeaseHeldReason ? time.GetUtcNow() + fleet.PollInterval : NextDue(lease, settings.Interval, fleet.Jitter);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping (the lease is released with the others) or the lease was lost (another process owns the row).
        }
        catch (CrmSyncException ex)
        {
            LogPassFailed(_logger, lease.Provider, lease.UserId, ex.Code);
            next = NextDue(lease, settings.Interval, fleet.Jitter);
        }
        catch (Exception ex)
        {
            LogConnectionError(_logger, lease.Provider, lease.UserId, ex.GetType().Name, ex);
            next = NextDue(lease, settings.Interval, fleet.Jitter);
        }

        try
        {
            if (next is { } due && !await fleetState.Scheduler.CompleteAsync(lease, due, synced, CancellationToken.None).ConfigureAwait(false))
            {
                LogLeaseLost(_logger, lease.Provider, lease.UserId, fleetState.Owner);
            }
        }
        catch (Exception ex)
        {
            LogConnectionsNotReleased(_logger, fleetState.Owner, ex.GetType().Name, ex); // the lease expires after the TTL
        }
        finally
        {
            fleetState.Running.TryRemove(new KeyValuePair<(string, CrmProvider), FleetRun>((lease.UserId, lease.Provider), entry));
            entry.Cancel.Dispose();
            fleetState.SlotFreed();
        }
    }

    /// <summary>Fixed-rate schedule: one interval after the last due time (not before now), plus jitter.</summary>
    internal DateTimeOffset NextDue(CrmConnectionLease lease, TimeSpan interval, double jitter)
    {
        var now = time.GetUtcNow();
        var next = (lease.DueAt ?? now) + interval;
        if (next < now)
        {
            next = now; // behind: due again at once, still longest-overdue first
        }

        return next + (interval * (jitter * Random.Shared.NextDouble()));
    }

    private async Task HeartbeatAsync(FleetState fleetState, CancellationToken cancellationToken)
    {
        var fleet = fleetState.Fleet;
        var lastRenewed = time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(fleet.HeartbeatInterval, time, cancellationToken).ConfigureAwait(false);
                var asOf = Stopwatch.GetTimestamp();
                var held = await fleetState.Scheduler.RenewAsync(fleetState.Owner, fleet.LeaseTtl, cancellationToken).ConfigureAwait(false);
                lastRenewed = time.GetUtcNow();
                var keys = held.Select(l => (l.UserId, l.Provider)).ToHashSet();
                foreach (var (key, run) in fleetState.Running)
                {
                    if (run.StartedAt < asOf && !keys.Contains(key))
                    {
                        LogLeaseLost(_logger, key.Item2, key.Item1, fleetState.Owner);
                        await CancelQuietlyAsync(run).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogHeartbeatFailed(_logger, fleetState.Owner, ex.GetType().Name, ex);
                if (time.GetUtcNow() - lastRenewed >= fleet.LeaseTtl)
                {
                    // Our leases have expired: another process may claim these connections now; stop ours first.
                    foreach (var run in fleetState.Running.Values)
                    {
                        await CancelQuietlyAsync(run).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    private async Task RetryLoopAsync(CrmSyncWorkerOptions settings, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(settings.Interval, time, stoppingToken).ConfigureAwait(false);
                await sync.ProcessDueRetriesAsync(settings.MaxRetriesPerPass, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (CrmSyncException ex)
            {
                LogPassFailed(_logger, null, null, ex.Code);
            }
            catch (Exception ex)
            {
                LogPassError(_logger, ex.GetType().Name, 1, settings.Interval.TotalSeconds, ex);
            }
        }
    }

    private static async Task CancelQuietlyAsync(FleetRun run)
    {
        try
        {
            await run.Cancel.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The run ended meanwhile.
        }
    }

    [LoggerMessage(3100, LogLevel.Information, "Fleet worker {Owner} started: at most {MaxConnections} connection(s) at once, lease TTL {TtlSeconds} s.")]
    private static partial void LogFleetStarted(ILogger logger, string owner, int maxConnections, double ttlSeconds);

    [LoggerMessage(3101, LogLevel.Debug, "Claimed {Provider} for user {UserId} (owner {Owner}), due {DueAt}, {LatenessMs} ms late.")]
    private static partial void LogClaimed(ILogger logger, CrmProvider provider, string userId, string owner, DateTimeOffset? dueAt, double latenessMs);

    [LoggerMessage(3102, LogLevel.Warning, "Fleet worker {Owner} lost the lease of {Provider} for user {UserId}; its run is cancelled (another process owns it).")]
    private static partial void LogLeaseLost(ILogger logger, CrmProvider provider, string userId, string owner);

    [LoggerMessage(3103, LogLevel.Warning, "Fleet worker {Owner} could not renew its leases ({ErrorType}).")]
    private static partial void LogHeartbeatFailed(ILogger logger, string owner, string errorType, Exception exception);

    [LoggerMessage(3104, LogLevel.Warning, "Fleet worker {Owner} could not release or complete a lease ({ErrorType}); it expires after the TTL.")]
    private static partial void LogConnectionsNotReleased(ILogger logger, string owner, string errorType, Exception exception);

    [LoggerMessage(3105, LogLevel.Information, "Fleet worker {Owner} stopped and released {Released} lease(s).")]
    private static partial void LogFleetStopped(ILogger logger, string owner, int released);

    /// <summary>One connection run of this process.</summary>
    private sealed class FleetRun(CrmConnectionLease lease, CancellationTokenSource cancel, long startedAt)
    {
        public CrmConnectionLease Lease { get; } = lease;

        public CancellationTokenSource Cancel { get; } = cancel;

        /// <summary>Gets the <see cref="Stopwatch"/> timestamp of the claim (a heartbeat that began earlier may not list it yet).</summary>
        public long StartedAt { get; } = startedAt;

        public Task Task { get; set; } = Task.CompletedTask;
    }

    /// <summary>The fleet loop's state: the runs in flight and a signal when one ends.</summary>
    private sealed class FleetState(string owner, ICrmConnectionScheduler scheduler, CrmSyncWorkerOptions settings, CrmFleetOptions fleet)
    {
        private readonly SemaphoreSlim _slotFreed = new(0);

        public string Owner { get; } = owner;

        public ICrmConnectionScheduler Scheduler { get; } = scheduler;

        public CrmSyncWorkerOptions Settings { get; } = settings;

        public CrmFleetOptions Fleet { get; } = fleet;

        public ConcurrentDictionary<(string UserId, CrmProvider Provider), FleetRun> Running { get; } = new();

        public void SlotFreed() => _slotFreed.Release();

        /// <summary>Waits until a run ends or <paramref name="delay"/> passes; <see langword="false"/> when stopping.</summary>
        public async Task<bool> WaitForSlotOrDelayAsync(TimeProvider time, TimeSpan delay, CancellationToken stoppingToken)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var slot = _slotFreed.WaitAsync(wait.Token);
            var timer = Task.Delay(delay, time, wait.Token);
            await Task.WhenAny(slot, timer).ConfigureAwait(false);
            await wait.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(slot, timer).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // the one that lost the race
            }

            while (_slotFreed.CurrentCount > 0 && _slotFreed.Wait(0))
            {
                // several runs ended: one claim fills every free slot
            }

            return !stoppingToken.IsCancellationRequested;
        }
    }
}
