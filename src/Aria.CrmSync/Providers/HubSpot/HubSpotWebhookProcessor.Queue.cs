using Aria.CrmSync.Providers.HubSpot;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync;

/// <content>
/// The fast path for an HTTP endpoint: the request is checked (signature, timestamp, size, shape) and its deal events
/// are queued as <see cref="CrmChangeNotification"/>s on <see cref="ICrmChangeNotifier"/> — debounced, batched targeted
/// syncs that run after the answer — instead of being pulled before it; engagement events (<c>object.*</c> of calls,
/// emails, meetings, notes and tasks) queue a read of the users' activity feed.
/// </content>
public sealed partial class HubSpotWebhookProcessor
{
    private readonly ICrmChangeNotifier? _notifier;

    /// <summary>Initializes a new instance of the <see cref="HubSpotWebhookProcessor"/> class that can also queue events (<see cref="QueueAsync"/>).</summary>
    /// <param name="options">The webhook options.</param>
    /// <param name="hubSpot">The HubSpot options (client secret).</param>
    /// <param name="users">Maps portals to users.</param>
    /// <param name="leads">The lead store.</param>
    /// <param name="sync">The sync engine.</param>
    /// <param name="notifier">The change notification path (<c>AddChangeNotifications</c>).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger; none logs nothing.</param>
    public HubSpotWebhookProcessor(
        IOptionsMonitor<HubSpotWebhookOptions> options,
        IOptionsMonitor<HubSpotOptions> hubSpot,
        IHubSpotWebhookUserResolver users,
        ILeadMemoryStore leads,
        ICrmSyncService sync,
        ICrmChangeNotifier notifier,
        TimeProvider time,
        ILogger<HubSpotWebhookProcessor>? logger = null)
        : this(options, hubSpot, users, leads, sync, time, logger)
    {
        _notifier = notifier ?? throw new ArgumentNullException(nameof(notifier));
    }

    /// <summary>
    /// Checks one webhook request and queues its deal events as targeted syncs on <see cref="ICrmChangeNotifier"/>,
    /// returning before any CRM read: 200 when queued (duplicates and events older than one already queued for the
    /// same deal are dropped), 401 bad signature or stale, 400 malformed, 413 too large, 500 when the portal's users
    /// cannot be read (HubSpot retries). A queued change that cannot run is left to the periodic sync.
    /// </summary>
    /// <param name="method">The HTTP method as received (<c>POST</c>).</param>
    /// <param name="requestUri">The full request URI as HubSpot called it (scheme, host, path and query; behind a proxy, the public URI).</param>
    /// <param name="headers">The request headers (names case-insensitive).</param>
    /// <param name="body">The raw request body.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The outcome, with the status code to answer; <see cref="HubSpotWebhookResult.Queued"/> counts the queued deal syncs.</returns>
    /// <exception cref="InvalidOperationException">The processor was built without <see cref="ICrmChangeNotifier"/> (register <c>AddChangeNotifications</c>).</exception>
    public async Task<HubSpotWebhookResult> QueueAsync(string method, Uri requestUri, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        var notifier = _notifier ?? throw new InvalidOperationException("Queuing webhook events needs ICrmChangeNotifier: call AddChangeNotifications() on the Aria.CrmSync builder.");
        var options = _options.CurrentValue;
        var (events, rejection) = Read(options, method, requestUri, headers, body);
        if (rejection is not null)
        {
            return rejection;
        }

        var (duplicates, outOfOrder, ignored, reserved, targets, activityPortals) = Select(options, events!);
        var queued = 0;
        try
        {
            // One notice per user of each portal: its deals to read by id, and whether engagements (calls, emails,
            // meetings, notes, tasks) changed, so the activity feed is read from its checkpoint too.
            var dealsByPortal = targets.GroupBy(t => t.Key.Portal).ToDictionary(g => g.Key, g => g.ToList());
            foreach (var portal in dealsByPortal.Keys.Union(activityPortals))
            {
                var users = await _users.GetUsersAsync(portal, cancellationToken).ConfigureAwait(false);
                if (users.Count == 0)
                {
                    HubSpotLog.WebhookUnknownPortal(_logger, portal);
                    continue;
                }

                var changed = dealsByPortal.GetValueOrDefault(portal) ?? [];
                var deals = changed.Select(t => t.Key.Deal).ToList();
                var committedAt = changed.Count > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(changed.Min(t => t.Value)) : (DateTimeOffset?)null;
                var activities = activityPortals.Contains(portal);
                foreach (var user in users)
                {
                    await notifier.NotifyAsync(new CrmChangeNotification { UserId = user, Provider = CrmProvider.HubSpot, CrmIds = deals, ActivitiesChanged = activities, CommittedAt = committedAt }, cancellationToken).ConfigureAwait(false);
                    queued += deals.Count + (activities ? 1 : 0);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Forget(reserved);
            return Reject(500, $"queuing failed ({ex.GetType().Name}); HubSpot will retry");
        }

        foreach (var ((portal, deal), occurredAt) in targets)
        {
            MarkLatest(options, portal, deal, occurredAt); // a later sync of the deal reads at least this state
        }

        LogQueued(_logger, events!.Count, duplicates, outOfOrder, ignored, queued, targets.Count);
        return new HubSpotWebhookResult
        {
            StatusCode = 200,
            Events = events.Count,
            Duplicates = duplicates,
            OutOfOrder = outOfOrder,
            Ignored = ignored,
            Queued = queued,
        };
    }

    [LoggerMessage(3114, LogLevel.Information, "HubSpot webhook: {Events} event(s), {Duplicates} duplicate(s), {Stale} out of order, {Ignored} ignored; {Queued} targeted sync(s) of {Deals} deal(s) queued.")]
    private static partial void LogQueued(ILogger logger, int events, int duplicates, int stale, int ignored, int queued, int deals);
}
