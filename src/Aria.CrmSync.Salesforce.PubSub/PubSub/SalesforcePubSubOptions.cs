using System.ComponentModel.DataAnnotations;

namespace Aria.CrmSync;

/// <summary>Options of the Salesforce Change Data Capture subscriber (<c>AddSalesforcePubSub</c>).</summary>
public sealed class SalesforcePubSubOptions
{
    /// <summary>Gets or sets the Pub/Sub API endpoint (TLS).</summary>
    /// <value>The default value is <c>https://api.pubsub.salesforce.com:7443</c> (Pub/Sub API, "Pub/Sub API Endpoint").</value>
    [Required]
    public Uri Endpoint { get; set; } = new("https://api.pubsub.salesforce.com:7443");

    /// <summary>Gets or sets the change event channel.</summary>
    /// <value>The default value is <c>/data/OpportunityChangeEvent</c>.</value>
    [Required]
    public string Topic { get; set; } = "/data/OpportunityChangeEvent";

    /// <summary>
    /// Gets the change event channels of the objects activities come from, e.g. <c>/data/TaskChangeEvent</c> and
    /// <c>/data/EventChangeEvent</c> (each object must be selected for Change Data Capture in Setup). An event on one of
    /// them reads the connection's activity feed from its checkpoint, debounced like record changes. Empty: activities
    /// arrive with the periodic connection sync only.
    /// </summary>
    public IList<string> ActivityTopics { get; } = [];

    /// <summary>
    /// Gets the users whose Salesforce connections are subscribed (one subscription each). Empty: the subscriber follows
    /// the connection registry (<see cref="ICrmConnectionRegistry"/>): every due Salesforce connection is subscribed, one
    /// host process at a time under a lease in the sync-state store.
    /// </summary>
    public IList<string> UserIds { get; } = [];

    /// <summary>Gets or sets how often the registry is read when <see cref="UserIds"/> is empty (new, paused and removed connections).</summary>
    /// <value>The default value is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RegistryRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the lease under which a registry-driven subscription runs (renewed every third of it): how long a
    /// connection's subscription stays unserved after its host process dies, before another takes it over.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.300", "00:30:00")]
    public TimeSpan SubscriptionLeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the credit kept open on a subscription (<c>num_requested</c>): the server sends at most this many
    /// events before the subscriber asks for more, as it finishes each batch (pull-based flow control).
    /// </summary>
    /// <value>The default value is 100 (the Pub/Sub API's maximum per request).</value>
    [Range(1, 100)]
    public int BatchSize { get; set; } = 100;

    /// <summary>Gets or sets the first delay before resubscribing after a transient failure (doubling up to 30 seconds).</summary>
    /// <value>The default value is 1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets the fields whose change triggers a sync; an <c>UPDATE</c> event whose <c>changedFields</c> (decoded against
    /// the writer schema) names none of them is skipped. Empty: every change triggers a sync.
    /// </summary>
    public ISet<string> TriggerFields { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets a hook on the gRPC channel's HTTP handler (e.g. to trust a test server's certificate).</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Action<SocketsHttpHandler>? ConfigureHttpHandler { get; set; }
}
