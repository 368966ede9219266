using System.Net;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

public sealed class SalesforceBatchingTests
{
    private static JsonObject Opp(string name, string stage = "Prospecting") => new()
    {
        ["attributes"] = new JsonObject { ["type"] = "Opportunity" },
        ["Name"] = name,
        ["StageName"] = stage,
        ["CloseDate"] = "2026-07-01",
    };

    private static JsonObject Body(bool allOrNone, params JsonObject[] records) => new() { ["allOrNone"] = allOrNone, ["records"] = new JsonArray(records) };

    [Fact]
    public async Task CollectionsCreate_PartialSuccess_WhenAllOrNoneIsFalse()
    {
        await using var host = await SfTestHost.StartAsync();
        var bad = Opp("Bad");
        bad.Remove("CloseDate");
        var response = await host.PostAsync(SfTestHost.Data("composite/sobjects"), Body(false, Opp("One"), bad, Opp("Three")));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var results = response.Body!.AsArray();
        Assert.Equal(3, results.Count);
        Assert.True(results[0]!["success"]!.GetValue<bool>());
        Assert.StartsWith("006", results[0]!["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(results[1]!["success"]!.GetValue<bool>());
        Assert.False(results[1]!.AsObject().ContainsKey("id"));
        Assert.Equal("REQUIRED_FIELD_MISSING", results[1]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.Equal("CloseDate", results[1]!["errors"]![0]!["fields"]![0]!.GetValue<string>());
        Assert.True(results[2]!["success"]!.GetValue<bool>());
        Assert.Equal(2, host.Org.Count("Opportunity"));
        Assert.Equal(1, host.Emulator.Calls.ApiCalls);
        Assert.Equal(1, host.Emulator.DailyApiRequestsUsed);
    }

    [Fact]
    public async Task CollectionsCreate_AllOrNone_RollsBackEverything()
    {
        await using var host = await SfTestHost.StartAsync();
        var bad = Opp("Bad", stage: "Nope");
        var response = await host.PostAsync(SfTestHost.Data("composite/sobjects"), Body(true, Opp("One"), bad));

        var results = response.Body!.AsArray();
        Assert.Equal("""{"success":false,"errors":[{"statusCode":"ALL_OR_NONE_OPERATION_ROLLED_BACK","message":"Record rolled back because not all records were valid and the request was using AllOrNone header","fields":[]}]}""", results[0]!.ToJsonString());
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", results[1]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.Equal(0, host.Org.Count("Opportunity"));
    }

    [Fact]
    public async Task CollectionsUpdate_AllOrNone_KeepsIdsAndRestoresValues()
    {
        await using var host = await SfTestHost.StartAsync();
        var a = host.Opportunity("A");
        var b = host.Opportunity("B");
        var update = new JsonObject
        {
            ["allOrNone"] = true,
            ["records"] = new JsonArray(
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Opportunity" }, ["id"] = a, ["Name"] = "A2" },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Opportunity" }, ["id"] = "001xx000003DGb2999", ["Name"] = "B2" }),
        };

        var response = await host.PatchAsync(SfTestHost.Data("composite/sobjects"), update);
        var results = response.Body!.AsArray();
        Assert.Equal(a, results[0]!["id"]!.GetValue<string>());
        Assert.Equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", results[0]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.Equal("MALFORMED_ID", results[1]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.Equal("Opportunity ID: id value of incorrect type: 001xx000003DGb2999", results[1]!["errors"]![0]!["message"]!.GetValue<string>());
        Assert.Equal("A", host.Org.Get("Opportunity", a)!["Name"]);

        update["allOrNone"] = false;
        var partial = await host.PatchAsync(SfTestHost.Data("composite/sobjects"), update);
        Assert.True(partial.Body![0]!["success"]!.GetValue<bool>());
        Assert.Equal("A2", host.Org.Get("Opportunity", a)!["Name"]);
        Assert.Equal("B", host.Org.Get("Opportunity", b)!["Name"]);
    }

    [Fact]
    public async Task CollectionsUpdate_MissingIdOrTypeAreReportedPerRecord()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var body = new JsonObject
        {
            ["records"] = new JsonArray(
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Opportunity" }, ["Name"] = "no id" },
                new JsonObject { ["id"] = host.Opportunity(), ["Name"] = "no type" }),
        };
        var response = await host.PatchAsync(SfTestHost.Data("composite/sobjects"), body);
        Assert.Equal("MISSING_ARGUMENT", response.Body![0]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.Equal("INVALID_TYPE", response.Body![1]!["errors"]![0]!["statusCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Collections_MoreThan200Records_Is400()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var records = Enumerable.Range(0, 201).Select(i => Opp($"O{i}")).ToArray();
        var response = await host.PostAsync(SfTestHost.Data("composite/sobjects"), Body(false, records));
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("EXCEEDED_ID_LIMIT", response.ErrorCode);
        Assert.Equal(0, host.Org.Count("Opportunity"));

        var ok = await host.PostAsync(SfTestHost.Data("composite/sobjects"), Body(false, [.. Enumerable.Range(0, 200).Select(i => Opp($"O{i}"))]));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal(200, host.Org.Count("Opportunity"));
    }

    [Fact]
    public async Task CollectionsGet_ReturnsRecordsInOrderWithNullForMissing_ByGetAndPost()
    {
        await using var host = await SfTestHost.StartAsync();
        var a = host.Opportunity("A", amount: 5);
        var b = host.Opportunity("B");
        var response = await host.GetAsync(SfTestHost.Data($"composite/sobjects/Opportunity?ids={b},006000000000000AAA,{a},garbage&fields=id,name,Amount"));
        var results = response.Body!.AsArray();
        Assert.Equal(4, results.Count);
        Assert.Equal("B", results[0]!["Name"]!.GetValue<string>());
        Assert.Equal(["attributes", "Id", "Name", "Amount"], results[0]!.AsObject().Select(p => p.Key));
        Assert.Null(results[1]);
        Assert.Equal(5m, results[2]!["Amount"]!.GetValue<decimal>());
        Assert.Null(results[3]);

        var post = await host.PostAsync(SfTestHost.Data("composite/sobjects/Opportunity"), new { ids = new[] { a }, fields = new[] { "Name" } });
        Assert.Equal("A", post.Body![0]!["Name"]!.GetValue<string>());

        var noFields = await host.GetAsync(SfTestHost.Data($"composite/sobjects/Opportunity?ids={a}"));
        Assert.Equal(HttpStatusCode.BadRequest, noFields.Status);
    }

    [Fact]
    public async Task CollectionsDelete_AllOrNoneTrueAndFalse()
    {
        await using var host = await SfTestHost.StartAsync();
        var a = host.Opportunity("A");
        var task = host.Org.Insert("Task", new Dictionary<string, object?> { ["Subject"] = "t" });

        var rolledBack = await host.DeleteAsync(SfTestHost.Data($"composite/sobjects?ids={a},001RM000003oLrB000&allOrNone=true"));
        Assert.Equal(a, rolledBack.Body![0]!["id"]!.GetValue<string>());
        Assert.Equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", rolledBack.Body![0]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.Equal("MALFORMED_ID", rolledBack.Body![1]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.Equal("malformed id 001RM000003oLrB000", rolledBack.Body![1]!["errors"]![0]!["message"]!.GetValue<string>());
        Assert.NotNull(host.Org.Get("Opportunity", a));

        var mixed = await host.DeleteAsync(SfTestHost.Data($"composite/sobjects?ids={a},{task}"));
        Assert.All(mixed.Body!.AsArray(), r => Assert.True(r!["success"]!.GetValue<bool>()));
        Assert.Null(host.Org.Get("Opportunity", a));
        Assert.Null(host.Org.Get("Task", task));
    }

    [Fact]
    public async Task Composite_ReferencesEarlierResults_AndCountsAsOneCall()
    {
        await using var host = await SfTestHost.StartAsync();
        var opp = host.Opportunity("Noted");
        var request = JsonNode.Parse($$"""
        {
          "allOrNone": true,
          "compositeRequest": [
            { "method": "POST", "url": "/services/data/v66.0/sobjects/ContentNote", "referenceId": "note",
              "body": { "Title": "[ARIA] recap", "Content": "{{Convert.ToBase64String("hello"u8.ToArray())}}" } },
            { "method": "POST", "url": "/services/data/v66.0/sobjects/ContentDocumentLink", "referenceId": "link",
              "body": { "ContentDocumentId": "@{note.id}", "LinkedEntityId": "{{opp}}", "ShareType": "I" } },
            { "method": "GET", "url": "/services/data/v66.0/query?q=SELECT+Id,+Title+FROM+ContentNote+WHERE+Id+=+'@{note.id}'", "referenceId": "check" },
            { "method": "PATCH", "url": "/services/data/v66.0/sobjects/ContentNote/@{check.records[0].Id}", "referenceId": "rename",
              "body": { "Title": "Renamed from @{check.records[0].Title}" } },
            { "method": "GET", "url": "/services/data/v66.0/sobjects/ContentNote/@{note.id}?fields=Title", "referenceId": "final" }
          ]
        }
        """)!;

        var response = await host.PostAsync(SfTestHost.Data("composite"), request);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        var results = response.Body!["compositeResponse"]!.AsArray();
        Assert.Equal([201, 201, 200, 204, 200], results.Select(r => r!["httpStatusCode"]!.GetValue<int>()));
        Assert.Equal(["note", "link", "check", "rename", "final"], results.Select(r => r!["referenceId"]!.GetValue<string>()));
        Assert.StartsWith("/services/data/v66.0/sobjects/ContentNote/", results[0]!["httpHeaders"]!["Location"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(results[3]!["body"]);
        Assert.Equal("Renamed from [ARIA] recap", results[4]!["body"]!["Title"]!.GetValue<string>());
        Assert.Equal(1, host.Org.Count("ContentDocumentLink"));
        Assert.Equal(1, host.Emulator.Calls.ApiCalls);
        Assert.Equal(1, host.Emulator.DailyApiRequestsUsed);
    }

    [Fact]
    public async Task Composite_AllOrNone_RollsBackAndHaltsTheOthers()
    {
        await using var host = await SfTestHost.StartAsync();
        var request = JsonNode.Parse("""
        {
          "allOrNone": true,
          "compositeRequest": [
            { "method": "POST", "url": "/services/data/v66.0/sobjects/Account", "referenceId": "acct", "body": { "Name": "Rolled back" } },
            { "method": "POST", "url": "/services/data/v66.0/sobjects/Contact", "referenceId": "badContact", "body": { "LastName": "Doe", "Email": "Not a real email address", "AccountId": "@{acct.id}" } },
            { "method": "POST", "url": "/services/data/v66.0/sobjects/Note", "referenceId": "never", "body": { "Title": "x", "ParentId": "@{acct.id}" } }
          ]
        }
        """)!;

        var response = await host.PostAsync(SfTestHost.Data("composite"), request);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        var results = response.Body!["compositeResponse"]!.AsArray();
        var halted = """[{"errorCode":"PROCESSING_HALTED","message":"The transaction was rolled back since another operation in the same transaction failed."}]""";
        Assert.Equal(400, results[0]!["httpStatusCode"]!.GetValue<int>());
        Assert.Equal(halted, results[0]!["body"]!.ToJsonString());
        Assert.Equal("INVALID_EMAIL_ADDRESS", results[1]!["body"]![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal("Email: invalid email address: Not a real email address", results[1]!["body"]![0]!["message"]!.GetValue<string>());
        Assert.Equal(halted, results[2]!["body"]!.ToJsonString());
        Assert.Equal(0, host.Org.Count("Account"));
        Assert.Equal(0, host.Org.Count("Note"));
    }

    [Fact]
    public async Task Composite_WithoutAllOrNone_SkipsOnlyDependantsOfFailures()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var request = JsonNode.Parse("""
        {
          "compositeRequest": [
            { "method": "POST", "url": "/services/data/v66.0/sobjects/Opportunity", "referenceId": "bad", "body": { "Name": "No stage" } },
            { "method": "POST", "url": "/services/data/v66.0/sobjects/Task", "referenceId": "dependant", "body": { "Subject": "x", "WhatId": "@{bad.id}" } },
            { "method": "POST", "url": "/services/data/v66.0/sobjects/Account", "referenceId": "independent", "body": { "Name": "Kept" } }
          ]
        }
        """)!;

        var results = (await host.PostAsync(SfTestHost.Data("composite"), request)).Body!["compositeResponse"]!.AsArray();
        Assert.Equal("REQUIRED_FIELD_MISSING", results[0]!["body"]![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal(400, results[1]!["httpStatusCode"]!.GetValue<int>());
        Assert.Equal("PROCESSING_HALTED", results[1]!["body"]![0]!["errorCode"]!.GetValue<string>());
        Assert.Contains("@{bad.id}"[2..^1], results[1]!["body"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(201, results[2]!["httpStatusCode"]!.GetValue<int>());
        Assert.Equal(1, host.Org.Count("Account"));
        Assert.Equal(0, host.Org.Count("Task"));
    }

    [Fact]
    public async Task Composite_AllOrNoneOverridesAnInnerCollectionsRequest()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var request = JsonNode.Parse("""
        {
          "allOrNone": true,
          "compositeRequest": [
            { "method": "POST", "url": "/services/data/v66.0/composite/sobjects", "referenceId": "collection1",
              "body": { "allOrNone": false, "records": [
                { "attributes": { "type": "Account" }, "Name": "Good" },
                { "attributes": { "type": "Account" } } ] } },
            { "method": "POST", "url": "/services/data/v66.0/sobjects/Contact", "referenceId": "newContact", "body": { "LastName": "Smith" } }
          ]
        }
        """)!;

        var results = (await host.PostAsync(SfTestHost.Data("composite"), request)).Body!["compositeResponse"]!.AsArray();
        Assert.Equal(200, results[0]!["httpStatusCode"]!.GetValue<int>());
        Assert.True(results[0]!["body"]![0]!["success"]!.GetValue<bool>());
        Assert.False(results[0]!["body"]![1]!["success"]!.GetValue<bool>());
        Assert.Equal("PROCESSING_HALTED", results[1]!["body"]![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal(0, host.Org.Count("Account"));
        Assert.Equal(0, host.Org.Count("Contact"));
    }

    [Theory]
    [InlineData("""{"compositeRequest":[{"method":"GET","url":"/services/data/v66.0/limits","referenceId":"bad-id"}]}""")]
    [InlineData("""{"compositeRequest":[{"method":"GET","url":"/services/data/v66.0/limits","referenceId":"a"},{"method":"GET","url":"/services/data/v66.0/limits","referenceId":"a"}]}""")]
    [InlineData("""{"compositeRequest":[{"method":"GET","url":"/services/data/v66.0/limits","referenceId":"a","httpHeaders":{"Authorization":"Bearer x"}}]}""")]
    [InlineData("""{"compositeRequest":[]}""")]
    public async Task Composite_InvalidRequests_Are400(string body)
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var response = await host.PostAsync(SfTestHost.Data("composite"), body);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
    }

    [Fact]
    public async Task Composite_MoreThan25Subrequests_Is400()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var items = new JsonArray([.. Enumerable.Range(0, 26).Select(i => (JsonNode?)new JsonObject { ["method"] = "GET", ["url"] = "/services/data/v66.0/limits", ["referenceId"] = $"r{i}" })]);
        var response = await host.PostAsync(SfTestHost.Data("composite"), new JsonObject { ["compositeRequest"] = items });
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
    }

    [Fact]
    public async Task CompositeBatch_RunsIndependentSubrequests_AndHaltsOnError()
    {
        await using var host = await SfTestHost.StartAsync();
        var id = host.Opportunity("Batch");
        var request = JsonNode.Parse($$"""
        {
          "haltOnError": true,
          "batchRequests": [
            { "method": "PATCH", "url": "v66.0/sobjects/opportunity/{{id}}", "richInput": { "Name": "NewName" } },
            { "method": "GET", "url": "v66.0/sobjects/opportunity/{{id}}?fields=Name,StageName" },
            { "method": "PATCH", "url": "v66.0/sobjects/opportunity/{{id}}", "richInput": { "IsWon": true } },
            { "method": "GET", "url": "v66.0/sobjects/opportunity/{{id}}" }
          ]
        }
        """)!;

        var response = await host.PostAsync(SfTestHost.Data("composite/batch"), request);
        Assert.True(response.Body!["hasErrors"]!.GetValue<bool>());
        var results = response.Body!["results"]!.AsArray();
        Assert.Equal([204, 200, 400, 412], results.Select(r => r!["statusCode"]!.GetValue<int>()));
        Assert.Null(results[0]!["result"]);
        Assert.Equal("NewName", results[1]!["result"]!["Name"]!.GetValue<string>());
    }

    [Fact]
    public async Task CompositeTree_CreatesParentsAndChildren_AllOrNone()
    {
        await using var host = await SfTestHost.StartAsync();
        var request = JsonNode.Parse("""
        {
          "records": [
            { "attributes": { "type": "Account", "referenceId": "ref1" }, "Name": "Parent",
              "Opportunities": { "records": [ { "attributes": { "type": "Opportunity", "referenceId": "ref2" }, "Name": "Child", "StageName": "Prospecting", "CloseDate": "2026-09-01" } ] } },
            { "attributes": { "type": "Account", "referenceId": "ref3" }, "Name": "Second" }
          ]
        }
        """)!;
        var response = await host.PostAsync(SfTestHost.Data("composite/tree/Account"), request);
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.False(response.Body!["hasErrors"]!.GetValue<bool>());
        var results = response.Body!["results"]!.AsArray();
        Assert.Equal(["ref1", "ref2", "ref3"], results.Select(r => r!["referenceId"]!.GetValue<string>()));
        var child = host.Org.Get("Opportunity", results[1]!["id"]!.GetValue<string>())!;
        Assert.Equal(results[0]!["id"]!.GetValue<string>(), child["AccountId"]);

        var failing = JsonNode.Parse("""{"records":[{"attributes":{"type":"Account","referenceId":"ok"},"Name":"A"},{"attributes":{"type":"Account","referenceId":"bad"}}]}""")!;
        var failed = await host.PostAsync(SfTestHost.Data("composite/tree/Account"), failing);
        Assert.Equal(HttpStatusCode.BadRequest, failed.Status);
        Assert.True(failed.Body!["hasErrors"]!.GetValue<bool>());
        Assert.Equal("bad", failed.Body!["results"]![0]!["referenceId"]!.GetValue<string>());
        Assert.Equal(2, host.Org.Count("Account"));
    }

    [Fact]
    public async Task CompositeGraph_EachGraphIsAtomic()
    {
        await using var host = await SfTestHost.StartAsync();
        var request = JsonNode.Parse("""
        {
          "graphs": [
            { "graphId": "1", "compositeRequest": [
              { "method": "POST", "url": "/services/data/v66.0/sobjects/Account/", "referenceId": "a1", "body": { "name": "Good" } },
              { "method": "POST", "url": "/services/data/v66.0/sobjects/Opportunity/", "referenceId": "o1", "body": { "Name": "O", "StageName": "Prospecting", "CloseDate": "2026-01-01", "AccountId": "@{a1.id}" } } ] },
            { "graphId": "2", "compositeRequest": [
              { "method": "POST", "url": "/services/data/v66.0/sobjects/Account/", "referenceId": "a2", "body": { "name": "Rolled back" } },
              { "method": "POST", "url": "/services/data/v66.0/sobjects/Opportunity/", "referenceId": "o2", "body": { "Name": "O", "AccountId": "@{a2.id}" } } ] }
          ]
        }
        """)!;
        var response = await host.PostAsync(SfTestHost.Data("composite/graph"), request);
        var graphs = response.Body!["graphs"]!.AsArray();
        Assert.True(graphs[0]!["isSuccessful"]!.GetValue<bool>());
        Assert.False(graphs[1]!["isSuccessful"]!.GetValue<bool>());
        Assert.Equal(1, host.Org.Count("Account"));
        Assert.Equal(1, host.Org.Count("Opportunity"));
    }

    [Fact]
    public async Task DocsDependentCompositeRequest_RunsVerbatim()
    {
        await using var host = await SfTestHost.StartAsync();
        var request = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Salesforce", "Emulator", "Examples", "composite_request_dependent_sfdocs.json")))!;
        var response = await host.PostAsync(SfTestHost.Data("composite"), request);
        var results = response.Body!["compositeResponse"]!.AsArray();
        Assert.True(results.All(r => r!["httpStatusCode"]!.GetValue<int>() < 300), response.Text);
        var contact = host.Org.List("Contact").Single();
        Assert.Equal("CTO of Salesforce", contact["Title"]);
        Assert.Equal("San Francisco", contact["MailingCity"]);
        Assert.Equal("Landmark @ 1 Market Street", contact["MailingStreet"]);
        Assert.Equal("Aria Integration", results[3]!["body"]!["Name"]!.GetValue<string>());
    }
}
