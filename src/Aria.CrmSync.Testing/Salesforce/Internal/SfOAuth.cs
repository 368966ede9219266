using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;

namespace Aria.CrmSync.Testing.Salesforce;

/// <summary>The OAuth 2.0 server of the emulated org: authorize, token, revoke, userinfo and the identity URL.</summary>
internal sealed class SfOAuth
{
    private const string TokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";

    private readonly SalesforceEmulatorOptions _options;
    private readonly Func<DateTimeOffset> _clock;
    private readonly Func<Uri> _baseAddress;
    private readonly Random _random;
    private readonly Dictionary<string, AccessToken> _access = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RefreshToken> _refresh = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AuthCode> _codes = new(StringComparer.Ordinal);

    public SfOAuth(SalesforceEmulatorOptions options, Func<DateTimeOffset> clock, Func<Uri> baseAddress, int seed)
    {
        _options = options;
        _clock = clock;
        _baseAddress = baseAddress;
        _random = new Random(unchecked((seed * 7919) + 17));
    }

    public string OrganizationId { get; set; } = string.Empty;

    public string UserId { get; set; } = string.Empty;

    public string Instance => _baseAddress().ToString().TrimEnd('/');

    public string IdentityUrl => $"{Instance}/id/{OrganizationId}/{UserId}";

    /// <summary>Checks a bearer token; returns <see langword="false"/> when it is unknown, revoked or expired.</summary>
    public bool Authenticate(string? token)
    {
        if (token is null || !_access.TryGetValue(token, out var info) || info.Revoked)
        {
            return false;
        }

        var now = _clock();
        var from = _options.SlidingAccessTokenExpiration ? info.LastUsed : info.IssuedAt;
        if (now - from >= _options.AccessTokenLifetime)
        {
            return false;
        }

        info.LastUsed = now;
        return true;
    }

    /// <summary>Issues tokens directly (test seeding).</summary>
    public SalesforceTokens Issue(string? scope, bool withRefreshToken)
    {
        var granted = string.IsNullOrWhiteSpace(scope) ? _options.DefaultScope : scope.Trim();
        var (access, refresh, issuedAt) = IssuePair(_options.ClientId, granted, withRefreshToken ? NewRefresh(_options.ClientId, granted) : null);
        return new SalesforceTokens(access, refresh, new Uri(Instance), new Uri(IdentityUrl), issuedAt, granted);
    }

    /// <summary>Makes every current access token invalid.</summary>
    public void ExpireAccessTokens()
    {
        foreach (var token in _access.Values)
        {
            token.Revoked = true;
        }
    }

    /// <summary>Invalidates one access token (SOAP logout).</summary>
    public void ExpireToken(string token)
    {
        if (_access.TryGetValue(token, out var info))
        {
            info.Revoked = true;
        }
    }

    /// <summary>Revokes a refresh token and the access tokens issued from it.</summary>
    public bool RevokeRefreshToken(string token)
    {
        if (!_refresh.TryGetValue(token, out var info) || info.Revoked)
        {
            return false;
        }

        info.Revoked = true;
        foreach (var access in _access.Values.Where(a => a.RefreshToken == token))
        {
            access.Revoked = true;
        }

        return true;
    }

    public EmulatorResponse Authorize(EmulatorRequest request)
    {
        var q = request.Query;
        var clientId = q.GetValueOrDefault("client_id");
        if (!string.Equals(clientId, _options.ClientId, StringComparison.Ordinal))
        {
            return Error(400, "invalid_client_id", "client identifier invalid");
        }

        var redirect = q.GetValueOrDefault("redirect_uri");
        if (string.IsNullOrEmpty(redirect) || (_options.RedirectUris.Count > 0 && !_options.RedirectUris.Contains(redirect, StringComparer.Ordinal)))
        {
            return Error(400, "redirect_uri_mismatch", "redirect_uri must match configuration");
        }

        var state = q.GetValueOrDefault("state");
        var responseType = q.GetValueOrDefault("response_type");
        var scope = string.IsNullOrWhiteSpace(q.GetValueOrDefault("scope")) ? _options.DefaultScope : q["scope"].Trim();
        switch (responseType)
        {
            case "code":
                var code = "aPrx" + RandomString(56) + "==";
                _codes[code] = new AuthCode(clientId!, redirect, scope, _clock(), q.GetValueOrDefault("code_challenge"), q.GetValueOrDefault("code_challenge_method"));
                return Redirect(redirect, '?', [("code", code), ("state", state)]);
            case "token":
                var refresh = GrantsRefresh(scope) ? NewRefresh(clientId!, scope) : null;
                var (access, _, issuedAt) = IssuePair(clientId!, scope, refresh);
                var issued = issuedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                return Redirect(redirect, '#', [
                    ("access_token", access), ("refresh_token", refresh), ("signature", Sign(IdentityUrl, issued)), ("scope", scope),
                    ("instance_url", Instance), ("id", IdentityUrl), ("token_type", "Bearer"), ("issued_at", issued), ("state", state)]);
            default:
                return Redirect(redirect, '?', [("error", "unsupported_response_type"), ("error_description", "response type not supported"), ("state", state)]);
        }
    }

    public EmulatorResponse Token(EmulatorRequest request)
    {
        var form = new Dictionary<string, string>(request.Query, StringComparer.Ordinal);
        foreach (var (key, value) in request.ReadForm())
        {
            form[key] = value;
        }

        var (basicId, basicSecret) = BasicCredentials(request);
        var clientId = form.GetValueOrDefault("client_id") ?? basicId;
        var clientSecret = form.GetValueOrDefault("client_secret") ?? basicSecret;
        var grant = form.GetValueOrDefault("grant_type");
        if (grant is not ("authorization_code" or "refresh_token" or "password" or "client_credentials"))
        {
            return Error(400, "unsupported_grant_type", "grant type not supported");
        }

        if (!string.Equals(clientId, _options.ClientId, StringComparison.Ordinal))
        {
            return Error(400, "invalid_client_id", "client identifier invalid");
        }

        if (clientSecret is not null && !string.Equals(clientSecret, _options.ClientSecret, StringComparison.Ordinal))
        {
            return Error(400, "invalid_client", "invalid client credentials");
        }

        switch (grant)
        {
            case "authorization_code":
                {
                    var codeText = form.GetValueOrDefault("code");
                    if (codeText is null || !_codes.Remove(codeText, out var code))
                    {
                        return Error(400, "invalid_grant", "invalid authorization code");
                    }

                    if (_clock() - code.IssuedAt > _options.AuthorizationCodeLifetime)
                    {
                        return Error(400, "invalid_grant", "expired authorization code");
                    }

                    if (!string.Equals(form.GetValueOrDefault("redirect_uri"), code.RedirectUri, StringComparison.Ordinal))
                    {
                        return Error(400, "redirect_uri_mismatch", "redirect_uri must match configuration");
                    }

                    var verifier = form.GetValueOrDefault("code_verifier");
                    if (code.Challenge is not null)
                    {
                        if (verifier is null || !string.Equals(Challenge(verifier, code.ChallengeMethod), code.Challenge, StringComparison.Ordinal))
                        {
                            return Error(400, "invalid_grant", "invalid code verifier");
                        }
                    }
                    else if (verifier is not null)
                    {
                        return Error(400, "invalid_grant", "invalid code verifier");
                    }

                    if (clientSecret is null && code.Challenge is null)
                    {
                        return Error(400, "invalid_client", "invalid client credentials");
                    }

                    var refresh = GrantsRefresh(code.Scope) ? NewRefresh(clientId!, code.Scope) : null;
                    return Success(clientId!, code.Scope, refresh, includeRefresh: refresh is not null);
                }

            case "refresh_token":
                {
                    var token = form.GetValueOrDefault("refresh_token");
                    if (token is null || !_refresh.TryGetValue(token, out var info) || info.Revoked || info.ClientId != clientId)
                    {
                        return Error(400, "invalid_grant", "expired access/refresh token");
                    }

                    if (_options.RefreshTokenRotation)
                    {
                        RevokeRefreshTokenOnly(info);
                        var rotated = NewRefresh(clientId!, info.Scope);
                        return Success(clientId!, info.Scope, rotated, includeRefresh: true);
                    }

                    return Success(clientId!, info.Scope, token, includeRefresh: false);
                }

            case "password":
                {
                    if (clientSecret is null)
                    {
                        return Error(400, "invalid_client", "invalid client credentials");
                    }

                    var username = form.GetValueOrDefault("username");
                    var password = form.GetValueOrDefault("password");
                    if (!string.Equals(username, _options.Username, StringComparison.OrdinalIgnoreCase))
                    {
                        return Error(400, "invalid_grant", "authentication failure");
                    }

                    if (!CheckPassword(password))
                    {
                        return Error(400, "invalid_grant", "authentication failure - Invalid Password");
                    }

                    return Success(clientId!, "api web full", null, includeRefresh: false);
                }

            default:
                {
                    if (clientSecret is null)
                    {
                        return Error(400, "invalid_client", "invalid client credentials");
                    }

                    return Success(clientId!, "api", null, includeRefresh: false);
                }
        }
    }

    public EmulatorResponse Revoke(EmulatorRequest request)
    {
        var token = request.ReadForm().GetValueOrDefault("token") ?? request.Query.GetValueOrDefault("token");
        if (string.IsNullOrEmpty(token))
        {
            return Error(400, "unsupported_token_type", "this token type is not supported");
        }

        if (_refresh.ContainsKey(token))
        {
            RevokeRefreshToken(token);
            return new EmulatorResponse(200);
        }

        if (_access.TryGetValue(token, out var access) && !access.Revoked)
        {
            access.Revoked = true;
            return new EmulatorResponse(200);
        }

        return Error(400, "invalid_token", "invalid token");
    }

    /// <summary>Serves <c>/services/oauth2/userinfo</c> or the identity URL.</summary>
    public EmulatorResponse Identity(EmulatorRequest request, bool openIdShape, IReadOnlyDictionary<string, object?> user)
    {
        var token = BearerOf(request) ?? request.Query.GetValueOrDefault("oauth_token");
        if (!Authenticate(token))
        {
            return new EmulatorResponse(403, Encoding.UTF8.GetBytes("Bad_OAuth_Token"), "text/plain;charset=UTF-8");
        }

        if (!openIdShape)
        {
            var parts = request.Path.TrimEnd('/').Split('/');
            if (parts.Length < 4 || SfIds.Normalize(parts[^2]) != OrganizationId || SfIds.Normalize(parts[^1]) != UserId)
            {
                return new EmulatorResponse(403, Encoding.UTF8.GetBytes("Bad_Id"), "text/plain;charset=UTF-8");
            }
        }

        var urls = new JsonObject
        {
            ["enterprise"] = $"{Instance}/services/Soap/c/{{version}}/{OrganizationId[..15]}",
            ["metadata"] = $"{Instance}/services/Soap/m/{{version}}/{OrganizationId[..15]}",
            ["partner"] = $"{Instance}/services/Soap/u/{{version}}/{OrganizationId[..15]}",
            ["rest"] = $"{Instance}/services/data/v{{version}}/",
            ["sobjects"] = $"{Instance}/services/data/v{{version}}/sobjects/",
            ["search"] = $"{Instance}/services/data/v{{version}}/search/",
            ["query"] = $"{Instance}/services/data/v{{version}}/query/",
            ["recent"] = $"{Instance}/services/data/v{{version}}/recent/",
            ["tooling_soap"] = $"{Instance}/services/Soap/T/{{version}}/{OrganizationId[..15]}",
            ["tooling_rest"] = $"{Instance}/services/data/v{{version}}/tooling/",
            ["profile"] = $"{Instance}/{UserId[..15]}",
            ["feeds"] = $"{Instance}/services/data/v{{version}}/chatter/feeds",
            ["groups"] = $"{Instance}/services/data/v{{version}}/chatter/groups",
            ["users"] = $"{Instance}/services/data/v{{version}}/chatter/users",
            ["feed_items"] = $"{Instance}/services/data/v{{version}}/chatter/feed-items",
            ["feed_elements"] = $"{Instance}/services/data/v{{version}}/chatter/feed-elements",
            ["custom_domain"] = Instance,
        };
        var first = user.GetValueOrDefault("FirstName") as string;
        var last = user.GetValueOrDefault("LastName") as string;
        var email = user.GetValueOrDefault("Email") as string;
        var username = user.GetValueOrDefault("Username") as string;
        var modified = user.GetValueOrDefault("LastModifiedDate") is DateTimeOffset lm ? SfWire.FormatDateTime(lm) : null;
        if (openIdShape)
        {
            return EmulatorResponse.Json(200, new JsonObject
            {
                ["sub"] = IdentityUrl,
                ["user_id"] = UserId,
                ["organization_id"] = OrganizationId,
                ["preferred_username"] = username,
                ["nickname"] = user.GetValueOrDefault("Alias") as string,
                ["name"] = $"{first} {last}".Trim(),
                ["email"] = email,
                ["email_verified"] = true,
                ["given_name"] = first,
                ["family_name"] = last,
                ["zoneinfo"] = "GMT",
                ["photos"] = new JsonObject { ["picture"] = $"{Instance}/profilephoto/005/F", ["thumbnail"] = $"{Instance}/profilephoto/005/T" },
                ["profile"] = $"{Instance}/{UserId[..15]}",
                ["picture"] = $"{Instance}/profilephoto/005/F",
                ["address"] = new JsonObject(),
                ["is_salesforce_integration_user"] = false,
                ["urls"] = urls,
                ["active"] = true,
                ["user_type"] = "STANDARD",
                ["language"] = "en_US",
                ["locale"] = "en_US",
                ["utcOffset"] = 0,
                ["updated_at"] = modified,
                ["is_app_installed"] = true,
            });
        }

        return EmulatorResponse.Json(200, new JsonObject
        {
            ["id"] = IdentityUrl,
            ["asserted_user"] = true,
            ["user_id"] = UserId,
            ["organization_id"] = OrganizationId,
            ["username"] = username,
            ["nick_name"] = user.GetValueOrDefault("Alias") as string,
            ["display_name"] = $"{first} {last}".Trim(),
            ["email"] = email,
            ["email_verified"] = true,
            ["first_name"] = first,
            ["last_name"] = last,
            ["timezone"] = "GMT",
            ["photos"] = new JsonObject { ["picture"] = $"{Instance}/profilephoto/005/F", ["thumbnail"] = $"{Instance}/profilephoto/005/T" },
            ["addr_street"] = null,
            ["addr_city"] = null,
            ["addr_state"] = null,
            ["addr_country"] = null,
            ["addr_zip"] = null,
            ["mobile_phone"] = null,
            ["mobile_phone_verified"] = false,
            ["is_lightning_login_user"] = false,
            ["status"] = new JsonObject { ["created_date"] = null, ["body"] = null },
            ["urls"] = urls,
            ["active"] = true,
            ["user_type"] = "STANDARD",
            ["language"] = "en_US",
            ["locale"] = "en_US",
            ["utcOffset"] = 0,
            ["last_modified_date"] = modified,
            ["is_app_installed"] = true,
        });
    }

    /// <summary>Checks username/password credentials (SOAP login).</summary>
    public bool CheckCredentials(string? username, string? password)
        => string.Equals(username, _options.Username, StringComparison.OrdinalIgnoreCase) && CheckPassword(password);

    /// <summary>Issues a session for SOAP login.</summary>
    public string IssueSession() => IssuePair(_options.ClientId, "api web full", null).Access;

    public static string? BearerOf(EmulatorRequest request)
    {
        var header = request.Header("Authorization");
        if (header is null)
        {
            return null;
        }

        foreach (var scheme in new[] { "Bearer ", "OAuth " })
        {
            if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                return header[scheme.Length..].Trim();
            }
        }

        return null;
    }

    private static (string? Id, string? Secret) BasicCredentials(EmulatorRequest request)
    {
        var header = request.Header("Authorization");
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return (null, null);
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? (HttpUtility.UrlDecode(decoded), null) : (HttpUtility.UrlDecode(decoded[..colon]), HttpUtility.UrlDecode(decoded[(colon + 1)..]));
        }
        catch (FormatException)
        {
            return (null, null);
        }
    }

    private static string Challenge(string verifier, string? method)
        => string.Equals(method, "plain", StringComparison.Ordinal)
            ? verifier
            : Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool GrantsRefresh(string scope)
        => scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(s => s is "refresh_token" or "offline_access");

    private static EmulatorResponse Error(int status, string error, string description)
        => EmulatorResponse.Json(status, new JsonObject { ["error"] = error, ["error_description"] = description });

    private static EmulatorResponse Redirect(string target, char separator, (string Name, string? Value)[] parameters)
    {
        var query = string.Join('&', parameters.Where(p => p.Value is not null).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)));
        var joiner = separator == '?' && target.Contains('?', StringComparison.Ordinal) ? '&' : separator;
        return new EmulatorResponse(302).WithHeader("Location", target + joiner + query);
    }

    private bool CheckPassword(string? password)
        => password is not null && (string.Equals(password, _options.Password, StringComparison.Ordinal)
            || string.Equals(password, _options.Password + _options.SecurityToken, StringComparison.Ordinal));

    private void RevokeRefreshTokenOnly(RefreshToken info) => info.Revoked = true;

    private EmulatorResponse Success(string clientId, string scope, string? refresh, bool includeRefresh)
    {
        var (access, _, issuedAt) = IssuePair(clientId, scope, refresh);
        var issued = issuedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var body = new JsonObject { ["access_token"] = access };
        if (includeRefresh && refresh is not null)
        {
            body["refresh_token"] = refresh;
        }

        body["signature"] = Sign(IdentityUrl, issued);
        body["scope"] = scope;
        body["instance_url"] = Instance;
        body["id"] = IdentityUrl;
        body["token_type"] = "Bearer";
        body["issued_at"] = issued;
        return EmulatorResponse.Json(200, body);
    }

    private string Sign(string id, string issuedAt)
        => Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(_options.ClientSecret), Encoding.UTF8.GetBytes(id + issuedAt)));

    private (string Access, string? Refresh, DateTimeOffset IssuedAt) IssuePair(string clientId, string scope, string? refresh)
    {
        var now = _clock();
        var access = OrganizationId[..15] + "!" + RandomString(96);
        _access[access] = new AccessToken(clientId, scope, now, refresh) { LastUsed = now };
        return (access, refresh, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()));
    }

    private string NewRefresh(string clientId, string scope)
    {
        var token = "5Aep861" + RandomString(80);
        _refresh[token] = new RefreshToken(clientId, scope);
        return token;
    }

    private string RandomString(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = TokenAlphabet[_random.Next(TokenAlphabet.Length - (i == length - 1 ? 2 : 0))];
        }

        return new string(chars);
    }

    private sealed record AccessToken(string ClientId, string Scope, DateTimeOffset IssuedAt, string? RefreshToken)
    {
        public DateTimeOffset LastUsed { get; set; }

        public bool Revoked { get; set; }
    }

    private sealed record RefreshToken(string ClientId, string Scope)
    {
        public bool Revoked { get; set; }
    }

    private sealed record AuthCode(string ClientId, string RedirectUri, string Scope, DateTimeOffset IssuedAt, string? Challenge, string? ChallengeMethod);
}
