using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

/// <summary>Custom deal properties: the properties API, records and search, and HubSpot's VALIDATION_ERROR, over HTTP.</summary>
public sealed class HubSpotCustomPropertyTests
{
    private static void Properties(HubSpotEmulatorOptions o)
    {
        o.CustomProperties.Add(new("region", HubSpotPropertyType.Enumeration) { FieldType = "select", Options = ["emea", "amer"] });
        o.CustomProperties.Add(new("channels", HubSpotPropertyType.Enumeration) { FieldType = "checkbox", Options = ["web", "phone", "partner"] });
        o.CustomProperties.Add(new("score", HubSpotPropertyType.Number));
        o.CustomProperties.Add(new("internal_code", HubSpotPropertyType.String) { ReadOnly = true, Hidden = true });
        o.CustomProperties.Add(new("old_region", HubSpotPropertyType.String) { Archived = true });
    }

    [Fact]
    public async Task PropertiesApi_DescribesCustomPropertiesLikeTheRealPortal()
    {
        await using var h = await HubSpotHarness.StartAsync(Properties);

        var list = await h.GetAsync("/crm/v3/properties/deals");
        var byName = list.Object["results"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!.AsObject());

        Assert.Equal(("enumeration", "select"), (byName["region"]["type"]!.GetValue<string>(), byName["region"]["fieldType"]!.GetValue<string>()));
        Assert.Equal(["emea", "amer"], byName["region"]["options"]!.AsArray().Select(o => o!["value"]!.GetValue<string>()));
        Assert.Equal("checkbox", byName["channels"]["fieldType"]!.GetValue<string>());
        Assert.False(byName["region"]["hubspotDefined"]!.GetValue<bool>());
        Assert.True(byName["internal_code"]["hidden"]!.GetValue<bool>());
        Assert.True(byName["internal_code"]["modificationMetadata"]!["readOnlyValue"]!.GetValue<bool>());
        Assert.False(byName.ContainsKey("old_region"));

        var archived = await h.GetAsync("/crm/v3/properties/deals?archived=true");
        var old = Assert.Single(archived.Object["results"]!.AsArray());
        Assert.Equal("old_region", old!["name"]!.GetValue<string>());
        Assert.True(old["archived"]!.GetValue<bool>());
    }

    [Fact]
    public async Task CustomValues_RoundTripThroughRecordsAndSearch()
    {
        await using var h = await HubSpotHarness.StartAsync(Properties);
        var id = await h.CreateDealAsync("Custom");

        var patch = await h.PatchAsync($"/crm/v3/objects/deals/{id}", new JsonObject { ["properties"] = new JsonObject { ["region"] = "emea", ["channels"] = "web;partner", ["score"] = "12.50" } });
        Assert.Equal(200, patch.Status);

        var read = await h.GetAsync($"/crm/v3/objects/deals/{id}?properties=region,channels,score");
        Assert.Equal("emea", read.Object["properties"]!["region"]!.GetValue<string>());
        Assert.Equal("web;partner", read.Object["properties"]!["channels"]!.GetValue<string>());
        Assert.Equal("12.50", read.Object["properties"]!["score"]!.GetValue<string>());

        var search = await h.PostAsync("/crm/v3/objects/deals/search", JsonNode.Parse("""
            {"filterGroups":[{"filters":[{"propertyName":"region","operator":"EQ","value":"emea"}]}],"properties":["region","score"]}
            """)!);
        Assert.Equal(id, Assert.Single(search.Object["results"]!.AsArray())!["id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("region", "apac", "INVALID_OPTION", "apac was not one of the allowed options: [emea, amer]")]
    [InlineData("channels", "web;fax", "INVALID_OPTION", "fax was not one of the allowed options: [web, phone, partner]")]
    [InlineData("score", "12,5", "INVALID_INTEGER", "12,5 was not a valid number.")]
    [InlineData("internal_code", "x", "READ_ONLY_VALUE", "Property \"internal_code\" is a read only property; its value cannot be set.")]
    [InlineData("old_region", "x", "PROPERTY_DOESNT_EXIST", "Property \"old_region\" does not exist")]
    public async Task InvalidValues_AreValidationErrorsWithPerPropertyDetails(string property, string value, string error, string message)
    {
        await using var h = await HubSpotHarness.StartAsync(Properties);
        var id = await h.CreateDealAsync("Custom");

        var reply = await h.PatchAsync($"/crm/v3/objects/deals/{id}", new JsonObject { ["properties"] = new JsonObject { [property] = value } });

        Assert.Equal(400, reply.Status);
        Assert.Equal("VALIDATION_ERROR", reply.Object["category"]!.GetValue<string>());
        var details = JsonNode.Parse(reply.Object["message"]!.GetValue<string>()["Property values were not valid: ".Length..])!.AsArray();
        var detail = Assert.Single(details)!;
        Assert.Equal((false, error, property, message), (detail["isValid"]!.GetValue<bool>(), detail["error"]!.GetValue<string>(), detail["name"]!.GetValue<string>(), detail["message"]!.GetValue<string>()));
        var read = await h.GetAsync($"/crm/v3/objects/deals/{id}?properties={property}");
        Assert.Null(read.Object["properties"]![property]?.GetValue<string>());
    }

    [Fact]
    public async Task MultiCurrencyPortal_HasDealCurrencyCode_WithItsCurrencies()
    {
        await using var h = await HubSpotHarness.StartAsync(o => { o.Currencies.Add("USD"); o.Currencies.Add("EUR"); });
        var id = await h.CreateDealAsync("Euro deal");

        var property = await h.GetAsync("/crm/v3/properties/deals/deal_currency_code");
        Assert.Equal(("enumeration", true), (property.Object["type"]!.GetValue<string>(), property.Object["hubspotDefined"]!.GetValue<bool>()));
        Assert.Equal(["USD", "EUR"], property.Object["options"]!.AsArray().Select(o => o!["value"]!.GetValue<string>()));

        Assert.Equal(200, (await h.PatchAsync($"/crm/v3/objects/deals/{id}", new JsonObject { ["properties"] = new JsonObject { ["deal_currency_code"] = "EUR", ["amount"] = "1500" } })).Status);
        var read = await h.GetAsync($"/crm/v3/objects/deals/{id}?properties=amount,deal_currency_code");
        Assert.Equal("EUR", read.Object["properties"]!["deal_currency_code"]!.GetValue<string>());
        Assert.Equal(400, (await h.PatchAsync($"/crm/v3/objects/deals/{id}", new JsonObject { ["properties"] = new JsonObject { ["deal_currency_code"] = "GBP" } })).Status);

        await using var single = await HubSpotHarness.StartAsync();
        Assert.Equal(404, (await single.GetAsync("/crm/v3/properties/deals/deal_currency_code")).Status);
    }
}
