namespace Aria.CrmSync;

/// <summary>Options of <see cref="HubSpotWebhookProcessor"/> (HubSpot app webhooks, signature v3).</summary>
public sealed class HubSpotWebhookOptions
{
    /// <summary>Gets or sets the name of the <see cref="HubSpotOptions"/> whose <see cref="HubSpotOptions.ClientSecret"/> keys the signatures (the app that owns the subscriptions).</summary>
    /// <value>The default value is the default (empty) name.</value>
    public string HubSpotOptionsName { get; set; } = string.Empty;

    /// <summary>Gets or sets how old <c>X-HubSpot-Request-Timestamp</c> may be; older requests are refused as replays.</summary>
    /// <value>The default value is 5 minutes, as HubSpot recommends.</value>
    public TimeSpan MaxTimestampAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how far in the future <c>X-HubSpot-Request-Timestamp</c> may be (clock skew).</summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the largest body accepted; HubSpot sends at most 100 events per request.</summary>
    /// <value>The default value is 256 KiB.</value>
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Gets or sets whether the legacy <c>X-HubSpot-Signature</c> v1/v2 signatures are accepted. They carry no
    /// timestamp, so a captured request can be replayed (only the event-id de-duplication stops it): leave this off
    /// unless the app still sends them.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AcceptLegacySignatures { get; set; }

    /// <summary>
    /// Gets the users whose leads a portal's events concern: portal (hub) id → user ids, e.g. from configuration
    /// <c>PortalUsers:62515:0 = user-1</c>. Hosts with an integrations table implement
    /// <see cref="IHubSpotWebhookUserResolver"/> instead.
    /// </summary>
    public Dictionary<string, List<string>> PortalUsers { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the deal properties whose changes trigger a pull; changes of other properties are acknowledged and ignored.</summary>
    public HashSet<string> SyncedProperties { get; } = new(StringComparer.Ordinal) { "dealstage", "pipeline", "amount", "closedate", "dealname" };

    /// <summary>Gets or sets how many recent event ids are remembered to drop duplicates (HubSpot retries for up to 24 h).</summary>
    /// <value>The default value is 20,000.</value>
    public int DeduplicationCapacity { get; set; } = 20_000;
}

/// <summary>Finds the users a HubSpot portal's webhook events concern (the host's integrations table).</summary>
public interface IHubSpotWebhookUserResolver
{
    /// <summary>Returns the ids of the users connected to the portal.</summary>
    /// <param name="portalId">The portal (hub) id of the event.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The user ids; empty when none.</returns>
    ValueTask<IReadOnlyList<string>> GetUsersAsync(long portalId, CancellationToken cancellationToken = default);
}

/// <summary>The outcome of one webhook request: the status code to answer HubSpot with, and what was done.</summary>
public sealed record HubSpotWebhookResult
{
    /// <summary>Gets the HTTP status to answer with: 200 processed, 400 malformed, 401 bad signature or stale, 413 too large, 500 retry later.</summary>
    public required int StatusCode { get; init; }

    /// <summary>Gets why the request was refused, when it was (never echoing secrets or signatures).</summary>
    public string? Error { get; init; }

    /// <summary>Gets the number of events in the body.</summary>
    public int Events { get; init; }

    /// <summary>Gets the number of events already seen (HubSpot retries, replays).</summary>
    public int Duplicates { get; init; }

    /// <summary>Gets the number of events older than one already applied for the same deal.</summary>
    public int OutOfOrder { get; init; }

    /// <summary>Gets the number of events that concern no synced deal property.</summary>
    public int Ignored { get; init; }

    /// <summary>Gets the number of linked leads not found for a deal event.</summary>
    public int LeadsNotFound { get; init; }

    /// <summary>Gets the number of deal syncs queued on <see cref="ICrmChangeNotifier"/> (<see cref="HubSpotWebhookProcessor.QueueAsync"/>: one per deal and connected user).</summary>
    public int Queued { get; init; }

    /// <summary>Gets the pulls made (one per linked lead of each changed deal).</summary>
    public IReadOnlyList<SyncResult> Pulls { get; init; } = [];
}
