namespace Aria.CrmSync;

/// <summary>
/// Options of Composio-brokered connections (<see cref="CrmCredentialKind.Brokered"/>): the Composio API and its key,
/// how provider URLs become proxy endpoints, the back-off on Composio's own rate limit, and the users' connected
/// accounts when <c>UseComposioConnections()</c> resolves connections from configuration. Validated at start-up; the
/// API key is never logged or put in an exception.
/// </summary>
/// <remarks>
/// Every CRM request of a brokered connection becomes one <c>POST {BaseAddress}/tools/execute/proxy</c> with
/// <c>x-api-key</c>; Composio adds the CRM credentials it holds for the connected account (refreshing them itself)
/// and returns the CRM's status, headers and body, which the gateways read as if they had called the CRM.
/// </remarks>
public sealed class ComposioOptions
{
    /// <summary>The name of the <see cref="HttpClient"/> that calls Composio (configure its primary handler for proxies or tests).</summary>
    public const string HttpClientName = "Aria.CrmSync.Composio";

    /// <summary>The default configuration section, <c>AriaCrmSync:Composio</c>.</summary>
    public const string DefaultSectionName = "AriaCrmSync:Composio";

    /// <summary>Gets or sets the project API key sent as <c>x-api-key</c> (secret: never logged); required.</summary>
    public string ApiKey { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the Composio API base, including the version: <c>https://backend.composio.dev/api/v3</c>, or
    /// <c>…/api/v3.1</c>, the version Composio documents as current, which has the same proxy endpoint.
    /// </summary>
    /// <value>The default value is <c>https://backend.composio.dev/api/v3</c>.</value>
    public Uri BaseAddress { get; set; } = new("https://backend.composio.dev/api/v3");

    /// <summary>
    /// Gets or sets a value indicating whether proxy endpoints are absolute provider URLs instead of paths relative to
    /// the connected account's base URL. Composio accepts both; relative paths (the default) let Composio address the
    /// org or portal it connected (a Salesforce connection then needs no real instance URL). Turn it on only with
    /// connections whose <see cref="CrmConnection.InstanceUrl"/> is the real provider base.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool UseAbsoluteEndpoints { get; set; }

    /// <summary>
    /// Gets or sets the first pause after Composio answers 429 without <c>Retry-After</c> (Composio documents none);
    /// each further 429 in a row on the same connected account doubles it, up to <see cref="MaxRateLimitBackoff"/>.
    /// </summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan RateLimitBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest pause after repeated 429s from Composio.</summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan MaxRateLimitBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets the users' connected accounts, for <c>UseComposioConnections()</c> (hosts with an integrations table
    /// register an <see cref="IComposioConnectedAccountSource"/> instead, or as well: these entries are looked up first).
    /// Bind from configuration as a list: <c>ConnectedAccounts:0:UserId</c>, <c>…:Provider</c>, <c>…:ConnectedAccountId</c>.
    /// </summary>
    public IList<ComposioConnectedAccount> ConnectedAccounts { get; } = [];

    /// <summary>Returns a description of the options without the API key.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
        => $"ComposioOptions {{ BaseAddress = {BaseAddress}, ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "(none)" : "***")}, UseAbsoluteEndpoints = {UseAbsoluteEndpoints}, ConnectedAccounts = {ConnectedAccounts.Count} }}";
}
