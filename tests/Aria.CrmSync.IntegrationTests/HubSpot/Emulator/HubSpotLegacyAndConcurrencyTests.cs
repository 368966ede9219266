namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

public sealed class HubSpotLegacyAndConcurrencyTests
{
    [Fact]
    public async Task V3PerObjectAssociations_PutListDelete()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var deal = await h.CreateDealAsync("Legacy");
        var note = h.Emulator.InsertObject("notes", new Dictionary<string, string?> { ["hs_timestamp"] = "1700000000000" }).Id;
        var put = await h.PutAsync($"/crm/v3/objects/notes/{note}/associations/deals/{deal}/note_to_deal");
        Assert.Equal(200, put.Status);
        Assert.Equal(deal, put.Object["associations"]!["deals"]!["results"]![0]!["id"]!.GetValue<string>());
        var list = await h.GetAsync($"/crm/v3/objects/deals/{deal}/associations/notes");
        Assert.Equal("deal_to_note", list.Object["results"]![0]!["type"]!.GetValue<string>());
        Assert.Equal(204, (await h.DeleteAsync($"/crm/v3/objects/notes/{note}/associations/deals/{deal}/214")).Status);
        Assert.Empty(h.Emulator.GetAssociations("deals", deal, "notes"));
        Assert.Equal(1, h.Emulator.Calls.Count("associations.v3.create"));
        Assert.Equal(1, h.Emulator.Calls.Count("associations.v3.archive"));
    }

    [Fact]
    public async Task DatedOAuthTokenEndpoint_BehavesLikeV3()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var reply = await h.PostFormAsync(
            "/oauth/2026-03/token",
            ("grant_type", "refresh_token"),
            ("client_id", h.Emulator.Options.ClientId),
            ("client_secret", h.Emulator.Options.ClientSecret),
            ("refresh_token", h.Emulator.IssueOAuthTokens().RefreshToken));
        Assert.Equal(200, reply.Status);
        Assert.Equal(h.Emulator.Options.PortalId, reply.Object["hub_id"]!.GetValue<long>());
    }

    [Fact]
    public async Task ConcurrentWritesOverLoopback_AreSerialisedSafely()
    {
        await using var h = await HubSpotHarness.StartAsync(o => o.RequestsPerInterval = 10_000);
        var ids = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => h.CreateDealAsync($"Parallel {i}")));
        Assert.Equal(60, ids.Distinct().Count());
        Assert.Equal(60, h.Emulator.CountObjects("deals"));
        Assert.Equal(60, h.Emulator.Calls.Count("deals.objects.create"));
        Assert.Equal(60, h.Emulator.DailyUsed);
    }
}
