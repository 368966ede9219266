namespace Aria.CrmSync;

/// <summary>
/// The one path from CRM change notifications to the sync engine: notifications are queued per connection, debounced
/// into batches and run as targeted syncs of the named records (or an incremental sync), under the connection's lease,
/// through the same page processing as every connection sync. The periodic incremental sync stays the safety net: a
/// notification that is lost or cannot run delays a change, never loses it.
/// </summary>
public interface ICrmChangeNotifier
{
    /// <summary>Queues a notification; returns at once (the sync runs in the background after the debounce interval).</summary>
    /// <param name="notification">The notification.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the notification is queued.</returns>
    ValueTask NotifyAsync(CrmChangeNotification notification, CancellationToken cancellationToken = default);

    /// <summary>Waits until every queued notification has been synced (or given up to the safety net).</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when nothing is queued or running.</returns>
    Task WaitIdleAsync(CancellationToken cancellationToken = default);
}
