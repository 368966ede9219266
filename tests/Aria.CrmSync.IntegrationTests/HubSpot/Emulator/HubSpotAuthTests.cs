using System.Text.Json.Nodes;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

public sealed class HubSpotAuthTests
{
    [Fact]
    public async Task PrivateAppToken_IsAccepted_AndMissingTokenIsRejectedWithHubSpotBody()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var ok = await h.GetAsync("/crm/v3/objects/deals");
        Assert.Equal(200, ok.Status);

        var missing = await h.GetAsync("/crm/v3/objects/deals", token: string.Empty);
        Assert.Equal(401, missing.Status);
        Assert.Equal("error", missing.Object["status"]!.GetValue<string>());
        Assert.Equal("INVALID_AUTHENTICATION", missing.Object["category"]!.GetValue<string>());
        Assert.StartsWith("Authentication credentials not found.", missing.Object["message"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", missing.Object["correlationId"]!.GetValue<string>());

        var unknown = await h.GetAsync("/crm/v3/objects/deals", token: "pat-na1-not-issued");
        Assert.Equal(401, unknown.Status);
        Assert.Equal("INVALID_AUTHENTICATION", unknown.Object["category"]!.GetValue<string>());
    }

    [Fact]
    public async Task AuthorizationCode_Then_Refresh_IssuesWorkingTokens_ThatExpireWithTheClock()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var options = h.Emulator.Options;
        var code = h.Emulator.CreateAuthorizationCode("https://app.example.com/callback");
        var grant = await h.PostFormAsync(
            "/oauth/v1/token",
            ("grant_type", "authorization_code"),
            ("client_id", options.ClientId),
            ("client_secret", options.ClientSecret),
            ("redirect_uri", "https://app.example.com/callback"),
            ("code", code));
        Assert.Equal(200, grant.Status);
        Assert.Equal("bearer", grant.Object["token_type"]!.GetValue<string>());
        Assert.Equal(1800, grant.Object["expires_in"]!.GetValue<long>());
        var access = grant.Object["access_token"]!.GetValue<string>();
        var refresh = grant.Object["refresh_token"]!.GetValue<string>();

        // The code is single-use.
        var reused = await h.PostFormAsync(
            "/oauth/v1/token",
            ("grant_type", "authorization_code"),
            ("client_id", options.ClientId),
            ("client_secret", options.ClientSecret),
            ("redirect_uri", "https://app.example.com/callback"),
            ("code", code));
        Assert.Equal(400, reused.Status);
        Assert.Equal("invalid_grant", reused.Object["error"]!.GetValue<string>());

        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals", access)).Status);

        h.Clock.Advance(TimeSpan.FromSeconds(1801));
        var expired = await h.GetAsync("/crm/v3/objects/deals", access);
        Assert.Equal(401, expired.Status);
        Assert.Equal("EXPIRED_AUTHENTICATION", expired.Object["category"]!.GetValue<string>());
        Assert.Equal("The OAuth token used to make this call expired 1 second(s) ago.", expired.Object["message"]!.GetValue<string>());
        Assert.Equal("2026-03-02T09:30:00.000Z", expired.Object["context"]!["expire time"]![0]!.GetValue<string>());

        var refreshed = await h.PostFormAsync(
            "/oauth/v1/token",
            ("grant_type", "refresh_token"),
            ("client_id", options.ClientId),
            ("client_secret", options.ClientSecret),
            ("refresh_token", refresh));
        Assert.Equal(200, refreshed.Status);
        var newAccess = refreshed.Object["access_token"]!.GetValue<string>();
        Assert.NotEqual(access, newAccess);
        Assert.Equal(refresh, refreshed.Object["refresh_token"]!.GetValue<string>());
        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals", newAccess)).Status);
    }

    [Fact]
    public async Task InvalidRefreshToken_ReturnsHubSpotInvalidGrantBody()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var reply = await h.PostFormAsync(
            "/oauth/v1/token",
            ("grant_type", "refresh_token"),
            ("client_id", h.Emulator.Options.ClientId),
            ("client_secret", h.Emulator.Options.ClientSecret),
            ("refresh_token", "1e8fbfb1-8e96-4826-8b8d-c8af73715"));
        Assert.Equal(400, reply.Status);
        Assert.Equal("invalid_grant", reply.Object["error"]!.GetValue<string>());
        Assert.Equal("refresh token is invalid, expired or revoked", reply.Object["error_description"]!.GetValue<string>());
        Assert.Equal("BAD_REFRESH_TOKEN", reply.Object["status"]!.GetValue<string>());

        var badSecret = await h.PostFormAsync(
            "/oauth/v1/token",
            ("grant_type", "refresh_token"),
            ("client_id", h.Emulator.Options.ClientId),
            ("client_secret", "wrong"),
            ("refresh_token", h.Emulator.IssueOAuthTokens().RefreshToken));
        Assert.Equal(400, badSecret.Status);
        Assert.Equal("invalid_client", badSecret.Object["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task IssueAndExpireHelpers_AndTokenInfoEndpoints()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var tokens = h.Emulator.IssueOAuthTokens();
        Assert.Equal(HubSpotHarness.Start.AddSeconds(1800), tokens.ExpiresAt);
        h.Clock.Advance(TimeSpan.FromSeconds(46));

        var info = await h.GetAsync($"/oauth/v1/access-tokens/{tokens.AccessToken}", token: string.Empty);
        Assert.Equal(200, info.Status);
        Assert.Equal(tokens.AccessToken, info.Object["token"]!.GetValue<string>());
        Assert.Equal(1754, info.Object["expires_in"]!.GetValue<long>());
        Assert.Equal(h.Emulator.Options.PortalId, info.Object["hub_id"]!.GetValue<long>());
        Assert.Equal("access", info.Object["token_type"]!.GetValue<string>());

        var refreshInfo = await h.GetAsync($"/oauth/v1/refresh-tokens/{tokens.RefreshToken}", token: string.Empty);
        Assert.Equal(200, refreshInfo.Status);
        Assert.Equal(h.Emulator.Options.ClientId, refreshInfo.Object["client_id"]!.GetValue<string>());

        var introspect = await h.PostFormAsync(
            "/oauth/v3/token/introspect",
            ("client_id", h.Emulator.Options.ClientId),
            ("client_secret", h.Emulator.Options.ClientSecret),
            ("token", tokens.AccessToken));
        Assert.True(introspect.Object["active"]!.GetValue<bool>());
        Assert.Equal("access_token", introspect.Object["token_use"]!.GetValue<string>());

        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals", tokens.AccessToken)).Status);
        h.Emulator.ExpireAccessTokens();
        var expired = await h.GetAsync("/crm/v3/objects/deals", tokens.AccessToken);
        Assert.Equal(401, expired.Status);
        Assert.Equal("EXPIRED_AUTHENTICATION", expired.Object["category"]!.GetValue<string>());

        // Private-app tokens do not expire.
        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals")).Status);

        // v3 token endpoint: hub_id and scopes; revoke then refresh fails.
        var v3 = await h.PostFormAsync(
            "/oauth/v3/token",
            ("grant_type", "refresh_token"),
            ("client_id", h.Emulator.Options.ClientId),
            ("client_secret", h.Emulator.Options.ClientSecret),
            ("refresh_token", tokens.RefreshToken));
        Assert.Equal(200, v3.Status);
        Assert.Equal(h.Emulator.Options.PortalId, v3.Object["hub_id"]!.GetValue<long>());
        Assert.IsType<JsonArray>(v3.Object["scopes"]);

        Assert.Equal(204, (await h.SendAsync(HttpMethod.Delete, $"/oauth/v1/refresh-tokens/{tokens.RefreshToken}", token: string.Empty)).Status);
        var afterRevoke = await h.PostFormAsync(
            "/oauth/v1/token",
            ("grant_type", "refresh_token"),
            ("client_id", h.Emulator.Options.ClientId),
            ("client_secret", h.Emulator.Options.ClientSecret),
            ("refresh_token", tokens.RefreshToken));
        Assert.Equal(400, afterRevoke.Status);
    }

    [Fact]
    public async Task Scopes_AreEnforcedPerObjectFamily_With403MissingScopes()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var contactsOnly = h.Emulator.CreatePrivateAppToken(["crm.objects.contacts.read", "crm.objects.contacts.write"]);
        var deals = await h.GetAsync("/crm/v3/objects/deals", contactsOnly);
        Assert.Equal(403, deals.Status);
        Assert.Equal("MISSING_SCOPES", deals.Object["category"]!.GetValue<string>());
        Assert.Contains(deals.Object["errors"]![0]!["context"]!["requiredGranularScopes"]!.AsArray(), s => s!.GetValue<string>() == "crm.objects.deals.read");
        Assert.Equal("https://developers.hubspot.com/scopes", deals.Object["links"]!["scopes"]!.GetValue<string>());

        var note = await h.PostAsync("/crm/v3/objects/notes", JsonNode.Parse("""{"properties":{"hs_timestamp":"1700000000000"}}""")!, contactsOnly);
        Assert.Equal(201, note.Status);
        var emails = await h.GetAsync("/crm/v3/objects/emails", contactsOnly);
        Assert.Equal(403, emails.Status);
        Assert.Equal("sales-email-read", emails.Object["errors"]![0]!["context"]!["requiredGranularScopes"]![0]!.GetValue<string>());

        var readOnly = h.Emulator.CreatePrivateAppToken(["crm.objects.deals.read"]);
        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals", readOnly)).Status);
        Assert.Equal(403, (await h.PostAsync("/crm/v3/objects/deals", JsonNode.Parse("""{"properties":{"dealname":"x"}}""")!, readOnly)).Status);
        Assert.Equal(0, h.Emulator.CountObjects("deals"));
    }

    [Fact]
    public async Task OAuthGrantErrors_RedirectMismatchAndUnsupportedGrant()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var options = h.Emulator.Options;
        var code = h.Emulator.CreateAuthorizationCode("https://app.example.com/callback");
        var mismatch = await h.PostFormAsync(
            "/oauth/v3/token",
            ("grant_type", "authorization_code"),
            ("client_id", options.ClientId),
            ("client_secret", options.ClientSecret),
            ("redirect_uri", "https://evil.example.com/"),
            ("code", code));
        Assert.Equal(400, mismatch.Status);
        Assert.Equal("BAD_REDIRECT_URI", mismatch.Object["status"]!.GetValue<string>());

        var unsupported = await h.PostFormAsync("/oauth/v1/token", ("grant_type", "password"), ("client_id", options.ClientId), ("client_secret", options.ClientSecret));
        Assert.Equal(400, unsupported.Status);
        Assert.Equal("unsupported_grant_type", unsupported.Object["error"]!.GetValue<string>());
        Assert.Equal(0, h.Emulator.Calls.ApiCalls);
        Assert.Equal(2, h.Emulator.Calls.Count("oauth.token"));
    }

    [Fact]
    public async Task TokensAndIds_AreDeterministicFromTheSeed()
    {
        static async Task<(string Token, string Refresh, string DealId)> RunAsync()
        {
            await using var h = await HubSpotHarness.StartAsync(inProcess: true);
            var tokens = h.Emulator.IssueOAuthTokens();
            var id = await h.CreateDealAsync("Seeded");
            return (h.Token, tokens.RefreshToken, id);
        }

        var first = await RunAsync();
        var second = await RunAsync();
        Assert.Equal(first, second);
        Assert.StartsWith("pat-na1-", first.Token);
        Assert.Matches("^[0-9]{11}$", first.DealId);
    }
}
