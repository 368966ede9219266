namespace Aria.CrmSync.Testing;

/// <summary>Options of the <see cref="SalesforceEmulator"/>: the emulated org, its connected app and its limits.</summary>
public sealed class SalesforceEmulatorOptions : CrmEmulatorOptions
{
    /// <summary>Gets or sets the API versions listed by <c>GET /services/data/</c> (any <c>vNN.N</c> is accepted in URLs).</summary>
    /// <value>The default value is 31.0 (Summer '14) through 66.0 (Spring '26).</value>
    public IList<string> ApiVersions { get; set; } = Enumerable.Range(31, 36).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".0").ToList();

    /// <summary>Gets or sets the 24-hour rolling allocation of API requests (<c>DailyApiRequests.Max</c>).</summary>
    /// <value>The default value is 15,000 (a Developer Edition org).</value>
    public int DailyApiRequestLimit { get; set; } = 15_000;

    /// <summary>
    /// Gets or sets how long an access token stays valid after it was issued (Salesforce's session timeout). Expiry
    /// is measured from issue unless <see cref="SlidingAccessTokenExpiration"/> is on.
    /// </summary>
    /// <value>The default value is 2 hours.</value>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Gets or sets a value indicating whether each authenticated call extends its access token's lifetime (inactivity timeout).</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool SlidingAccessTokenExpiration { get; set; }

    /// <summary>
    /// Gets or sets the number of concurrent long-running REST requests allowed before 403 <c>REQUEST_LIMIT_EXCEEDED</c>
    /// (<c>ConcurrentRequests (Concurrent API Requests) Limit exceeded.</c>). Only requests running for at least
    /// <see cref="LongRunningRequestThreshold"/> count; to exercise the cap in a test, set that threshold to
    /// <see cref="TimeSpan.Zero"/> and give requests a <see cref="RequestProcessingDelay"/>.
    /// </summary>
    /// <value>The default value is 25 (production and sandbox orgs).</value>
    public int ConcurrentRequestLimit { get; set; } = 25;

    /// <summary>Gets or sets how long a request must have been running to count towards <see cref="ConcurrentRequestLimit"/>.</summary>
    /// <value>The default value is 20 seconds, as in Salesforce; <see cref="TimeSpan.Zero"/> counts every in-flight request.</value>
    public TimeSpan LongRunningRequestThreshold { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Gets or sets an artificial processing time added to every counted REST request while it holds a concurrency slot.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan RequestProcessingDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets the default number of records per query batch (<c>Sforce-Query-Options: batchSize</c> may ask for 200–2000).</summary>
    /// <value>The default value is 2000.</value>
    public int DefaultQueryBatchSize { get; set; } = 2000;

    /// <summary>Gets or sets the 18-character org id (<c>00D…</c>); <see langword="null"/> derives one from <see cref="CrmEmulatorOptions.Seed"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? OrganizationId { get; set; }

    /// <summary>Gets or sets the org's name (the <c>Organization</c> record).</summary>
    /// <value>The default value is <c>Aria Emulated Org</c>.</value>
    public string OrganizationName { get; set; } = "Aria Emulated Org";

    /// <summary>Gets or sets the username of the org's API user, who owns records created through the API.</summary>
    /// <value>The default value is <c>integration@aria.example</c>.</value>
    public string Username { get; set; } = "integration@aria.example";

    /// <summary>Gets or sets the password of <see cref="Username"/> for the OAuth password grant and SOAP login (the security token is appended to it).</summary>
    /// <value>The default value is <c>password</c>.</value>
    public string Password { get; set; } = "password";

    /// <summary>Gets or sets the security token appended to <see cref="Password"/> by clients logging in from untrusted networks; empty when not required.</summary>
    /// <value>The default value is empty.</value>
    public string SecurityToken { get; set; } = string.Empty;

    /// <summary>Gets or sets the registered connected app's consumer key (<c>client_id</c>).</summary>
    /// <value>The default value is <c>aria-emulator-client-id</c>.</value>
    public string ClientId { get; set; } = "aria-emulator-client-id";

    /// <summary>Gets or sets the registered connected app's consumer secret (<c>client_secret</c>), also the key of token signatures.</summary>
    /// <value>The default value is <c>aria-emulator-client-secret</c>.</value>
    public string ClientSecret { get; set; } = "aria-emulator-client-secret";

    /// <summary>Gets or sets the callback URLs registered for the connected app; empty accepts any <c>redirect_uri</c>.</summary>
    /// <value>The default value is empty.</value>
    public IList<string> RedirectUris { get; set; } = [];

    /// <summary>Gets or sets the scopes granted when a client asks for none.</summary>
    /// <value>The default value is <c>api refresh_token</c>.</value>
    public string DefaultScope { get; set; } = "api refresh_token";

    /// <summary>Gets or sets a value indicating whether refresh-token rotation is on: each refresh returns a new refresh token and invalidates the old one.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool RefreshTokenRotation { get; set; }

    /// <summary>Gets or sets how long an authorization code can be exchanged.</summary>
    /// <value>The default value is 15 minutes.</value>
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Gets or sets how long an idle query cursor (<c>nextRecordsUrl</c>) stays usable.</summary>
    /// <value>The default value is 15 minutes.</value>
    public TimeSpan QueryCursorLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Gets or sets how many query cursors a user may hold open; opening one more drops the least recently used.</summary>
    /// <value>The default value is 10.</value>
    public int MaxOpenQueryCursors { get; set; } = 10;

    /// <summary>
    /// Gets or sets the granularity of the audit timestamps (<c>CreatedDate</c>, <c>LastModifiedDate</c>,
    /// <c>SystemModstamp</c>). Salesforce keeps them to the second (Object Reference, Primitive Data Types: "Regular
    /// dateTime fields are full timestamps with a precision of one second" —
    /// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/primitive_data_types.htm);
    /// a coarser value (e.g. one minute) makes every write within it share one <c>SystemModstamp</c>, as the records of
    /// a bulk update, a flow or a data load do. Values below one second are treated as one second.
    /// </summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan SystemModstampResolution { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long deleted records stay in the recycle bin (visible to <c>queryAll</c> and <c>getDeleted</c>).</summary>
    /// <value>The default value is 15 days.</value>
    public TimeSpan RecycleBinRetention { get; set; } = TimeSpan.FromDays(15);

    /// <summary>
    /// Gets or sets the objects selected for Change Data Capture: each change made to one of them (through REST or
    /// <see cref="SalesforceEmulator.Org"/>) publishes a change event on <c>/data/{Object}ChangeEvent</c> and
    /// <c>/data/ChangeEvents</c> (served over gRPC by <c>StartPubSubServerAsync</c>, package <c>Aria.CrmSync.Testing.Server</c>).
    /// </summary>
    /// <value>The default value is Opportunity, Task and Event.</value>
    public IList<string> ChangeDataCaptureObjects { get; set; } = ["Opportunity", "Task", "Event"];

    /// <summary>Gets or sets how long change events stay available for replay; a replay id older than that is refused.</summary>
    /// <value>The default value is 72 hours, as in Salesforce.</value>
    public TimeSpan ChangeEventRetention { get; set; } = TimeSpan.FromHours(72);

    /// <summary>Gets or sets how often an idle Pub/Sub subscription gets an empty keep-alive response carrying the latest replay id.</summary>
    /// <value>The default value is 270 seconds, Salesforce's upper bound.</value>
    public TimeSpan ChangeEventKeepAliveInterval { get; set; } = TimeSpan.FromSeconds(270);

    /// <summary>Gets the custom fields the org starts with (<c>Region__c</c> on Opportunity, …); more can be added with <see cref="SalesforceOrg.DefineCustomField(SalesforceCustomField)"/>.</summary>
    public IList<SalesforceCustomField> CustomFields { get; } = [];

    /// <summary>Gets the active currencies (ISO 4217) of a multi-currency org; when any are given, Opportunity has <c>CurrencyIsoCode</c>, a restricted picklist of them.</summary>
    public IList<string> Currencies { get; } = [];
}
