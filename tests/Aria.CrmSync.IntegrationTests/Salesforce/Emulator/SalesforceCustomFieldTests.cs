using System.Net;
using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

/// <summary>Custom fields of every type: describe, records, SOQL, and Salesforce's validation errors, over HTTP.</summary>
public sealed class SalesforceCustomFieldTests
{
    private static void Fields(SalesforceEmulatorOptions o)
    {
        o.CustomFields.Add(new("Region__c", "picklist") { PicklistValues = ["EMEA", "Americas"], RestrictedPicklist = true });
        o.CustomFields.Add(new("Channels__c", "multipicklist") { PicklistValues = ["Web", "Phone", "Partner"], RestrictedPicklist = true });
        o.CustomFields.Add(new("Next_Step__c", "string") { Length = 10 });
        o.CustomFields.Add(new("Score__c", "double") { Precision = 5, Scale = 2 });
        o.CustomFields.Add(new("Discount__c", "percent") { Precision = 5, Scale = 1 });
        o.CustomFields.Add(new("Renewal__c", "date"));
        o.CustomFields.Add(new("Kickoff__c", "datetime"));
        o.CustomFields.Add(new("Strategic__c", "boolean"));
        o.CustomFields.Add(new("Legacy_Code__c", "string") { Updateable = false });
    }

    [Fact]
    public async Task Describe_AnswersCustomFieldsLikeTheRealOrg()
    {
        await using var host = await SfTestHost.StartAsync(Fields);

        var describe = await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/describe"));
        var fields = describe.Body!["fields"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!.AsObject());

        var region = fields["Region__c"];
        Assert.Equal("picklist", region["type"]!.GetValue<string>());
        Assert.True(region["restrictedPicklist"]!.GetValue<bool>());
        Assert.True(region["custom"]!.GetValue<bool>());
        Assert.True(region["updateable"]!.GetValue<bool>());
        Assert.Equal(["EMEA", "Americas"], region["picklistValues"]!.AsArray().Select(v => v!["value"]!.GetValue<string>()));
        Assert.Equal("multipicklist", fields["Channels__c"]["type"]!.GetValue<string>());
        Assert.Equal(10, fields["Next_Step__c"]["length"]!.GetValue<int>());
        Assert.Equal((5, 2), (fields["Score__c"]["precision"]!.GetValue<int>(), fields["Score__c"]["scale"]!.GetValue<int>()));
        Assert.Equal("percent", fields["Discount__c"]["type"]!.GetValue<string>());
        Assert.Equal("date", fields["Renewal__c"]["type"]!.GetValue<string>());
        Assert.Equal("datetime", fields["Kickoff__c"]["type"]!.GetValue<string>());
        Assert.Equal("boolean", fields["Strategic__c"]["type"]!.GetValue<string>());
        Assert.False(fields["Legacy_Code__c"]["updateable"]!.GetValue<bool>());
    }

    [Fact]
    public async Task CustomValues_RoundTripThroughRecordsAndSoql()
    {
        await using var host = await SfTestHost.StartAsync(Fields);
        var id = host.Opportunity();

        var patch = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new JsonObject
        {
            ["Region__c"] = "EMEA",
            ["Channels__c"] = "Web;Partner",
            ["Score__c"] = 123.456,
            ["Discount__c"] = 12.5,
            ["Renewal__c"] = "2027-01-31",
            ["Kickoff__c"] = "2026-05-01T09:30:00.000+0000",
            ["Strategic__c"] = true,
        });
        Assert.Equal(HttpStatusCode.NoContent, patch.Status);

        var query = await host.QueryAsync($"SELECT Region__c, Channels__c, Score__c, Discount__c, Renewal__c, Kickoff__c, Strategic__c FROM Opportunity WHERE Id = '{id}' AND Region__c = 'EMEA'");
        var row = query.Body!["records"]!.AsArray().Single()!;
        Assert.Equal("EMEA", row["Region__c"]!.GetValue<string>());
        Assert.Equal("Web;Partner", row["Channels__c"]!.GetValue<string>());
        Assert.Equal(123.46m, row["Score__c"]!.GetValue<decimal>()); // rounded half up to the scale, as Salesforce stores it
        Assert.Equal(12.5m, row["Discount__c"]!.GetValue<decimal>());
        Assert.Equal("2027-01-31", row["Renewal__c"]!.GetValue<string>());
        Assert.Equal("2026-05-01T09:30:00.000+0000", row["Kickoff__c"]!.GetValue<string>());
        Assert.True(row["Strategic__c"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("Next_Step__c", "\"Call the CFO next week\"", "STRING_TOO_LONG", "Next Step: data value too large: Call the CFO next week (max length=10)")]
    [InlineData("Region__c", "\"APAC\"", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Region: bad value for restricted picklist field: APAC")]
    [InlineData("Channels__c", "\"Web;Fax\"", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Channels: bad value for restricted picklist field: Fax")]
    [InlineData("Score__c", "1000", "NUMBER_OUTSIDE_VALID_RANGE", "Score: value outside of valid range on numeric field: 1000")]
    [InlineData("Legacy_Code__c", "\"X\"", "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: Legacy_Code__c. Please check the security settings of this field and verify that it is read/write for your profile or permission set.")]
    public async Task InvalidValues_AreRefusedAsSalesforceDoes(string field, string json, string code, string message)
    {
        await using var host = await SfTestHost.StartAsync(Fields);
        var id = host.Opportunity();

        var reply = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), JsonNode.Parse($"{{\"{field}\": {json}}}")!);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(code, reply.ErrorCode);
        Assert.Equal(message, reply.ErrorMessage);
        Assert.Equal([field], reply.Body!.AsArray()[0]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Null(host.Org.Get("Opportunity", id)![field]);
    }

    [Fact]
    public async Task MultiCurrencyOrg_HasCurrencyIsoCode_RestrictedToItsCurrencies()
    {
        await using var host = await SfTestHost.StartAsync(o => { o.Currencies.Add("USD"); o.Currencies.Add("EUR"); });
        var id = host.Opportunity();

        var describe = await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/describe"));
        var currency = describe.Body!["fields"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "CurrencyIsoCode")!;
        Assert.Equal(("picklist", true), (currency["type"]!.GetValue<string>(), currency["restrictedPicklist"]!.GetValue<bool>()));
        Assert.Equal(["USD", "EUR"], currency["picklistValues"]!.AsArray().Select(v => v!["value"]!.GetValue<string>()));

        Assert.Equal(HttpStatusCode.NoContent, (await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new JsonObject { ["CurrencyIsoCode"] = "EUR", ["Amount"] = 1500 })).Status);
        var row = (await host.QueryAsync($"SELECT Amount, CurrencyIsoCode FROM Opportunity WHERE Id = '{id}'")).Body!["records"]![0]!;
        Assert.Equal(("EUR", 1500m), (row["CurrencyIsoCode"]!.GetValue<string>(), row["Amount"]!.GetValue<decimal>()));
        var refused = await host.PatchAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"), new JsonObject { ["CurrencyIsoCode"] = "GBP" });
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", refused.ErrorCode);

        await using var single = await SfTestHost.StartAsync();
        var plain = await single.GetAsync(SfTestHost.Data("sobjects/Opportunity/describe"));
        Assert.DoesNotContain(plain.Body!["fields"]!.AsArray(), f => f!["name"]!.GetValue<string>() == "CurrencyIsoCode");
    }
}
