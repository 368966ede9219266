using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.PubSub;

/// <summary>
/// Subscriptions that follow the connection registry (<see cref="SalesforcePubSubOptions.UserIds"/> empty): every
/// Salesforce connection the registry lists as due gets one subscription, started and stopped as the registry changes
/// (checked every <see cref="SalesforcePubSubOptions.RegistryRefreshInterval"/>). Each runs under a lease in the
/// sync-state store (<c>pubsub:{topic}:{userId}</c>, renewed every third of
/// <see cref="SalesforcePubSubOptions.SubscriptionLeaseDuration"/>), so across host processes sharing the store a
/// connection is subscribed once; when its holder stops or dies, another process takes it over after the lease expires.
/// </summary>
internal sealed partial class RegisteredSubscriptions(
    ICrmConnectionRegistry registry,
    ISyncStateStore states,
    SalesforcePubSubOptions options,
    TimeProvider time,
    Func<string, CancellationToken, Task> subscribe,
    ILogger logger)
{
    private readonly Dictionary<string, (CancellationTokenSource Stop, Task Run)> _running = new(StringComparer.Ordinal);
    private readonly string _owner = "pubsub-" + Guid.NewGuid().ToString("N");

    /// <summary>Gets the lease resource of a user's subscription.</summary>
    public string Resource(string userId) => $"pubsub:{options.Topic}:{userId}";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Reap();
                if (await DueUsersAsync(cancellationToken).ConfigureAwait(false) is { } due)
                {
                    foreach (var user in _running.Keys.Where(u => !due.Contains(u)).ToList())
                    {
                        LogStopped(logger, user);
                        await _running[user].Stop.CancelAsync().ConfigureAwait(false);
                    }

                    foreach (var user in due.Where(u => !_running.ContainsKey(u)))
                    {
                        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                        _running[user] = (stop, RunLeasedAsync(user, stop.Token));
                    }
                }

                await Task.Delay(options.RegistryRefreshInterval, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var (stop, _) in _running.Values)
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }

            await Task.WhenAll(_running.Values.Select(r => r.Run)).ConfigureAwait(false);
            foreach (var (stop, _) in _running.Values)
            {
                stop.Dispose();
            }
        }
    }

    /// <summary>Forgets finished runs (lease held elsewhere, lost, or the user stopped) so the next round may start them again.</summary>
    private void Reap()
    {
        foreach (var (user, run) in _running.Where(p => p.Value.Run.IsCompleted).ToList())
        {
            run.Stop.Dispose();
            _running.Remove(user);
        }
    }

    /// <summary>The users with a due Salesforce connection, or <see langword="null"/> when the registry cannot be read (the running subscriptions go on).</summary>
    private async Task<HashSet<string>?> DueUsersAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var registration in registry.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                if (registration.Provider == CrmProvider.Salesforce && registration.IsDueAt(now))
                {
                    due.Add(registration.UserId);
                }
            }

            return due;
        }
        catch (CrmSyncException ex)
        {
            LogRegistryFailed(logger, ex.Code, ex.Message);
            return null;
        }
    }

    private async Task RunLeasedAsync(string userId, CancellationToken cancellationToken)
    {
        SyncLease? lease;
        try
        {
            lease = await states.TryAcquireLeaseAsync(Resource(userId), _owner, options.SubscriptionLeaseDuration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CrmSyncException or OperationCanceledException)
        {
            return; // tried again at the next refresh
        }

        if (lease is null)
        {
            return; // another process holds it
        }

        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewing = RenewAsync(lease, lost);
        try
        {
            await subscribe(userId, lost.Token).ConfigureAwait(false);
        }
        finally
        {
            await lost.CancelAsync().ConfigureAwait(false);
            lease = await renewing.ConfigureAwait(false);
            if (lease is not null)
            {
                try
                {
                    await states.ReleaseLeaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
                }
                catch (CrmSyncException ex)
                {
                    LogRegistryFailed(logger, ex.Code, ex.Message); // it expires on its own
                }
            }
        }
    }

    /// <summary>Renews the lease until <paramref name="lost"/> is cancelled; cancels it when the lease is lost. Returns the lease still held, if any.</summary>
    private async Task<SyncLease?> RenewAsync(SyncLease lease, CancellationTokenSource lost)
    {
        var every = options.SubscriptionLeaseDuration / 3;
        while (!lost.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, time, lost.Token).ConfigureAwait(false);
                if (await states.RenewLeaseAsync(lease, options.SubscriptionLeaseDuration, lost.Token).ConfigureAwait(false) is not { } renewed)
                {
                    LogLeaseLost(logger, lease.Resource);
                    await lost.CancelAsync().ConfigureAwait(false);
                    return null;
                }

                lease = renewed;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (CrmSyncException ex)
            {
                LogRegistryFailed(logger, ex.Code, ex.Message);
                if (time.GetUtcNow() >= lease.ExpiresAt)
                {
                    // Not renewed in time: another process may hold it now; stop rather than subscribe twice.
                    LogLeaseLost(logger, lease.Resource);
                    await lost.CancelAsync().ConfigureAwait(false);
                    return null;
                }
            }
        }

        return lease;
    }

    [LoggerMessage(6010, LogLevel.Information, "Salesforce Pub/Sub: user {UserId} left the registry's due Salesforce connections; its subscription stops.")]
    private static partial void LogStopped(ILogger logger, string userId);

    [LoggerMessage(6011, LogLevel.Warning, "Salesforce Pub/Sub: the subscription lease {Resource} was lost; another process takes the subscription over.")]
    private static partial void LogLeaseLost(ILogger logger, string resource);

    [LoggerMessage(6012, LogLevel.Warning, "Salesforce Pub/Sub: the connection registry or the lease store failed ({Code}: {Message}); the running subscriptions go on.")]
    private static partial void LogRegistryFailed(ILogger logger, string code, string message);
}
