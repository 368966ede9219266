using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing;

/// <summary>
/// A local emulator of Composio's proxy (<c>POST /api/v3/tools/execute/proxy</c>, also under <c>/api/v3.1</c>) in
/// front of a <see cref="SalesforceEmulator"/> and a <see cref="HubSpotEmulator"/>, which it calls in process
/// (<see cref="CrmEmulator.HandleAsync"/>), so their call accounting and fault injection keep working. Connected
/// accounts hold the CRM tokens; the emulator adds them to each proxied request and, when the CRM says an access token
/// expired, refreshes it at the CRM's token endpoint and repeats the call once, as Composio does.
/// </summary>
/// <remarks>
/// <para>Shapes follow Composio's API reference: request <c>{connected_account_id, endpoint, method, body?,
/// binary_body?, parameters?: [{name, value, type: "header"|"query"}]}</c> with <c>x-api-key</c>; result (HTTP 200)
/// <c>{data, status, headers}</c> with the CRM's status, parsed body and headers, plus (see
/// <see cref="ComposioEmulatorOptions.IncludeExecutionFields"/>) <c>successful</c>, <c>error</c> and <c>log_id</c>;
/// errors <c>{error: {message, code, slug, status, request_id, suggested_fix}}</c>.</para>
/// <para>Errors (the status codes are documented; which condition gives which is this emulator's choice): 401 missing
/// or unknown API key; 400 malformed request; 404 unknown connected account; 410 expired account (also when a refresh
/// is refused mid-call); 422 disabled account; 502 when the CRM connection fails; injected faults: 429 (no
/// <c>Retry-After</c>), 500, 503, dropped connections, lost responses, truncated or malformed bodies.</para>
/// <para>Endpoint keys: <c>composio.proxy</c> (counted once per proxied call) and <c>composio.unknown</c>.</para>
/// </remarks>
public sealed class ComposioEmulator : CrmEmulator
{
    /// <summary>The endpoint key of <c>POST /api/v3/tools/execute/proxy</c>.</summary>
    public const string ProxyEndpoint = "composio.proxy";

    /// <summary>The endpoint key of any other path.</summary>
    public const string UnknownEndpoint = "composio.unknown";

    private static readonly HashSet<string> Methods = new(StringComparer.Ordinal) { "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD" };

    private readonly Lock _gate = new();
    private readonly HashSet<string> _apiKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private readonly List<ComposioEmulatorLogEntry> _logs = [];
    private readonly Dictionary<CrmProvider, long> _proxied = [];
    private readonly Random _ids;

    /// <summary>Initializes a new instance of the <see cref="ComposioEmulator"/> class.</summary>
    /// <param name="salesforce">The Salesforce org behind the proxy, if any.</param>
    /// <param name="hubSpot">The HubSpot portal behind the proxy, if any.</param>
    /// <param name="options">The options; defaults when <see langword="null"/>.</param>
    public ComposioEmulator(SalesforceEmulator? salesforce, HubSpotEmulator? hubSpot, ComposioEmulatorOptions? options = null)
        : base(options ??= new ComposioEmulatorOptions())
    {
        if (salesforce is null && hubSpot is null)
        {
            throw new ArgumentException("The Composio emulator needs at least one CRM emulator behind it.", nameof(salesforce));
        }

        Options = options;
        Salesforce = salesforce;
        HubSpot = hubSpot;
        _ids = new Random(unchecked((options.Seed * 7919) + 13));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ApiKey, nameof(options));
        _apiKeys.Add(options.ApiKey);
    }

    /// <summary>Gets the options.</summary>
    public ComposioEmulatorOptions Options { get; }

    /// <summary>Gets the Salesforce org behind the proxy.</summary>
    public SalesforceEmulator? Salesforce { get; }

    /// <summary>Gets the HubSpot portal behind the proxy.</summary>
    public HubSpotEmulator? HubSpot { get; }

    /// <summary>Gets the API key accepted from the start (<see cref="ComposioEmulatorOptions.ApiKey"/>).</summary>
    public string ApiKey => Options.ApiKey;

    /// <summary>Gets the API base to configure clients with: <c>{BaseAddress}/api/v3</c>.</summary>
    public Uri ApiBaseAddress => new(BaseAddress, "/api/v3");

    /// <summary>Gets the execution log of proxied calls, oldest first.</summary>
    public IReadOnlyList<ComposioEmulatorLogEntry> Logs
    {
        get
        {
            lock (_gate)
            {
                return [.. _logs];
            }
        }
    }

    /// <summary>Gets how many proxied calls reached a CRM (one per CRM request; a refresh's repeat counts too).</summary>
    /// <param name="provider">The CRM.</param>
    /// <returns>The count.</returns>
    public long ProxiedCalls(CrmProvider provider)
    {
        lock (_gate)
        {
            return _proxied.GetValueOrDefault(provider);
        }
    }

    /// <summary>Creates another accepted API key.</summary>
    /// <returns>The key.</returns>
    public string AddApiKey()
    {
        lock (_gate)
        {
            var key = "ak_" + Hex(20);
            _apiKeys.Add(key);
            return key;
        }
    }

    /// <summary>Revokes an API key: calls with it get 401.</summary>
    /// <param name="apiKey">The key.</param>
    /// <returns><see langword="true"/> when the key was accepted before.</returns>
    public bool RevokeApiKey(string apiKey)
    {
        ArgumentNullException.ThrowIfNull(apiKey);
        lock (_gate)
        {
            return _apiKeys.Remove(apiKey);
        }
    }

    /// <summary>
    /// Connects a user's CRM: a new connected account holding fresh tokens from the CRM emulator (Salesforce: OAuth
    /// access and refresh token; HubSpot: OAuth tokens, or a private-app token when <paramref name="privateApp"/>).
    /// </summary>
    /// <param name="provider">The CRM.</param>
    /// <param name="userId">The Composio user id; defaults to <c>default</c>.</param>
    /// <param name="privateApp">For HubSpot: hold a private-app token (never refreshed) instead of OAuth tokens.</param>
    /// <returns>The account.</returns>
    public ComposioEmulatorAccount AddConnectedAccount(CrmProvider provider, string? userId = null, bool privateApp = false)
    {
        if (provider == CrmProvider.Salesforce)
        {
            var sf = Backend<SalesforceEmulator>(provider).IssueTokens();
            return AddConnectedAccount(provider, sf.AccessToken, sf.RefreshToken, userId);
        }

        if (privateApp)
        {
            return AddConnectedAccount(provider, Backend<HubSpotEmulator>(provider).CreatePrivateAppToken(), null, userId);
        }

        var hs = Backend<HubSpotEmulator>(provider).IssueOAuthTokens();
        return AddConnectedAccount(provider, hs.AccessToken, hs.RefreshToken, userId);
    }

    /// <summary>Connects a user's CRM with tokens the caller obtained from the CRM emulator.</summary>
    /// <param name="provider">The CRM.</param>
    /// <param name="accessToken">The access token (or HubSpot private-app token).</param>
    /// <param name="refreshToken">The refresh token, or <see langword="null"/> when the token is never refreshed.</param>
    /// <param name="userId">The Composio user id; defaults to <c>default</c>.</param>
    /// <returns>The account.</returns>
    public ComposioEmulatorAccount AddConnectedAccount(CrmProvider provider, string accessToken, string? refreshToken, string? userId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(accessToken);
        _ = BackendOf(provider) ?? throw new ArgumentException($"No {provider} emulator is behind this Composio emulator.", nameof(provider));
        lock (_gate)
        {
            var account = new Account("ca_" + Hex(12), provider, userId ?? "default", accessToken, refreshToken);
            _accounts[account.Id] = account;
            return account.Snapshot();
        }
    }

    /// <summary>Gets a connected account.</summary>
    /// <param name="id">The account id.</param>
    /// <returns>The account, or <see langword="null"/> when unknown.</returns>
    public ComposioEmulatorAccount? GetAccount(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            return _accounts.TryGetValue(id, out var account) ? account.Snapshot() : null;
        }
    }

    /// <summary>Sets an account's state (expire it, disable it, or make it usable again).</summary>
    /// <param name="id">The account id.</param>
    /// <param name="status">The new state.</param>
    /// <exception cref="KeyNotFoundException">The account is unknown.</exception>
    public void SetAccountStatus(string id, ComposioAccountStatus status)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            _accounts[id].Status = status;
        }
    }

    /// <summary>Deletes an account: proxy calls naming it get 404.</summary>
    /// <param name="id">The account id.</param>
    /// <returns><see langword="true"/> when it existed.</returns>
    public bool DeleteAccount(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            return _accounts.Remove(id);
        }
    }

    /// <inheritdoc />
    protected override string ClassifyEndpoint(EmulatorRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.TrimEnd('/');
        return path is "/api/v3/tools/execute/proxy" or "/api/v3.1/tools/execute/proxy" ? ProxyEndpoint : UnknownEndpoint;
    }

    /// <inheritdoc />
    protected override async Task<EmulatorResponse> HandleCoreAsync(EmulatorRequest request, string endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (endpoint == UnknownEndpoint)
        {
            return Error(404, "NotFound", "Route not found", null);
        }

        if (request.Method != "POST")
        {
            return Error(405, "MethodNotAllowed", $"Method {request.Method} is not allowed on the proxy", null);
        }

        lock (_gate)
        {
            if (request.Header("x-api-key") is not { Length: > 0 } key || !_apiKeys.Contains(key))
            {
                return Error(401, "Unauthorized", "Invalid API key. Please check your x-api-key header.", "Pass a valid project API key in the x-api-key header");
            }
        }

        ProxyCall call;
        try
        {
            call = ProxyCall.Parse(request);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            return Error(400, "BadRequest", "Invalid request body: " + ex.Message, null);
        }

        Account account;
        lock (_gate)
        {
            if (!_accounts.TryGetValue(call.AccountId, out account!))
            {
                return Error(404, "ConnectedAccountNotFound", $"Connected account {call.AccountId} not found", "Check the connected account id, or connect the user's account again");
            }

            switch (account.Status)
            {
                case ComposioAccountStatus.Expired:
                    return Error(410, "ConnectedAccountExpired", $"Connected account {call.AccountId} is expired", "Ask the user to connect the account again");
                case ComposioAccountStatus.Disabled:
                    return Error(422, "ConnectedAccountInactive", $"Connected account {call.AccountId} is disabled", "Enable the connected account, or connect it again");
            }
        }

        var backend = BackendOf(account.Provider)!;
        EmulatorResponse answer;
        try
        {
            answer = await SendAsync(backend, call, account, account.AccessToken, cancellationToken).ConfigureAwait(false);
            if (answer.StatusCode == 401 && account.RefreshToken is not null)
            {
                var refreshed = await RefreshAsync(backend, account, cancellationToken).ConfigureAwait(false);
                if (refreshed is null)
                {
                    return Log(call, account, 410, Error(410, "ConnectedAccountExpired", $"Connected account {call.AccountId} expired: the CRM refused its refresh token", "Ask the user to connect the account again"));
                }

                answer = await SendAsync(backend, call, account, refreshed, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (EmulatorConnectionDroppedException ex)
        {
            return Log(call, account, 502, Error(502, "UpstreamConnectionFailed", $"The request to {account.Provider} failed: the connection was closed {(ex.Processed ? "after" : "before")} the response", null));
        }

        if (answer.AbortAfterBody)
        {
            return Log(call, account, 502, Error(502, "UpstreamConnectionFailed", $"The response from {account.Provider} ended prematurely", null));
        }

        var logId = NextLogId();
        return Log(call, account, answer.StatusCode, Wrap(answer, logId), logId);
    }

    /// <inheritdoc />
    protected override EmulatorResponse CreateFaultResponse(FaultKind kind, EmulatorRequest request)
        => kind switch
        {
            FaultKind.RateLimited => Error(429, "RateLimitExceeded", "Rate limit exceeded. Please slow down your requests.", "Retry after a short wait"),
            FaultKind.ServiceUnavailable => Error(503, "ServiceUnavailable", "Service temporarily unavailable", null),
            _ => Error(500, "InternalServerError", "Internal server error", null),
        };

    /// <inheritdoc />
    protected override bool CountsAgainstLimit(string endpoint, EmulatorResponse response) => endpoint == ProxyEndpoint;

    private T Backend<T>(CrmProvider provider)
        where T : CrmEmulator
        => BackendOf(provider) as T ?? throw new ArgumentException($"No {provider} emulator is behind this Composio emulator.", nameof(provider));

    private CrmEmulator? BackendOf(CrmProvider provider) => provider == CrmProvider.Salesforce ? Salesforce : HubSpot;

    private async Task<EmulatorResponse> SendAsync(CrmEmulator backend, ProxyCall call, Account account, string accessToken, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(call.Headers, StringComparer.OrdinalIgnoreCase)
        {
            ["Authorization"] = "Bearer " + accessToken,
        };
        if (call.Body.Length > 0)
        {
            headers["Content-Type"] = call.ContentType;
        }

        lock (_gate)
        {
            _proxied[account.Provider] = _proxied.GetValueOrDefault(account.Provider) + 1;
        }

        return await backend.HandleAsync(new EmulatorRequest(call.Method, call.Path, call.Query, headers, call.Body), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refreshes the account's access token at the CRM (single-flight per account); <see langword="null"/> when refused (the account expires).</summary>
    private static async Task<string?> RefreshAsync(CrmEmulator backend, Account account, CancellationToken cancellationToken)
    {
        var rejected = account.AccessToken;
        await account.Refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!string.Equals(account.AccessToken, rejected, StringComparison.Ordinal))
            {
                return account.AccessToken; // refreshed by a concurrent call
            }

            var (path, clientId, clientSecret) = backend switch
            {
                SalesforceEmulator sf => ("/services/oauth2/token", sf.Options.ClientId, sf.Options.ClientSecret),
                HubSpotEmulator hs => ("/oauth/v1/token", hs.Options.ClientId, hs.Options.ClientSecret),
                _ => throw new InvalidOperationException("Unknown CRM emulator."),
            };
            var form = $"grant_type=refresh_token&refresh_token={Uri.EscapeDataString(account.RefreshToken!)}&client_id={Uri.EscapeDataString(clientId)}&client_secret={Uri.EscapeDataString(clientSecret)}";
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = "application/x-www-form-urlencoded" };
            EmulatorResponse response;
            try
            {
                response = await backend.HandleAsync(new EmulatorRequest("POST", path, null, headers, Encoding.UTF8.GetBytes(form)), cancellationToken).ConfigureAwait(false);
            }
            catch (EmulatorConnectionDroppedException)
            {
                return null;
            }

            if (response.StatusCode != 200 || JsonNode.Parse(response.BodyText) is not JsonObject tokens || tokens["access_token"]?.GetValue<string>() is not { Length: > 0 } access)
            {
                account.Status = ComposioAccountStatus.Expired;
                return null;
            }

            account.AccessToken = access;
            if (tokens["refresh_token"]?.GetValue<string>() is { Length: > 0 } refresh)
            {
                account.RefreshToken = refresh;
            }

            account.Refreshes++;
            return access;
        }
        finally
        {
            account.Refresh.Release();
        }
    }

    /// <summary>The proxy result: the CRM's status, parsed body and headers (lower-case names).</summary>
    private EmulatorResponse Wrap(EmulatorResponse answer, string logId)
    {
        JsonNode? data = null;
        if (answer.Body.Length > 0)
        {
            var json = answer.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) ?? false;
            if (json)
            {
                try
                {
                    data = JsonNode.Parse(answer.Body);
                }
                catch (JsonException)
                {
                    data = JsonValue.Create(answer.BodyText); // not JSON after all: handed back as text
                }
            }
            else
            {
                data = JsonValue.Create(answer.BodyText);
            }
        }

        var headers = new JsonObject();
        if (answer.ContentType is not null)
        {
            headers["content-type"] = answer.ContentType;
        }

        foreach (var (name, value) in answer.Headers)
        {
            headers[name.ToLowerInvariant()] = value;
        }

        var result = new JsonObject
        {
            ["data"] = data,
            ["status"] = answer.StatusCode,
            ["headers"] = headers,
        };
        if (Options.IncludeExecutionFields)
        {
            var failed = answer.StatusCode >= 400;
            result["successful"] = !failed;
            result["error"] = failed ? $"The proxied request failed with status code {answer.StatusCode}" : null;
            result["log_id"] = logId;
        }

        return EmulatorResponse.Json(200, result);
    }

    private EmulatorResponse Log(ProxyCall call, Account account, int status, EmulatorResponse response, string? logId = null)
    {
        var entry = new ComposioEmulatorLogEntry(logId ?? NextLogId(), account.Id, account.Provider, call.Method, call.Endpoint, status);
        lock (_gate)
        {
            _logs.Add(entry);
        }

        return response;
    }

    private EmulatorResponse Error(int status, string slug, string message, string? suggestedFix)
    {
        var error = new JsonObject
        {
            ["message"] = message,
            ["code"] = status * 100,
            ["slug"] = slug,
            ["status"] = status,
            ["request_id"] = "req_" + Hex(16),
        };
        if (suggestedFix is not null)
        {
            error["suggested_fix"] = suggestedFix;
        }

        return EmulatorResponse.Json(status, new JsonObject { ["error"] = error });
    }

    private string NextLogId() => "log_" + Hex(16);

    private string Hex(int length)
    {
        lock (_gate)
        {
            var bytes = new byte[(length + 1) / 2];
            _ids.NextBytes(bytes);
            return Convert.ToHexStringLower(bytes)[..length];
        }
    }

    private sealed class Account(string id, CrmProvider provider, string userId, string accessToken, string? refreshToken)
    {
        public string Id { get; } = id;

        public CrmProvider Provider { get; } = provider;

        public string UserId { get; } = userId;

        public string AccessToken { get; set; } = accessToken;

        public string? RefreshToken { get; set; } = refreshToken;

        public ComposioAccountStatus Status { get; set; }

        public int Refreshes { get; set; }

        public SemaphoreSlim Refresh { get; } = new(1, 1);

        public ComposioEmulatorAccount Snapshot() => new(Id, Provider, UserId, Status, Refreshes, RefreshToken is not null);
    }

    /// <summary>A parsed proxy request.</summary>
    private sealed class ProxyCall
    {
        public required string AccountId { get; init; }

        public required string Endpoint { get; init; }

        public required string Method { get; init; }

        public required string Path { get; init; }

        public required string Query { get; init; }

        public required Dictionary<string, string> Headers { get; init; }

        public required byte[] Body { get; init; }

        public required string ContentType { get; init; }

        public static ProxyCall Parse(EmulatorRequest request)
        {
            var root = JsonNode.Parse(request.Body.Length == 0 ? "null" : request.BodyText) as JsonObject
                ?? throw new FormatException("expected a JSON object");
            var accountId = root["connected_account_id"]?.GetValue<string>();
            if (string.IsNullOrEmpty(accountId))
            {
                throw new FormatException("connected_account_id is required");
            }

            var endpoint = root["endpoint"]?.GetValue<string>();
            if (string.IsNullOrEmpty(endpoint))
            {
                throw new FormatException("endpoint is required");
            }

            var method = root["method"]?.GetValue<string>() ?? throw new FormatException("method is required");
            if (!Methods.Contains(method))
            {
                throw new FormatException($"method must be one of {string.Join(", ", Methods)}");
            }

            // The endpoint: a path relative to the account's base URL, or an absolute URL (only its path and query are used).
            string pathAndQuery;
            if (Uri.TryCreate(endpoint, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
            {
                pathAndQuery = absolute.PathAndQuery;
            }
            else if (endpoint.StartsWith('/'))
            {
                pathAndQuery = endpoint;
            }
            else
            {
                pathAndQuery = "/" + endpoint;
            }

            var question = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
            var path = Uri.UnescapeDataString(question < 0 ? pathAndQuery : pathAndQuery[..question]);
            var query = new StringBuilder(question < 0 ? string.Empty : pathAndQuery[question..]);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (root["parameters"] is JsonArray parameters)
            {
                foreach (var parameter in parameters)
                {
                    var name = parameter?["name"]?.GetValue<string>() ?? throw new FormatException("a parameter has no name");
                    var value = parameter["value"] is JsonValue v ? (v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()) : throw new FormatException($"parameter '{name}' has no value");
                    switch (parameter["type"]?.GetValue<string>())
                    {
                        case "query":
                            query.Append(query.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
                            break;
                        case "header":
                            headers[name] = value;
                            break;
                        default:
                            throw new FormatException($"parameter '{name}' must have type 'header' or 'query'");
                    }
                }
            }

            byte[] body = [];
            var contentType = "application/json";
            if (root["body"] is { } json)
            {
                body = Encoding.UTF8.GetBytes(json.ToJsonString());
            }
            else if (root["binary_body"] is JsonObject binary)
            {
                body = Convert.FromBase64String(binary["base64"]?.GetValue<string>() ?? throw new FormatException("binary_body needs base64 (url is not supported by the emulator)"));
                contentType = binary["content_type"]?.GetValue<string>() ?? "application/octet-stream";
            }

            return new ProxyCall
            {
                AccountId = accountId,
                Endpoint = endpoint,
                Method = method,
                Path = path,
                Query = query.ToString(),
                Headers = headers,
                Body = body,
                ContentType = contentType,
            };
        }
    }
}
