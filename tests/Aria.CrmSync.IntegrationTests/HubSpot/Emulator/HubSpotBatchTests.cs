using System.Text.Json.Nodes;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

public sealed class HubSpotBatchTests
{
    private static JsonObject Inputs(IEnumerable<JsonNode> inputs) => new() { ["inputs"] = new JsonArray([.. inputs]) };

    [Fact]
    public async Task BatchCreate_Returns201_AndMoreThan100InputsIs400()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var create = await h.PostAsync("/crm/v3/objects/deals/batch/create", Inputs(Enumerable.Range(0, 100).Select(i => (JsonNode)new JsonObject
        {
            ["properties"] = new JsonObject { ["dealname"] = $"Batch {i}" },
            ["associations"] = new JsonArray(),
        })));
        Assert.Equal(201, create.Status);
        Assert.Equal("COMPLETE", create.Object["status"]!.GetValue<string>());
        Assert.Equal(100, create.Object["results"]!.AsArray().Count);
        Assert.Equal("2026-03-02T09:00:00.000Z", create.Object["startedAt"]!.GetValue<string>());
        Assert.NotNull(create.Object["completedAt"]);
        Assert.Equal(1, h.Emulator.Calls.Count("deals.batch.create"));
        Assert.Equal(1, h.Emulator.Calls.ApiCalls);

        var tooMany = await h.PostAsync("/crm/v3/objects/deals/batch/create", Inputs(Enumerable.Range(0, 101).Select(i => (JsonNode)new JsonObject
        {
            ["properties"] = new JsonObject { ["dealname"] = $"X {i}" },
        })));
        Assert.Equal(400, tooMany.Status);
        Assert.Equal("VALIDATION_ERROR", tooMany.Object["category"]!.GetValue<string>());
        Assert.Contains("100", tooMany.Object["message"]!.GetValue<string>());
        Assert.Equal(100, h.Emulator.CountObjects("deals"));
    }

    [Fact]
    public async Task BatchCreate_WithObjectWriteTraceIds_Returns207PerItem()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var reply = await h.PostAsync("/crm/v3/objects/notes/batch/create", JsonNode.Parse("""
            {"inputs":[
              {"objectWriteTraceId":"549b1c2a9350","properties":{"hs_timestamp":"2024-08-15T17:09:13.648Z","hs_note_body":"ok"}},
              {"objectWriteTraceId":"549b1c2a9351","properties":{"hs_timestamp":"2024-08-15T17:09:13.648Z","missing":"1"}}]}
            """)!);
        Assert.Equal(207, reply.Status);
        Assert.Single(reply.Object["results"]!.AsArray());
        Assert.Equal(1, reply.Object["numErrors"]!.GetValue<int>());
        var error = reply.Object["errors"]![0]!;
        Assert.Equal("VALIDATION_ERROR", error["category"]!.GetValue<string>());
        Assert.Equal("error", error["status"]!.GetValue<string>());
        Assert.Contains("PROPERTY_DOESNT_EXIST", error["message"]!.GetValue<string>());
        Assert.Equal("549b1c2a9351", error["context"]!["objectWriteTraceId"]![0]!.GetValue<string>());
        Assert.Equal(1, h.Emulator.CountObjects("notes"));

        // Without trace ids the whole batch fails and nothing is created.
        var whole = await h.PostAsync("/crm/v3/objects/notes/batch/create", JsonNode.Parse("""
            {"inputs":[{"properties":{"hs_timestamp":"2024-08-15T17:09:13.648Z"}},{"properties":{"hs_timestamp":"2024-08-15T17:09:13.648Z","missing":"1"}}]}
            """)!);
        Assert.Equal(400, whole.Status);
        Assert.Equal(1, h.Emulator.CountObjects("notes"));
    }

    [Fact]
    public async Task BatchRead_MissingIds_Returns207WithObjectNotFound_AndPropertiesWithHistory()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var a = await h.CreateDealAsync("A");
        var b = await h.CreateDealAsync("B");
        var all = await h.PostAsync("/crm/v3/objects/deals/batch/read", new JsonObject
        {
            ["properties"] = new JsonArray("dealname", "dealstage", "pipeline"),
            ["propertiesWithHistory"] = new JsonArray("dealstage"),
            ["inputs"] = new JsonArray(new JsonObject { ["id"] = a }, new JsonObject { ["id"] = b }),
        });
        Assert.Equal(200, all.Status);
        Assert.Equal(2, all.Object["results"]!.AsArray().Count);
        Assert.Null(all.Object["errors"]);
        Assert.Equal("appointmentscheduled", all.Object["results"]![0]!["propertiesWithHistory"]!["dealstage"]![0]!["value"]!.GetValue<string>());

        var partial = await h.PostAsync("/crm/v3/objects/deals/batch/read", JsonNode.Parse($$"""
            {"properties":["dealname"],"propertiesWithHistory":[],"inputs":[{"id":"{{a}}"},{"id":"987654"}]}
            """)!);
        Assert.Equal(207, partial.Status);
        Assert.Single(partial.Object["results"]!.AsArray());
        Assert.Equal(1, partial.Object["numErrors"]!.GetValue<int>());
        Assert.Equal("OBJECT_NOT_FOUND", partial.Object["errors"]![0]!["category"]!.GetValue<string>());
        Assert.Equal("987654", partial.Object["errors"]![0]!["context"]!["ids"]![0]!.GetValue<string>());

        var history51 = await h.PostAsync("/crm/v3/objects/deals/batch/read", new JsonObject
        {
            ["propertiesWithHistory"] = new JsonArray("dealstage"),
            ["inputs"] = new JsonArray([.. Enumerable.Range(0, 51).Select(i => (JsonNode)new JsonObject { ["id"] = i.ToString() })]),
        });
        Assert.Equal(400, history51.Status);
    }

    [Fact]
    public async Task BatchUpdate_UpsertAndArchive()
    {
        await using var h = await HubSpotHarness.StartAsync();
        h.Emulator.DefineProperty("deals", "aria_lead_id", hasUniqueValue: true);
        var a = await h.CreateDealAsync("A");
        h.Clock.Advance(TimeSpan.FromSeconds(1));

        var update = await h.PostAsync("/crm/v3/objects/deals/batch/update", JsonNode.Parse($$$"""
            {"inputs":[{"id":"{{{a}}}","properties":{"amount":"99"}}]}
            """)!);
        Assert.Equal(200, update.Status);
        Assert.Equal("99", update.Object["results"]![0]!["properties"]!["amount"]!.GetValue<string>());
        Assert.Equal("2026-03-02T09:00:01.000Z", update.Object["results"]![0]!["updatedAt"]!.GetValue<string>());

        var missing = await h.PostAsync("/crm/v3/objects/deals/batch/update", JsonNode.Parse("""
            {"inputs":[{"id":"1","objectWriteTraceId":"t1","properties":{"amount":"1"}}]}
            """)!);
        Assert.Equal(207, missing.Status);
        Assert.Equal("t1", missing.Object["errors"]![0]!["context"]!["objectWriteTraceId"]![0]!.GetValue<string>());

        var upsert = await h.PostAsync("/crm/v3/objects/deals/batch/upsert", JsonNode.Parse("""
            {"inputs":[{"id":"lead-7","idProperty":"aria_lead_id","properties":{"dealname":"Upserted"}}]}
            """)!);
        Assert.Equal(200, upsert.Status);
        Assert.True(upsert.Object["results"]![0]!["new"]!.GetValue<bool>());
        var again = await h.PostAsync("/crm/v3/objects/deals/batch/upsert", JsonNode.Parse("""
            {"inputs":[{"id":"lead-7","idProperty":"aria_lead_id","properties":{"dealname":"Upserted twice"}}]}
            """)!);
        Assert.False(again.Object["results"]![0]!["new"]!.GetValue<bool>());
        Assert.Equal(upsert.Object["results"]![0]!["id"]!.GetValue<string>(), again.Object["results"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(2, h.Emulator.CountObjects("deals"));

        var byObjectId = await h.PostAsync("/crm/v3/objects/deals/batch/upsert", JsonNode.Parse($$$"""
            {"inputs":[{"id":"{{{a}}}","idProperty":"hs_object_id","properties":{"dealname":"no"}}]}
            """)!);
        Assert.Equal(400, byObjectId.Status);

        var archive = await h.PostAsync("/crm/v3/objects/deals/batch/archive", JsonNode.Parse($$"""
            {"inputs":[{"id":"{{a}}"},{"id":"7891011"}]}
            """)!);
        Assert.Equal(204, archive.Status);
        Assert.Equal(string.Empty, archive.Body);
        Assert.Equal(1, h.Emulator.CountObjects("deals"));
    }
}
