using System.Text.Json.Nodes;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

/// <summary>CRM search sees writes late (the search index's lag), on the emulator's clock; reads by id see them at once.</summary>
public sealed class HubSpotSearchLagTests
{
    private static async Task<List<JsonObject>> SearchAsync(HubSpotHarness h, object body)
    {
        var reply = await h.PostAsync("/crm/v3/objects/deals/search", JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(body))!);
        Assert.True(reply.Status == 200, reply.Body);
        return reply.Object["results"]!.AsArray().Select(r => r!.AsObject()).ToList();
    }

    private static object ByName(string name) => new { filterGroups = new[] { new { filters = new[] { new { propertyName = "dealname", @operator = "EQ", value = name } } } }, properties = new[] { "dealname", "amount" } };

    [Fact]
    public async Task ANewDeal_IsReadableAtOnce_ButSearchableOnlyAfterTheLag()
    {
        await using var h = await HubSpotHarness.StartAsync(o => { o.SearchIndexLag = TimeSpan.FromSeconds(2); o.SearchRequestsPerSecond = 1000; });
        var id = await h.CreateDealAsync("Lagging deal", amount: "100");

        Assert.Equal(200, (await h.GetAsync($"/crm/v3/objects/deals/{id}")).Status);
        Assert.Empty(await SearchAsync(h, ByName("Lagging deal")));
        h.Clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Empty(await SearchAsync(h, ByName("Lagging deal")));
        h.Clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(id, Assert.Single(await SearchAsync(h, ByName("Lagging deal")))["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnUpdate_SearchAndTheLastModifiedFilterSeeTheOldVersion_UntilTheLagPasses()
    {
        await using var h = await HubSpotHarness.StartAsync(o => { o.SearchIndexLag = TimeSpan.FromSeconds(2); o.SearchRequestsPerSecond = 1000; });
        var id = await h.CreateDealAsync("Acme", amount: "100");
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        var before = Assert.Single(await SearchAsync(h, ByName("Acme")));
        var updatedAt = h.Clock.GetUtcNow();

        Assert.Equal(200, (await h.PatchAsync($"/crm/v3/objects/deals/{id}", new { properties = new { amount = "250" } })).Status);
        var since = new { filterGroups = new[] { new { filters = new[] { new { propertyName = "hs_lastmodifieddate", @operator = "GTE", value = updatedAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) } } } } };

        var stale = Assert.Single(await SearchAsync(h, ByName("Acme")));
        Assert.Equal("100", stale["properties"]!["amount"]!.GetValue<string>());
        Assert.Equal(before["updatedAt"]!.ToString(), stale["updatedAt"]!.ToString());
        Assert.Empty(await SearchAsync(h, since));
        Assert.Equal("250", (await h.GetAsync($"/crm/v3/objects/deals/{id}?properties=amount")).Object["properties"]!["amount"]!.GetValue<string>());

        h.Clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("250", Assert.Single(await SearchAsync(h, ByName("Acme")))["properties"]!["amount"]!.GetValue<string>());
        Assert.Equal(id, Assert.Single(await SearchAsync(h, since))["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Jitter_SpreadsVisibilityOverTheRange_TheSameWayForTheSameSeed()
    {
        async Task<List<int>> VisibleCountsAsync()
        {
            await using var h = await HubSpotHarness.StartAsync(o => { o.SearchIndexLag = TimeSpan.FromSeconds(1); o.SearchIndexLagJitter = TimeSpan.FromSeconds(2); o.SearchRequestsPerSecond = 1000; });
            for (var i = 0; i < 40; i++)
            {
                await h.CreateDealAsync($"Deal {i:D2}");
            }

            var counts = new List<int>();
            var all = new { limit = 100, properties = new[] { "dealname" } };
            foreach (var step in new[] { 0.99, 1.0, 1.0, 1.01 })
            {
                h.Clock.Advance(TimeSpan.FromSeconds(step));
                counts.Add((await SearchAsync(h, all)).Count); // at 0.99 s, 1.99 s, 2.99 s, 4 s
            }

            return counts;
        }

        var first = await VisibleCountsAsync();

        Assert.Equal(0, first[0]);
        Assert.InRange(first[1], 1, 39);
        Assert.True(first[2] >= first[1]);
        Assert.Equal(40, first[3]);
        Assert.Equal(first, await VisibleCountsAsync());
    }
}
