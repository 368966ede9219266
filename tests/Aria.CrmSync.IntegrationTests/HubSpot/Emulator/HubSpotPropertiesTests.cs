using System.Text.Json.Nodes;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

public sealed class HubSpotPropertiesTests
{
    [Fact]
    public async Task PropertiesApi_ListsDefinitions_AndCreatesAUniquePropertyUsableForUpsert()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var list = await h.GetAsync("/crm/v3/properties/deals");
        var names = list.Object["results"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("dealname", names);
        Assert.Contains("hs_lastmodifieddate", names);
        var stage = await h.GetAsync("/crm/v3/properties/deals/amount");
        Assert.Equal("number", stage.Object["type"]!.GetValue<string>());
        Assert.Equal(404, (await h.GetAsync("/crm/v3/properties/deals/aria_lead_id")).Status);

        var created = await h.PostAsync("/crm/v3/properties/deals", JsonNode.Parse("""
            {"name":"aria_lead_id","label":"Aria lead id","type":"string","fieldType":"text","groupName":"dealinformation","hasUniqueValue":true}
            """)!);
        Assert.Equal(201, created.Status);
        Assert.True(created.Object["hasUniqueValue"]!.GetValue<bool>());
        Assert.False(created.Object["hubspotDefined"]!.GetValue<bool>());
        Assert.Equal(409, (await h.PostAsync("/crm/v3/properties/deals", created.Object)).Status);

        var upsert = await h.PostAsync("/crm/v3/objects/deals/batch/upsert", JsonNode.Parse("""
            {"inputs":[{"id":"lead-42","idProperty":"aria_lead_id","properties":{"dealname":"From lead 42"}}]}
            """)!);
        Assert.Equal(200, upsert.Status);
        Assert.Equal("lead-42", upsert.Object["results"]![0]!["properties"]!["aria_lead_id"]!.GetValue<string>());
    }
}
