namespace Aria.CrmSync.Testing;

/// <summary>
/// Where and how the <see cref="HubSpotEmulator"/> delivers an app's webhook events (HubSpot's app webhook settings:
/// target URL and throttling), with HubSpot's batching, timeout and retry schedule, and opt-in delivery faults for tests.
/// </summary>
/// <remarks>
/// HubSpot's behaviour, per https://developers.hubspot.com/docs/api/webhooks: events are POSTed as a JSON array of at
/// most 100 events, signed with <c>X-HubSpot-Signature-v3</c>; a request that fails to connect, takes longer than
/// 5 seconds or is answered with a non-2xx status is retried, up to 10 times, with an exponential backoff on the event's
/// <c>attemptNumber</c> (the first retry after about 2 minutes, then 4, 8, … — HubSpot's webhooks overview,
/// https://developers.hubspot.com/docs/methods/webhooks/webhooks-overview, "Retries"). No ordering is guaranteed and an
/// event may be delivered more than once.
/// </remarks>
public sealed class HubSpotWebhookSettings
{
    /// <summary>Gets or sets the target URL (a loopback <c>http</c> or <c>https</c> address: the emulator never leaves the machine).</summary>
    public required Uri TargetUrl { get; set; }

    /// <summary>Gets or sets the client secret the requests are signed with; the emulator's <see cref="HubSpotEmulatorOptions.ClientSecret"/> when <see langword="null"/>.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Gets or sets the most events in one request.</summary>
    /// <value>The default value is 100, HubSpot's limit.</value>
    public int MaxEventsPerRequest { get; set; } = 100;

    /// <summary>Gets or sets the most requests in flight at once (HubSpot's <c>throttling.maxConcurrentRequests</c>).</summary>
    /// <value>The default value is 10.</value>
    public int MaxConcurrentRequests { get; set; } = 10;

    /// <summary>Gets or sets how long events are collected before a request is sent (events of one burst share a request).</summary>
    /// <value>The default value is 100 milliseconds.</value>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets or sets how long a request may take before it counts as failed and is retried.</summary>
    /// <value>The default value is 5 seconds, HubSpot's.</value>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how many times a failed request is retried before its events are abandoned.</summary>
    /// <value>The default value is 10, HubSpot's.</value>
    public int MaxRetries { get; set; } = 10;

    /// <summary>Gets or sets the delay before the first retry; retry <c>n</c> waits this times 2^(n-1).</summary>
    /// <value>The default value is 2 minutes, HubSpot's; tests shorten it.</value>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets the share of successfully delivered requests that are sent a second time (duplicates).</summary>
    /// <value>The default value is 0.</value>
    public double DuplicateRate { get; set; }

    /// <summary>Gets or sets the share of requests that are never sent (lost deliveries: the periodic sync must catch up).</summary>
    /// <value>The default value is 0.</value>
    public double DropRate { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether delivery is out of order: events of a request are shuffled and each
    /// request waits a random time up to <see cref="OutOfOrderMaxDelay"/>, so later events overtake earlier ones.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool OutOfOrder { get; set; }

    /// <summary>Gets or sets the longest extra delay of a request when <see cref="OutOfOrder"/> is on.</summary>
    /// <value>The default value is 300 milliseconds.</value>
    public TimeSpan OutOfOrderMaxDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(TargetUrl);
        if (!TargetUrl.IsAbsoluteUri || TargetUrl.Scheme is not ("http" or "https") || !TargetUrl.IsLoopback)
        {
            throw new ArgumentException("The webhook target must be an absolute http(s) loopback URL.", nameof(TargetUrl));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEventsPerRequest, 1, nameof(MaxEventsPerRequest));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxEventsPerRequest, 100, nameof(MaxEventsPerRequest));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentRequests, 1, nameof(MaxConcurrentRequests));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchWindow, TimeSpan.Zero, nameof(BatchWindow));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries, nameof(MaxRetries));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryBaseDelay, TimeSpan.Zero, nameof(RetryBaseDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(OutOfOrderMaxDelay, TimeSpan.Zero, nameof(OutOfOrderMaxDelay));
        if (DuplicateRate is < 0 or > 1 || DropRate is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DuplicateRate), "DuplicateRate and DropRate are shares between 0 and 1.");
        }
    }
}

/// <summary>One webhook subscription of the emulated app (<c>POST /webhooks/v3/{appId}/subscriptions</c>).</summary>
/// <param name="Id">The subscription id (<c>subscriptionId</c> in events).</param>
/// <param name="EventType">The event type, e.g. <c>deal.propertyChange</c>, <c>deal.creation</c>, <c>deal.deletion</c>, <c>deal.associationChange</c>, <c>deal.merge</c>, or a generic <c>object.*</c> type.</param>
/// <param name="PropertyName">The property of a <c>propertyChange</c> subscription.</param>
/// <param name="ObjectTypeId">The object type id of a generic <c>object.*</c> subscription, e.g. <c>0-3</c>.</param>
public sealed record HubSpotWebhookSubscription(long Id, string EventType, string? PropertyName, string? ObjectTypeId);

/// <summary>One delivery request the emulator sent (or tried to send).</summary>
/// <param name="SentAt">When it was sent.</param>
/// <param name="AttemptNumber">The events' <c>attemptNumber</c> (0 the first time).</param>
/// <param name="EventIds">The event ids in the request, in the order sent.</param>
/// <param name="StatusCode">The status answered; <see langword="null"/> when the request failed or timed out.</param>
/// <param name="Duplicate">Whether this was a deliberate duplicate of a request already delivered.</param>
public sealed record HubSpotWebhookAttempt(DateTimeOffset SentAt, int AttemptNumber, IReadOnlyList<long> EventIds, int? StatusCode, bool Duplicate);
