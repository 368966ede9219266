namespace Aria.CrmSync.Testing;

/// <summary>Options of the <see cref="HubSpotEmulator"/>.</summary>
public sealed class HubSpotEmulatorOptions : CrmEmulatorOptions
{
    /// <summary>Gets or sets the portal (hub / account) id.</summary>
    /// <value>The default value is 62515.</value>
    public long PortalId { get; set; } = 62515;

    /// <summary>Gets or sets the portal's domain, reported by the token information endpoints.</summary>
    /// <value>The default value is <c>aria-emulator.example.com</c>.</value>
    public string HubDomain { get; set; } = "aria-emulator.example.com";

    /// <summary>
    /// Gets or sets the burst limit: requests per app (private-app token or OAuth app) in a rolling
    /// <see cref="RateLimitInterval"/>. HubSpot: 100 for Free/Starter, 190 for Professional/Enterprise, 250 with the
    /// API limit increase.
    /// </summary>
    /// <value>The default value is 100.</value>
    public int RequestsPerInterval { get; set; } = 100;

    /// <summary>Gets or sets the rolling burst window.</summary>
    /// <value>The default value is 10 seconds (HubSpot's <c>TEN_SECONDLY_ROLLING</c>).</value>
    public TimeSpan RateLimitInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets the daily limit shared by every app of the account. HubSpot: 250,000 for Free/Starter, 625,000 for
    /// Professional, 1,000,000 for Enterprise. It resets at midnight in <see cref="AccountTimeZone"/> (by the clock of
    /// <see cref="CrmEmulatorOptions.TimeProvider"/>) or by <see cref="HubSpotEmulator.ResetDailyLimit"/>.
    /// </summary>
    /// <value>The default value is 250,000.</value>
    public long DailyLimit { get; set; } = 250_000;

    /// <summary>Gets or sets the account's time zone: the daily limit resets at its midnight.</summary>
    /// <value>The default value is <see cref="TimeZoneInfo.Utc"/>.</value>
    public TimeZoneInfo AccountTimeZone { get; set; } = TimeZoneInfo.Utc;

    /// <summary>Gets or sets the CRM search limit, requests per second per account (search has its own limit).</summary>
    /// <value>The default value is 5.</value>
    public int SearchRequestsPerSecond { get; set; } = 5;

    /// <summary>Gets or sets the lifetime of OAuth access tokens.</summary>
    /// <value>The default value is 1800 seconds (30 minutes), as HubSpot.</value>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromSeconds(1800);

    /// <summary>Gets or sets the client id of the registered OAuth app.</summary>
    /// <value>The default value is <c>7933b042-0952-4e7d-a327-0000000a11ce</c>.</value>
    public string ClientId { get; set; } = "7933b042-0952-4e7d-a327-0000000a11ce";

    /// <summary>Gets or sets the client secret of the registered OAuth app.</summary>
    /// <value>The default value is <c>7a572d8a-69bf-44c6-9a34-00000005ec12</c>.</value>
    public string ClientSecret { get; set; } = "7a572d8a-69bf-44c6-9a34-00000005ec12";

    /// <summary>Gets or sets the id of the registered OAuth app.</summary>
    /// <value>The default value is 1160452.</value>
    public int AppId { get; set; } = 1160452;

    /// <summary>Gets or sets the id of the user who installed the OAuth app.</summary>
    /// <value>The default value is 293199.</value>
    public int UserId { get; set; } = 293199;

    /// <summary>Gets or sets the user (e-mail) who installed the OAuth app.</summary>
    /// <value>The default value is <c>integration@aria-emulator.example.com</c>.</value>
    public string UserEmail { get; set; } = "integration@aria-emulator.example.com";

    /// <summary>Gets or sets the scopes granted to OAuth tokens and (by default) private-app tokens; calls needing a missing
    /// scope get HubSpot's 403 <c>MISSING_SCOPES</c>.</summary>
    /// <value>The default value is <c>oauth</c>, <c>crm.objects.deals.read</c>, <c>crm.objects.deals.write</c>,
    /// <c>crm.objects.contacts.read</c>, <c>crm.objects.contacts.write</c>, <c>crm.objects.companies.read</c>,
    /// <c>crm.objects.companies.write</c>, <c>sales-email-read</c>.</value>
    public IReadOnlyList<string> Scopes { get; set; } =
    [
        "oauth", "crm.objects.deals.read", "crm.objects.deals.write", "crm.objects.contacts.read", "crm.objects.contacts.write",
        "crm.objects.companies.read", "crm.objects.companies.write", "sales-email-read",
    ];

    /// <summary>
    /// Gets or sets a value indicating whether association endpoints write record ids as JSON numbers
    /// (<c>toObjectId</c>, <c>fromObjectId</c>), as HubSpot's documentation examples show, instead of the strings the
    /// OpenAPI specification declares.
    /// </summary>
    /// <value>The default value is <see langword="false"/> (strings, as the specification).</value>
    public bool NumericAssociationIds { get; set; }

    /// <summary>
    /// Gets or sets how long CRM search takes to see a write: HubSpot's search index is eventually consistent ("it may
    /// take a few moments" for new or updated records to appear — CRM search guide,
    /// https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm). Until then search results, filters
    /// (also on <c>hs_lastmodifieddate</c>) and sorts see the record as it was before the write (or not at all when it
    /// was just created); reads by id, batch reads and lists see writes at once. Each write's lag is this value plus a
    /// random share of <see cref="SearchIndexLagJitter"/>, measured on the emulator's <see cref="CrmEmulatorOptions.TimeProvider"/>
    /// from the record's modification time, so tests with a fake clock are deterministic.
    /// </summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/> (search sees every write at once).</value>
    public TimeSpan SearchIndexLag { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets the random extra lag added to <see cref="SearchIndexLag"/> per write (uniform in [0, jitter), seeded by <see cref="CrmEmulatorOptions.Seed"/>).</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan SearchIndexLagJitter { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets the number of results past which CRM search refuses to page.</summary>
    /// <value>The default value is 10,000, as HubSpot.</value>
    public int SearchResultCap { get; set; } = 10_000;

    /// <summary>Gets the custom properties the portal starts with; more can be added with <see cref="HubSpotEmulator.DefineProperty(HubSpotCustomProperty)"/>.</summary>
    public IList<HubSpotCustomProperty> CustomProperties { get; } = [];

    /// <summary>
    /// Gets the currencies (ISO 4217) of a multi-currency portal; when any are given, deals have the HubSpot-defined
    /// <c>deal_currency_code</c> enumeration with them as options (https://knowledge.hubspot.com/crm-deals/hubspots-default-deal-properties:
    /// "Currency: the currency in which the deal amount is paid", available with multiple currencies).
    /// </summary>
    public IList<string> Currencies { get; } = [];
}
