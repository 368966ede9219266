using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Xunit.Sdk;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

/// <summary>
/// For every real response payload in <c>Examples/</c> (copied from the protocol reference), the emulator produces the
/// corresponding response and the two are compared field by field (names, JSON types, nesting).
/// </summary>
public sealed class SalesforceExampleShapeTests
{
    private static readonly string ExamplesDirectory = Path.Combine(AppContext.BaseDirectory, "Salesforce", "Emulator", "Examples");

    /// <summary>Examples that are requests (used as inputs) or describe what the emulator does not serve (CDC events).</summary>
    private static readonly string[] NotResponses =
    [
        "composite_batch_request_sfdocs", "composite_graph_request_sfdocs", "composite_request_dependent_sfdocs",
        "sobject_collections_create_request_sfdocs", "sobject_collections_update_request_sfdocs", "sobject_create_request_sfdocs",
    ];

    public static TheoryData<string> ResponseExamples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(ExamplesDirectory, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal))
        {
            if (!NotResponses.Contains(file))
            {
                data.Add(file!);
            }
        }

        return data;
    }

    private static JsonNode Load(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(ExamplesDirectory, name + ".json")))!;

    [Fact]
    public void EveryCopiedExampleHasItsSourceFile()
    {
        var examples = Directory.GetFiles(ExamplesDirectory, "*.json");
        Assert.True(examples.Length >= 40);
        Assert.All(examples, f => Assert.True(File.Exists(Path.ChangeExtension(f, ".source.txt")), f));
    }

    [Theory]
    [MemberData(nameof(ResponseExamples))]
    public async Task EmulatorResponse_HasTheShapeOfTheRealExample(string example)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await SfTestHost.StartAsync(o => o.TimeProvider = clock);
        var (actual, renames, extra) = await ProduceAsync(example, host, clock);
        var expected = Load(example);
        if (renames is not null)
        {
            expected = JsonShape.Rename(expected, renames)!;
        }

        JsonShape.AssertSameShape(expected, actual, "$", extra);
    }

    private static async Task<(JsonNode? Actual, Dictionary<string, string>? Renames, HashSet<string>? Extra)> ProduceAsync(string example, SfTestHost host, FakeTimeProvider clock)
    {
        var org = host.Org;
        switch (example)
        {
            case "composite_batch_response_sfdocs":
                {
                    var account = org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Acme", ["BillingPostalCode"] = "94105" });
                    var request = Load("composite_batch_request_sfdocs").ToJsonString().Replace("001D000000K0fXOIAZ", account, StringComparison.Ordinal);
                    return (Ok(await host.PostAsync(SfTestHost.Data("composite/batch"), request)), null, null);
                }

            case "composite_graph_response_sfdocs":
                return (Ok(await host.PostAsync(SfTestHost.Data("composite/graph"), Load("composite_graph_request_sfdocs"))), null, null);
            case "composite_response_allornone_rollback_sfdocs":
                {
                    var request = JsonNode.Parse("""
                        {"allOrNone":true,"compositeRequest":[
                          {"method":"POST","url":"/services/data/v66.0/composite/sobjects","referenceId":"collection1","body":{"allOrNone":false,"records":[
                            {"attributes":{"type":"Account"},"Name":"Good"},{"attributes":{"type":"Account"},"Name":"Bad","Bogus__c":1}]}},
                          {"method":"POST","url":"/services/data/v66.0/sobjects/Contact","referenceId":"newContact","body":{"LastName":"Smith"}}]}
                        """)!;
                    return (Ok(await host.PostAsync(SfTestHost.Data("composite"), request)), null, null);
                }

            case "composite_subrequest_error_result_sfdocs":
                {
                    var request = JsonNode.Parse("""{"compositeRequest":[{"method":"POST","url":"/services/data/v66.0/sobjects/Contact","referenceId":"badContact","body":{"LastName":"Doe","Email":"Not a real email address"}}]}""")!;
                    return (Ok(await host.PostAsync(SfTestHost.Data("composite"), request))!["compositeResponse"]![0], null, null);
                }

            case "error_300_upsert_multiple_matches_restforce":
                org.DefineCustomField("Account", "Legacy_Id__c", externalId: true);
                org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "A", ["Legacy_Id__c"] = "L-1" });
                org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "B", ["Legacy_Id__c"] = "L-1" });
                return (Status(await host.PatchAsync(SfTestHost.Data("sobjects/Account/Legacy_Id__c/L-1"), new { Name = "C" }), 300), null, null);
            case "error_400_invalid_field_restforce":
                return (Status(await host.PostAsync(SfTestHost.Data("sobjects/Account"), new { Name = "x", foo = 1 }), 400), null, null);
            case "error_400_malformed_id_sfdocs":
                return (Status(await host.GetAsync(SfTestHost.Data($"sobjects/Account/{host.Opportunity()}")), 400), null, null);
            case "error_400_query_invalid_field_restforce":
                return (Status(await host.QueryAsync("SELECT Foo FROM Opportunity"), 400), null, null);
            case "error_401_invalid_session_id_restforce":
                host.Emulator.ExpireAccessTokens();
                return (Status(await host.GetAsync(SfTestHost.Data("limits")), 401), null, null);
            case "error_404_not_found_restforce":
                return (Status(await host.GetAsync(SfTestHost.Data("sobjects/Account/23foo")), 404), null, null);
            case "error_404_not_found_sfdocs":
                return (Status(await host.GetAsync(SfTestHost.Data("sobjects/Acount/describe")), 404), null, null);
            case "limits_response_sfdocs":
                return (Ok(await host.GetAsync(SfTestHost.Data("limits"))), null, null);
            case "oauth_password_error_invalid_grant_restforce":
                return (await TokenAsync(host, 400, ("grant_type", "password"), ("username", host.Emulator.Options.Username), ("password", "wrong")), null, null);
            case "oauth_refresh_token_error_invalid_grant_restforce":
                return (await TokenAsync(host, 400, ("grant_type", "refresh_token"), ("refresh_token", "5Aep861unknown")), null, null);
            case "oauth_refresh_token_success_restforce":
                return (await TokenAsync(host, 200, ("grant_type", "refresh_token"), ("refresh_token", host.Tokens.RefreshToken!)), null, ["scope", "token_type"]);
            case "oauth_token_response_restforce":
                return (await TokenAsync(host, 200, ("grant_type", "password"), ("username", host.Emulator.Options.Username), ("password", host.Emulator.Options.Password)), null, ["scope", "token_type"]);
            case "query_batch1_of4_netcoreforce":
                Seed(org, "Contact", 800);
                return (Ok(await host.QueryAsync("SELECT Id FROM Contact", headers: ("Sforce-Query-Options", "batchSize=200"))), null, null);
            case "query_case_with_systemmodstamp_netcoreforce":
                {
                    var account = org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Edge Communications" });
                    for (var i = 0; i < 3; i++)
                    {
                        org.Insert("Contact", new Dictionary<string, object?> { ["LastName"] = $"Contact {i}", ["AccountId"] = account });
                    }

                    var response = Ok(await host.QueryAsync("SELECT Id, Name, SystemModstamp, Account.Name, Account.SystemModstamp, Owner.Name, Owner.SystemModstamp FROM Contact"));
                    return (response, new() { ["records.CaseNumber"] = "Name", ["records.Contact"] = "Owner" }, null);
                }

            case "query_empty_result_netcoreforce":
                return (Ok(await host.QueryAsync("SELECT Id FROM Opportunity WHERE Name = 'nobody'")), null, null);
            case "query_first_page_restforce":
            case "query_last_page_restforce":
                {
                    Seed(org, "Opportunity", 201);
                    var first = Ok(await host.QueryAsync("SELECT Name FROM Opportunity", headers: ("Sforce-Query-Options", "batchSize=200")));
                    var page = example == "query_first_page_restforce" ? first : Ok(await host.GetAsync(first!["nextRecordsUrl"]!.GetValue<string>()));
                    return (page, new() { ["records.Text_Label"] = "Name" }, null);
                }

            case "query_response_done_sfdocs":
                Seed(org, "Account", 14);
                return (Ok(await host.QueryAsync("SELECT name FROM Account")), null, null);
            case "query_response_first_batch_sfdocs":
                Seed(org, "Contact", 250);
                return (Ok(await host.QueryAsync("SELECT Id, Name FROM Contact", headers: ("Sforce-Query-Options", "batchSize=200"))), null, null);
            case "query_with_relationships_restforce":
                {
                    var account = org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Parent", ["Description"] = "Hello" });
                    var opp = org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "Hi there!", ["StageName"] = "Prospecting", ["CloseDate"] = "2010-01-01", ["AccountId"] = account });
                    org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = opp, ["Subject"] = "Child" });
                    var response = Ok(await host.QueryAsync("SELECT IsPrivate, Name, CloseDate, CreatedDate, StageName, Account.Name, Account.Description, (SELECT Subject FROM Tasks) FROM Opportunity"));
                    return (response, new()
                    {
                        ["records.Checkbox_Label"] = "IsPrivate",
                        ["records.Text_Label"] = "Name",
                        ["records.Date_Label"] = "CloseDate",
                        ["records.DateTime_Label"] = "CreatedDate",
                        ["records.Picklist_Multiselect_Label"] = "StageName",
                        ["records.ParentWhizbang__r"] = "Account",
                        ["records.ParentWhizbang__r.Text_Label"] = "Description",
                        ["records.Whizbangs__r"] = "Tasks",
                        ["records.Whizbangs__r.records.Name"] = "Subject",
                    }, null);
                }

            case "sobject_collections_create_response_allornone_sfdocs":
            case "sobject_collections_create_response_partial_sfdocs":
                {
                    var allOrNone = example.Contains("allornone", StringComparison.Ordinal);
                    var request = JsonNode.Parse($$"""
                        {"allOrNone":{{(allOrNone ? "true" : "false")}},"records":[
                          {"attributes":{"type":"Account"},"Name":"Dup","Bogus__c":1},
                          {"attributes":{"type":"Contact"},"LastName":"Johnson","FirstName":"Erica"}]}
                        """)!;
                    return (Ok(await host.PostAsync(SfTestHost.Data("composite/sobjects"), request)), null, null);
                }

            case "sobject_collections_create_response_ok_sfdocs":
                return (Ok(await host.PostAsync(SfTestHost.Data("composite/sobjects"), Load("sobject_collections_create_request_sfdocs"))), null, null);
            case "sobject_collections_delete_response_allornone_sfdocs":
                {
                    var account = org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Kept" });
                    return (Ok(await host.DeleteAsync(SfTestHost.Data($"composite/sobjects?ids={account},001RM000003oLrB000&allOrNone=true"))), null, null);
                }

            case "sobject_collections_get_response_sfdocs":
                {
                    var a = org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Acme" });
                    var b = org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Global Media" });
                    return (Ok(await host.GetAsync(SfTestHost.Data($"composite/sobjects/Account?ids={a},{b},001xx000003DGb9AAG&fields=id,name"))), null, null);
                }

            case "sobject_collections_update_response_allornone_sfdocs":
            case "sobject_collections_update_response_partial_sfdocs":
                {
                    var account = org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Acme" });
                    var request = Load("sobject_collections_update_request_sfdocs");
                    request["allOrNone"] = example.Contains("allornone", StringComparison.Ordinal);
                    request["records"]![0]!["id"] = account;
                    request["records"]![1]!["id"] = "001xx000003DGb2999";
                    return (Ok(await host.PatchAsync(SfTestHost.Data("composite/sobjects"), request)), null, null);
                }

            case "sobject_create_error_id_in_body_sfdocs":
                return (Status(await host.PostAsync(SfTestHost.Data("sobjects/Account/"), new { id = "001D000000IqhSLIAZ", Name = "Express Donuts and Pies" }), 400), null, null);
            case "sobject_create_response_restforce":
            case "sobject_create_response_sfdocs":
                return (Status(await host.PostAsync(SfTestHost.Data("sobjects/Account/"), Load("sobject_create_request_sfdocs")), 201), null, null);
            case "sobject_get_deleted_response_restforce":
                {
                    var id = host.Opportunity();
                    await host.DeleteAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"));
                    clock.Advance(TimeSpan.FromMinutes(2));
                    var (start, end) = Window(clock);
                    return (Ok(await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/deleted/?start={start}&end={end}"))), null, null);
                }

            case "sobject_get_updated_response_restforce":
            case "sobject_get_updated_response_sfdocs":
                {
                    for (var i = 0; i < 3; i++)
                    {
                        org.SetSystemModstamp("Opportunity", host.Opportunity($"U{i}"), clock.GetUtcNow().AddMinutes(-10));
                    }

                    var (start, _) = Window(clock);
                    return (Ok(await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/updated/?start={start}&end={Uri.EscapeDataString(clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture))}"))), null, null);
                }

            case "sobject_tree_create_multiple_response_sfdocs":
                {
                    var request = new JsonObject
                    {
                        ["records"] = new JsonArray([.. Enumerable.Range(1, 4).Select(i => (JsonNode?)new JsonObject
                        {
                            ["attributes"] = new JsonObject { ["type"] = "Account", ["referenceId"] = $"ref{i}" },
                            ["name"] = $"SampleAccount{i}",
                        })]),
                    };
                    return (Status(await host.PostAsync(SfTestHost.Data("composite/tree/Account/"), request), 201), null, null);
                }

            case "versions_response_netcoreforce":
                return (Ok(await host.GetAsync("/services/data/")), null, null);
            default:
                throw new XunitException($"No emulator scenario for the example '{example}'.");
        }
    }

    private static (string Start, string End) Window(FakeTimeProvider clock)
        => (Uri.EscapeDataString(clock.GetUtcNow().AddHours(-1).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture)),
            Uri.EscapeDataString(clock.GetUtcNow().AddHours(1).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture)));

    private static void Seed(Aria.CrmSync.Testing.SalesforceOrg org, string type, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var fields = type switch
            {
                "Contact" => new Dictionary<string, object?> { ["LastName"] = $"Smith {i}" },
                "Account" => new Dictionary<string, object?> { ["Name"] = $"Test {i}" },
                _ => new Dictionary<string, object?> { ["Name"] = $"Deal {i}", ["StageName"] = "Prospecting", ["CloseDate"] = "2026-01-01" },
            };
            org.Insert(type, fields);
        }
    }

    private static JsonNode? Ok(SfResponse response) => Status(response, 200);

    private static JsonNode? Status(SfResponse response, int status)
    {
        Assert.True(response.Code == status, $"expected HTTP {status} but got {response.Code}: {response.Text}");
        return response.Body;
    }

    private static async Task<JsonNode?> TokenAsync(SfTestHost host, int status, params (string Name, string Value)[] fields)
    {
        var form = fields.ToDictionary(f => f.Name, f => f.Value);
        form["client_id"] = host.Emulator.Options.ClientId;
        form["client_secret"] = host.Emulator.Options.ClientSecret;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/services/oauth2/token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = null;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await host.Http.SendAsync(request);
        Assert.Equal(status, (int)response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync());
    }
}
