namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

public sealed class HubSpotAuthTests
{
    [Fact]
    public async Task ExpiredOAuthToken_RefreshedOnce_PersistedThroughTheResolver_EvenUnderConcurrency()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(oauth: true);
        var deal = h.InsertDeal("D");
        Assert.NotNull(await h.CrmGateway.GetRecordAsync(h.Connection, deal));
        h.Emulator.ExpireAccessTokens();

        var reads = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => h.CrmGateway.GetRecordAsync(h.Connection, deal)));

        Assert.All(reads, Assert.NotNull);
        Assert.Equal(1, h.Emulator.Calls.Count("oauth.token"));
        var stored = h.Resolver.Find(HubSpotGatewayHost.UserId, CrmProvider.HubSpot)!;
        Assert.NotEqual(h.Connection.AccessToken, stored.AccessToken);
        Assert.Equal(h.Connection.RefreshToken, stored.RefreshToken);

        // The caller's stale connection object keeps working with the refreshed token.
        Assert.NotNull(await h.CrmGateway.GetRecordAsync(h.Connection, deal));
        Assert.Equal(1, h.Emulator.Calls.Count("oauth.token"));
    }

    [Fact]
    public async Task RevokedRefreshToken_RequiresReauthorization_WithoutLeakingSecrets()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(oauth: true, inProcess: true);
        var deal = h.InsertDeal("D");
        h.Emulator.RevokeRefreshToken(h.Connection.RefreshToken!);
        h.Emulator.ExpireAccessTokens();

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => h.CrmGateway.GetRecordAsync(h.Connection, deal));

        Assert.True(ex.RequiresReauthorization);
        Assert.Contains("BAD_REFRESH_TOKEN", ex.Message);
        AssertNoSecrets(h, ex);
        Assert.Equal(1, h.Emulator.Calls.Count("oauth.token"));
    }

    [Fact]
    public async Task PrivateAppToken_IsNeverRefreshed_A401IsReauthorization()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true);
        var deal = h.InsertDeal("D");
        h.Resolver.Add(h.Connection with { AccessToken = "pat-na1-revoked" });
        var revoked = h.Resolver.Find(HubSpotGatewayHost.UserId, CrmProvider.HubSpot)!;

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => h.CrmGateway.GetRecordAsync(revoked, deal));

        Assert.True(ex.RequiresReauthorization);
        Assert.Equal(0, h.Emulator.Calls.Count("oauth.token"));
        Assert.DoesNotContain("pat-na1-revoked", ex.ToString());
    }

    [Fact]
    public async Task MissingScopes_IsAConnectionErrorNamingTheScopes()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, scopes: ["crm.objects.contacts.read"]);
        var deal = h.InsertDeal("D");

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => h.CrmGateway.GetRecordAsync(h.Connection, deal));

        Assert.True(ex.RequiresReauthorization);
        Assert.Contains("crm.objects.deals.read", ex.Message);
        AssertNoSecrets(h, ex);
    }

    private static void AssertNoSecrets(HubSpotGatewayHost h, CrmSyncException ex)
    {
        var text = ex.ToString() + string.Join(";", ex.Details.Select(d => $"{d.Key}={d.Value}"));
        Assert.DoesNotContain(h.Connection.AccessToken!, text);
        if (h.Connection.RefreshToken is { } refresh)
        {
            Assert.DoesNotContain(refresh, text);
        }

        Assert.DoesNotContain(h.Emulator.Options.ClientSecret, text);
    }
}
