using System.Text.Json.Nodes;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

public sealed class HubSpotEngagementTests
{
    [Theory]
    [InlineData("notes", "0-46", 214, 213, """{"hs_timestamp":"2021-11-12T15:48:22Z","hs_note_body":"Spoke with decision maker Carla.","hs_attachment_ids":"24332474034;24332474044"}""")]
    [InlineData("calls", "0-48", 206, 205, """{"hs_timestamp":"2021-03-17T01:32:44.872Z","hs_call_title":"Support call","hs_call_body":"Resolved issue","hs_call_direction":"OUTBOUND","hs_call_duration":"3800","hs_call_status":"COMPLETED"}""")]
    [InlineData("emails", "0-49", 210, 209, """{"hs_timestamp":"2019-10-30T03:30:17.883Z","hs_email_direction":"EMAIL","hs_email_status":"SENT","hs_email_subject":"Let's talk","hs_email_text":"Thanks"}""")]
    [InlineData("meetings", "0-47", 212, 211, """{"hs_timestamp":"2021-03-23T01:02:44.872Z","hs_meeting_title":"Intro meeting","hs_meeting_body":"Options","hs_meeting_start_time":"2021-03-23T01:02:44.872Z","hs_meeting_end_time":"2021-03-23T01:52:44.872Z","hs_meeting_outcome":"SCHEDULED"}""")]
    [InlineData("tasks", "0-27", 216, 215, """{"hs_timestamp":"2019-10-30T03:30:17.883Z","hs_task_body":"Send Proposal","hs_task_subject":"Follow-up","hs_task_status":"WAITING","hs_task_priority":"HIGH","hs_task_type":"CALL"}""")]
    public async Task Engagement_CreatedWithDealAssociation_IsListedFromTheDealWithTheInverseType(string type, string typeId, int toDeal, int fromDeal, string properties)
    {
        await using var h = await HubSpotHarness.StartAsync();
        var deal = await h.CreateDealAsync("Deal");
        var create = await h.PostAsync($"/crm/v3/objects/{type}", JsonNode.Parse($$"""
            {"properties":{{properties}},"associations":[{"to":{"id":"{{deal}}"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":{{toDeal}}}]}]}
            """)!);
        Assert.True(create.Status == 201, create.Body);
        var id = create.Object["id"]!.GetValue<string>();
        foreach (var (name, value) in JsonNode.Parse(properties)!.AsObject())
        {
            Assert.Equal(value!.GetValue<string>().Replace("T15:48:22Z", "T15:48:22.000Z"), create.Object["properties"]![name]!.GetValue<string>());
        }

        var byTypeId = await h.GetAsync($"/crm/v3/objects/{typeId}/{id}?properties=hs_timestamp");
        Assert.Equal(200, byTypeId.Status);
        Assert.Equal(["hs_createdate", "hs_lastmodifieddate", "hs_object_id", "hs_timestamp"], byTypeId.Object["properties"]!.AsObject().Select(p => p.Key).ToList());

        var fromDealList = await h.GetAsync($"/crm/v4/objects/deals/{deal}/associations/{type}");
        var result = Assert.Single(fromDealList.Object["results"]!.AsArray())!;
        Assert.Equal(id, result["toObjectId"]!.GetValue<string>());
        Assert.Equal(fromDeal, result["associationTypes"]![0]!["typeId"]!.GetValue<int>());
        Assert.Equal("HUBSPOT_DEFINED", result["associationTypes"]![0]!["category"]!.GetValue<string>());
        Assert.Null(result["associationTypes"]![0]!["label"]);

        var toDealList = await h.GetAsync($"/crm/v4/objects/{typeId}/{id}/associations/0-3");
        Assert.Equal(toDeal, toDealList.Object["results"]![0]!["associationTypes"]![0]!["typeId"]!.GetValue<int>());

        // Update, search and archive work the same as deals.
        Assert.Equal(200, (await h.PatchAsync($"/crm/v3/objects/{type}/{id}", new JsonObject { ["properties"] = new JsonObject { ["hubspot_owner_id"] = "14240720" } })).Status);
        var search = await h.PostAsync($"/crm/v3/objects/{type}/search", JsonNode.Parse($$"""{"filterGroups":[{"filters":[{"propertyName":"hubspot_owner_id","operator":"EQ","value":"14240720"}]}]}""")!);
        Assert.Equal(1, search.Object["total"]!.GetValue<int>());
        Assert.Equal(204, (await h.DeleteAsync($"/crm/v3/objects/{type}/{id}")).Status);
        Assert.Empty((await h.GetAsync($"/crm/v4/objects/deals/{deal}/associations/{type}")).Object["results"]!.AsArray());
    }

    [Fact]
    public async Task EngagementValidation_RequiresTimestamp_AndRejectsUnknownOptions_AndMissingTargets()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var noTimestamp = await h.PostAsync("/crm/v3/objects/notes", JsonNode.Parse("""{"properties":{"hs_note_body":"x"}}""")!);
        Assert.Equal(400, noTimestamp.Status);
        var badOption = await h.PostAsync("/crm/v3/objects/calls", JsonNode.Parse("""{"properties":{"hs_timestamp":"1700000000000","hs_call_direction":"SIDEWAYS"}}""")!);
        Assert.Equal("INVALID_OPTION", badOption.Object["errors"]![0]!["code"]!.GetValue<string>());
        var missingDeal = await h.PostAsync("/crm/v3/objects/notes", JsonNode.Parse("""
            {"properties":{"hs_timestamp":"1700000000000"},"associations":[{"to":{"id":401},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":214}]}]}
            """)!);
        Assert.Equal(400, missingDeal.Status);
        var wrongType = await h.PostAsync("/crm/v3/objects/notes", JsonNode.Parse($$"""
            {"properties":{"hs_timestamp":"1700000000000"},"associations":[{"to":{"id":"{{await h.CreateDealAsync("d")}}"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":999}]}]}
            """)!);
        Assert.Equal(400, wrongType.Status);
        Assert.Equal(0, h.Emulator.CountObjects("notes"));

        // Epoch-millisecond timestamps are accepted and normalised to ISO 8601.
        var epoch = await h.PostAsync("/crm/v3/objects/notes", JsonNode.Parse("""{"properties":{"hs_timestamp":"1700000000000"}}""")!);
        Assert.Equal("2023-11-14T22:13:20.000Z", epoch.Object["properties"]!["hs_timestamp"]!.GetValue<string>());
    }

    [Fact]
    public async Task V4List_PagesAt500_AndBatchReadReturnsPerInputResults()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var deal = await h.CreateDealAsync("Busy deal");
        var quiet = await h.CreateDealAsync("Quiet deal");
        var notes = new List<string>();
        for (var i = 0; i < 620; i++)
        {
            var note = h.Emulator.InsertObject("notes", new Dictionary<string, string?> { ["hs_timestamp"] = "1700000000000" });
            h.Emulator.Associate("notes", note.Id, "deals", deal, 214);
            notes.Add(note.Id);
        }

        var first = await h.GetAsync($"/crm/v4/objects/deals/{deal}/associations/notes?limit=1000");
        Assert.Equal(500, first.Object["results"]!.AsArray().Count);
        var after = first.Object["paging"]!["next"]!["after"]!.GetValue<string>();
        Assert.Equal(notes[500], after);
        var second = await h.GetAsync($"/crm/v4/objects/deals/{deal}/associations/notes?after={after}");
        Assert.Equal(120, second.Object["results"]!.AsArray().Count);
        Assert.Null(second.Object["paging"]);
        var all = first.Object["results"]!.AsArray().Concat(second.Object["results"]!.AsArray()).Select(r => r!["toObjectId"]!.GetValue<string>()).ToList();
        Assert.Equal(notes, all);

        var small = await h.GetAsync($"/crm/v4/objects/deals/{deal}/associations/notes?limit=2");
        Assert.Equal(2, small.Object["results"]!.AsArray().Count);

        var batch = await h.PostAsync("/crm/v4/associations/notes/deals/batch/read", JsonNode.Parse($$"""{"inputs":[{"id":"{{notes[0]}}"},{"id":"{{notes[1]}}"}]}""")!);
        Assert.Equal(200, batch.Status);
        Assert.Equal("COMPLETE", batch.Object["status"]!.GetValue<string>());
        Assert.Equal(notes[0], batch.Object["results"]![0]!["from"]!["id"]!.GetValue<string>());
        Assert.Equal(deal, batch.Object["results"]![0]!["to"]![0]!["toObjectId"]!.GetValue<string>());
        Assert.Equal(214, batch.Object["results"]![0]!["to"]![0]!["associationTypes"]![0]!["typeId"]!.GetValue<int>());

        var partial = await h.PostAsync("/crm/v4/associations/deals/notes/batch/read", JsonNode.Parse($$"""{"inputs":[{"id":"{{deal}}"},{"id":"{{quiet}}"}]}""")!);
        Assert.Equal(207, partial.Status);
        Assert.Equal(500, partial.Object["results"]![0]!["to"]!.AsArray().Count);
        Assert.Equal(notes[500], partial.Object["results"]![0]!["paging"]!["next"]!["after"]!.GetValue<string>());
        Assert.Equal(quiet, partial.Object["errors"]![0]!["context"]!["fromObjectId"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task V4Writes_LabelledDefaultDeleteAndBatch()
    {
        await using var h = await HubSpotHarness.StartAsync(o => o.NumericAssociationIds = true);
        var deal = await h.CreateDealAsync("Deal");
        var contact = (await h.PostAsync("/crm/v3/objects/contacts", JsonNode.Parse("""{"properties":{"email":"carla@example.com","firstname":"Carla"}}""")!)).Object["id"]!.GetValue<string>();
        var champion = h.Emulator.DefineAssociationLabel("contacts", "deals", "Champion");

        var labelled = await h.PutAsync($"/crm/v4/objects/contacts/{contact}/associations/deals/{deal}", JsonNode.Parse($$"""[{"associationCategory":"USER_DEFINED","associationTypeId":{{champion}}}]""")!);
        Assert.Equal(201, labelled.Status);
        Assert.Equal("0-1", labelled.Object["fromObjectTypeId"]!.GetValue<string>());
        Assert.Equal(long.Parse(contact), labelled.Object["fromObjectId"]!.GetValue<long>());
        Assert.Equal("0-3", labelled.Object["toObjectTypeId"]!.GetValue<string>());
        Assert.Equal(["Champion"], labelled.Object["labels"]!.AsArray().Select(l => l!.GetValue<string>()));

        var list = await h.GetAsync($"/crm/v4/objects/deals/{deal}/associations/contacts");
        var types = list.Object["results"]![0]!["associationTypes"]!.AsArray();
        Assert.Equal(long.Parse(contact), list.Object["results"]![0]!["toObjectId"]!.GetValue<long>());
        Assert.Equal([3, champion + 1], types.Select(t => t!["typeId"]!.GetValue<int>()));
        Assert.Equal("USER_DEFINED", types[1]!["category"]!.GetValue<string>());

        var labels = await h.GetAsync("/crm/associations/v4/contacts/deals/labels");
        Assert.Contains(labels.Object["results"]!.AsArray(), l => l!["label"]?.GetValue<string>() == "Champion");

        Assert.Equal(204, (await h.DeleteAsync($"/crm/v4/objects/contacts/{contact}/associations/deals/{deal}")).Status);
        Assert.Empty(h.Emulator.GetAssociations("deals", deal, "contacts"));

        var byDefault = await h.PutAsync($"/crm/v4/objects/deals/{deal}/associations/default/contacts/{contact}");
        Assert.Equal(200, byDefault.Status);
        Assert.Equal(3, byDefault.Object["results"]![0]!["associationSpec"]!["associationTypeId"]!.GetValue<int>());
        Assert.Equal(4, byDefault.Object["results"]![1]!["associationSpec"]!["associationTypeId"]!.GetValue<int>());

        var company = h.Emulator.InsertObject("companies", new Dictionary<string, string?> { ["name"] = "Acme" }).Id;
        var created = await h.PostAsync("/crm/v4/associations/deals/companies/batch/create", JsonNode.Parse($$"""
            {"inputs":[{"from":{"id":"{{deal}}"},"to":{"id":"{{company}}"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":5}]}]}
            """)!);
        Assert.Equal(201, created.Status);
        Assert.Equal(["Primary"], created.Object["results"]![0]!["labels"]!.AsArray().Select(l => l!.GetValue<string>()));
        var companyTypes = h.Emulator.GetAssociations("companies", company, "deals").Select(a => a.TypeId).Order().ToList();
        Assert.Equal([6, 342], companyTypes);

        var v3 = await h.PostAsync("/crm/v3/associations/deals/companies/batch/read", JsonNode.Parse($$"""{"inputs":[{"id":"{{deal}}"}]}""")!);
        Assert.Equal(["deal_to_company", "deal_to_company_unlabeled"], v3.Object["results"]![0]!["to"]!.AsArray().Select(t => t!["type"]!.GetValue<string>()).Order());

        var labelsArchive = await h.PostAsync("/crm/v4/associations/deals/companies/batch/labels/archive", JsonNode.Parse($$"""
            {"inputs":[{"from":{"id":"{{deal}}"},"to":{"id":"{{company}}"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":5}]}]}
            """)!);
        Assert.Equal(204, labelsArchive.Status);
        Assert.Equal([341], h.Emulator.GetAssociations("deals", deal, "companies").Select(a => a.TypeId));

        var archive = await h.PostAsync("/crm/v4/associations/deals/companies/batch/archive", JsonNode.Parse($$"""{"inputs":[{"from":{"id":"{{deal}}"},"to":[{"id":"{{company}}"}]}]}""")!);
        Assert.Equal(204, archive.Status);
        Assert.Empty(h.Emulator.GetAssociations("deals", deal, "companies"));
    }

    [Fact]
    public async Task Pipelines_DefaultPipelineWithHubSpotStageIds_AndCustomPipelines()
    {
        await using var h = await HubSpotHarness.StartAsync();
        var custom = h.Emulator.AddDealPipeline("Renewals", ("Due", 0.5, false), ("Renewed", 1.0, true));
        var all = await h.GetAsync("/crm/v3/pipelines/deals");
        Assert.Equal(200, all.Status);
        var pipelines = all.Object["results"]!.AsArray();
        Assert.Equal(["default", custom.Id], pipelines.Select(p => p!["id"]!.GetValue<string>()));
        var stages = pipelines[0]!["stages"]!.AsArray();
        Assert.Equal(
            ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"],
            stages.Select(s => s!["id"]!.GetValue<string>()));
        Assert.Equal("0.2", stages[0]!["metadata"]!["probability"]!.GetValue<string>());
        Assert.Equal("false", stages[0]!["metadata"]!["isClosed"]!.GetValue<string>());
        Assert.Equal("1.0", stages[5]!["metadata"]!["probability"]!.GetValue<string>());
        Assert.Equal("true", stages[6]!["metadata"]!["isClosed"]!.GetValue<string>());
        Assert.Equal("0.0", stages[6]!["metadata"]!["probability"]!.GetValue<string>());

        var one = await h.GetAsync($"/crm/v3/pipelines/deals/{custom.Id}");
        Assert.Equal("Renewals", one.Object["label"]!.GetValue<string>());
        var customStages = await h.GetAsync($"/crm/v3/pipelines/0-3/{custom.Id}/stages");
        Assert.Equal(custom.Stages.Select(s => s.Id), customStages.Object["results"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        var stage = await h.GetAsync("/crm/v3/pipelines/deals/default/stages/closedwon");
        Assert.Equal("Closed Won", stage.Object["label"]!.GetValue<string>());
        Assert.Equal(404, (await h.GetAsync("/crm/v3/pipelines/deals/nope")).Status);
        Assert.Equal(1, h.Emulator.Calls.Count("pipelines.list"));
        Assert.Equal(1, h.Emulator.Calls.Count("pipelines.stages.get"));
    }
}
