using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Aria.CrmSync.Testing.Salesforce;

namespace Aria.CrmSync.Testing;

/// <summary>
/// A local emulator of the Salesforce REST API (OAuth 2.0, sObject rows, SOQL with cursors, getUpdated/getDeleted,
/// sObject Collections, Composite, Composite Batch/Tree/Graph, describe, limits) for Opportunity, OpportunityStage,
/// Note, ContentNote/ContentDocument/ContentDocumentLink, Task, Event, Account, Contact, Lead, User and Organization.
/// All state is in memory and thread-safe; ids and tokens are deterministic from <see cref="CrmEmulatorOptions.Seed"/>.
/// Serve it in process with <see cref="CrmEmulator.CreateHandler"/> or over loopback with
/// <c>StartServerAsync()</c> (package <c>Aria.CrmSync.Testing.Server</c>); endpoint keys are listed in <see cref="SalesforceEndpoints"/>.
/// </summary>
public sealed partial class SalesforceEmulator : CrmEmulator
{
    private static readonly string[] Seasons = ["Winter", "Spring", "Summer"];

    private readonly Lock _gate = new();
    private volatile Uri? _movedTo;
    private readonly SfStore _store;
    private readonly SfOAuth _oauth;
    private readonly SfApi _api;
    private readonly List<(DateTimeOffset Minute, long Count)> _usage = [];
    private readonly Dictionary<long, DateTimeOffset> _inFlight = [];
    private readonly ConditionalWeakTable<EmulatorResponse, object> _counted = [];
    private long _usageTotal;
    private long _nextSlot;
    private long _errorIds;
    private DateTimeOffset _lastPurge;

    /// <summary>Initializes a new instance of the <see cref="SalesforceEmulator"/> class.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException"><see cref="SalesforceEmulatorOptions.OrganizationId"/> is not an org id.</exception>
    public SalesforceEmulator(SalesforceEmulatorOptions? options = null)
        : base(options ??= new SalesforceEmulatorOptions())
    {
        Options = options;
        _store = new SfStore(new SfSchema(), options.Seed, () => TimeProvider.GetUtcNow()) { ModstampResolution = options.SystemModstampResolution };
        var orgId = options.OrganizationId is null
            ? _store.NewId("00D")
            : SfIds.Normalize(options.OrganizationId) is { } normalized && normalized.StartsWith("00D", StringComparison.Ordinal)
                ? normalized
                : throw new ArgumentException("OrganizationId must be a 15- or 18-character id starting with 00D.", nameof(options));
        var userId = _store.NewId("005");
        _store.CurrentUserId = userId;
        _oauth = new SfOAuth(options, () => TimeProvider.GetUtcNow(), () => InstanceUrl, options.Seed) { OrganizationId = orgId, UserId = userId };
        _api = new SfApi(_store, options, _oauth, () => (DailyApiRequestsUsed, options.DailyApiRequestLimit));
        Seed(orgId, userId);
        Org = new SalesforceOrg(_gate, _store, orgId, userId);
        if (options.Currencies.Count > 0)
        {
            _store.Schema.EnableMultipleCurrencies([.. options.Currencies]);
        }

        foreach (var field in options.CustomFields)
        {
            Org.DefineCustomField(field);
        }

        ChangeEvents = new SalesforceChangeEvents(options, TimeProvider, _store.Schema.Find, options.Seed);
        _store.Committed = ChangeEvents.Publish;
    }

    /// <summary>Gets the options.</summary>
    public SalesforceEmulatorOptions Options { get; }

    /// <summary>Gets direct access to the org's records (seeding and assertions; not counted).</summary>
    public SalesforceOrg Org { get; }

    /// <summary>Gets the number of API requests counted in the rolling 24 hours (what <c>Sforce-Limit-Info</c> reports).</summary>
    public long DailyApiRequestsUsed
    {
        get
        {
            lock (_gate)
            {
                PruneUsage();
                return _usageTotal;
            }
        }
    }

    /// <summary>Issues an access token (and a refresh token unless <paramref name="withRefreshToken"/> is off) for the API user.</summary>
    /// <param name="scope">The scopes, space separated; <see langword="null"/> for <see cref="SalesforceEmulatorOptions.DefaultScope"/>.</param>
    /// <param name="withRefreshToken">Whether a refresh token is issued.</param>
    /// <returns>The tokens.</returns>
    public SalesforceTokens IssueTokens(string? scope = null, bool withRefreshToken = true)
    {
        lock (_gate)
        {
            return _oauth.Issue(scope, withRefreshToken);
        }
    }

    /// <summary>
    /// Gets the org's instance: the <c>instance_url</c> token responses carry and the only host that serves the REST
    /// API once the org has moved (<see cref="MoveInstance"/>); until then, <see cref="CrmEmulator.BaseAddress"/>.
    /// </summary>
    public Uri InstanceUrl => _movedTo ?? BaseAddress;

    /// <summary>
    /// Moves the org to another instance (an org migration or a My Domain change): every access token issued so far
    /// becomes invalid, token responses report <paramref name="instanceUrl"/> as <c>instance_url</c>, and REST calls
    /// that reach any other host get 401 <c>INVALID_SESSION_ID</c>, so a client must refresh and use the new address
    /// (OAuth endpoints keep answering on every host, as the login server does). Serve the new address with a second
    /// <c>StartServerAsync</c> (package <c>Aria.CrmSync.Testing.Server</c>), or use the in-process handler with any host name.
    /// </summary>
    /// <param name="instanceUrl">The new instance address (scheme, host and port).</param>
    public void MoveInstance(Uri instanceUrl)
    {
        ArgumentNullException.ThrowIfNull(instanceUrl);
        if (!instanceUrl.IsAbsoluteUri)
        {
            throw new ArgumentException("The instance URL must be absolute.", nameof(instanceUrl));
        }

        lock (_gate)
        {
            _movedTo = new Uri(instanceUrl.GetLeftPart(UriPartial.Authority));
            _oauth.ExpireAccessTokens();
        }
    }

    /// <summary>Makes every access token issued so far invalid (REST calls then get 401 <c>INVALID_SESSION_ID</c>); refresh tokens stay valid.</summary>
    public void ExpireAccessTokens()
    {
        lock (_gate)
        {
            _oauth.ExpireAccessTokens();
        }
    }

    /// <summary>Revokes a refresh token and the access tokens issued from it.</summary>
    /// <param name="refreshToken">The refresh token.</param>
    /// <returns><see langword="false"/> when the token was unknown or already revoked.</returns>
    public bool RevokeRefreshToken(string refreshToken)
    {
        ArgumentNullException.ThrowIfNull(refreshToken);
        lock (_gate)
        {
            return _oauth.RevokeRefreshToken(refreshToken);
        }
    }

    /// <summary>Resets the daily API request counter (as if the 24-hour window had passed).</summary>
    public void ResetDailyUsage()
    {
        lock (_gate)
        {
            _usage.Clear();
            _usageTotal = 0;
        }
    }

    /// <summary>
    /// Saves the org's data (records, recycle bin, delete log, id counters) as JSON, so a later emulator can continue
    /// where this one stopped (<see cref="LoadState"/>). Tokens and API usage are not saved.
    /// </summary>
    /// <param name="destination">Where to write.</param>
    public void SaveState(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var writer = new System.Text.Json.Utf8JsonWriter(destination, new System.Text.Json.JsonWriterOptions { Indented = false });
        lock (_gate)
        {
            writer.WriteStartObject();
            writer.WriteString("format", "aria-salesforce-emulator-state/1");
            writer.WriteString("organizationId", Org.OrganizationId);
            writer.WritePropertyName("store");
            _store.WriteState(writer);
            writer.WriteEndObject();
        }
    }

    /// <summary>Replaces the org's data with a state saved by <see cref="SaveState"/> from an emulator with the same seed.</summary>
    /// <param name="source">The saved state.</param>
    /// <exception cref="InvalidDataException">The state is not a Salesforce emulator state or belongs to another org.</exception>
    public void LoadState(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var document = System.Text.Json.JsonDocument.Parse(source);
        var root = document.RootElement;
        if (!root.TryGetProperty("format", out var format) || format.GetString() != "aria-salesforce-emulator-state/1")
        {
            throw new InvalidDataException("Not a Salesforce emulator state.");
        }

        if (root.GetProperty("organizationId").GetString() != Org.OrganizationId)
        {
            throw new InvalidDataException("The state was saved by an emulator of another org (a different seed).");
        }

        lock (_gate)
        {
            _store.ReadState(root.GetProperty("store"));
        }
    }

    /// <inheritdoc />
    protected override string ClassifyEndpoint(EmulatorRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Length > 1 ? request.Path.TrimEnd('/') : request.Path;
        if (path.StartsWith("/services/oauth2/", StringComparison.OrdinalIgnoreCase))
        {
            return path[17..].ToLowerInvariant() switch
            {
                "authorize" => SalesforceEndpoints.OAuthAuthorize,
                "token" => SalesforceEndpoints.OAuthToken,
                "revoke" => SalesforceEndpoints.OAuthRevoke,
                "userinfo" => SalesforceEndpoints.OAuthUserInfo,
                _ => SalesforceEndpoints.Unknown,
            };
        }

        if (path.StartsWith("/id/", StringComparison.Ordinal))
        {
            return SalesforceEndpoints.OAuthIdentity;
        }

        if (path.StartsWith("/services/Soap/u/", StringComparison.OrdinalIgnoreCase))
        {
            return SalesforceEndpoints.SoapLogin;
        }

        if (path.Equals("/services/data", StringComparison.OrdinalIgnoreCase))
        {
            return SalesforceEndpoints.Versions;
        }

        var match = RestPath().Match(path);
        return match.Success
            ? SfApi.Classify(request.Method, Segments(match), request.Query)
            : SalesforceEndpoints.Unknown;
    }

    /// <inheritdoc />
    protected override async Task<EmulatorResponse> HandleCoreAsync(EmulatorRequest request, string endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        switch (endpoint)
        {
            case SalesforceEndpoints.OAuthAuthorize:
                lock (_gate)
                {
                    return _oauth.Authorize(request);
                }

            case SalesforceEndpoints.OAuthToken:
            case SalesforceEndpoints.OAuthRevoke:
                if (request.Method != "POST" && !(endpoint == SalesforceEndpoints.OAuthRevoke && request.Method == "GET"))
                {
                    return EmulatorResponse.Json(405, new JsonObject { ["error"] = "invalid_request", ["error_description"] = "must use HTTP POST" });
                }

                lock (_gate)
                {
                    return endpoint == SalesforceEndpoints.OAuthToken ? _oauth.Token(request) : _oauth.Revoke(request);
                }

            case SalesforceEndpoints.OAuthUserInfo:
            case SalesforceEndpoints.OAuthIdentity:
                lock (_gate)
                {
                    return _oauth.Identity(request, endpoint == SalesforceEndpoints.OAuthUserInfo, Org.Get("User", _oauth.UserId) ?? new Dictionary<string, object?>());
                }

            case SalesforceEndpoints.SoapLogin:
                lock (_gate)
                {
                    return Soap(request);
                }

            case SalesforceEndpoints.Versions:
                return request.Method is "GET" or "HEAD" ? EmulatorResponse.Json(200, Versions()) : RestError(405, "METHOD_NOT_ALLOWED", $"HTTP Method '{request.Method}' not allowed. Allowed are HEAD,GET");
        }

        var path = request.Path.Length > 1 ? request.Path.TrimEnd('/') : request.Path;
        var match = RestPath().Match(path);
        if (!match.Success)
        {
            return RestError(404, "NOT_FOUND", SfApi.NotFoundMessage);
        }

        lock (_gate)
        {
            if (_movedTo is { } instance && request.Header("Host") is { } host && !string.Equals(host, instance.Authority, StringComparison.OrdinalIgnoreCase))
            {
                return RestError(401, "INVALID_SESSION_ID", "Session expired or invalid"); // the org no longer lives on this host
            }

            if (!_oauth.Authenticate(SfOAuth.BearerOf(request)))
            {
                return RestError(401, "INVALID_SESSION_ID", "Session expired or invalid");
            }
        }

        var slot = EnterSlot();
        if (slot is null)
        {
            lock (_gate)
            {
                return WithLimitInfo(RestError(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests (Concurrent API Requests) Limit exceeded."));
            }
        }

        try
        {
            if (Options.RequestProcessingDelay > TimeSpan.Zero)
            {
                await Task.Delay(Options.RequestProcessingDelay, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }

            lock (_gate)
            {
                PruneUsage();
                if (_usageTotal >= Options.DailyApiRequestLimit)
                {
                    return WithLimitInfo(RestError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."));
                }

                AddUsage(1);
                PurgeRecycleBin();
                var call = new SfCall(request.Method, match.Groups[1].Value, Segments(match), request.Query, request.Headers, request.Body);
                var response = ToResponse(_api.Dispatch(call));
                _counted.AddOrUpdate(response, true);
                return WithLimitInfo(response);
            }
        }
        finally
        {
            ExitSlot(slot.Value);
        }
    }

    /// <inheritdoc />
    protected override EmulatorResponse CreateFaultResponse(FaultKind kind, EmulatorRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var oauth = request.Path.StartsWith("/services/oauth2/", StringComparison.OrdinalIgnoreCase);
        if (oauth)
        {
            return kind switch
            {
                FaultKind.RateLimited => EmulatorResponse.Json(400, new JsonObject { ["error"] = "invalid_grant", ["error_description"] = "Login Rate Exceeded" }),
                FaultKind.ServiceUnavailable => EmulatorResponse.Json(503, new JsonObject { ["error"] = "temporarily_unavailable", ["error_description"] = "The service is temporarily unavailable. Try again later." }),
                _ => EmulatorResponse.Json(500, new JsonObject { ["error"] = "unknown_error", ["error_description"] = "retry your request" }),
            };
        }

        var response = kind switch
        {
            FaultKind.RateLimited => RestError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
            FaultKind.ServiceUnavailable => RestError(503, "SERVER_UNAVAILABLE", "Server is temporarily unavailable. Please try again later."),
            _ => RestError(500, "UNKNOWN_EXCEPTION", $"An unexpected error occurred. Please include this ErrorId if you contact support: {ErrorId()}"),
        };
        if (RestPath().IsMatch(request.Path.TrimEnd('/')))
        {
            lock (_gate)
            {
                WithLimitInfo(response);
            }
        }

        return response;
    }

    /// <inheritdoc />
    protected override bool CountsAgainstLimit(string endpoint, EmulatorResponse response) => _counted.TryGetValue(response, out _);

    private static List<string> Segments(Match match)
        => (match.Groups[2].Success ? match.Groups[2].Value : string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static EmulatorResponse RestError(int status, string code, string message)
        => EmulatorResponse.Json(status, SfJson.ErrorArray(code, message));

    private static EmulatorResponse ToResponse(SfReply reply)
    {
        EmulatorResponse response;
        if (reply.Raw is not null)
        {
            response = new EmulatorResponse(reply.Status, reply.Raw, reply.ContentType);
        }
        else if (reply.Body is null && reply.Status is 204 or 304)
        {
            response = EmulatorResponse.Empty(reply.Status);
        }
        else
        {
            response = EmulatorResponse.Json(reply.Status, reply.Body);
        }

        foreach (var (name, value) in reply.Headers)
        {
            response.WithHeader(name, value);
        }

        return response;
    }

    private static string Label(string version)
    {
        var major = (int)decimal.Parse(version, CultureInfo.InvariantCulture);
        var index = major - 20;
        return index < 0 ? "Summer '10" : $"{Seasons[index % 3]} '{11 + (index / 3):00}";
    }

    private JsonArray Versions()
        => new([.. Options.ApiVersions.Select(v => (JsonNode?)new JsonObject { ["label"] = Label(v), ["url"] = $"/services/data/v{v}", ["version"] = v })]);

    private string ErrorId()
    {
        var n = Interlocked.Increment(ref _errorIds);
        var hash = unchecked((Options.Seed * 1_000_003L) + (n * 7919L));
        return string.Create(CultureInfo.InvariantCulture, $"{1_000_000_000 + (Math.Abs(hash) % 999_999_999)}-{10_000 + (n % 89_999)} ({-(Math.Abs(hash * 31) % 2_000_000_000)})");
    }

    private EmulatorResponse WithLimitInfo(EmulatorResponse response)
    {
        PruneUsage();
        return response.WithHeader("Sforce-Limit-Info", string.Create(CultureInfo.InvariantCulture, $"api-usage={_usageTotal}/{Options.DailyApiRequestLimit}"));
    }

    private void AddUsage(long count)
    {
        var minute = SfWire.TruncateToMinutes(TimeProvider.GetUtcNow());
        if (_usage.Count > 0 && _usage[^1].Minute == minute)
        {
            _usage[^1] = (minute, _usage[^1].Count + count);
        }
        else
        {
            _usage.Add((minute, count));
        }

        _usageTotal += count;
    }

    private void PruneUsage()
    {
        var cutoff = TimeProvider.GetUtcNow() - TimeSpan.FromHours(24);
        var expired = 0;
        while (expired < _usage.Count && _usage[expired].Minute <= cutoff)
        {
            _usageTotal -= _usage[expired].Count;
            expired++;
        }

        _usage.RemoveRange(0, expired);
    }

    private void PurgeRecycleBin()
    {
        var now = _store.Now;
        if (now - _lastPurge >= TimeSpan.FromMinutes(1))
        {
            _lastPurge = now;
            _store.Purge(Options.RecycleBinRetention);
            _api.ExpireCursors();
        }
    }

    private long? EnterSlot()
    {
        lock (_inFlight)
        {
            var now = TimeProvider.GetUtcNow();
            var longRunning = _inFlight.Values.Count(start => now - start >= Options.LongRunningRequestThreshold);
            if (longRunning >= Options.ConcurrentRequestLimit)
            {
                return null;
            }

            var slot = ++_nextSlot;
            _inFlight[slot] = now;
            return slot;
        }
    }

    private void ExitSlot(long slot)
    {
        lock (_inFlight)
        {
            _inFlight.Remove(slot);
        }
    }

    private void Seed(string orgId, string userId)
    {
        var now = _store.Now;
        var audit = new Dictionary<string, object?>
        {
            ["CreatedDate"] = now,
            ["CreatedById"] = userId,
            ["LastModifiedDate"] = now,
            ["LastModifiedById"] = userId,
            ["SystemModstamp"] = now,
        };
        var schema = _store.Schema;
        _store.InsertRaw(schema.Find("Organization")!, orgId, new Dictionary<string, object?>(audit)
        {
            ["Id"] = orgId,
            ["Name"] = Options.OrganizationName,
            ["OrganizationType"] = "Developer Edition",
            ["InstanceName"] = "EMU1",
            ["IsSandbox"] = false,
            ["TimeZoneSidKey"] = "GMT",
            ["LanguageLocaleKey"] = "en_US",
            ["DefaultLocaleSidKey"] = "en_US",
        });
        _store.InsertRaw(schema.Find("User")!, userId, new Dictionary<string, object?>(audit)
        {
            ["Id"] = userId,
            ["Username"] = Options.Username,
            ["FirstName"] = "Aria",
            ["LastName"] = "Integration",
            ["Email"] = Options.Username,
            ["Alias"] = "aint",
            ["IsActive"] = true,
            ["CompanyName"] = Options.OrganizationName,
            ["TimeZoneSidKey"] = "GMT",
            ["LocaleSidKey"] = "en_US",
            ["LanguageLocaleKey"] = "en_US",
            ["UserType"] = "Standard",
        });

        (string Name, bool Closed, bool Won, decimal Probability, string Forecast, string ForecastType)[] stages =
        [
            ("Prospecting", false, false, 10m, "Pipeline", "Pipeline"),
            ("Qualification", false, false, 10m, "Pipeline", "Pipeline"),
            ("Needs Analysis", false, false, 20m, "Pipeline", "Pipeline"),
            ("Value Proposition", false, false, 50m, "Pipeline", "Pipeline"),
            ("Id. Decision Makers", false, false, 60m, "Pipeline", "Pipeline"),
            ("Perception Analysis", false, false, 70m, "Pipeline", "Pipeline"),
            ("Proposal/Price Quote", false, false, 75m, "Pipeline", "Pipeline"),
            ("Negotiation/Review", false, false, 90m, "Pipeline", "Pipeline"),
            ("Closed Won", true, true, 100m, "Closed", "Closed"),
            ("Closed Lost", true, false, 0m, "Omitted", "Omitted"),
        ];
        var stageObject = schema.Find("OpportunityStage")!;
        for (var i = 0; i < stages.Length; i++)
        {
            var (name, closed, won, probability, forecast, forecastType) = stages[i];
            var id = _store.NewId(stageObject.KeyPrefix);
            _store.InsertRaw(stageObject, id, new Dictionary<string, object?>(audit)
            {
                ["Id"] = id,
                ["MasterLabel"] = name,
                ["ApiName"] = name,
                ["IsActive"] = true,
                ["SortOrder"] = (decimal)(i + 1),
                ["IsClosed"] = closed,
                ["IsWon"] = won,
                ["DefaultProbability"] = probability,
                ["ForecastCategoryName"] = forecast,
                ["ForecastCategory"] = forecastType,
                ["Description"] = null,
            });
        }
    }

    private EmulatorResponse Soap(EmulatorRequest request)
    {
        const string Envelope = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns=\"urn:partner.soap.sforce.com\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:sf=\"urn:fault.partner.soap.sforce.com\"><soapenv:Body>{0}</soapenv:Body></soapenv:Envelope>";
        var body = request.BodyText;
        var version = request.Path.TrimEnd('/').Split('/')[^1];
        if (body.Contains("<logout", StringComparison.Ordinal) || body.Contains(":logout", StringComparison.Ordinal))
        {
            var session = SoapValue(body, "sessionId");
            if (session is not null)
            {
                _oauth.ExpireToken(session);
            }

            return new EmulatorResponse(200, Encoding.UTF8.GetBytes(string.Format(CultureInfo.InvariantCulture, Envelope, "<logoutResponse/>")), "text/xml;charset=UTF-8");
        }

        var username = SoapValue(body, "username");
        var password = SoapValue(body, "password");
        if (!_oauth.CheckCredentials(username, password))
        {
            var fault = "<soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring><detail><sf:LoginFault xsi:type=\"sf:LoginFault\"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username, password, security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>";
            return new EmulatorResponse(500, Encoding.UTF8.GetBytes(string.Format(CultureInfo.InvariantCulture, Envelope, fault)), "text/xml;charset=UTF-8");
        }

        var sessionId = _oauth.IssueSession();
        var org15 = _oauth.OrganizationId[..15];
        var instance = _oauth.Instance;
        var result = $"<loginResponse><result><metadataServerUrl>{instance}/services/Soap/m/{version}/{org15}</metadataServerUrl><passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
            + $"<serverUrl>{instance}/services/Soap/u/{version}/{org15}</serverUrl><sessionId>{WebUtility.HtmlEncode(sessionId)}</sessionId><userId>{_oauth.UserId}</userId>"
            + $"<userInfo><accessibilityMode>false</accessibilityMode><currencySymbol>$</currencySymbol><orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit><orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode>"
            + $"<orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments><orgHasPersonAccounts>false</orgHasPersonAccounts><organizationId>{_oauth.OrganizationId}</organizationId><organizationMultiCurrency>false</organizationMultiCurrency>"
            + $"<organizationName>{WebUtility.HtmlEncode(Options.OrganizationName)}</organizationName><profileId>00e000000000000AAA</profileId><roleId xsi:nil=\"true\"/><sessionSecondsValid>{(int)Options.AccessTokenLifetime.TotalSeconds}</sessionSecondsValid>"
            + $"<userDefaultCurrencyIsoCode xsi:nil=\"true\"/><userEmail>{WebUtility.HtmlEncode(Options.Username)}</userEmail><userFullName>Aria Integration</userFullName><userId>{_oauth.UserId}</userId><userLanguage>en_US</userLanguage>"
            + $"<userLocale>en_US</userLocale><userName>{WebUtility.HtmlEncode(Options.Username)}</userName><userTimeZone>GMT</userTimeZone><userType>Standard</userType><userUiSkin>Theme3</userUiSkin></userInfo></result></loginResponse>";
        return new EmulatorResponse(200, Encoding.UTF8.GetBytes(string.Format(CultureInfo.InvariantCulture, Envelope, result)), "text/xml;charset=UTF-8");
    }

    private static string? SoapValue(string body, string element)
    {
        var match = Regex.Match(body, $"<(?:[A-Za-z0-9_]+:)?{element}(?:\\s[^>]*)?>(.*?)</(?:[A-Za-z0-9_]+:)?{element}>", RegexOptions.Singleline, TimeSpan.FromSeconds(1));
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }

    [GeneratedRegex(@"^/services/data/v(\d+\.\d)(?:/(.*))?$", RegexOptions.IgnoreCase)]
    private static partial Regex RestPath();
}
