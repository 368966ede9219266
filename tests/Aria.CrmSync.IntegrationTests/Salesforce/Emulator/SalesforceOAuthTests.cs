using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

public sealed class SalesforceOAuthTests
{
    private const string Redirect = "https://app.example/callback";

    private static async Task<string> AuthorizeAsync(HttpClient http, SalesforceEmulatorOptions options, string scope = "api refresh_token", string? challenge = null)
    {
        var url = $"/services/oauth2/authorize?response_type=code&client_id={options.ClientId}&redirect_uri={Uri.EscapeDataString(Redirect)}&scope={Uri.EscapeDataString(scope)}&state=xyz";
        if (challenge is not null)
        {
            url += "&code_challenge=" + challenge + "&code_challenge_method=S256";
        }

        using var response = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(Redirect + "?", location.ToString(), StringComparison.Ordinal);
        var query = HttpUtility.ParseQueryString(location.Query);
        Assert.Equal("xyz", query["state"]);
        return query["code"]!;
    }

    private static async Task<(HttpStatusCode Status, JsonObject Body)> TokenAsync(HttpClient http, Dictionary<string, string> form, AuthenticationHeaderValue? auth = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/services/oauth2/token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = auth;
        using var response = await http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        return (response.StatusCode, body);
    }

    private static async Task<(SalesforceEmulator Emulator, HttpClient Http, EmulatorServer Server)> StartAsync(Action<SalesforceEmulatorOptions>? configure = null)
    {
        var options = new SalesforceEmulatorOptions();
        configure?.Invoke(options);
        var emulator = new SalesforceEmulator(options);
        var server = await emulator.StartServerAsync();
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        return (emulator, http, server);
    }

    [Fact]
    public async Task AuthorizationCodeGrant_ReturnsSalesforceTokenBody_WithVerifiableSignature()
    {
        var (emulator, http, server) = await StartAsync();
        await using var _ = emulator;
        using var __ = http;
        var code = await AuthorizeAsync(http, emulator.Options);

        var (status, body) = await TokenAsync(http, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["client_id"] = emulator.Options.ClientId,
            ["client_secret"] = emulator.Options.ClientSecret,
            ["redirect_uri"] = Redirect,
            ["format"] = "json",
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.ContainsKey("expires_in"));
        Assert.Equal("Bearer", body["token_type"]!.GetValue<string>());
        Assert.Equal("api refresh_token", body["scope"]!.GetValue<string>());
        Assert.Equal(server.BaseAddress.ToString().TrimEnd('/'), body["instance_url"]!.GetValue<string>());
        var id = body["id"]!.GetValue<string>();
        Assert.Equal($"{server.BaseAddress.ToString().TrimEnd('/')}/id/{emulator.Org.OrganizationId}/{emulator.Org.UserId}", id);
        var issuedAt = body["issued_at"]!.GetValue<string>();
        var issuedMs = long.Parse(issuedAt, CultureInfo.InvariantCulture);
        Assert.InRange(issuedMs, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(emulator.Options.ClientSecret), Encoding.UTF8.GetBytes(id + issuedAt)));
        Assert.Equal(expected, body["signature"]!.GetValue<string>());
        Assert.StartsWith(emulator.Org.OrganizationId[..15] + "!", body["access_token"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(body["refresh_token"]);

        // The access token works on the REST API, and the code cannot be replayed.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body["access_token"]!.GetValue<string>());
        using var limits = await http.GetAsync("/services/data/v66.0/limits");
        Assert.Equal(HttpStatusCode.OK, limits.StatusCode);
        var (replayStatus, replay) = await TokenAsync(http, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["client_id"] = emulator.Options.ClientId,
            ["client_secret"] = emulator.Options.ClientSecret,
            ["redirect_uri"] = Redirect,
        });
        Assert.Equal(HttpStatusCode.BadRequest, replayStatus);
        Assert.Equal("invalid_grant", replay["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task RefreshGrant_OmitsRefreshToken_AndRevokedTokenFailsWithInvalidGrant()
    {
        var (emulator, http, _) = await StartAsync();
        await using var _e = emulator;
        using var _h = http;
        var tokens = emulator.IssueTokens();

        var (status, body) = await TokenAsync(http, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = tokens.RefreshToken!,
            ["client_id"] = emulator.Options.ClientId,
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.ContainsKey("refresh_token"));
        Assert.NotEqual(tokens.AccessToken, body["access_token"]!.GetValue<string>());

        Assert.True(emulator.RevokeRefreshToken(tokens.RefreshToken!));
        var (failedStatus, failed) = await TokenAsync(http, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = tokens.RefreshToken!,
            ["client_id"] = emulator.Options.ClientId,
        });
        Assert.Equal(HttpStatusCode.BadRequest, failedStatus);
        Assert.Equal("""{"error":"invalid_grant","error_description":"expired access/refresh token"}""", failed.ToJsonString());

        // Revoking the refresh token also revoked the access tokens issued from it.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body["access_token"]!.GetValue<string>());
        using var rest = await http.GetAsync("/services/data/v66.0/limits");
        Assert.Equal(HttpStatusCode.Unauthorized, rest.StatusCode);
    }

    [Fact]
    public async Task RefreshTokenRotation_ReturnsNewRefreshToken_AndInvalidatesTheOldOne()
    {
        var (emulator, http, _) = await StartAsync(o => o.RefreshTokenRotation = true);
        await using var _e = emulator;
        using var _h = http;
        var tokens = emulator.IssueTokens();
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{emulator.Options.ClientId}:{emulator.Options.ClientSecret}")));

        var (status, body) = await TokenAsync(http, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.RefreshToken! }, basic);
        Assert.Equal(HttpStatusCode.OK, status);
        var rotated = body["refresh_token"]!.GetValue<string>();
        Assert.NotEqual(tokens.RefreshToken, rotated);

        var (oldStatus, old) = await TokenAsync(http, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.RefreshToken! }, basic);
        Assert.Equal(HttpStatusCode.BadRequest, oldStatus);
        Assert.Equal("invalid_grant", old["error"]!.GetValue<string>());
        var (newStatus, _) = await TokenAsync(http, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = rotated }, basic);
        Assert.Equal(HttpStatusCode.OK, newStatus);
    }

    [Theory]
    [InlineData("client_credentials", "wrong-id", "x", "invalid_client_id", "client identifier invalid")]
    [InlineData("client_credentials", null, "wrong-secret", "invalid_client", "invalid client credentials")]
    [InlineData("urn:ietf:params:oauth:grant-type:device_code", null, null, "unsupported_grant_type", "grant type not supported")]
    [InlineData("", null, null, "unsupported_grant_type", "grant type not supported")]
    [InlineData("password", null, null, "invalid_grant", "authentication failure - Invalid Password")]
    public async Task TokenEndpointErrors_AreHttp400JsonObjects(string grant, string? clientId, string? secret, string error, string description)
    {
        var (emulator, http, _) = await StartAsync();
        await using var _e = emulator;
        using var _h = http;
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = grant,
            ["client_id"] = clientId ?? emulator.Options.ClientId,
            ["client_secret"] = secret ?? emulator.Options.ClientSecret,
            ["username"] = emulator.Options.Username,
            ["password"] = "not-the-password",
        };

        var (status, body) = await TokenAsync(http, form);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, body["error"]!.GetValue<string>());
        Assert.Equal(description, body["error_description"]!.GetValue<string>());
    }

    [Fact]
    public async Task PasswordAndClientCredentialGrants_IssueAccessTokensWithoutRefreshTokens()
    {
        var (emulator, http, _) = await StartAsync(o => o.SecurityToken = "TOKEN123");
        await using var _e = emulator;
        using var _h = http;
        var (status, body) = await TokenAsync(http, new()
        {
            ["grant_type"] = "password",
            ["client_id"] = emulator.Options.ClientId,
            ["client_secret"] = emulator.Options.ClientSecret,
            ["username"] = emulator.Options.Username,
            ["password"] = emulator.Options.Password + "TOKEN123",
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.ContainsKey("refresh_token"));

        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{emulator.Options.ClientId}:{emulator.Options.ClientSecret}")));
        var (ccStatus, cc) = await TokenAsync(http, new() { ["grant_type"] = "client_credentials" }, basic);
        Assert.Equal(HttpStatusCode.OK, ccStatus);
        Assert.False(cc.ContainsKey("refresh_token"));
        Assert.NotNull(cc["access_token"]);
    }

    [Fact]
    public async Task AuthorizationCode_WithPkce_RequiresTheMatchingVerifier_AndEnforcesRedirectUri()
    {
        var (emulator, http, _) = await StartAsync();
        await using var _e = emulator;
        using var _h = http;
        const string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var code = await AuthorizeAsync(http, emulator.Options, challenge: challenge);
        var (bad, badBody) = await TokenAsync(http, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["client_id"] = emulator.Options.ClientId,
            ["redirect_uri"] = Redirect,
            ["code_verifier"] = "wrong",
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal("invalid_grant", badBody["error"]!.GetValue<string>());

        code = await AuthorizeAsync(http, emulator.Options, challenge: challenge);
        var (mismatch, mismatchBody) = await TokenAsync(http, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["client_id"] = emulator.Options.ClientId,
            ["redirect_uri"] = "https://evil.example/cb",
            ["code_verifier"] = verifier,
        });
        Assert.Equal(HttpStatusCode.BadRequest, mismatch);
        Assert.Equal("redirect_uri_mismatch", mismatchBody["error"]!.GetValue<string>());

        code = await AuthorizeAsync(http, emulator.Options, challenge: challenge);
        var (ok, okBody) = await TokenAsync(http, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["client_id"] = emulator.Options.ClientId,
            ["redirect_uri"] = Redirect,
            ["code_verifier"] = verifier,
        });
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.NotNull(okBody["refresh_token"]);
    }

    [Fact]
    public async Task Authorize_RejectsUnknownClient_AndRedirectsUnsupportedResponseTypes()
    {
        var (emulator, http, _) = await StartAsync();
        await using var _e = emulator;
        using var _h = http;
        using var unknown = await http.GetAsync($"/services/oauth2/authorize?response_type=code&client_id=nope&redirect_uri={Uri.EscapeDataString(Redirect)}");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("invalid_client_id", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var unsupported = await http.GetAsync($"/services/oauth2/authorize?response_type=magic&client_id={emulator.Options.ClientId}&redirect_uri={Uri.EscapeDataString(Redirect)}");
        Assert.Equal(HttpStatusCode.Found, unsupported.StatusCode);
        Assert.Contains("error=unsupported_response_type", unsupported.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpireAccessTokens_MakesRestCallsFailWith401InvalidSessionId_UntilRefreshed()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(SfTestHost.Data("limits"))).Status);

        host.Emulator.ExpireAccessTokens();
        var expired = await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/describe"));

        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        Assert.Equal("""[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]""", expired.Text);
        Assert.Null(expired.Header("Sforce-Limit-Info"));

        using var refresh = new HttpRequestMessage(HttpMethod.Post, "/services/oauth2/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = host.Tokens.RefreshToken!,
                ["client_id"] = host.Emulator.Options.ClientId,
                ["client_secret"] = host.Emulator.Options.ClientSecret,
            }),
        };
        using var refreshed = await host.Http.SendAsync(refresh);
        var token = JsonNode.Parse(await refreshed.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
        host.UseToken(token);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/describe"))).Status);
    }

    [Fact]
    public async Task AccessTokens_ExpireAfterTheConfiguredLifetime()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var host = await SfTestHost.StartAsync(o =>
        {
            o.TimeProvider = clock;
            o.AccessTokenLifetime = TimeSpan.FromSeconds(1);
        });

        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(SfTestHost.Data("limits"))).Status);
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(SfTestHost.Data("limits"))).Status);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var expired = await host.GetAsync(SfTestHost.Data("limits"));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        Assert.Equal("INVALID_SESSION_ID", expired.ErrorCode);
    }

    [Fact]
    public async Task SlidingExpiration_KeepsActiveSessionsAlive()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var host = await SfTestHost.StartAsync(o =>
        {
            o.TimeProvider = clock;
            o.AccessTokenLifetime = TimeSpan.FromMinutes(10);
            o.SlidingAccessTokenExpiration = true;
        }, loopback: false);

        for (var i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(9));
            Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(SfTestHost.Data("limits"))).Status);
        }

        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.GetAsync(SfTestHost.Data("limits"))).Status);
    }

    [Fact]
    public async Task RevokeEndpoint_InvalidatesAccessTokens_AndRejectsUnknownTokens()
    {
        await using var host = await SfTestHost.StartAsync();
        using var revoke = await host.Http.PostAsync("/services/oauth2/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = host.Tokens.AccessToken }));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.GetAsync(SfTestHost.Data("limits"))).Status);

        using var unknown = await host.Http.PostAsync("/services/oauth2/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "nope" }));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("invalid_token", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdentityUrlAndUserInfo_DescribeTheApiUser()
    {
        await using var host = await SfTestHost.StartAsync();
        var identity = await host.GetAsync(host.Tokens.IdentityUrl.AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, identity.Status);
        Assert.Equal(host.Org.UserId, identity.Body!["user_id"]!.GetValue<string>());
        Assert.Equal(host.Org.OrganizationId, identity.Body!["organization_id"]!.GetValue<string>());
        Assert.Equal(host.Emulator.Options.Username, identity.Body!["username"]!.GetValue<string>());
        Assert.EndsWith("/services/data/v{version}/", identity.Body!["urls"]!["rest"]!.GetValue<string>(), StringComparison.Ordinal);

        var userInfo = await host.GetAsync("/services/oauth2/userinfo");
        Assert.Equal(host.Org.UserId, userInfo.Body!["user_id"]!.GetValue<string>());

        host.UseToken("bogus");
        var denied = await host.GetAsync("/services/oauth2/userinfo");
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Equal("Bad_OAuth_Token", denied.Text);
    }

    [Fact]
    public async Task SoapLogin_ReturnsSessionUsableOnRest_AndFaultsOnBadPassword()
    {
        await using var host = await SfTestHost.StartAsync();
        static string Envelope(string user, string password) => $"""
            <?xml version="1.0" encoding="utf-8" ?><env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{user}</n1:username><n1:password>{password}</n1:password></n1:login></env:Body></env:Envelope>
            """;
        using var ok = await host.Http.PostAsync("/services/Soap/u/66.0", new StringContent(Envelope(host.Emulator.Options.Username, host.Emulator.Options.Password), Encoding.UTF8, "text/xml"));
        var xml = await ok.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var session = System.Text.RegularExpressions.Regex.Match(xml, "<sessionId>(.*?)</sessionId>").Groups[1].Value;
        Assert.Contains("<serverUrl>", xml, StringComparison.Ordinal);
        host.UseToken(System.Net.WebUtility.HtmlDecode(session));
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(SfTestHost.Data("limits"))).Status);

        using var bad = await host.Http.PostAsync("/services/Soap/u/66.0", new StringContent(Envelope(host.Emulator.Options.Username, "wrong"), Encoding.UTF8, "text/xml"));
        Assert.Equal(HttpStatusCode.InternalServerError, bad.StatusCode);
        Assert.Contains("INVALID_LOGIN", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokensAreDeterministicFromTheSeed()
    {
        await using var a = new SalesforceEmulator(new SalesforceEmulatorOptions { Seed = 42 });
        await using var b = new SalesforceEmulator(new SalesforceEmulatorOptions { Seed = 42 });
        await using var c = new SalesforceEmulator(new SalesforceEmulatorOptions { Seed = 43 });
        Assert.Equal(a.IssueTokens().AccessToken, b.IssueTokens().AccessToken);
        Assert.Equal(a.Org.OrganizationId, b.Org.OrganizationId);
        Assert.NotEqual(a.IssueTokens().AccessToken, c.IssueTokens().AccessToken);
    }
}
