using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using Aria.CrmSync.Providers.HubSpot;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync;

/// <summary>
/// Handles HubSpot app webhook requests (a JSON array of events, signed with <c>X-HubSpot-Signature-v3</c>): checks
/// the signature against the app's client secret and the request timestamp (at most 5 minutes old), drops duplicate
/// and out-of-order events, and turns deal events (<c>deal.propertyChange</c> of synced properties,
/// <c>deal.deletion</c>, <c>deal.creation</c>, <c>deal.restore</c>, <c>deal.merge</c>, and <c>object.*</c> events of
/// type <c>0-3</c>) into targeted pulls: the portal's users (<see cref="IHubSpotWebhookUserResolver"/>), their lead
/// linked to the deal (<see cref="ILeadMemoryStore.FindByCrmIdAsync"/>), then
/// <see cref="ICrmSyncService.PullStageChangesAsync"/>. Event payload values are never applied: a pull reads the
/// deal's current state, so an older event can never overwrite a newer one.
/// </summary>
/// <remarks>
/// Thread-safe; register it with <c>AddHubSpotWebhooks</c>. In ASP.NET Core, <c>MapHubSpotWebhooks</c> (package
/// <c>Aria.CrmSync.AspNetCore</c>) calls <see cref="QueueAsync"/>, which answers before any CRM read and queues the
/// deals on <see cref="ICrmChangeNotifier"/>; elsewhere call <see cref="QueueAsync"/> or <see cref="ProcessAsync"/> from
/// the host's endpoint with the raw body.
/// </remarks>
public sealed partial class HubSpotWebhookProcessor
{
    private const string SignatureV3 = "X-HubSpot-Signature-v3";
    private const string RequestTimestamp = "X-HubSpot-Request-Timestamp";
    private const string LegacySignature = "X-HubSpot-Signature";
    private const string LegacyVersion = "X-HubSpot-Signature-Version";

    private readonly IOptionsMonitor<HubSpotWebhookOptions> _options;
    private readonly IOptionsMonitor<HubSpotOptions> _hubSpot;
    private readonly IHubSpotWebhookUserResolver _users;
    private readonly ILeadMemoryStore _leads;
    private readonly ICrmSyncService _sync;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();
    private readonly Dictionary<string, long> _latest = new(StringComparer.Ordinal);
    private readonly Queue<string> _latestOrder = new();

    /// <summary>Initializes a new instance of the <see cref="HubSpotWebhookProcessor"/> class.</summary>
    /// <param name="options">The webhook options.</param>
    /// <param name="hubSpot">The HubSpot options (client secret).</param>
    /// <param name="users">Maps portals to users.</param>
    /// <param name="leads">The lead store.</param>
    /// <param name="sync">The sync engine.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger; none logs nothing.</param>
    public HubSpotWebhookProcessor(
        IOptionsMonitor<HubSpotWebhookOptions> options,
        IOptionsMonitor<HubSpotOptions> hubSpot,
        IHubSpotWebhookUserResolver users,
        ILeadMemoryStore leads,
        ICrmSyncService sync,
        TimeProvider time,
        ILogger<HubSpotWebhookProcessor>? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _hubSpot = hubSpot ?? throw new ArgumentNullException(nameof(hubSpot));
        _users = users ?? throw new ArgumentNullException(nameof(users));
        _leads = leads ?? throw new ArgumentNullException(nameof(leads));
        _sync = sync ?? throw new ArgumentNullException(nameof(sync));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Processes one webhook request.</summary>
    /// <param name="method">The HTTP method as received (<c>POST</c>).</param>
    /// <param name="requestUri">The full request URI as HubSpot called it (scheme, host, path and query; behind a proxy, the public URI).</param>
    /// <param name="headers">The request headers (names case-insensitive).</param>
    /// <param name="body">The raw request body.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The outcome, with the status code to answer.</returns>
    public async Task<HubSpotWebhookResult> ProcessAsync(string method, Uri requestUri, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        var options = _options.CurrentValue;
        var (events, rejection) = Read(options, method, requestUri, headers, body);
        return rejection ?? await ApplyAsync(options, events!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks the size, signature and shape of a request; returns its events or the refusal to answer.</summary>
    private (List<WebhookEvent>? Events, HubSpotWebhookResult? Rejection) Read(HubSpotWebhookOptions options, string method, Uri requestUri, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(requestUri);
        ArgumentNullException.ThrowIfNull(headers);
        if (body.Length > options.MaxBodyBytes)
        {
            return (null, Reject(413, $"the body has {body.Length} bytes; at most {options.MaxBodyBytes} are accepted"));
        }

        var secret = _hubSpot.Get(options.HubSpotOptionsName).ClientSecret;
        if (string.IsNullOrEmpty(secret))
        {
            return (null, Reject(500, "HubSpotOptions.ClientSecret is not configured; webhook signatures cannot be checked"));
        }

        var header = headers.GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.OrdinalIgnoreCase);
        if (CheckSignature(options, secret, method, requestUri.OriginalString, header, body.Span) is { } refusal)
        {
            return (null, Reject(401, refusal));
        }

        List<WebhookEvent> events;
        try
        {
            events = Parse(body);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return (null, Reject(400, "the body is not a JSON array of HubSpot events"));
        }

        return (events, null);
    }

    private string? CheckSignature(HubSpotWebhookOptions options, string secret, string method, string uri, Dictionary<string, string> header, ReadOnlySpan<byte> body)
    {
        if (header.TryGetValue(SignatureV3, out var signature))
        {
            if (!HubSpotWebhookSignature.TryParseTimestamp(header.GetValueOrDefault(RequestTimestamp), out var timestamp))
            {
                return $"missing or malformed {RequestTimestamp}";
            }

            var now = _time.GetUtcNow();
            if (now - timestamp > options.MaxTimestampAge)
            {
                return $"the request timestamp is {(now - timestamp).TotalSeconds:0} s old (at most {options.MaxTimestampAge.TotalSeconds:0} s accepted)";
            }

            if (timestamp - now > options.MaxClockSkew)
            {
                return "the request timestamp is in the future";
            }

            return HubSpotWebhookSignature.VerifyV3(secret, method, uri, body, header[RequestTimestamp].Trim(), signature) ? null : "the v3 signature does not match";
        }

        if (header.TryGetValue(LegacySignature, out var legacy))
        {
            var version = (header.GetValueOrDefault(LegacyVersion) ?? "v1").Trim().ToLowerInvariant();
            if (!options.AcceptLegacySignatures)
            {
                return $"{version} signatures are not accepted (no timestamp); send X-HubSpot-Signature-v3";
            }

            if (version is not ("v1" or "v2"))
            {
                return $"unknown signature version '{version}'";
            }

            return HubSpotWebhookSignature.VerifyLegacy(version, secret, method, uri, body, legacy) ? null : $"the {version} signature does not match";
        }

        return "the request is not signed";
    }

    private async Task<HubSpotWebhookResult> ApplyAsync(HubSpotWebhookOptions options, List<WebhookEvent> events, CancellationToken cancellationToken)
    {
        var (duplicates, outOfOrder, ignored, reserved, targets, _) = Select(options, events);
        var notFound = 0;
        var pulls = new List<SyncResult>();
        try
        {
            foreach (var ((portal, deal), occurredAt) in targets.OrderBy(t => t.Value))
            {
                var users = await _users.GetUsersAsync(portal, cancellationToken).ConfigureAwait(false);
                if (users.Count == 0)
                {
                    HubSpotLog.WebhookUnknownPortal(_logger, portal);
                }

                foreach (var user in users)
                {
                    var lead = await _leads.FindByCrmIdAsync(user, CrmProvider.HubSpot, deal, cancellationToken).ConfigureAwait(false);
                    if (lead is null)
                    {
                        notFound++;
                        continue;
                    }

                    var result = await _sync.PullStageChangesAsync(user, lead.Id, cancellationToken).ConfigureAwait(false);
                    if (!result.Success)
                    {
                        HubSpotLog.WebhookPullFailed(_logger, lead.Id, deal, result.ErrorCode); // the engine recorded the error and schedules the retry
                    }

                    pulls.Add(result);
                }

                MarkLatest(options, portal, deal, occurredAt);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The store or the engine failed as a whole: forget the events so that HubSpot's retry processes them.
            Forget(reserved);
            return Reject(500, $"processing failed ({ex.GetType().Name}); HubSpot will retry");
        }

        HubSpotLog.WebhookProcessed(_logger, events.Count, duplicates, outOfOrder, ignored, pulls.Count, targets.Count);
        return new HubSpotWebhookResult
        {
            StatusCode = 200,
            Events = events.Count,
            Duplicates = duplicates,
            OutOfOrder = outOfOrder,
            Ignored = ignored,
            LeadsNotFound = notFound,
            Pulls = pulls,
        };
    }

    /// <summary>
    /// Drops duplicate, ignored and out-of-order events; reserves the rest's keys; returns the deals to read (latest
    /// event time each) and the portals whose activities (engagements) changed.
    /// </summary>
    private (int Duplicates, int OutOfOrder, int Ignored, List<string> Reserved, Dictionary<(long Portal, string Deal), long> Targets, HashSet<long> ActivityPortals) Select(HubSpotWebhookOptions options, List<WebhookEvent> events)
    {
        int duplicates = 0, outOfOrder = 0, ignored = 0;
        var reserved = new List<string>();
        var targets = new Dictionary<(long Portal, string Deal), long>();
        var activityPortals = new HashSet<long>();
        lock (_gate)
        {
            foreach (var e in events)
            {
                if (!_seen.Add(e.Key))
                {
                    duplicates++;
                    continue;
                }

                reserved.Add(e.Key);
                _seenOrder.Enqueue(e.Key);
                if (e.IsActivityEvent)
                {
                    activityPortals.Add(e.PortalId);
                    continue;
                }

                if (!e.IsDealEvent || e.ObjectId is null || (e.IsPropertyChange && (e.PropertyName is null || !options.SyncedProperties.Contains(e.PropertyName))))
                {
                    ignored++;
                    continue;
                }

                var dealKey = DealKey(e.PortalId, e.ObjectId);
                if (_latest.TryGetValue(dealKey, out var latest) && e.OccurredAt < latest)
                {
                    outOfOrder++; // the deal's current state was already pulled for a later event
                    continue;
                }

                targets[(e.PortalId, e.ObjectId)] = Math.Max(targets.GetValueOrDefault((e.PortalId, e.ObjectId)), e.OccurredAt);
            }

            while (_seenOrder.Count > options.DeduplicationCapacity)
            {
                _seen.Remove(_seenOrder.Dequeue());
            }
        }

        return (duplicates, outOfOrder, ignored, reserved, targets, activityPortals);
    }

    /// <summary>Records that a deal's state as of <paramref name="occurredAt"/> is read (or queued to be): older events of it are dropped.</summary>
    private void MarkLatest(HubSpotWebhookOptions options, long portal, string deal, long occurredAt)
    {
        lock (_gate)
        {
            var key = DealKey(portal, deal);
            if (!_latest.TryGetValue(key, out var latest))
            {
                _latestOrder.Enqueue(key);
            }

            _latest[key] = Math.Max(latest, occurredAt);
            while (_latestOrder.Count > options.DeduplicationCapacity)
            {
                _latest.Remove(_latestOrder.Dequeue());
            }
        }
    }

    /// <summary>Forgets events that could not be handled, so that HubSpot's retry of them is processed.</summary>
    private void Forget(List<string> reserved)
    {
        lock (_gate)
        {
            foreach (var key in reserved)
            {
                _seen.Remove(key);
            }
        }
    }

    private static string DealKey(long portal, string deal) => portal.ToString(CultureInfo.InvariantCulture) + ":" + deal;

    private HubSpotWebhookResult Reject(int status, string reason)
    {
        HubSpotLog.WebhookRejected(_logger, status, reason);
        return new HubSpotWebhookResult { StatusCode = status, Error = reason };
    }

    private static List<WebhookEvent> Parse(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var items = root.ValueKind switch
        {
            JsonValueKind.Array => root.EnumerateArray().ToList(),
            JsonValueKind.Object => [root],
            _ => throw new FormatException("not an array"),
        };

        var events = new List<WebhookEvent>(items.Count);
        foreach (var item in items)
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("an event is not an object");
            }

            var type = HubSpotJson.Text(item, "subscriptionType") ?? HubSpotJson.Text(item, "eventType") ?? string.Empty;
            var objectTypeId = HubSpotJson.Text(item, "objectTypeId");
            var objectId = HubSpotJson.Text(item, "objectId");
            if (objectId is not null && !objectId.All(char.IsAsciiDigit))
            {
                objectId = null; // never used as an id unless it is one
            }

            var isDeal = type.StartsWith("deal.", StringComparison.Ordinal) || (type.StartsWith("object.", StringComparison.Ordinal) && objectTypeId == "0-3");
            var action = type[(type.IndexOf('.', StringComparison.Ordinal) + 1)..];
            var isActivity = type.StartsWith("object.", StringComparison.Ordinal) && objectTypeId is not null && EngagementTypeIds.Contains(objectTypeId)
                && action is "creation" or "propertyChange" or "deletion" or "restore" or "merge" or "associationChange";
            long.TryParse(HubSpotJson.Text(item, "portalId"), NumberStyles.None, CultureInfo.InvariantCulture, out var portal);
            long.TryParse(HubSpotJson.Text(item, "occurredAt"), NumberStyles.None, CultureInfo.InvariantCulture, out var occurredAt);
            var key = string.Join('|', portal.ToString(CultureInfo.InvariantCulture), HubSpotJson.Text(item, "subscriptionId"), HubSpotJson.Text(item, "eventId"), type, objectId, occurredAt.ToString(CultureInfo.InvariantCulture));
            events.Add(new WebhookEvent(
                key,
                portal,
                objectId,
                isDeal && action is "propertyChange" or "deletion" or "creation" or "restore" or "merge",
                action == "propertyChange",
                HubSpotJson.Text(item, "propertyName"),
                occurredAt,
                isActivity));
        }

        return events;
    }

    /// <summary>
    /// The object type ids of the engagements activities come from: calls 0-48, emails 0-49, meetings 0-47, notes 0-46,
    /// tasks 0-27 (https://developers.hubspot.com/docs/guides/api/crm/understanding-the-crm, "Object type IDs").
    /// </summary>
    private static readonly FrozenSet<string> EngagementTypeIds = FrozenSet.ToFrozenSet(["0-48", "0-49", "0-47", "0-46", "0-27"], StringComparer.Ordinal);

    private sealed record WebhookEvent(string Key, long PortalId, string? ObjectId, bool IsDealEvent, bool IsPropertyChange, string? PropertyName, long OccurredAt, bool IsActivityEvent);
}
