using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Hosting;

/// <summary>
/// Syncs the configured connections and runs due retries on a fixed interval. Several host instances may run it at
/// once: each connection is leased to one worker at a time, and per-lead retries are claimed with the state version.
/// </summary>
internal sealed partial class CrmSyncWorker(ICrmSyncService sync, IOptions<CrmSyncWorkerOptions> options, TimeProvider time, ILogger<CrmSyncWorker>? logger = null) : BackgroundService
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            await RunPassAsync(settings, stoppingToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(settings.Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal async Task RunPassAsync(CrmSyncWorkerOptions settings, CancellationToken cancellationToken)
    {
        foreach (var (userId, provider) in settings.Connections)
        {
            try
            {
                var result = await sync.SyncConnectionAsync(userId, provider, settings.ConnectionSync, progress: null, cancellationToken).ConfigureAwait(false);
                LogPass(_logger, provider, userId, result.Completed, result.LeadsUpdated, result.CrmRecordsUpdated, result.Failures.Count, result.Reason ?? "completed");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (CrmSyncException ex)
            {
                LogPassFailed(_logger, provider, userId, ex.Code);
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
    }

    [LoggerMessage(3000, LogLevel.Information, "Sync pass of {Provider} for user {UserId}: completed={Completed}, {LeadsUpdated} lead(s) and {CrmUpdated} CRM record(s) updated, {Failures} failure(s) ({Reason}).")]
    private static partial void LogPass(ILogger logger, CrmProvider provider, string userId, bool completed, int leadsUpdated, int crmUpdated, int failures, string reason);

    [LoggerMessage(3001, LogLevel.Warning, "Sync pass of {Provider} for user {UserId} failed with {Code}.")]
    private static partial void LogPassFailed(ILogger logger, CrmProvider? provider, string? userId, string code);
}
