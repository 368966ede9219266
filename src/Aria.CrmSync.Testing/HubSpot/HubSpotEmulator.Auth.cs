using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing;

/// <content>Authentication: private-app tokens, OAuth 2 (v1, v3 and dated token endpoints), token information.</content>
public sealed partial class HubSpotEmulator
{
    private const string CredentialsNotFound =
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview";

    private readonly Random _tokenRandom;
    private readonly Dictionary<string, HubSpotToken> _accessTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HubSpotRefreshToken> _refreshTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _authorizationCodes = new(StringComparer.Ordinal);
    private readonly List<(string? Endpoint, int Status, int Remaining)> _injectedStatuses = [];

    /// <summary>Creates a private-app (static) access token, valid until revoked; its burst limit is its own.</summary>
    /// <param name="scopes">The granted scopes; <see cref="HubSpotEmulatorOptions.Scopes"/> when <see langword="null"/>.
    /// A call needing a scope the token lacks gets HubSpot's 403 <c>MISSING_SCOPES</c>.</param>
    /// <returns>The token, e.g. <c>pat-na1-…</c>.</returns>
    public string CreatePrivateAppToken(IEnumerable<string>? scopes = null)
    {
        lock (_gate)
        {
            var token = "pat-na1-" + RandomGuid();
            _accessTokens[token] = new HubSpotToken(token, IsOAuth: false, ExpiresAt: null, Bucket: "private:" + token, Scopes: scopes?.ToList() ?? _options.Scopes);
            return token;
        }
    }

    private void RequireScopes(HubSpotRequestContext context)
    {
        var route = context.Route;
        var kind = route.Kind;
        var write = kind is HubSpotRouteKind.ObjectCreate or HubSpotRouteKind.ObjectUpdate or HubSpotRouteKind.ObjectArchive
            or HubSpotRouteKind.BatchCreate or HubSpotRouteKind.BatchUpdate or HubSpotRouteKind.BatchUpsert or HubSpotRouteKind.BatchArchive
            or HubSpotRouteKind.Merge or HubSpotRouteKind.AssocPutLabelled or HubSpotRouteKind.AssocPutDefault or HubSpotRouteKind.AssocDelete
            or HubSpotRouteKind.AssocBatchCreate or HubSpotRouteKind.AssocBatchAssociateDefault or HubSpotRouteKind.AssocBatchArchive
            or HubSpotRouteKind.AssocBatchLabelsArchive or HubSpotRouteKind.AssocV3Put or HubSpotRouteKind.AssocV3Delete
            or HubSpotRouteKind.AssocV3BatchCreate or HubSpotRouteKind.AssocV3BatchArchive;
        if (route.ObjectType is null || !_types.TryGetValue(route.ObjectType, out var type))
        {
            return;
        }

        var family = type.Name switch
        {
            "deals" => "deals",
            "companies" => "companies",
            _ => "contacts",
        };
        var scope = $"crm.objects.{family}.{(write ? "write" : "read")}";
        var granted = context.Token?.Scopes ?? [];
        var needsEmailScope = type.Name == "emails" && !write && !granted.Contains("sales-email-read");
        if (granted.Contains(scope) && !needsEmailScope)
        {
            return;
        }

        string[] required = family == "deals" && !write
            ? ["crm.schemas.deals.read", "crm.objects.deals.sensitive.read.v2", "crm.objects.deals.read", "crm.objects.deals.highly_sensitive.read.v2"]
            : needsEmailScope ? ["sales-email-read"] : [scope];
        var body = new JsonObject
        {
            ["status"] = "error",
            ["message"] = "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
            ["correlationId"] = context.CorrelationId,
            ["errors"] = new JsonArray(new JsonObject
            {
                ["message"] = "One or more of the following scopes are required.",
                ["context"] = Context("requiredGranularScopes", required),
            }),
            ["links"] = new JsonObject { ["scopes"] = "https://developers.hubspot.com/scopes" },
            ["category"] = "MISSING_SCOPES",
        };
        throw new HubSpotApiException(403, body);
    }

    /// <summary>Issues OAuth tokens for the registered app as if the authorization-code flow had completed (no HTTP).</summary>
    /// <returns>The tokens.</returns>
    public HubSpotOAuthTokens IssueOAuthTokens()
    {
        lock (_gate)
        {
            var refresh = NewRefreshToken();
            var access = NewAccessToken(refresh);
            return new HubSpotOAuthTokens(access.Token, refresh.Token, access.ExpiresAt!.Value);
        }
    }

    /// <summary>
    /// Creates a one-time authorization code, as HubSpot's redirect after the user installs the app; exchange it at
    /// <c>POST /oauth/v1/token</c> with <c>grant_type=authorization_code</c>.
    /// </summary>
    /// <param name="redirectUri">The redirect URI the token request must repeat; <see langword="null"/> accepts any.</param>
    /// <returns>The code.</returns>
    public string CreateAuthorizationCode(string? redirectUri = null)
    {
        lock (_gate)
        {
            var code = "code-" + RandomGuid();
            _authorizationCodes[code] = redirectUri;
            return code;
        }
    }

    /// <summary>Expires every OAuth access token issued so far (refresh tokens stay valid).</summary>
    public void ExpireAccessTokens()
    {
        lock (_gate)
        {
            var expired = Now.AddSeconds(-1);
            foreach (var (key, token) in _accessTokens.ToList())
            {
                if (token.IsOAuth)
                {
                    _accessTokens[key] = token with { ExpiresAt = expired };
                }
            }
        }
    }

    /// <summary>Revokes a refresh token (as <c>DELETE /oauth/v1/refresh-tokens/{token}</c>; issued access tokens stay valid).</summary>
    /// <param name="refreshToken">The refresh token.</param>
    /// <returns><see langword="true"/> when it existed.</returns>
    public bool RevokeRefreshToken(string refreshToken)
    {
        lock (_gate)
        {
            return _refreshTokens.Remove(refreshToken);
        }
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> requests to <paramref name="endpoint"/> with HubSpot's body for
    /// <paramref name="statusCode"/> (e.g. 423 Locked, 477 Migration in Progress with <c>Retry-After</c>, 502, 504),
    /// without processing them. Not counted against the API limit.
    /// </summary>
    /// <param name="statusCode">The status code (4xx or 5xx).</param>
    /// <param name="endpoint">The endpoint key, a prefix ending in <c>*</c>, or <see langword="null"/> for any API endpoint.</param>
    /// <param name="count">How many requests.</param>
    public void FailNextWithStatus(int statusCode, string? endpoint = null, int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_gate)
        {
            _injectedStatuses.Add((endpoint, statusCode, count));
        }
    }

    private static string StatusCategory(int status) => status switch
    {
        423 => "LOCKED",
        477 => "MIGRATION_IN_PROGRESS",
        502 or 504 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        429 => "RATE_LIMITS",
        >= 500 => "INTERNAL_ERROR",
        _ => "VALIDATION_ERROR",
    };

    private static JsonObject OAuthError(string error, string status, string message, string correlationId)
        => new()
        {
            ["error"] = error,
            ["error_description"] = message,
            ["status"] = status,
            ["message"] = message,
            ["correlationId"] = correlationId,
            ["category"] = status,
        };

    private EmulatorResponse? TryTakeInjectedStatus(string endpoint, string correlationId)
    {
        for (var i = 0; i < _injectedStatuses.Count; i++)
        {
            var (pattern, status, remaining) = _injectedStatuses[i];
            var rule = new FaultRule { Kind = FaultKind.ServerError, Endpoint = pattern };
            if (!rule.Matches(endpoint))
            {
                continue;
            }

            if (remaining <= 1)
            {
                _injectedStatuses.RemoveAt(i);
            }
            else
            {
                _injectedStatuses[i] = (pattern, status, remaining - 1);
            }

            var message = status switch
            {
                423 => "The resource is locked. Wait at least 2 seconds and retry.",
                477 => "Migration in progress. Retry after the number of seconds in the Retry-After header.",
                502 => "Bad Gateway",
                504 => "Gateway Timeout",
                503 => "Service Unavailable. Please retry.",
                _ => "internal error",
            };
            var response = Error(status, StatusCategory(status), message, correlationId);
            if (status == 477)
            {
                response.WithHeader("Retry-After", "30");
            }

            return response;
        }

        return null;
    }

    private string RandomGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _tokenRandom.NextBytes(bytes);
        var hex = Convert.ToHexStringLower(bytes);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private HubSpotRefreshToken NewRefreshToken()
    {
        var refresh = new HubSpotRefreshToken("na1-" + RandomGuid()[4..], _options.Scopes);
        _refreshTokens[refresh.Token] = refresh;
        return refresh;
    }

    private HubSpotToken NewAccessToken(HubSpotRefreshToken refresh)
    {
        Span<byte> bytes = stackalloc byte[96];
        _tokenRandom.NextBytes(bytes);
        var token = "C" + Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var access = new HubSpotToken(token, IsOAuth: true, Now + _options.AccessTokenLifetime, "app:" + _options.ClientId, refresh.Scopes);
        _accessTokens[token] = access;
        return access;
    }

    private HubSpotToken Authenticate(HubSpotRequestContext context)
    {
        var bearer = context.Request.BearerToken;
        if (string.IsNullOrEmpty(bearer) || !_accessTokens.TryGetValue(bearer, out var token))
        {
            throw new HubSpotApiException(401, ErrorBody("INVALID_AUTHENTICATION", CredentialsNotFound, context.CorrelationId));
        }

        if (token.ExpiresAt is { } expiresAt && expiresAt <= Now)
        {
            var ago = Now - expiresAt;
            var text = ago.TotalDays >= 1 ? $"{(int)ago.TotalDays} day(s)"
                : ago.TotalHours >= 1 ? $"{(int)ago.TotalHours} hour(s)"
                : ago.TotalMinutes >= 1 ? $"{(int)ago.TotalMinutes} minute(s)"
                : $"{(int)ago.TotalSeconds} second(s)";
            throw new HubSpotApiException(401, ErrorBody(
                "EXPIRED_AUTHENTICATION",
                $"The OAuth token used to make this call expired {text} ago.",
                context.CorrelationId,
                Context("expire time", FormatTime(expiresAt))));
        }

        return token;
    }

    private EmulatorResponse HandleOAuth(HubSpotRequestContext context)
    {
        var request = context.Request;
        switch (context.Route.Kind)
        {
            case HubSpotRouteKind.OAuthToken:
                return OAuthToken(context, v3: !request.Path.StartsWith("/oauth/v1", StringComparison.Ordinal));
            case HubSpotRouteKind.OAuthAccessTokenInfo:
                {
                    var token = context.Route.ObjectId!;
                    if (!_accessTokens.TryGetValue(token, out var info) || !info.IsOAuth || info.ExpiresAt <= Now)
                    {
                        return EmulatorResponse.Json(404, ErrorBody("EXPIRED_AUTHENTICATION", "The access token is expired or invalid", context.CorrelationId));
                    }

                    return EmulatorResponse.Json(200, AccessTokenInfo(info, v3: false));
                }

            case HubSpotRouteKind.OAuthRefreshTokenInfo:
                {
                    var token = context.Route.ObjectId!;
                    if (!_refreshTokens.TryGetValue(token, out var info))
                    {
                        return EmulatorResponse.Json(404, ErrorBody("OBJECT_NOT_FOUND", "refresh token not found", context.CorrelationId));
                    }

                    return EmulatorResponse.Json(200, RefreshTokenInfo(info, v3: false));
                }

            case HubSpotRouteKind.OAuthRefreshTokenDelete:
                _refreshTokens.Remove(context.Route.ObjectId!);
                return EmulatorResponse.Empty(204);
            case HubSpotRouteKind.OAuthIntrospect:
                {
                    var form = request.ReadForm();
                    if (!ClientMatches(form))
                    {
                        return EmulatorResponse.Json(400, OAuthError("invalid_client", "BAD_CLIENT_ID", "missing or unknown client id", context.CorrelationId));
                    }

                    var token = form.GetValueOrDefault("token") ?? string.Empty;
                    if (_accessTokens.TryGetValue(token, out var access) && access.IsOAuth && access.ExpiresAt > Now)
                    {
                        return EmulatorResponse.Json(200, AccessTokenInfo(access, v3: true));
                    }

                    if (_refreshTokens.TryGetValue(token, out var refresh))
                    {
                        return EmulatorResponse.Json(200, RefreshTokenInfo(refresh, v3: true));
                    }

                    return EmulatorResponse.Json(200, new JsonObject { ["active"] = false });
                }

            default:
                {
                    var form = request.ReadForm();
                    if (!ClientMatches(form))
                    {
                        return EmulatorResponse.Json(400, OAuthError("invalid_client", "BAD_CLIENT_ID", "missing or unknown client id", context.CorrelationId));
                    }

                    var token = form.GetValueOrDefault("token") ?? string.Empty;
                    if (!_refreshTokens.Remove(token))
                    {
                        _accessTokens.Remove(token);
                    }

                    return EmulatorResponse.Empty(204);
                }
        }
    }

    private bool ClientMatches(IReadOnlyDictionary<string, string> form)
        => form.GetValueOrDefault("client_id") == _options.ClientId && form.GetValueOrDefault("client_secret") == _options.ClientSecret;

    private EmulatorResponse OAuthToken(HubSpotRequestContext context, bool v3)
    {
        var form = context.Request.ReadForm();
        var correlationId = context.CorrelationId;
        var grant = form.GetValueOrDefault("grant_type");
        if (grant is not ("authorization_code" or "refresh_token"))
        {
            return EmulatorResponse.Json(400, OAuthError("unsupported_grant_type", "BAD_GRANT_TYPE", $"grant_type must be authorization_code or refresh_token, got '{grant}'", correlationId));
        }

        if (form.GetValueOrDefault("client_id") != _options.ClientId)
        {
            return EmulatorResponse.Json(400, OAuthError("invalid_client", "BAD_CLIENT_ID", "missing or unknown client id", correlationId));
        }

        if (form.GetValueOrDefault("client_secret") != _options.ClientSecret)
        {
            return EmulatorResponse.Json(400, OAuthError("invalid_client", "BAD_CLIENT_SECRET", "missing or invalid client secret", correlationId));
        }

        HubSpotRefreshToken refresh;
        if (grant == "authorization_code")
        {
            var code = form.GetValueOrDefault("code") ?? string.Empty;
            if (!_authorizationCodes.Remove(code, out var redirectUri))
            {
                return EmulatorResponse.Json(400, OAuthError("invalid_grant", "BAD_AUTH_CODE", "missing or unknown auth code", correlationId));
            }

            if (redirectUri is not null && form.GetValueOrDefault("redirect_uri") != redirectUri)
            {
                return EmulatorResponse.Json(400, OAuthError("invalid_grant", "BAD_REDIRECT_URI", "redirect_uri does not match the one used for the authorization code", correlationId));
            }

            refresh = NewRefreshToken();
        }
        else
        {
            var token = form.GetValueOrDefault("refresh_token") ?? string.Empty;
            if (!_refreshTokens.TryGetValue(token, out refresh!))
            {
                return EmulatorResponse.Json(400, OAuthError("invalid_grant", "BAD_REFRESH_TOKEN", "refresh token is invalid, expired or revoked", correlationId));
            }
        }

        var access = NewAccessToken(refresh);
        var body = new JsonObject
        {
            ["token_type"] = "bearer",
            ["refresh_token"] = refresh.Token,
            ["access_token"] = access.Token,
            ["expires_in"] = (long)_options.AccessTokenLifetime.TotalSeconds,
            ["token_use"] = "access_token",
        };
        if (v3)
        {
            body["hub_id"] = _options.PortalId;
            body["scopes"] = StringArray(refresh.Scopes);
        }

        return EmulatorResponse.Json(200, body);
    }

    private JsonObject AccessTokenInfo(HubSpotToken token, bool v3)
    {
        var expiresIn = (long)Math.Max(0, (token.ExpiresAt!.Value - Now).TotalSeconds);
        var signed = new JsonObject
        {
            ["expiresAt"] = token.ExpiresAt.Value.ToUnixTimeMilliseconds(),
            ["scopes"] = "AAEAAAAQ==",
            ["hubId"] = _options.PortalId,
            ["userId"] = _options.UserId,
            ["appId"] = _options.AppId,
            ["signature"] = "5m7ihJJuKFq1TcIiHCqwE=",
            ["scopeToScopeGroupPks"] = "AAAAQAAAAAAAAAACAAAAAAAAAAAAAIAAAAAAA4AEAAAAAAAAAAAAAABAC",
            ["newSignature"] = "fme07ZHXy6atYNNW8XCU=",
            ["hublet"] = "na1",
            ["trialScopes"] = string.Empty,
            ["trialScopeToScopeGroupPks"] = string.Empty,
            ["isUserLevel"] = false,
            ["isPrivateDistribution"] = true,
            ["isServiceAccount"] = false,
            ["installingUserId"] = _options.UserId,
            ["appInstallId"] = Invariant(_options.AppId) + "-" + Invariant(_options.PortalId),
            ["audience"] = _options.ClientId,
        };
        if (v3)
        {
            return new JsonObject
            {
                ["active"] = true,
                ["token"] = token.Token,
                ["hub_id"] = _options.PortalId,
                ["user_id"] = _options.UserId,
                ["client_id"] = _options.ClientId,
                ["app_id"] = _options.AppId,
                ["user"] = _options.UserEmail,
                ["hub_domain"] = _options.HubDomain,
                ["scopes"] = StringArray(token.Scopes),
                ["signed_access_token"] = signed,
                ["expires_in"] = expiresIn,
                ["is_private_distribution"] = true,
                ["token_use"] = "access_token",
                ["token_type"] = "Bearer",
            };
        }

        return new JsonObject
        {
            ["token"] = token.Token,
            ["user"] = _options.UserEmail,
            ["hub_domain"] = _options.HubDomain,
            ["scopes"] = StringArray(token.Scopes),
            ["signed_access_token"] = signed,
            ["hub_id"] = _options.PortalId,
            ["app_id"] = _options.AppId,
            ["expires_in"] = expiresIn,
            ["user_id"] = _options.UserId,
            ["token_type"] = "access",
        };
    }

    private JsonObject RefreshTokenInfo(HubSpotRefreshToken token, bool v3)
    {
        var body = new JsonObject();
        if (v3)
        {
            body["active"] = true;
        }

        body["token"] = token.Token;
        body["user"] = _options.UserEmail;
        body["hub_domain"] = _options.HubDomain;
        body["scopes"] = StringArray(token.Scopes);
        body["hub_id"] = _options.PortalId;
        body["client_id"] = _options.ClientId;
        body["user_id"] = _options.UserId;
        if (v3)
        {
            body["app_id"] = _options.AppId;
            body["token_use"] = "refresh_token";
            body["token_type"] = "Bearer";
        }
        else
        {
            body["token_type"] = "refresh";
        }

        return body;
    }

    private static JsonArray StringArray(IEnumerable<string> values)
    {
        var array = new JsonArray();
        foreach (var value in values)
        {
            array.Add(value);
        }

        return array;
    }

    /// <summary>An access token (OAuth or private app).</summary>
    private sealed record HubSpotToken(string Token, bool IsOAuth, DateTimeOffset? ExpiresAt, string Bucket, IReadOnlyList<string> Scopes);

    /// <summary>An OAuth refresh token.</summary>
    private sealed record HubSpotRefreshToken(string Token, IReadOnlyList<string> Scopes);
}
