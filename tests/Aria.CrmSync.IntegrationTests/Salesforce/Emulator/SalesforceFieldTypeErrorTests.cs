using System.Net;
using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

/// <summary>A checkbox given a number over HTTP: 1 and 0 are true and false; another number is INVALID_TYPE_ON_FIELD_IN_RECORD for that record only.</summary>
public sealed class SalesforceFieldTypeErrorTests
{
    private static void Fields(SalesforceEmulatorOptions o) => o.CustomFields.Add(new("Strategic__c", "boolean"));

    [Fact]
    public async Task CheckboxGivenOneOrZero_IsTrueOrFalse()
    {
        await using var host = await SfTestHost.StartAsync(Fields);
        var id = host.Opportunity();

        Assert.Equal(HttpStatusCode.NoContent, (await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new JsonObject { ["Strategic__c"] = 1 })).Status);
        Assert.Equal(true, host.Org.Get("Opportunity", id)!["Strategic__c"]);
        Assert.Equal(HttpStatusCode.NoContent, (await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new JsonObject { ["Strategic__c"] = 0 })).Status);
        Assert.Equal(false, host.Org.Get("Opportunity", id)!["Strategic__c"]);
    }

    [Fact]
    public async Task CheckboxGivenAnotherNumber_FailsThatRecord_InACollection()
    {
        await using var host = await SfTestHost.StartAsync(Fields);
        var bad = host.Opportunity();
        var good = host.Opportunity();

        var reply = await host.PatchAsync(SfTestHost.Data("composite/sobjects"), JsonNode.Parse($$"""
            {"allOrNone": false, "records": [
              {"attributes": {"type": "Opportunity"}, "id": "{{bad}}", "Strategic__c": 2},
              {"attributes": {"type": "Opportunity"}, "id": "{{good}}", "Strategic__c": true}
            ]}
            """)!);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var results = reply.Body!.AsArray();
        var error = results[0]!["errors"]!.AsArray().Single()!;
        Assert.False(results[0]!["success"]!.GetValue<bool>());
        Assert.Equal(("INVALID_TYPE_ON_FIELD_IN_RECORD", "Strategic: value not of required type: 2"), (error["statusCode"]!.GetValue<string>(), error["message"]!.GetValue<string>()));
        Assert.Equal(["Strategic__c"], error["fields"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.True(results[1]!["success"]!.GetValue<bool>());
        Assert.Equal((false, true), (host.Org.Get("Opportunity", bad)!["Strategic__c"], host.Org.Get("Opportunity", good)!["Strategic__c"]));

        var single = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{bad}"), new JsonObject { ["Strategic__c"] = 2 });
        Assert.Equal((HttpStatusCode.BadRequest, "INVALID_TYPE_ON_FIELD_IN_RECORD"), (single.Status, single.ErrorCode));
    }
}
