using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

public sealed class HubSpotObjectTests
{
    [Theory]
    [InlineData("/crm/v3/objects/deals")]
    [InlineData("/crm/v3/objects/0-3")]
    [InlineData("/crm/objects/2026-03/deals")]
    [InlineData("/crm/objects/2026-03/0-3")]
    public async Task Crud_WorksOnEveryPathFamily(string basePath)
    {
        await using var h = await HubSpotHarness.StartAsync();
        var create = await h.PostAsync(basePath, JsonNode.Parse("""
            {"properties":{"amount":"1500.00","closedate":"2019-12-07T16:50:06.678Z","dealname":"New deal","pipeline":"default","dealstage":"contractsent","hubspot_owner_id":"910901"}}
            """)!);
        Assert.Equal(201, create.Status);
        var id = create.Object["id"]!.GetValue<string>();
        var props = create.Object["properties"]!.AsObject();
        Assert.Equal("1500.00", props["amount"]!.GetValue<string>());
        Assert.Equal(id, props["hs_object_id"]!.GetValue<string>());
        Assert.Equal("2026-03-02T09:00:00.000Z", props["createdate"]!.GetValue<string>());
        Assert.Equal("2026-03-02T09:00:00.000Z", props["hs_lastmodifieddate"]!.GetValue<string>());
        Assert.Equal("2026-03-02T09:00:00.000Z", create.Object["createdAt"]!.GetValue<string>());
        Assert.False(create.Object["archived"]!.GetValue<bool>());
        Assert.All(props, p => Assert.True(p.Value is null || p.Value.GetValueKind() == System.Text.Json.JsonValueKind.String));

        h.Clock.Advance(TimeSpan.FromMinutes(5));
        var update = await h.PatchAsync($"{basePath}/{id}", new JsonObject { ["properties"] = new JsonObject { ["dealstage"] = "closedwon", ["amount"] = "" } });
        Assert.Equal(200, update.Status);
        Assert.Equal("2026-03-02T09:05:00.000Z", update.Object["updatedAt"]!.GetValue<string>());

        var get = await h.GetAsync($"{basePath}/{id}?properties=dealstage,amount&properties=hs_is_closed_won&properties=nonexistent");
        Assert.Equal(200, get.Status);
        var got = get.Object["properties"]!.AsObject();
        Assert.Equal("closedwon", got["dealstage"]!.GetValue<string>());
        Assert.Null(got["amount"]);
        Assert.True(got.ContainsKey("amount"));
        Assert.Equal("true", got["hs_is_closed_won"]!.GetValue<string>());
        Assert.False(got.ContainsKey("nonexistent"));
        Assert.Equal("2026-03-02T09:05:00.000Z", got["hs_lastmodifieddate"]!.GetValue<string>());
        Assert.Equal("2026-03-02T09:00:00.000Z", got["createdate"]!.GetValue<string>());

        Assert.Equal(204, (await h.DeleteAsync($"{basePath}/{id}")).Status);
        var gone = await h.GetAsync($"{basePath}/{id}");
        Assert.Equal(404, gone.Status);
        Assert.Equal("OBJECT_NOT_FOUND", gone.Object["category"]!.GetValue<string>());
        var archived = await h.GetAsync($"{basePath}/{id}?archived=true");
        Assert.Equal(200, archived.Status);
        Assert.True(archived.Object["archived"]!.GetValue<bool>());
        Assert.Equal("2026-03-02T09:05:00.000Z", archived.Object["archivedAt"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_WithoutProperties_ReturnsDefaultDealProperties_AndHistoryOnRequest()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var id = await h.CreateDealAsync("History", "appointmentscheduled", "10");
        h.Clock.Advance(TimeSpan.FromSeconds(3));
        await h.PatchAsync($"/crm/v3/objects/deals/{id}", new JsonObject { ["properties"] = new JsonObject { ["dealstage"] = "qualifiedtobuy" } });

        var get = await h.GetAsync($"/crm/v3/objects/deals/{id}?propertiesWithHistory=dealstage");
        var keys = get.Object["properties"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(["amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"], keys);
        var history = get.Object["propertiesWithHistory"]!["dealstage"]!.AsArray();
        Assert.Equal(2, history.Count);
        Assert.Equal("qualifiedtobuy", history[0]!["value"]!.GetValue<string>());
        Assert.Equal("2026-03-02T09:00:03.000Z", history[0]!["timestamp"]!.GetValue<string>());
        Assert.Equal("appointmentscheduled", history[1]!["value"]!.GetValue<string>());
        Assert.Equal("API", history[1]!["sourceType"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnknownProperty_Returns400_PropertyDoesntExist_LikeHubSpot()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var reply = await h.PostAsync("/crm/v3/objects/deals", new JsonObject { ["properties"] = new JsonObject { ["dealname"] = "x", ["testproperty"] = "1" } });
        Assert.Equal(400, reply.Status);
        var body = reply.Object;
        Assert.Equal("error", body["status"]!.GetValue<string>());
        Assert.Equal("VALIDATION_ERROR", body["category"]!.GetValue<string>());
        Assert.Equal(
            "Property values were not valid: [{\"isValid\":false,\"message\":\"Property \\\"testproperty\\\" does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\",\"name\":\"testproperty\",\"localizedErrorMessage\":\"Property \\\"testproperty\\\" does not exist\",\"portalId\":62515}]",
            body["message"]!.GetValue<string>());
        var error = body["errors"]![0]!;
        Assert.Equal("Property \"testproperty\" does not exist", error["message"]!.GetValue<string>());
        Assert.Equal("PROPERTY_DOESNT_EXIST", error["code"]!.GetValue<string>());
        Assert.Equal("testproperty", error["context"]!["propertyName"]![0]!.GetValue<string>());
        Assert.Equal(0, h.Emulator.CountObjects("deals"));

        // The same on update, and read-only properties are refused.
        var id = await h.CreateDealAsync("ok");
        var update = await h.PatchAsync($"/crm/v3/objects/deals/{id}", new JsonObject { ["properties"] = new JsonObject { ["nope"] = "1" } });
        Assert.Equal("PROPERTY_DOESNT_EXIST", update.Object["errors"]![0]!["code"]!.GetValue<string>());
        var readOnly = await h.PatchAsync($"/crm/v3/objects/deals/{id}", new JsonObject { ["properties"] = new JsonObject { ["hs_lastmodifieddate"] = "2020-01-01T00:00:00Z" } });
        Assert.Equal(400, readOnly.Status);
        Assert.Equal("READ_ONLY_VALUE", readOnly.Object["errors"]![0]!["code"]!.GetValue<string>());
        var number = await h.PatchAsync($"/crm/v3/objects/deals/{id}", new JsonObject { ["properties"] = new JsonObject { ["amount"] = "lots" } });
        Assert.Equal("INVALID_INTEGER", number.Object["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task DealStage_IsValidatedAgainstTheDealsPipeline()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var custom = h.Emulator.AddDealPipeline("Partners", ("Intro", 0.1, false), ("Signed", 1.0, true), ("Dropped", 0.0, true));
        Assert.Matches("^[0-9]+$", custom.Id);
        Assert.All(custom.Stages, s => Assert.Matches("^[0-9]+$", s.Id));

        var wrong = await h.PostAsync("/crm/v3/objects/deals", new JsonObject { ["properties"] = new JsonObject { ["dealname"] = "x", ["dealstage"] = custom.Stages[0].Id } });
        Assert.Equal(400, wrong.Status);
        Assert.Equal("INVALID_OPTION", wrong.Object["errors"]![0]!["code"]!.GetValue<string>());
        Assert.Equal("dealstage", wrong.Object["errors"]![0]!["context"]!["propertyName"]![0]!.GetValue<string>());

        var right = await h.PostAsync("/crm/v3/objects/deals", new JsonObject
        {
            ["properties"] = new JsonObject { ["dealname"] = "x", ["pipeline"] = custom.Id, ["dealstage"] = custom.Stages[1].Id },
        });
        Assert.Equal(201, right.Status);
        var deal = h.Emulator.GetObject("deals", right.Object["id"]!.GetValue<string>())!;
        Assert.Equal("true", deal["hs_is_closed_won"]);

        // Omitted pipeline and stage default to the default pipeline's first stage.
        var defaults = await h.PostAsync("/crm/v3/objects/deals", new JsonObject { ["properties"] = new JsonObject { ["dealname"] = "y" } });
        Assert.Equal("default", defaults.Object["properties"]!["pipeline"]!.GetValue<string>());
        Assert.Equal("appointmentscheduled", defaults.Object["properties"]!["dealstage"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_PagesByIdCursor_WithNextLink()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add(h.Emulator.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = $"D{i}" }).Id);
        }

        var seen = new List<string>();
        var path = "/crm/v3/objects/deals?limit=3&properties=dealname";
        var pages = 0;
        while (true)
        {
            var page = await h.GetAsync(path);
            Assert.Equal(200, page.Status);
            pages++;
            seen.AddRange(page.Object["results"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
            if (page.Object["paging"]?["next"] is not JsonObject next)
            {
                break;
            }

            var after = next["after"]!.GetValue<string>();
            Assert.Equal(ids[seen.Count], after);
            Assert.EndsWith($"/crm/v3/objects/deals?limit=3&after={after}", next["link"]!.GetValue<string>());
            path = $"/crm/v3/objects/deals?limit=3&properties=dealname&after={after}";
        }

        Assert.Equal(3, pages);
        Assert.Equal(ids, seen);
    }

    [Fact]
    public async Task IdProperty_GetAndPatch_ByUniqueProperty_AndConflictIs409()
    {
        await using var h = await HubSpotHarness.StartAsync();
        h.Emulator.DefineProperty("deals", "aria_lead_id", hasUniqueValue: true);
        var create = await h.PostAsync("/crm/v3/objects/deals", new JsonObject { ["properties"] = new JsonObject { ["dealname"] = "A", ["aria_lead_id"] = "lead-1" } });
        Assert.Equal(201, create.Status);
        var byLead = await h.GetAsync("/crm/v3/objects/deals/lead-1?idProperty=aria_lead_id&properties=aria_lead_id");
        Assert.Equal(create.Object["id"]!.GetValue<string>(), byLead.Object["id"]!.GetValue<string>());
        var patch = await h.PatchAsync("/crm/v3/objects/deals/lead-1?idProperty=aria_lead_id", new JsonObject { ["properties"] = new JsonObject { ["dealname"] = "B" } });
        Assert.Equal("B", patch.Object["properties"]!["dealname"]!.GetValue<string>());

        var duplicate = await h.PostAsync("/crm/v3/objects/deals", new JsonObject { ["properties"] = new JsonObject { ["dealname"] = "C", ["aria_lead_id"] = "lead-1" } });
        Assert.Equal(409, duplicate.Status);
        Assert.Equal("CONFLICT", duplicate.Object["category"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetWithAssociations_ReturnsV3AssociationMap()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var deal = await h.CreateDealAsync("Assoc");
        var note = await h.PostAsync("/crm/v3/objects/notes", JsonNode.Parse($$"""
            {"properties":{"hs_timestamp":"2021-11-12T15:48:22Z","hs_note_body":"Spoke with Carla"},
             "associations":[{"to":{"id":{{deal}}},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":214}]}]}
            """)!);
        Assert.Equal(201, note.Status);
        var noteId = note.Object["id"]!.GetValue<string>();

        var get = await h.GetAsync($"/crm/v3/objects/deals/{deal}?associations=notes,calls");
        var notes = get.Object["associations"]!["notes"]!["results"]!.AsArray();
        Assert.Single(notes);
        Assert.Equal(noteId, notes[0]!["id"]!.GetValue<string>());
        Assert.Equal("deal_to_note", notes[0]!["type"]!.GetValue<string>());
        Assert.False(get.Object["associations"]!.AsObject().ContainsKey("calls"));
    }

    [Fact]
    public async Task MalformedJson_IsA400ValidationError()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var reply = await h.PostAsync("/crm/v3/objects/deals", "{\"properties\":");
        Assert.Equal(400, reply.Status);
        Assert.Equal("VALIDATION_ERROR", reply.Object["category"]!.GetValue<string>());
        Assert.StartsWith("Invalid input JSON", reply.Object["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task DirectDataAccess_SeedsRecordsSharingOneTimestamp_WithoutCountingCalls()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var stamp = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var created = Enumerable.Range(0, 5)
            .Select(i => h.Emulator.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = $"S{i}" }, createdAt: stamp.AddDays(-1), lastModified: stamp))
            .ToList();
        Assert.All(created, d => Assert.Equal("2025-01-01T00:00:00.000Z", d["hs_lastmodifieddate"]));
        Assert.All(created, d => Assert.Equal("2024-12-31T00:00:00.000Z", d["createdate"]));
        h.Emulator.SetLastModified("deals", created[0].Id, stamp.AddHours(1));
        Assert.Equal("2025-01-01T01:00:00.000Z", h.Emulator.GetObject("deals", created[0].Id)!["hs_lastmodifieddate"]);
        var updated = h.Emulator.UpdateObject("deals", created[1].Id, new Dictionary<string, string?> { ["amount"] = "12" });
        Assert.Equal("12", updated["amount"]);
        Assert.True(h.Emulator.ArchiveObject("deals", created[2].Id));
        Assert.Equal(4, h.Emulator.CountObjects("deals"));
        Assert.Equal(5, h.Emulator.ListObjects("deals", includeArchived: true).Count);
        Assert.Throws<ArgumentException>(() => h.Emulator.InsertObject("deals", new Dictionary<string, string?> { ["bogus"] = "1" }));
        Assert.Equal(0, h.Emulator.Calls.Total);
    }

    [Fact]
    public async Task Merge_ArchivesTheMergedDeal_AndRecordsItsId()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var a = await h.CreateDealAsync("A");
        var b = await h.CreateDealAsync("B", amount: "5");
        var merged = await h.PostAsync("/crm/v3/objects/deals/merge", new JsonObject { ["primaryObjectId"] = a, ["objectIdToMerge"] = b });
        Assert.Equal(200, merged.Status);
        Assert.Equal(a, merged.Object["id"]!.GetValue<string>());
        Assert.Equal("5", merged.Object["properties"]!["amount"]!.GetValue<string>());
        Assert.True(h.Emulator.GetObject("deals", b)!.Archived);
        Assert.Equal(b, h.Emulator.GetObject("deals", a)!["hs_merged_object_ids"]);
    }

    [Fact]
    public async Task InProcessHandler_ServesTheSameApi()
    {
        await using var h = await HubSpotHarness.StartAsync(inProcess: true);
        var id = await h.CreateDealAsync("In process");
        var get = await h.GetAsync($"/crm/v3/objects/0-3/{id}");
        Assert.Equal(200, get.Status);
        Assert.Equal("In process", get.Object["properties"]!["dealname"]!.GetValue<string>());
        Assert.IsType<HubSpotObject>(h.Emulator.GetObject("deals", id));
    }
}
