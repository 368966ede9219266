namespace Aria.CrmSync;

/// <summary>
/// Options of the HubSpot gateway, one set per <see cref="CrmConnection.OptionsName"/> (named options). Bind them
/// from configuration (<c>AddHubSpot(configuration.GetSection("HubSpot"))</c>) or set them in code.
/// </summary>
/// <remarks>
/// Private-app connections (<see cref="CrmCredentialKind.StaticToken"/>) need none of the app credentials; OAuth
/// connections need <see cref="ClientId"/> and <see cref="ClientSecret"/> to refresh expired access tokens, and the
/// webhook processor needs <see cref="ClientSecret"/> to check signatures. Secrets are never logged.
/// </remarks>
public sealed class HubSpotOptions
{
    /// <summary>The name of the <see cref="HttpClient"/> the gateway sends API requests with (configure its primary handler, e.g. for a proxy).</summary>
    public const string HttpClientName = "Aria.CrmSync.HubSpot";

    /// <summary>The name of the <see cref="HttpClient"/> used for OAuth token refreshes (no bearer token, no retries).</summary>
    public const string OAuthHttpClientName = "Aria.CrmSync.HubSpot.OAuth";

    /// <summary>The legacy semantic API version (<c>/crm/v3/objects</c>, <c>/crm/v4/associations</c>).</summary>
    public const string LegacyApiVersion = "v3";

    /// <summary>Gets or sets the API host; a connection's <see cref="CrmConnection.InstanceUrl"/> overrides it.</summary>
    /// <value>The default value is <c>https://api.hubapi.com</c>.</value>
    public Uri BaseAddress { get; set; } = new("https://api.hubapi.com");

    /// <summary>
    /// Gets or sets the API path family: <c>v3</c> (the legacy semantic versions: <c>/crm/v3/objects/…</c> and
    /// <c>/crm/v4/…</c> associations) or a date version such as <c>2026-03</c> (<c>/crm/objects/2026-03/…</c>,
    /// <c>/crm/associations/2026-03/…</c>). HubSpot retires the semantic versions in September 2027.
    /// </summary>
    /// <value>The default value is <c>v3</c>.</value>
    public string ApiVersion { get; set; } = LegacyApiVersion;

    /// <summary>Gets or sets the OAuth app's client id (needed to refresh OAuth access tokens).</summary>
    public string? ClientId { get; set; }

    /// <summary>Gets or sets the OAuth app's client secret (secret): refreshes OAuth tokens and keys webhook signatures.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// Gets or sets the burst limit HubSpot documents for the app: requests per rolling window (100 per 10 s for
    /// Free/Starter private apps, 190 for Professional/Enterprise, 250 with the limit increase, 110 per installing
    /// account for public OAuth apps), the daily-quota threshold at which a connection pauses, and how long.
    /// The gateway paces itself below it (see the remarks of <c>AddHubSpot</c>) and corrects it from HubSpot's
    /// <c>X-HubSpot-RateLimit-*</c> headers.
    /// </summary>
    /// <value>The default value is 100 requests per 10 seconds.</value>
    public CrmRateLimits RateLimits { get; set; } = new() { RequestsPerWindow = 100, Window = TimeSpan.FromSeconds(10) };

    /// <summary>Gets or sets HubSpot's CRM search limit (requests per second per account, separate from the burst limit).</summary>
    /// <value>The default value is 5.</value>
    public int SearchRequestsPerSecond { get; set; } = 5;

    /// <summary>Gets or sets how many times a request refused with a short-window 429 is sent again after the pause.</summary>
    /// <value>The default value is 3.</value>
    public int MaxRateLimitRetries { get; set; } = 3;

    /// <summary>Gets or sets how long a portal's deal pipelines (stage ids, closed/won metadata) are cached; an unknown stage refreshes them sooner.</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan PipelineCacheDuration { get; set; } = TimeSpan.FromHours(1);
}
