using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Hosting;

/// <summary>
/// Syncs the registered connections and runs due retries on a fixed interval. Several host instances may run it at
/// once: each connection is leased to one worker at a time, and per-lead retries are claimed with the state version.
/// The registry is read on every pass; a pass that fails (the store is down) is logged and retried with backoff, and
/// the host keeps running. With <see cref="CrmSyncWorkerOptions.Fleet"/> set it claims due connections from the
/// <see cref="ICrmConnectionScheduler"/> instead (the <c>Fleet</c> part).
/// </summary>
internal sealed partial class CrmSyncWorker(
    ICrmSyncService sync,
    IOptions<CrmSyncWorkerOptions> options,
    TimeProvider time,
    ICrmConnectionRegistry? registry = null,
    CrmSyncWorkerStatus? status = null,
    ILogger<CrmSyncWorker>? logger = null,
    ICrmConnectionScheduler? scheduler = null) : BackgroundService
{
    /// <summary>The first pause after a failed pass; it doubles with each failure in a row, up to the interval.</summary>
    internal static readonly TimeSpan FirstErrorBackoff = TimeSpan.FromSeconds(2);

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly CrmSyncWorkerStatus _status = status ?? new CrmSyncWorkerStatus();
    private bool _warnedEmpty;

    internal CrmSyncWorkerStatus Status => _status;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.Fleet is { } fleet)
        {
            await RunFleetAsync(settings, fleet, stoppingToken).ConfigureAwait(false);
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = settings.Interval;
            try
            {
                await RunPassAsync(settings, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                delay = PassFailed(ex, settings.Interval);
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Records a failed pass (a store outage, or any unexpected failure, must not stop the host) and returns the pause
    /// before the next one.
    /// </summary>
    private TimeSpan PassFailed(Exception ex, TimeSpan interval)
    {
        _status.Failed(ex);
        var delay = Backoff(_status.ConsecutiveFailures, interval);
        LogPassError(_logger, ex.GetType().Name, _status.ConsecutiveFailures, delay.TotalSeconds, ex);
        return delay;
    }

    /// <summary>The pause after <paramref name="failures"/> failed passes in a row: 2 s, 4 s, 8 s … at most <paramref name="interval"/>.</summary>
    internal static TimeSpan Backoff(int failures, TimeSpan interval)
    {
        var seconds = FirstErrorBackoff.TotalSeconds * Math.Pow(2, Math.Min(Math.Max(failures, 1) - 1, 20));
        var backoff = TimeSpan.FromSeconds(seconds);
        return backoff < interval ? backoff : interval;
    }

    /// <summary>Runs one pass; throws when the registry cannot be read (the caller backs off).</summary>
    internal async Task RunPassAsync(CrmSyncWorkerOptions settings, CancellationToken cancellationToken)
    {
        var connections = await ConnectionsAsync(settings, cancellationToken).ConfigureAwait(false);
        if (connections.Count == 0)
        {
            if (!_warnedEmpty)
            {
                LogNoConnections(_logger);
                _warnedEmpty = true;
            }
        }
        else
        {
            _warnedEmpty = false;
        }

        Exception? failure = null;
        foreach (var (userId, provider) in connections)
        {
            try
            {
                var result = await sync.SyncConnectionAsync(userId, provider, settings.ConnectionSync, progress: null, cancellationToken).ConfigureAwait(false);
                LogPass(_logger, provider, userId, result.Completed, result.LeadsUpdated, result.CrmRecordsUpdated, result.Failures.Count, result.Reason ?? "completed");
                if (registry is not null && (result.RequiresReauthorization || result.PausedUntil is not null))
                {
                    // Not worth a call until the user authorises again / the quota resets; health checks report it.
                    await registry.PauseAsync(userId, provider, result.RequiresReauthorization ? PauseReasons.Reauthorization : PauseReasons.Quota, result.PausedUntil, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (CrmSyncException ex)
            {
                LogPassFailed(_logger, provider, userId, ex.Code);
            }
            catch (Exception ex)
            {
                failure ??= ex; // e.g. the store went away mid-pass: the other connections still get their turn
                LogConnectionError(_logger, provider, userId, ex.GetType().Name, ex);
            }
        }

        if (settings.ProcessRetries)
        {
            try
            {
                await sync.ProcessDueRetriesAsync(settings.MaxRetriesPerPass, cancellationToken).ConfigureAwait(false);
            }
            catch (CrmSyncException ex)
            {
                LogPassFailed(_logger, null, null, ex.Code);
            }
        }

        if (failure is not null)
        {
            throw failure;
        }

        _status.Succeeded(time.GetUtcNow(), connections.Count);
    }

    private async Task<List<(string UserId, CrmProvider Provider)>> ConnectionsAsync(CrmSyncWorkerOptions settings, CancellationToken cancellationToken)
    {
        var list = new List<(string UserId, CrmProvider Provider)>();
        var seen = new HashSet<(string, CrmProvider)>();
        if (registry is not null)
        {
            var now = time.GetUtcNow();
            await foreach (var registration in registry.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                if (registration.IsDueAt(now) && seen.Add((registration.UserId, registration.Provider)))
                {
                    list.Add((registration.UserId, registration.Provider));
                }
            }
        }

        foreach (var connection in settings.Connections)
        {
            if (seen.Add(connection))
            {
                list.Add(connection);
            }
        }

        return list;
    }

    [LoggerMessage(3000, LogLevel.Information, "Sync pass of {Provider} for user {UserId}: completed={Completed}, {LeadsUpdated} lead(s) and {CrmUpdated} CRM record(s) updated, {Failures} failure(s) ({Reason}).")]
    private static partial void LogPass(ILogger logger, CrmProvider provider, string userId, bool completed, int leadsUpdated, int crmUpdated, int failures, string reason);

    [LoggerMessage(3001, LogLevel.Warning, "Sync pass of {Provider} for user {UserId} failed with {Code}.")]
    private static partial void LogPassFailed(ILogger logger, CrmProvider? provider, string? userId, string code);

    [LoggerMessage(3002, LogLevel.Warning, "The sync worker found no connection to sync: add one with ICrmConnectionRegistry.AddAsync (or configure the registry).")]
    private static partial void LogNoConnections(ILogger logger);

    [LoggerMessage(3003, LogLevel.Error, "Sync pass failed ({ErrorType}), {Failures} time(s) in a row; retrying in {DelaySeconds} s.")]
    private static partial void LogPassError(ILogger logger, string errorType, int failures, double delaySeconds, Exception exception);

    [LoggerMessage(3004, LogLevel.Error, "Sync of {Provider} for user {UserId} failed ({ErrorType}).")]
    private static partial void LogConnectionError(ILogger logger, CrmProvider provider, string userId, string errorType, Exception exception);
}
