namespace Aria.CrmSync;

/// <summary>How the Salesforce gateway writes ARIA's notes.</summary>
public enum SalesforceNoteKind
{
    /// <summary>Enhanced notes (<c>ContentNote</c> linked with a <c>ContentDocumentLink</c>), what Lightning shows.</summary>
    ContentNote,

    /// <summary>Classic notes (<c>Note</c> with <c>ParentId</c>), for orgs without enhanced notes.</summary>
    Note,
}

/// <summary>
/// Options of the Salesforce gateway: API version, connected app, fallback instance, note kind, query batch size and
/// rate limits. Named options: <see cref="CrmConnection.OptionsName"/> selects the set a connection uses, so several
/// orgs or connected apps can coexist. Validated at start-up.
/// </summary>
public sealed class SalesforceOptions
{
    /// <summary>The name of the <see cref="HttpClient"/> the gateway and its token refresh use (configure its primary handler for proxies or tests).</summary>
    public const string HttpClientName = "Aria.CrmSync.Salesforce";

    /// <summary>The default configuration section, <c>AriaCrmSync:Salesforce</c>.</summary>
    public const string DefaultSectionName = "AriaCrmSync:Salesforce";

    /// <summary>Gets or sets the REST API version, e.g. <c>66.0</c> (Spring '26).</summary>
    /// <value>The default value is <c>66.0</c>.</value>
    public string ApiVersion { get; set; } = "66.0";

    /// <summary>
    /// Gets or sets the OAuth server used to refresh access tokens: <c>https://login.salesforce.com</c>,
    /// <c>https://test.salesforce.com</c> for sandboxes, or the org's My Domain.
    /// </summary>
    /// <value>The default value is <c>https://login.salesforce.com</c>.</value>
    public Uri LoginUrl { get; set; } = new("https://login.salesforce.com");

    /// <summary>Gets or sets the connected app's consumer key (<c>client_id</c>); required.</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>Gets or sets the connected app's consumer secret (<c>client_secret</c>; secret, never logged); optional for apps that do not require it on refresh.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Gets or sets the org's instance URL, used when a connection carries none (single-org hosts).</summary>
    public Uri? InstanceUrl { get; set; }

    /// <summary>Gets or sets how ARIA's notes are written.</summary>
    /// <value>The default value is <see cref="SalesforceNoteKind.ContentNote"/>.</value>
    public SalesforceNoteKind NotesAs { get; set; } = SalesforceNoteKind.ContentNote;

    /// <summary>Gets or sets the records per query page asked for with <c>Sforce-Query-Options: batchSize</c>, between 200 and 2000.</summary>
    /// <value>The default value is 2000.</value>
    public int QueryBatchSize { get; set; } = 2000;

    /// <summary>
    /// Gets or sets how far before a time-only cursor (one without a last id) the change and activity streams start
    /// reading, to catch records whose transaction committed after later ones were read. A cursor with a last id
    /// resumes exactly after it — right for paging, but <c>SystemModstamp</c> is whole seconds, so a record changed
    /// later in the cursor's own second with a lower id shows only to a time-only cursor (the engine always resumes
    /// from one, minus its overlap). The engine's <see cref="ConnectionSyncOptions.OverlapWindow"/> already re-reads
    /// before its checkpoints, so this stays zero unless the gateway is used directly.
    /// </summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan OverlapWindow { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Gets the request budget of each connection: no short window (Salesforce has none), at most 25 requests in
    /// flight (the org's concurrent long-running request cap), and a pause once the org's rolling 24-hour allocation,
    /// as reported by <c>Sforce-Limit-Info</c>, reaches <see cref="CrmRateLimits.DailyQuotaThreshold"/>.
    /// </summary>
    public CrmRateLimits RateLimits { get; } = new() { RequestsPerWindow = null, MaxConcurrentRequests = 25, DailyQuotaThreshold = 0.9, DailyQuotaPause = TimeSpan.FromHours(1) };
}
