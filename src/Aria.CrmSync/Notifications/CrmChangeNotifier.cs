using Aria.CrmSync.Sync;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Notifications;

/// <summary>
/// Queues notifications per connection and runs each connection's batch after <see cref="CrmChangeNotifierOptions.DebounceInterval"/>:
/// the named ids through <see cref="CrmSyncService.SyncConnectionRecordsAsync"/>, an incremental request through
/// <see cref="CrmSyncService.SyncConnectionAsync"/>. One drain per connection runs at a time; what arrives meanwhile
/// forms the next batch. A batch that cannot run (lease held elsewhere, CRM unreachable) is retried a few times, then
/// left to the periodic sync.
/// </summary>
internal sealed partial class CrmChangeNotifier : ICrmChangeNotifier, IAsyncDisposable
{
    private readonly CrmSyncService _sync;
    private readonly IOptionsMonitor<CrmChangeNotifierOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string UserId, CrmProvider Provider), Pending> _pending = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _drains = [];
    private TaskCompletionSource _idle = CompletedIdle();

    public CrmChangeNotifier(CrmSyncService sync, IOptionsMonitor<CrmChangeNotifierOptions> options, TimeProvider time, ILogger<CrmChangeNotifier>? logger = null)
    {
        _sync = sync;
        _options = options;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public ValueTask NotifyAsync(CrmChangeNotification notification, CancellationToken cancellationToken = default)
    {
        Enqueue(notification, waiter: null);
        return ValueTask.CompletedTask;
    }

    /// <summary>Queues a notification and returns a task that completes when its batch has run (or was given up to the periodic sync).</summary>
    public Task EnqueueAsync(CrmChangeNotification notification)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(notification, waiter);
        return waiter.Task;
    }

    private void Enqueue(CrmChangeNotification notification, TaskCompletionSource? waiter)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentException.ThrowIfNullOrEmpty(notification.UserId);
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        lock (_gate)
        {
            var key = (notification.UserId, notification.Provider);
            if (!_pending.TryGetValue(key, out var pending))
            {
                pending = new Pending();
                _pending[key] = pending;
            }

            pending.Ids.UnionWith(notification.CrmIds.Where(id => !string.IsNullOrEmpty(id)));
            pending.Incremental |= notification.RequiresIncrementalSync;
            pending.Activities |= notification.ActivitiesChanged;
            if (waiter is not null)
            {
                pending.Waiters.Add(waiter);
            }

            if (!pending.Draining)
            {
                pending.Draining = true;
                if (_idle.Task.IsCompleted)
                {
                    _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                _drains.Add(Task.Run(() => DrainAsync(key, pending), CancellationToken.None));
            }
        }
    }

    public Task WaitIdleAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        Task[] drains;
        lock (_gate)
        {
            drains = [.. _drains];
        }

        await Task.WhenAll(drains).ConfigureAwait(false);
        _stop.Dispose();
    }

    private static TaskCompletionSource CompletedIdle()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    private async Task DrainAsync((string UserId, CrmProvider Provider) key, Pending pending)
    {
        var token = _stop.Token;
        var attempts = 0;
        var inFlight = new List<TaskCompletionSource>();
        try
        {
            while (!token.IsCancellationRequested)
            {
                var options = _options.CurrentValue;
                await Task.Delay(attempts == 0 ? options.DebounceInterval : options.LeaseBusyRetryDelay, _time, token).ConfigureAwait(false);
                List<string> ids;
                List<TaskCompletionSource> waiters;
                bool incremental;
                bool activities;
                lock (_gate)
                {
                    if (pending.Ids.Count == 0 && !pending.Incremental && !pending.Activities)
                    {
                        pending.Waiters.ForEach(w => w.TrySetResult());
                        pending.Waiters.Clear();
                        pending.Draining = false;
                        _pending.Remove(key);
                        return;
                    }

                    ids = [.. pending.Ids];
                    waiters = [.. pending.Waiters];
                    inFlight = waiters;
                    incremental = pending.Incremental;
                    activities = pending.Activities;
                    pending.Ids.Clear();
                    pending.Waiters.Clear();
                    pending.Incremental = false;
                    pending.Activities = false;
                }

                var completed = await RunAsync(key, ids, incremental, activities, options, token).ConfigureAwait(false);
                if (completed || ++attempts >= options.MaxAttempts)
                {
                    if (!completed)
                    {
                        LogGivenUp(_logger, key.Provider, key.UserId, ids.Count, attempts); // the periodic incremental sync reads these changes
                    }

                    attempts = 0;
                    waiters.ForEach(w => w.TrySetResult());
                    inFlight = [];
                    continue;
                }

                lock (_gate)
                {
                    pending.Ids.UnionWith(ids);
                    pending.Waiters.AddRange(waiters);
                    inFlight = [];
                    pending.Incremental |= incremental;
                    pending.Activities |= activities;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // disposed: what is still queued is left to the periodic sync
        }
        finally
        {
            inFlight.ForEach(w => w.TrySetCanceled(token));
            lock (_gate)
            {
                if (pending.Draining && token.IsCancellationRequested)
                {
                    pending.Waiters.ForEach(w => w.TrySetCanceled(token));
                    pending.Waiters.Clear();
                    pending.Draining = false;
                    _pending.Remove(key);
                }

                _drains.RemoveAll(t => t.IsCompleted);
                if (_pending.Values.All(p => !p.Draining))
                {
                    _idle.TrySetResult();
                }
            }
        }
    }

    private async Task<bool> RunAsync((string UserId, CrmProvider Provider) key, List<string> ids, bool incremental, bool activities, CrmChangeNotifierOptions options, CancellationToken cancellationToken)
    {
        try
        {
            if (incremental)
            {
                var result = await _sync.SyncConnectionAsync(key.UserId, key.Provider, new ConnectionSyncOptions { IncludeActivities = activities }, null, cancellationToken).ConfigureAwait(false);
                LogRan(_logger, key.Provider, key.UserId, 0, true, result.Completed, result.Reason);
                return result.Completed;
            }

            foreach (var chunk in ids.Chunk(options.MaxBatchSize))
            {
                var result = await _sync.SyncConnectionRecordsAsync(key.UserId, key.Provider, chunk, null, cancellationToken).ConfigureAwait(false);
                LogRan(_logger, key.Provider, key.UserId, chunk.Length, false, result.Completed, result.Reason);
                if (!result.Completed)
                {
                    return false;
                }
            }

            if (activities)
            {
                var result = await _sync.SyncConnectionActivitiesAsync(key.UserId, key.Provider, cancellationToken).ConfigureAwait(false);
                LogRanActivities(_logger, key.Provider, key.UserId, result.ActivitiesAdded, result.Completed, result.Reason);
                return result.Completed;
            }

            return true;
        }
        catch (Exception ex) when (ex is CrmSyncException && !cancellationToken.IsCancellationRequested)
        {
            LogFailed(_logger, key.Provider, key.UserId, ex.GetType().Name, ex.Message);
            return false;
        }
        catch (ObjectDisposedException ex)
        {
            // The host is shutting down and disposed what the sync uses before this notifier: the batch is left to the
            // periodic sync (retried until this notifier is disposed, which ends the drain).
            LogFailed(_logger, key.Provider, key.UserId, ex.GetType().Name, "the host is shutting down");
            return false;
        }
    }

    [LoggerMessage(5000, LogLevel.Debug, "{Provider} change notification for user {UserId}: synced {Count} record(s) (incremental: {Incremental}); completed: {Completed} {Reason}")]
    private static partial void LogRan(ILogger logger, CrmProvider provider, string userId, int count, bool incremental, bool completed, string? reason);

    [LoggerMessage(5003, LogLevel.Debug, "{Provider} activity notification for user {UserId}: {Added} new activit(y/ies) pulled; completed: {Completed} {Reason}")]
    private static partial void LogRanActivities(ILogger logger, CrmProvider provider, string userId, int added, bool completed, string? reason);

    [LoggerMessage(5001, LogLevel.Warning, "{Provider} change notification for user {UserId} failed ({Kind}: {Message}); it is retried.")]
    private static partial void LogFailed(ILogger logger, CrmProvider provider, string userId, string kind, string message);

    [LoggerMessage(5002, LogLevel.Warning, "{Provider} change notification for user {UserId}: {Count} record(s) not synced after {Attempts} attempts; the periodic incremental sync picks them up.")]
    private static partial void LogGivenUp(ILogger logger, CrmProvider provider, string userId, int count, int attempts);

    private sealed class Pending
    {
        public HashSet<string> Ids { get; } = new(StringComparer.Ordinal);

        public List<TaskCompletionSource> Waiters { get; } = [];

        public bool Incremental { get; set; }

        public bool Activities { get; set; }

        public bool Draining { get; set; }
    }
}
