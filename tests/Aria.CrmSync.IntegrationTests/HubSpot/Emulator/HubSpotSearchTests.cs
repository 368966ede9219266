using System.Text.Json.Nodes;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

public sealed class HubSpotSearchTests
{
    private static async Task<HubSpotHarness> SeededAsync()
    {
        var h = await HubSpotHarness.StartAsync(o => o.SearchRequestsPerSecond = 1000);
        var deals = new (string Name, string Stage, string? Amount, int Day)[]
        {
            ("Acme renewal", "presentationscheduled", "15000", 1),
            ("Acme upsell", "appointmentscheduled", "500", 2),
            ("Globex pilot", "presentationscheduled", "9000", 3),
            ("Initech expansion", "closedwon", null, 4),
            ("Umbrella", "closedlost", "20000", 5),
        };
        foreach (var (name, stage, amount, day) in deals)
        {
            var at = new DateTimeOffset(2026, 1, day, 0, 0, 0, TimeSpan.Zero);
            h.Emulator.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = name, ["dealstage"] = stage, ["amount"] = amount }, at, at);
        }

        return h;
    }

    private static async Task<List<string>> NamesAsync(HubSpotHarness h, string json)
    {
        var reply = await h.PostAsync("/crm/v3/objects/deals/search", JsonNode.Parse(json)!);
        Assert.True(reply.Status == 200, reply.Body);
        return reply.Object["results"]!.AsArray().Select(r => r!["properties"]!["dealname"]!.GetValue<string>()).ToList();
    }

    [Theory]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"dealstage","operator":"EQ","value":"presentationscheduled"},{"propertyName":"amount","operator":"GT","value":"10000"}]}]}""", "Acme renewal")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"dealname","operator":"EQ","value":"acme UPSELL"}]}]}""", "Acme upsell")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"dealstage","operator":"NEQ","value":"presentationscheduled"}]}]}""", "Acme upsell|Initech expansion|Umbrella")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"amount","operator":"LT","value":"9000"}]}]}""", "Acme upsell")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"amount","operator":"LTE","value":"9000"}]}]}""", "Acme upsell|Globex pilot")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"amount","operator":"GTE","value":"15000"}]}]}""", "Acme renewal|Umbrella")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"hs_lastmodifieddate","operator":"BETWEEN","value":"1767312000000","highValue":"1767484800000"}]}]}""", "Acme upsell|Globex pilot|Initech expansion")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"dealstage","operator":"IN","values":["closedwon","closedlost"]}]}]}""", "Initech expansion|Umbrella")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"dealstage","operator":"NOT_IN","values":["closedwon","closedlost"]}]}]}""", "Acme renewal|Acme upsell|Globex pilot")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"amount","operator":"HAS_PROPERTY"}]}]}""", "Acme renewal|Acme upsell|Globex pilot|Umbrella")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"amount","operator":"NOT_HAS_PROPERTY"}]}]}""", "Initech expansion")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"dealname","operator":"CONTAINS_TOKEN","value":"acme"}]}]}""", "Acme renewal|Acme upsell")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"dealname","operator":"CONTAINS_TOKEN","value":"exp*"}]}]}""", "Initech expansion")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"dealname","operator":"NOT_CONTAINS_TOKEN","value":"acme"}]}]}""", "Globex pilot|Initech expansion|Umbrella")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"dealstage","operator":"EQ","value":"closedwon"}]},{"filters":[{"propertyName":"amount","operator":"LT","value":"1000"}]}]}""", "Acme upsell|Initech expansion")]
    [InlineData("""{"query":"glob"}""", "Globex pilot")]
    [InlineData("""{"filterGroups":[{"filters":[{"propertyName":"dealstage","operator":"EQ","value":"PRESENTATIONSCHEDULED"}]}]}""", "")]
    public async Task Operators_FilterLikeHubSpot(string request, string expected)
    {
        await using var h = await SeededAsync();
        var names = await NamesAsync(h, request);
        Assert.Equal(expected.Split('|', StringSplitOptions.RemoveEmptyEntries), names);
    }

    [Fact]
    public async Task Sorts_DefaultIsCreationOrder_AndSortObjectsOrStringsAreAccepted()
    {
        await using var h = await SeededAsync();
        Assert.Equal(["Acme renewal", "Acme upsell", "Globex pilot", "Initech expansion", "Umbrella"], await NamesAsync(h, "{}"));
        Assert.Equal(
            ["Umbrella", "Acme renewal", "Globex pilot", "Acme upsell", "Initech expansion"],
            await NamesAsync(h, """{"sorts":[{"propertyName":"amount","direction":"DESCENDING"}]}"""));
        Assert.Equal(
            ["Umbrella", "Initech expansion", "Globex pilot", "Acme upsell", "Acme renewal"],
            await NamesAsync(h, """{"sorts":["{\"propertyName\":\"createdate\",\"direction\":\"DESCENDING\"}"],"filterGroups":[],"properties":["dealname"],"limit":10,"after":"0"}"""));
        Assert.Equal(
            ["Acme renewal", "Acme upsell", "Globex pilot", "Initech expansion", "Umbrella"],
            await NamesAsync(h, """{"sorts":["dealname"]}"""));
    }

    [Fact]
    public async Task Paging_UsesIntegerOffsets_TotalAndRequestedProperties()
    {
        await using var h = await SeededAsync();
        var first = await h.PostAsync("/crm/v3/objects/deals/search", JsonNode.Parse("""{"limit":2,"properties":["dealname"]}""")!);
        Assert.Equal(5, first.Object["total"]!.GetValue<int>());
        Assert.Equal("2", first.Object["paging"]!["next"]!["after"]!.GetValue<string>());
        var props = first.Object["results"]![0]!["properties"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(["createdate", "dealname", "hs_lastmodifieddate", "hs_object_id"], props);
        Assert.Null(first.Header("X-HubSpot-RateLimit-Max"));

        var last = await h.PostAsync("/crm/v3/objects/deals/search", JsonNode.Parse("""{"limit":2,"after":4}""")!);
        Assert.Single(last.Object["results"]!.AsArray());
        Assert.Null(last.Object["paging"]);

        var defaults = await h.PostAsync("/crm/v3/objects/deals/search", new JsonObject());
        Assert.Equal(
            ["amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"],
            defaults.Object["results"]![0]!["properties"]!.AsObject().Select(p => p.Key).ToList());
    }

    [Fact]
    public async Task Limits_FilterGroupsFiltersAndPageSizeAreEnforced()
    {
        await using var h = await SeededAsync();
        static JsonObject Filter() => new() { ["propertyName"] = "amount", ["operator"] = "HAS_PROPERTY" };
        JsonObject Groups(int groups, int filters) => new()
        {
            ["filterGroups"] = new JsonArray([.. Enumerable.Range(0, groups).Select(_ => (JsonNode)new JsonObject
            {
                ["filters"] = new JsonArray([.. Enumerable.Range(0, filters).Select(_ => (JsonNode)Filter())]),
            })]),
        };

        Assert.Equal(200, (await h.PostAsync("/crm/v3/objects/deals/search", Groups(3, 6))).Status);
        Assert.Equal(400, (await h.PostAsync("/crm/v3/objects/deals/search", Groups(6, 1))).Status);
        Assert.Equal(400, (await h.PostAsync("/crm/v3/objects/deals/search", Groups(1, 7))).Status);
        var total = await h.PostAsync("/crm/v3/objects/deals/search", Groups(4, 5));
        Assert.Equal(400, total.Status);
        Assert.Equal("VALIDATION_ERROR", total.Object["category"]!.GetValue<string>());
        Assert.Equal(400, (await h.PostAsync("/crm/v3/objects/deals/search", JsonNode.Parse("""{"limit":201}""")!)).Status);
        Assert.Equal(200, (await h.PostAsync("/crm/v3/objects/deals/search", JsonNode.Parse("""{"limit":200}""")!)).Status);
        Assert.Equal(400, (await h.PostAsync("/crm/v3/objects/deals/search", JsonNode.Parse("""{"filterGroups":[{"filters":[{"propertyName":"amount","operator":"LIKE","value":"1"}]}]}""")!)).Status);
    }

    [Fact]
    public async Task TenThousandResultCap_PagingPastItIs400()
    {
        await using var h = await HubSpotHarness.StartAsync(o => o.SearchRequestsPerSecond = 1000);
        for (var i = 0; i < 10_050; i++)
        {
            h.Emulator.InsertObject("notes", new Dictionary<string, string?> { ["hs_timestamp"] = "1700000000000" });
        }

        var near = await h.PostAsync("/crm/v3/objects/notes/search", JsonNode.Parse("""{"limit":200,"after":"9900"}""")!);
        Assert.Equal(200, near.Status);
        Assert.Equal(10_050, near.Object["total"]!.GetValue<int>());
        Assert.Equal(100, near.Object["results"]!.AsArray().Count);
        Assert.Equal("10000", near.Object["paging"]!["next"]!["after"]!.GetValue<string>());

        var past = await h.PostAsync("/crm/v3/objects/notes/search", JsonNode.Parse("""{"limit":200,"after":"10000"}""")!);
        Assert.Equal(400, past.Status);
        Assert.Equal("VALIDATION_ERROR", past.Object["category"]!.GetValue<string>());
    }

    [Fact]
    public async Task SearchIsLimitedToFivePerSecondPerAccount()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var second = h.Emulator.CreatePrivateAppToken();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(200, (await h.PostAsync("/crm/v3/objects/deals/search", new JsonObject(), i % 2 == 0 ? null : second)).Status);
        }

        var limited = await h.PostAsync("/crm/v3/objects/deals/search", new JsonObject(), second);
        Assert.Equal(429, limited.Status);
        Assert.Equal("RATE_LIMIT", limited.Object["errorType"]!.GetValue<string>());
        Assert.Equal("SECONDLY", limited.Object["policyName"]!.GetValue<string>());
        Assert.Equal("You have reached your secondly limit.", limited.Object["message"]!.GetValue<string>());
        Assert.Null(limited.Header("X-HubSpot-RateLimit-Remaining"));

        // Other endpoints are not affected; the window rolls with the clock.
        Assert.Equal(200, (await h.GetAsync("/crm/v3/objects/deals")).Status);
        h.Clock.Advance(TimeSpan.FromMilliseconds(1001));
        Assert.Equal(200, (await h.PostAsync("/crm/v3/objects/deals/search", new JsonObject())).Status);
    }

    [Fact]
    public async Task SearchByAssociation_AndArchivedAreExcluded()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var deal = await h.CreateDealAsync("D");
        var note1 = h.Emulator.InsertObject("notes", new Dictionary<string, string?> { ["hs_timestamp"] = "2024-01-01T00:00:00Z", ["hs_note_body"] = "one" });
        var note2 = h.Emulator.InsertObject("notes", new Dictionary<string, string?> { ["hs_timestamp"] = "2024-01-01T00:00:00Z", ["hs_note_body"] = "two" });
        h.Emulator.InsertObject("notes", new Dictionary<string, string?> { ["hs_timestamp"] = "2024-01-01T00:00:00Z", ["hs_note_body"] = "three" });
        h.Emulator.Associate("notes", note1.Id, "deals", deal, 214);
        h.Emulator.Associate("notes", note2.Id, "deals", deal);
        var reply = await h.PostAsync("/crm/v3/objects/notes/search", JsonNode.Parse($$"""
            {"filterGroups":[{"filters":[{"propertyName":"associations.deal","operator":"EQ","value":"{{deal}}"}]}],"properties":["hs_note_body"]}
            """)!);
        Assert.Equal(2, reply.Object["total"]!.GetValue<int>());
        h.Emulator.ArchiveObject("notes", note2.Id);
        reply = await h.PostAsync("/crm/v3/objects/notes/search", JsonNode.Parse($$"""
            {"filterGroups":[{"filters":[{"propertyName":"associations.deal","operator":"EQ","value":"{{deal}}"}]}]}
            """)!);
        Assert.Equal(1, reply.Object["total"]!.GetValue<int>());
    }
}
