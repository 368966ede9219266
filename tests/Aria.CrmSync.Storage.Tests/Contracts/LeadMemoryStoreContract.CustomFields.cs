using Aria.CrmSync.Fields;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Contracts;

/// <summary><see cref="LeadMemory.CustomFields"/> through <see cref="ILeadMemoryStore"/>: every type's canonical text round-trips exactly in every store; bad keys and values are refused typed, with nothing written.</summary>
public abstract partial class LeadMemoryStoreContract
{
    /// <summary>The canonical text of a value of every field type (as <see cref="CrmFieldValue.ToString"/> writes it), and a blank one.</summary>
    public static Dictionary<string, string?> EveryTypeOfCustomField() => new()
    {
        ["text_nfc"] = CrmFieldValue.FromText(CrmFieldType.Text, "Cafe\u0301 Zoë — 😀 👩‍👩‍👧").ToString(),
        ["long_text"] = CrmFieldValue.FromText(CrmFieldType.LongText, string.Concat(Enumerable.Repeat("ab😀 ", CrmFieldCatalogChecks.MaxTextLength / 5)) + "ab").ToString(),
        ["integer_value"] = CrmFieldValue.FromNumber(CrmFieldType.Integer, -9_007_199_254_740_993m).ToString(),
        ["decimal_value"] = CrmFieldValue.FromNumber(CrmFieldType.Decimal, 1234567890.123456789m).ToString(),
        ["currency_value"] = CrmFieldValue.FromNumber(CrmFieldType.Currency, 1250.50m, "EUR").ToString(),
        ["percent_value"] = CrmFieldValue.FromNumber(CrmFieldType.Percent, 12.5m).ToString(),
        ["date_value"] = CrmFieldValue.FromDate(new DateOnly(2026, 12, 31)).ToString(),
        ["datetime_value"] = CrmFieldValue.FromDateTime(new DateTimeOffset(2026, 12, 7, 9, 30, 15, 123, TimeSpan.FromHours(2))).ToString(),
        ["boolean_value"] = CrmFieldValue.FromBoolean(false).ToString(),
        ["picklist_value"] = CrmFieldValue.FromText(CrmFieldType.Picklist, "Enterprise").ToString(),
        ["multi_select"] = CrmFieldValue.FromValues(["Wind", "Solar", "Hydro pumped"]).ToString(),
        ["blank_value"] = null,
    };

    /// <summary>
    /// Asserts what a custom-fields migration must keep of the two leads its test seeded (lead-1: Acme, 1200.50, 2026-12-31,
    /// health 71, metadata trigger=manual, version 3, one stakeholder Ada; lead-2: unlinked, paused, version 1): every
    /// value, no custom fields, and that custom fields of every type are then written and read back.
    /// </summary>
    public static async Task AssertMigratedLeadsAsync(ILeadMemoryStore leads)
    {
        var lead1 = (await leads.GetAsync("u1", "lead-1"))!;
        var lead2 = (await leads.GetAsync("u1", "lead-2"))!;

        Assert.Equal(("Acme", 1200.50m, new DateOnly(2026, 12, 31), 71, "manual", 3L), (lead1.CompanyName, lead1.ExpectedValue, lead1.ExpectedCloseDate, lead1.HealthScore, lead1.Metadata["trigger"], lead1.Version));
        var ada = Assert.Single(lead1.Stakeholders);
        Assert.Equal(("Ada", "ada@example.com", "Decision Maker", true), (ada.Name, ada.Email, ada.Role, ada.IsPrimary));
        Assert.Equal(("Ünïcödé 😀", "paused", (CrmProvider?)null, 1L), (lead2.CompanyName, lead2.Status, lead2.CrmProvider, lead2.Version));
        Assert.Empty(lead1.CustomFields);
        Assert.Empty(lead2.CustomFields);

        var values = EveryTypeOfCustomField();
        Assert.Equal(4, (await leads.UpdateAsync(lead1 with { CustomFields = values })).Version);
        var read = (await leads.GetAsync("u1", "lead-1"))!;
        Assert.Equal(values.OrderBy(p => p.Key, StringComparer.Ordinal), read.CustomFields.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(ada, Assert.Single(read.Stakeholders));
    }

    [Fact]
    public async Task CustomFields_OfEveryType_RoundTripExactly_OnInsertAndUpdate()
    {
        var store = await CreateStoreAsync();
        var fields = EveryTypeOfCustomField();
        Assert.Equal(CrmFieldCatalogChecks.MaxTextLength, fields["long_text"]!.Length); // the longest text value a field holds
        Assert.Equal(("1250.5 EUR", "Hydro pumped;Solar;Wind"), (fields["currency_value"], fields["multi_select"]));

        var inserted = await store.InsertAsync(Lead("lead-cf") with { CustomFields = fields });
        var read = (await store.GetAsync("user-1", "lead-cf"))!;
        Assert.Equal(fields.OrderBy(p => p.Key, StringComparer.Ordinal), read.CustomFields.OrderBy(p => p.Key, StringComparer.Ordinal));

        var changed = new Dictionary<string, string?>(fields) { ["boolean_value"] = "true", ["blank_value"] = "now set", ["text_nfc"] = null };
        changed.Remove("long_text");
        await store.UpdateAsync(inserted with { CustomFields = changed });
        var after = (await store.GetAsync("user-1", "lead-cf"))!;

        Assert.Equal(changed.OrderBy(p => p.Key, StringComparer.Ordinal), after.CustomFields.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.False(after.CustomFields.ContainsKey("long_text")); // a removed key is gone, not kept from the old row
        Assert.True(after.CustomFields.ContainsKey("text_nfc") && after.CustomFields["text_nfc"] is null); // blank kept as blank
        Assert.Equal(2, after.Version);
    }

    [Fact]
    public async Task CustomFields_StaleVersion_IsAConcurrencyError_AndKeepsTheStoredValues()
    {
        var store = await CreateStoreAsync();
        var v1 = await store.InsertAsync(Lead("lead-cc") with { CustomFields = new Dictionary<string, string?> { ["region"] = "EMEA" } });
        await store.UpdateAsync(v1 with { CustomFields = new Dictionary<string, string?> { ["region"] = "APAC" } });

        await Assert.ThrowsAsync<CrmSyncConcurrencyException>(async () => await store.UpdateAsync(v1 with { CustomFields = new Dictionary<string, string?> { ["region"] = "LATAM" } }));

        var read = (await store.GetAsync("user-1", "lead-cc"))!;
        Assert.Equal(("APAC", 2L), (read.CustomFields["region"], read.Version));
    }

    public static TheoryData<string> BadCustomFieldKeys => new() { "empty", "upper-case", "starts-with-digit", "hyphen", "space", "65-chars", "nul", "non-ascii" };

    public static TheoryData<string> BadCustomFieldValues => new() { "nul", "lone-surrogate", "over-the-text-limit" };

    [Theory]
    [MemberData(nameof(BadCustomFieldKeys))]
    public async Task CustomFields_BadKey_IsRefusedTyped_AndNothingIsWritten(string name)
    {
        var key = name switch
        {
            "empty" => string.Empty,
            "upper-case" => "Region__c",
            "starts-with-digit" => "1st_region",
            "hyphen" => "next-step",
            "space" => "next step",
            "65-chars" => "a" + new string('b', CrmFieldCatalogChecks.MaxLeadFieldLength),
            "nul" => "region\0",
            _ => "régión",
        };
        await AssertRefusedAsync(new Dictionary<string, string?> { ["region"] = "EMEA", [key] = "x" }, "lead.CustomFields");
    }

    [Theory]
    [MemberData(nameof(BadCustomFieldValues))]
    public async Task CustomFields_BadValue_IsRefusedTyped_AndNothingIsWritten(string name)
    {
        var value = name switch
        {
            "nul" => "EM\0EA",
            "lone-surrogate" => "EM\ud800EA",
            _ => new string('x', CrmFieldCatalogChecks.MaxTextLength + 1),
        };
        await AssertRefusedAsync(new Dictionary<string, string?> { ["seats"] = "250", ["region"] = value }, "lead.CustomFields[region]");
    }

    private async Task AssertRefusedAsync(Dictionary<string, string?> fields, string field)
    {
        var store = await CreateStoreAsync();
        var existing = await store.InsertAsync(Lead("lead-ok"));

        var insert = await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.InsertAsync(Lead("lead-bad") with { CustomFields = fields }));
        var update = await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.UpdateAsync(existing with { CompanyName = "Changed", CustomFields = fields }));

        Assert.Equal((field, field), (insert.Field, update.Field));
        Assert.Null(await store.GetAsync("user-1", "lead-bad"));
        var kept = (await store.GetAsync("user-1", "lead-ok"))!;
        Assert.Equal((existing.CompanyName, 1L, "EMEA"), (kept.CompanyName, kept.Version, kept.CustomFields["region"]));
        Assert.Equal(2, (await store.UpdateAsync(kept with { CompanyName = "Changed" })).Version); // the store is not stuck
    }
}
