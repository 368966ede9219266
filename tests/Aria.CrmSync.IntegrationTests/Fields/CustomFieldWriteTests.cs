using Aria.CrmSync.Fields;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Fields;

/// <summary>
/// Custom-field writes through both gateways and emulators over HTTP: values the CRM refuses fail their record (naming the
/// field) and not the batch, preconditions on custom fields compare in canonical form, and amounts of a multi-currency
/// org or portal travel with their currency.
/// </summary>
public sealed class CustomFieldWriteTests
{
    private static readonly CrmProvider Sf = CrmProvider.Salesforce;
    private static readonly CrmProvider Hs = CrmProvider.HubSpot;

    public static TheoryData<CrmProvider> Providers => [Sf, Hs];

    private static CustomFieldRoundTripTests.Sample Sample(string lead) => CustomFieldRoundTripTests.Samples.Single(s => s.Field.LeadField == lead);

    private static string Name(string lead, CrmProvider provider) => Sample(lead).Field.CrmFieldFor(provider)!;

    private static Dictionary<string, string?> Values(CrmProvider provider, params (string Lead, string? Wire)[] values)
        => values.ToDictionary(v => Name(v.Lead, provider), v => v.Wire);

    [Fact]
    public async Task Salesforce_RefusedValues_FailTheirRecord_NamingTheField_InOneCall()
    {
        await using var crm = await CustomFieldCrm.StartAsync(Sf);
        var ids = crm.Seed(5);
        var before = crm.Emulator.Calls.Count(SalesforceEndpoints.CollectionsUpdate);

        var results = await crm.Gateway.UpdateRecordsAsync(crm.Connection,
        [
            new() { CrmId = ids[0], Fields = Values(Sf, ("note", new string('x', 81))) },
            new() { CrmId = ids[1], Fields = Values(Sf, ("region", "APAC")) },
            new() { CrmId = ids[2], Fields = Values(Sf, ("score", "123456789.5")) },
            new() { CrmId = ids[3], Fields = Values(Sf, ("seats", "forty-two")) },
            new() { CrmId = ids[4], Fields = Values(Sf, ("region", "Americas"), ("seats", "7")) },
        ]);

        Assert.Equal(
            [(false, "STRING_TOO_LONG", "Note__c"), (false, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Region__c"), (false, "NUMBER_OUTSIDE_VALID_RANGE", "Score__c"), (false, CrmSyncFieldValueException.ErrorCode, "Seats__c")],
            results.Take(4).Select((r, i) => (r.Success, r.ErrorCode!, new[] { "Note__c", "Region__c", "Score__c", "Seats__c" }.Single(f => r.ErrorMessage!.Contains(f, StringComparison.Ordinal)))));
        Assert.True(results[4].Success, results[4].ErrorMessage);
        Assert.All(results.Take(4), r => Assert.Equal(CrmWriteOutcome.NothingWritten, r.Outcome));
        Assert.Equal(1, crm.Emulator.Calls.Count(SalesforceEndpoints.CollectionsUpdate) - before);

        var stored = crm.Org.Get("Opportunity", ids[4])!;
        Assert.Equal(("Americas", 7m), ((string)stored["Region__c"]!, Convert.ToDecimal(stored["Seats__c"], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(ids.Take(4), id => Assert.True(crm.Org.Get("Opportunity", id)!.Where(p => p.Key.EndsWith("__c", StringComparison.Ordinal)).All(p => p.Value is null or false)));
    }

    [Fact]
    public async Task HubSpot_RefusedValues_FailTheirRecord_NamingTheProperty_InOneCall()
    {
        await using var crm = await CustomFieldCrm.StartAsync(Hs);
        var ids = crm.Seed(4);
        var before = crm.Emulator.Calls.Count("deals.batch.update");

        var results = await crm.Gateway.UpdateRecordsAsync(crm.Connection,
        [
            new() { CrmId = ids[0], Fields = Values(Hs, ("region", "APAC")) },
            new() { CrmId = ids[1], Fields = Values(Hs, ("score", "a lot")) },
            new() { CrmId = ids[2], Fields = Values(Hs, ("renewal", "2026-05-01T10:00:00.000Z")) },
            new() { CrmId = ids[3], Fields = Values(Hs, ("region", "EMEA"), ("renewal", "2026-05-01T00:00:00.000Z")) },
        ]);

        (string Code, string Property)[] refused = [("INVALID_OPTION", "region"), ("INVALID_INTEGER", "score"), ("INVALID_DATE", "renewal")];
        for (var i = 0; i < refused.Length; i++)
        {
            Assert.Equal((false, "VALIDATION_ERROR", CrmWriteOutcome.NothingWritten), (results[i].Success, results[i].ErrorCode, results[i].Outcome));
            Assert.Contains(refused[i].Code, results[i].ErrorMessage, StringComparison.Ordinal);
            Assert.Contains($"\"name\":\"{refused[i].Property}\"", results[i].ErrorMessage, StringComparison.Ordinal);
        }

        Assert.True(results[3].Success, results[3].ErrorMessage);
        Assert.Equal(1, crm.Emulator.Calls.Count("deals.batch.update") - before);

        var stored = crm.HubSpot.GetObject("deals", ids[3])!;
        Assert.Equal(("EMEA", "2026-05-01"), (stored.Properties["region"], stored.Properties["renewal"]));
        Assert.Null(crm.HubSpot.GetObject("deals", ids[0])!.Properties.GetValueOrDefault("region"));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Precondition_OnCustomFields_ComparesCanonically_AndRefusesAChangedValue(CrmProvider provider)
    {
        await using var crm = await CustomFieldCrm.StartAsync(provider);
        var id = crm.Seed(1)[0];
        var written = await crm.Gateway.UpdateRecordsAsync(crm.Connection, [new()
        {
            CrmId = id,
            Fields = Values(provider, ("score", "1234.5"), ("channels", "Web;Phone"), ("renewal", CrmFieldValues.FormatCrm(Sample("renewal").Field, provider, Sample("renewal").Value)), ("signed_at", "2026-05-01T10:11:12.345Z")),
        }]);
        Assert.True(written[0].Success, written[0].ErrorMessage);
        var read = (await crm.Gateway.GetRecordsAsync(crm.Connection, [id])).Single();

        // The engine's texts differ from the CRM's (trailing zeros, order, a date as a timestamp, another offset) but mean the same.
        var expected = Values(provider, ("score", "1234.500"), ("channels", "Phone;Web"), ("renewal", provider == Sf ? "2026-05-01" : "1777593600000"), ("signed_at", "2026-05-01T12:11:12.345+02:00"));
        var same = await crm.Gateway.UpdateRecordsAsync(crm.Connection, [new()
        {
            CrmId = id,
            IfUnmodifiedSince = read.LastModifiedAt,
            ExpectedValues = expected,
            Fields = Values(provider, ("score", "1500")),
        }]);
        Assert.True(same[0].Success, $"{same[0].ErrorCode} {same[0].ErrorMessage}");

        // Someone changes the multi-select in the same instant as the read (the modification time stays): refused, not written.
        read = (await crm.Gateway.GetRecordsAsync(crm.Connection, [id])).Single();
        if (provider == Sf)
        {
            crm.Org.Update("Opportunity", id, new Dictionary<string, object?> { ["Channels__c"] = "Mail" });
            crm.Org.SetSystemModstamp("Opportunity", id, read.LastModifiedAt!.Value);
        }
        else
        {
            crm.HubSpot.UpdateObject("deals", id, new Dictionary<string, string?> { ["channels"] = "Mail" }, lastModified: read.LastModifiedAt);
        }

        var changed = await crm.Gateway.UpdateRecordsAsync(crm.Connection, [new()
        {
            CrmId = id,
            IfUnmodifiedSince = read.LastModifiedAt,
            ExpectedValues = Values(provider, ("score", "1500.0"), ("channels", "Phone;Web")),
            Fields = Values(provider, ("score", "1")),
        }]);
        Assert.Equal((false, CrmWriteResult.PreconditionFailed), (changed[0].Success, changed[0].ErrorCode));
        Assert.Contains(Name("channels", provider), changed[0].ErrorMessage, StringComparison.Ordinal);
        var now = (await crm.Gateway.GetRecordsAsync(crm.Connection, [id])).Single();
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Decimal, 1500m), CrmFieldValues.ParseCrm(Sample("score").Field, provider, now.Fields[Name("score", provider)]));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task MultiCurrency_AmountTravelsWithItsCurrency(CrmProvider provider)
    {
        await using var crm = await CustomFieldCrm.StartAsync(provider, currencies: ["USD", "EUR", "JPY"]);
        var ids = crm.Seed(2);
        var budget = Sample("budget").Field;
        var inEuro = CrmFieldValue.FromNumber(CrmFieldType.Currency, 1250.5m, "EUR");
        var inYen = CrmFieldValue.FromNumber(CrmFieldType.Currency, 98000m, "JPY");

        var results = await crm.Gateway.UpdateRecordsAsync(crm.Connection,
        [
            new() { CrmId = ids[0], Fields = new Dictionary<string, string?> { [budget.CrmFieldFor(provider)!] = CrmFieldValues.FormatCrm(budget, provider, inEuro), [crm.CurrencyField] = inEuro.CurrencyCode } },
            new() { CrmId = ids[1], Fields = new Dictionary<string, string?> { [budget.CrmFieldFor(provider)!] = CrmFieldValues.FormatCrm(budget, provider, inYen), [crm.CurrencyField] = inYen.CurrencyCode } },
        ]);
        Assert.All(results, r => Assert.True(r.Success, r.ErrorMessage));

        var records = (await crm.Gateway.GetRecordsAsync(crm.Connection, ids)).ToDictionary(r => r.CrmId);
        var changes = new Dictionary<string, CrmRecord>();
        await foreach (var page in crm.Gateway.GetChangesAsync(crm.Connection, null))
        {
            foreach (var record in page.Records)
            {
                changes[record.CrmId] = record;
            }
        }

        foreach (var (id, value) in new[] { (ids[0], inEuro), (ids[1], inYen) })
        {
            foreach (var record in new[] { records[id], changes[id] })
            {
                var parsed = CrmFieldValues.ParseCrm(budget, provider, record.Fields[budget.CrmFieldFor(provider)!], record.Fields[crm.CurrencyField]);
                Assert.Equal(value, parsed);
                Assert.NotEqual(CrmFieldValue.FromNumber(CrmFieldType.Currency, value.Number!.Value, "USD"), parsed); // never converted, never another currency
            }
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task SingleCurrency_AmountHasNoCurrency(CrmProvider provider)
    {
        await using var crm = await CustomFieldCrm.StartAsync(provider);
        var id = crm.Seed(1)[0];
        var budget = Sample("budget").Field;
        var value = CrmFieldValue.FromNumber(CrmFieldType.Currency, 1999.99m);

        var results = await crm.Gateway.UpdateRecordsAsync(crm.Connection, [new() { CrmId = id, Fields = new Dictionary<string, string?> { [budget.CrmFieldFor(provider)!] = CrmFieldValues.FormatCrm(budget, provider, value) } }]);
        Assert.True(results[0].Success, results[0].ErrorMessage);

        var record = (await crm.Gateway.GetRecordsAsync(crm.Connection, [id])).Single();
        Assert.False(record.Fields.ContainsKey(crm.CurrencyField));
        Assert.Equal(value, CrmFieldValues.ParseCrm(budget, provider, record.Fields[budget.CrmFieldFor(provider)!]));
    }
}
