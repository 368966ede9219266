using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

public sealed class HubSpotOpenApiValidationTests
{
    private static string Scenario(IEnumerable<string> lines) => string.Join(Environment.NewLine, lines);

    [Fact]
    public void Validator_RejectsMissingRequiredFields_WrongTypes_BadFormatsAndEnums()
    {
        var contract = OpenApiContract.Instance;
        var get = contract.Find("GET", "/crm/v3/objects/0-3/123")!;
        Assert.Equal("/crm/v3/objects/0-3/{dealId}", get.Template);
        var schema = get.Operation.Responses!["200"].Content!.Values.First().Schema!;

        List<string> Check(string json)
        {
            var errors = new List<string>();
            OpenApiContract.Validate(schema, JsonNode.Parse(json), "$", errors, "test");
            return errors;
        }

        Assert.Empty(Check("""{"id":"1","properties":{"a":"b","c":null},"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z","archived":false}"""));
        Assert.NotEmpty(Check("""{"id":"1","properties":{},"createdAt":"2024-01-01T00:00:00.000Z","archived":false}"""));
        Assert.NotEmpty(Check("""{"id":1,"properties":{},"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z","archived":false}"""));
        Assert.NotEmpty(Check("""{"id":"1","properties":{"amount":17},"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z","archived":false}"""));
        Assert.NotEmpty(Check("""{"id":"1","properties":{},"createdAt":"yesterday","updatedAt":"2024-01-01T00:00:00.000Z","archived":false}"""));
        Assert.NotEmpty(Check("""{"id":"1","properties":{},"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z","archived":"false"}"""));

        var batch = contract.Find("POST", "/crm/v3/objects/0-3/batch/read")!.Operation.Responses!["207"].Content!.Values.First().Schema!;
        var batchErrors = new List<string>();
        OpenApiContract.Validate(batch, JsonNode.Parse("""{"status":"DONE","results":[],"startedAt":"2024-01-01T00:00:00Z","completedAt":"2024-01-01T00:00:00Z"}"""), "$", batchErrors, "test");
        Assert.Contains(batchErrors, e => e.Contains("is not one of", StringComparison.Ordinal));

        var v4 = contract.Find("GET", "/crm/v4/objects/deals/1/associations/notes")!.Operation.Responses!["200"].Content!.Values.First().Schema!;
        var v4Errors = new List<string>();
        OpenApiContract.Validate(v4, JsonNode.Parse("""{"results":[{"toObjectId":5790939450,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":279,"label":null}]}]}"""), "$", v4Errors, "test");
        Assert.Single(v4Errors);
    }

    [Fact]
    public async Task EveryExchangeOfARepresentativeScenario_MatchesTheOfficialSpecs()
    {
        await using var h = await HubSpotHarness.StartAsync(o =>
        {
            o.RecordExchanges = true;
            o.SearchRequestsPerSecond = 1000;
        });
        var e = h.Emulator;
        var options = e.Options;
        e.DefineProperty("deals", "aria_lead_id", hasUniqueValue: true);

        // OAuth v1 and v3.
        var code = e.CreateAuthorizationCode();
        var grant = await h.PostFormAsync("/oauth/v1/token", ("grant_type", "authorization_code"), ("client_id", options.ClientId), ("client_secret", options.ClientSecret), ("redirect_uri", "https://x.example/cb"), ("code", code));
        var refresh = grant.Object["refresh_token"]!.GetValue<string>();
        var access = grant.Object["access_token"]!.GetValue<string>();
        await h.PostFormAsync("/oauth/v1/token", ("grant_type", "refresh_token"), ("client_id", options.ClientId), ("client_secret", options.ClientSecret), ("refresh_token", refresh));
        await h.PostFormAsync("/oauth/v1/token", ("grant_type", "refresh_token"), ("client_id", options.ClientId), ("client_secret", options.ClientSecret), ("refresh_token", "bogus"));
        await h.PostFormAsync("/oauth/v3/token", ("grant_type", "refresh_token"), ("client_id", options.ClientId), ("client_secret", options.ClientSecret), ("refresh_token", refresh));
        await h.GetAsync($"/oauth/v1/access-tokens/{access}", string.Empty);
        await h.GetAsync($"/oauth/v1/refresh-tokens/{refresh}", string.Empty);
        await h.PostFormAsync("/oauth/v3/token/introspect", ("client_id", options.ClientId), ("client_secret", options.ClientSecret), ("token", access));
        await h.PostFormAsync("/oauth/v3/token/introspect", ("client_id", options.ClientId), ("client_secret", options.ClientSecret), ("token", refresh));
        var spare = e.IssueOAuthTokens();
        await h.PostFormAsync("/oauth/v3/token/revoke", ("client_id", options.ClientId), ("client_secret", options.ClientSecret), ("token", spare.RefreshToken));
        await h.SendAsync(HttpMethod.Delete, $"/oauth/v1/refresh-tokens/{e.IssueOAuthTokens().RefreshToken}", token: string.Empty);

        // Deals on the spec's own paths (type id) and the dated family; engagements by name.
        foreach (var basePath in new[] { "/crm/v3/objects/0-3", "/crm/objects/2026-03/0-3" })
        {
            var created = await h.PostAsync(basePath, JsonNode.Parse("""{"properties":{"dealname":"Spec deal","amount":"100","pipeline":"default","dealstage":"qualifiedtobuy"},"associations":[]}""")!);
            var id = created.Object["id"]!.GetValue<string>();
            await h.GetAsync($"{basePath}?limit=1&properties=dealname&associations=notes");
            await h.GetAsync($"{basePath}/{id}?properties=dealname&propertiesWithHistory=dealstage&associations=notes");
            await h.PatchAsync($"{basePath}/{id}", JsonNode.Parse("""{"properties":{"dealstage":"closedwon"}}""")!);
            await h.PostAsync($"{basePath}/batch/read", JsonNode.Parse($$"""{"properties":["dealname"],"propertiesWithHistory":["dealstage"],"inputs":[{"id":"{{id}}"}]}""")!);
            await h.PostAsync($"{basePath}/batch/read", JsonNode.Parse($$"""{"properties":["dealname"],"propertiesWithHistory":[],"inputs":[{"id":"{{id}}"},{"id":"1"}]}""")!);
            var batch = await h.PostAsync($"{basePath}/batch/create", JsonNode.Parse("""{"inputs":[{"properties":{"dealname":"B1"},"associations":[]},{"properties":{"dealname":"B2"},"associations":[]}]}""")!);
            await h.PostAsync($"{basePath}/batch/create", JsonNode.Parse("""{"inputs":[{"objectWriteTraceId":"a","properties":{"dealname":"T1"},"associations":[]},{"objectWriteTraceId":"b","properties":{"nope":"1"},"associations":[]}]}""")!);
            var b1 = batch.Object["results"]![0]!["id"]!.GetValue<string>();
            await h.PostAsync($"{basePath}/batch/update", JsonNode.Parse($$$"""{"inputs":[{"id":"{{{b1}}}","properties":{"amount":"5"}}]}""")!);
            await h.PostAsync($"{basePath}/batch/update", JsonNode.Parse($$$"""{"inputs":[{"id":"{{{b1}}}","objectWriteTraceId":"u1","properties":{"amount":"6"}},{"id":"2","objectWriteTraceId":"u2","properties":{"amount":"6"}}]}""")!);
            await h.PostAsync($"{basePath}/batch/upsert", JsonNode.Parse($$$"""{"inputs":[{"id":"lead-{{{basePath.Length}}}","idProperty":"aria_lead_id","properties":{"dealname":"Up"}}]}""")!);
            await h.PostAsync($"{basePath}/search", JsonNode.Parse("""
                {"filterGroups":[{"filters":[{"propertyName":"amount","operator":"GTE","value":"1"}]}],"sorts":["amount"],"properties":["dealname","amount"],"limit":1,"after":"0","query":"spec"}
                """)!);
            await h.PostAsync($"{basePath}/merge", new JsonObject { ["primaryObjectId"] = id, ["objectIdToMerge"] = b1 });
            await h.PostAsync($"{basePath}/batch/archive", JsonNode.Parse($$"""{"inputs":[{"id":"{{batch.Object["results"]![1]!["id"]!.GetValue<string>()}}"}]}""")!);
            await h.DeleteAsync($"{basePath}/{id}");

            // Errors: 400 unknown property, 404, 409.
            await h.PostAsync(basePath, JsonNode.Parse("""{"properties":{"testproperty":"x"},"associations":[]}""")!);
            await h.GetAsync($"{basePath}/1");
        }

        await h.PostAsync("/crm/v3/objects/0-3", JsonNode.Parse("""{"properties":{"dealname":"U","aria_lead_id":"dup"},"associations":[]}""")!);
        await h.PostAsync("/crm/v3/objects/0-3", JsonNode.Parse("""{"properties":{"dealname":"U","aria_lead_id":"dup"},"associations":[]}""")!);
        var deal = await h.CreateDealAsync("Hub");

        var engagements = new (string Type, string Properties, int TypeId)[]
        {
            ("notes", """{"hs_timestamp":"2021-11-12T15:48:22Z","hs_note_body":"n"}""", 214),
            ("calls", """{"hs_timestamp":"2021-03-17T01:32:44.872Z","hs_call_title":"c","hs_call_direction":"INBOUND"}""", 206),
            ("emails", """{"hs_timestamp":"2019-10-30T03:30:17.883Z","hs_email_subject":"e","hs_email_direction":"EMAIL"}""", 210),
            ("meetings", """{"hs_timestamp":"2021-03-23T01:02:44.872Z","hs_meeting_title":"m"}""", 212),
            ("tasks", """{"hs_timestamp":"2019-10-30T03:30:17.883Z","hs_task_subject":"t","hs_task_status":"NOT_STARTED"}""", 216),
        };
        var noteId = string.Empty;
        foreach (var (type, properties, typeId) in engagements)
        {
            var created = await h.PostAsync($"/crm/v3/objects/{type}", JsonNode.Parse($$"""
                {"properties":{{properties}},"associations":[{"to":{"id":"{{deal}}"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":{{typeId}}}]}]}
                """)!);
            var id = created.Object["id"]!.GetValue<string>();
            noteId = type == "notes" ? id : noteId;
            await h.GetAsync($"/crm/v3/objects/{type}/{id}?associations=deals");
            await h.GetAsync($"/crm/v3/objects/{type}?limit=5");
            await h.PatchAsync($"/crm/v3/objects/{type}/{id}", JsonNode.Parse("""{"properties":{"hubspot_owner_id":"1"}}""")!);
            await h.PostAsync($"/crm/v3/objects/{type}/batch/read", JsonNode.Parse($$"""{"properties":[],"propertiesWithHistory":[],"inputs":[{"id":"{{id}}"}]}""")!);
            await h.PostAsync($"/crm/v3/objects/{type}/batch/create", JsonNode.Parse($$"""{"inputs":[{"properties":{{properties}},"associations":[]}]}""")!);
            await h.PostAsync($"/crm/v3/objects/{type}/batch/update", JsonNode.Parse($$$"""{"inputs":[{"id":"{{{id}}}","properties":{"hubspot_owner_id":"2"}}]}""")!);
            await h.PostAsync($"/crm/v3/objects/{type}/search", JsonNode.Parse("""{"filterGroups":[],"sorts":["hs_timestamp"],"properties":["hs_timestamp"],"limit":10,"after":"0"}""")!);
            await h.GetAsync($"/crm/v4/objects/deals/{deal}/associations/{type}?limit=500");
        }

        var noteB = (await h.PostAsync("/crm/v3/objects/notes", JsonNode.Parse("""{"properties":{"hs_timestamp":"1700000000000"},"associations":[]}""")!)).Object["id"]!.GetValue<string>();
        await h.PostAsync("/crm/v3/objects/notes/batch/archive", JsonNode.Parse($$"""{"inputs":[{"id":"{{noteB}}"}]}""")!);

        // Associations v4 and v3.
        var contact = (await h.PostAsync("/crm/v3/objects/contacts", JsonNode.Parse("""{"properties":{"email":"a@b.example"},"associations":[]}""")!)).Object["id"]!.GetValue<string>();
        var company = (await h.PostAsync("/crm/v3/objects/companies", JsonNode.Parse("""{"properties":{"name":"Acme"},"associations":[]}""")!)).Object["id"]!.GetValue<string>();
        var label = e.DefineAssociationLabel("contacts", "deals", "Decision maker");
        await h.PutAsync($"/crm/v4/objects/contacts/{contact}/associations/deals/{deal}", JsonNode.Parse($$"""[{"associationCategory":"USER_DEFINED","associationTypeId":{{label}}}]""")!);
        await h.PutAsync($"/crm/v4/objects/deals/{deal}/associations/default/companies/{company}");
        await h.GetAsync($"/crm/v4/objects/deals/{deal}/associations/contacts?limit=1");
        await h.GetAsync($"/crm/objects/2026-03/deals/{deal}/associations/companies");
        await h.PostAsync("/crm/v4/associations/deals/notes/batch/read", JsonNode.Parse($$"""{"inputs":[{"id":"{{deal}}"}]}""")!);
        await h.PostAsync("/crm/v4/associations/deals/calls/batch/read", JsonNode.Parse($$"""{"inputs":[{"id":"{{deal}}"},{"id":"1"}]}""")!);
        await h.PostAsync("/crm/v4/associations/deals/companies/batch/create", JsonNode.Parse($$"""
            {"inputs":[{"from":{"id":"{{deal}}"},"to":{"id":"{{company}}"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":5}]}]}
            """)!);
        await h.PostAsync("/crm/v4/associations/deals/contacts/batch/associate/default", JsonNode.Parse($$$"""{"inputs":[{"from":{"id":"{{{deal}}}"},"to":{"id":"{{{contact}}}"}}]}""")!);
        await h.PostAsync("/crm/v4/associations/deals/companies/batch/labels/archive", JsonNode.Parse($$"""
            {"inputs":[{"from":{"id":"{{deal}}"},"to":{"id":"{{company}}"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":5}]}]}
            """)!);
        await h.GetAsync("/crm/associations/v4/contacts/deals/labels");
        await h.PostAsync("/crm/v3/associations/deals/notes/batch/read", JsonNode.Parse($$"""{"inputs":[{"id":"{{deal}}"}]}""")!);
        await h.PostAsync("/crm/v3/associations/deals/companies/batch/create", JsonNode.Parse($$"""{"inputs":[{"from":{"id":"{{deal}}"},"to":{"id":"{{company}}"},"type":"deal_to_company"}]}""")!);
        await h.PostAsync("/crm/v3/associations/deals/companies/batch/archive", JsonNode.Parse($$"""{"inputs":[{"from":{"id":"{{deal}}"},"to":{"id":"{{company}}"},"type":"deal_to_company"}]}""")!);
        await h.PostAsync("/crm/v4/associations/deals/contacts/batch/archive", JsonNode.Parse($$"""{"inputs":[{"from":{"id":"{{deal}}"},"to":[{"id":"{{contact}}"}]}]}""")!);
        await h.PostAsync("/crm/associations/2026-03/deals/notes/batch/archive", JsonNode.Parse($$"""{"inputs":[{"from":{"id":"{{deal}}"},"to":[{"id":"{{noteId}}"}]}]}""")!);
        await h.SendAsync(HttpMethod.Delete, $"/crm/v4/objects/deals/{deal}/associations/companies/{company}");

        // Properties.
        await h.GetAsync("/crm/v3/properties/deals");
        await h.GetAsync("/crm/v3/properties/0-3/dealstage");
        await h.GetAsync("/crm/v3/properties/deals/nope");
        await h.PostAsync("/crm/v3/properties/deals", JsonNode.Parse("""
            {"name":"aria_external_id","label":"Aria external id","type":"string","fieldType":"text","groupName":"dealinformation","hasUniqueValue":true}
            """)!);
        await h.PostAsync("/crm/v3/properties/deals", JsonNode.Parse("""
            {"name":"aria_external_id","label":"Aria external id","type":"string","fieldType":"text","groupName":"dealinformation"}
            """)!);

        // Pipelines.
        var custom = e.AddDealPipeline("Custom", ("One", 0.5, false), ("Won", 1.0, true));
        await h.GetAsync("/crm/v3/pipelines/deals");
        await h.GetAsync($"/crm/v3/pipelines/deals/{custom.Id}");
        await h.GetAsync("/crm/v3/pipelines/deals/default/stages");
        await h.GetAsync("/crm/v3/pipelines/deals/default/stages/contractsent");

        // Authentication and rate-limit errors.
        await h.GetAsync("/crm/v3/objects/0-3", token: "nope");
        e.ExpireAccessTokens();
        await h.GetAsync("/crm/v3/objects/0-3", token: access);
        e.Faults.FailNext(FaultKind.RateLimited, "deals.objects.list");
        await h.GetAsync("/crm/v3/objects/0-3");
        e.Faults.FailNext(FaultKind.ServerError, "deals.objects.list");
        await h.GetAsync("/crm/v3/objects/0-3");

        var exchanges = e.Exchanges.ToList();
        var failures = exchanges.SelectMany(OpenApiContract.Instance.Validate).ToList();
        Assert.True(failures.Count == 0, Scenario(failures));

        // The scenario reached every endpoint the emulator implements (except the legacy v3 per-object association
        // paths, which are absent from the copied specs), with successes and errors.
        var endpoints = exchanges.Select(x => x.Endpoint.Split('.', 2) is [var first, var rest] && e.ObjectTypes.Contains(first) ? rest : x.Endpoint).ToHashSet();
        string[] expected =
        [
            "oauth.token", "oauth.accessTokens.get", "oauth.refreshTokens.get", "oauth.refreshTokens.archive", "oauth.introspect", "oauth.revoke",
            "objects.list", "objects.create", "objects.get", "objects.update", "objects.archive",
            "batch.read", "batch.create", "batch.update", "batch.upsert", "batch.archive", "search", "merge",
            "associations.list", "associations.create", "associations.createDefault", "associations.archive", "associations.batchRead",
            "associations.batchCreate", "associations.batchAssociateDefault", "associations.batchArchive", "associations.batchLabelsArchive",
            "associations.labels", "associations.v3.batchRead", "associations.v3.batchCreate", "associations.v3.batchArchive",
            "pipelines.list", "pipelines.get", "pipelines.stages.list", "pipelines.stages.get", "properties.list", "properties.get", "properties.create",
        ];
        Assert.Empty(expected.Except(endpoints));
        int[] statuses = [200, 201, 204, 207, 400, 401, 404, 409, 429, 500];
        Assert.Empty(statuses.Except(exchanges.Select(x => x.Response.StatusCode)));
        Assert.True(exchanges.Count > 100, $"only {exchanges.Count} exchanges");
    }
}
