using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

/// <summary>A <c>date</c> property over HTTP: described as <c>date</c>, set at midnight UTC only, read as <c>yyyy-MM-dd</c>, searchable.</summary>
public sealed class HubSpotDatePropertyTests
{
    private static void Properties(HubSpotEmulatorOptions o) => o.CustomProperties.Add(new("renewal", HubSpotPropertyType.Date));

    [Fact]
    public async Task DateProperty_IsDescribed_StoredAsADate_AndSearchable()
    {
        await using var h = await HubSpotHarness.StartAsync(Properties);
        var first = await h.CreateDealAsync("First");
        var second = await h.CreateDealAsync("Second");

        var property = await h.GetAsync("/crm/v3/properties/deals/renewal");
        Assert.Equal(("date", "date"), (property.Object["type"]!.GetValue<string>(), property.Object["fieldType"]!.GetValue<string>()));

        Assert.Equal(200, (await h.PatchAsync($"/crm/v3/objects/deals/{first}", new JsonObject { ["properties"] = new JsonObject { ["renewal"] = "2026-05-01" } })).Status);
        Assert.Equal(200, (await h.PatchAsync($"/crm/v3/objects/deals/{second}", new JsonObject { ["properties"] = new JsonObject { ["renewal"] = "1798761600000" } })).Status); // 2027-01-01T00:00Z

        var read = await h.GetAsync($"/crm/v3/objects/deals/{second}?properties=renewal");
        Assert.Equal("2027-01-01", read.Object["properties"]!["renewal"]!.GetValue<string>());
        var search = await h.PostAsync("/crm/v3/objects/deals/search", JsonNode.Parse("""
            {"filterGroups":[{"filters":[{"propertyName":"renewal","operator":"GTE","value":"1780000000000"}]}],"properties":["renewal"]}
            """)!);
        Assert.Equal(second, Assert.Single(search.Object["results"]!.AsArray())!["id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("2026-05-01T10:00:00.000Z", "2026-05-01T10:00:00.000Z is at 10:0:0.0 UTC, not midnight!")]
    [InlineData("1777593600001", "1777593600001 is at 0:0:0.1 UTC, not midnight!")]
    [InlineData("next week", "next week was not a valid date: use yyyy-MM-dd or epoch milliseconds at midnight UTC.")]
    public async Task DateProperty_NotAtMidnight_IsRefused(string value, string message)
    {
        await using var h = await HubSpotHarness.StartAsync(Properties);
        var id = await h.CreateDealAsync("Deal");

        var reply = await h.PatchAsync($"/crm/v3/objects/deals/{id}", new JsonObject { ["properties"] = new JsonObject { ["renewal"] = value } });

        Assert.Equal((400, "VALIDATION_ERROR"), (reply.Status, reply.Object["category"]!.GetValue<string>()));
        var detail = Assert.Single(JsonNode.Parse(reply.Object["message"]!.GetValue<string>()["Property values were not valid: ".Length..])!.AsArray())!;
        Assert.Equal(("INVALID_DATE", "renewal", message), (detail["error"]!.GetValue<string>(), detail["name"]!.GetValue<string>(), detail["message"]!.GetValue<string>()));
    }
}
