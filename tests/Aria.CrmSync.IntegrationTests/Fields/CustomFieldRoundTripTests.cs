using Aria.CrmSync.Fields;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Fields;

/// <summary>
/// Custom fields of every catalogue type through both gateways and emulators over HTTP: written with
/// <see cref="ICrmGateway.UpdateRecordsAsync"/> in the CRM's wire format (<see cref="CrmFieldValues.FormatCrm"/>), read back
/// with <see cref="ICrmGateway.GetRecordsAsync"/>, <see cref="ICrmGateway.GetRecordAsync"/> and
/// <see cref="ICrmGateway.GetChangesAsync"/>, parsed with <see cref="CrmFieldValues.ParseCrm"/> and compared with what was written.
/// </summary>
public sealed class CustomFieldRoundTripTests
{
    private static readonly CrmProvider Sf = CrmProvider.Salesforce;
    private static readonly CrmProvider Hs = CrmProvider.HubSpot;

    /// <summary>One custom field of each type: its catalogue definition (both CRMs), the emulators' fields, and a value.</summary>
    internal sealed record Sample(CrmFieldDefinition Field, SalesforceCustomField SalesforceField, HubSpotCustomProperty HubSpotProperty, CrmFieldValue Value, CrmFieldValue Other);

    internal static readonly Sample[] Samples =
    [
        Make("note", CrmFieldType.Text, "Note__c", "note", new("Note__c", "string") { Length = 80 }, new("note"),
            CrmFieldValue.FromText(CrmFieldType.Text, "Grüße, O'Brien; \"quoted\" \\ back,slash %27 ' OR 1=1 --"), CrmFieldValue.FromText(CrmFieldType.Text, "second")),
        Make("story", CrmFieldType.LongText, "Story__c", "story", new("Story__c", "textarea"), new("story") { FieldType = "textarea" },
            CrmFieldValue.FromText(CrmFieldType.LongText, "line one\nline two\n\ttabbed: émoji 🚀"), CrmFieldValue.FromText(CrmFieldType.LongText, "short")),
        Make("seats", CrmFieldType.Integer, "Seats__c", "seats", new("Seats__c", "int"), new("seats", HubSpotPropertyType.Number),
            CrmFieldValue.FromNumber(CrmFieldType.Integer, 42), CrmFieldValue.FromNumber(CrmFieldType.Integer, -7)),
        Make("score", CrmFieldType.Decimal, "Score__c", "score", new("Score__c", "double") { Precision = 10, Scale = 2 }, new("score", HubSpotPropertyType.Number),
            CrmFieldValue.FromNumber(CrmFieldType.Decimal, 1234.5m), CrmFieldValue.FromNumber(CrmFieldType.Decimal, 0.25m)),
        Make("budget", CrmFieldType.Currency, "Budget__c", "budget", new("Budget__c", "currency") { Precision = 16, Scale = 2 }, new("budget", HubSpotPropertyType.Number),
            CrmFieldValue.FromNumber(CrmFieldType.Currency, 99999.99m), CrmFieldValue.FromNumber(CrmFieldType.Currency, 10m)),
        Make("discount", CrmFieldType.Percent, "Discount__c", "discount", new("Discount__c", "percent") { Precision = 5, Scale = 2 }, new("discount", HubSpotPropertyType.Number),
            CrmFieldValue.FromNumber(CrmFieldType.Percent, 12.5m), CrmFieldValue.FromNumber(CrmFieldType.Percent, 100m)),
        Make("renewal", CrmFieldType.Date, "Renewal__c", "renewal", new("Renewal__c", "date"), new("renewal", HubSpotPropertyType.Date),
            CrmFieldValue.FromDate(new DateOnly(2026, 5, 1)), CrmFieldValue.FromDate(new DateOnly(1999, 12, 31))),
        Make("signed_at", CrmFieldType.DateTime, "Signed_At__c", "signed_at", new("Signed_At__c", "datetime"), new("signed_at", HubSpotPropertyType.DateTime),
            CrmFieldValue.FromDateTime(new DateTimeOffset(2026, 5, 1, 10, 11, 12, 345, TimeSpan.Zero)), CrmFieldValue.FromDateTime(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)))),
        Make("strategic", CrmFieldType.Boolean, "Strategic__c", "strategic", new("Strategic__c", "boolean"), new("strategic", HubSpotPropertyType.Bool),
            CrmFieldValue.FromBoolean(true), CrmFieldValue.FromBoolean(false)),
        Make("region", CrmFieldType.Picklist, "Region__c", "region", new("Region__c", "picklist") { PicklistValues = ["EMEA", "Americas"], RestrictedPicklist = true },
            new("region", HubSpotPropertyType.Enumeration) { FieldType = "select", Options = ["EMEA", "Americas"] },
            CrmFieldValue.FromText(CrmFieldType.Picklist, "EMEA"), CrmFieldValue.FromText(CrmFieldType.Picklist, "Americas")),
        Make("channels", CrmFieldType.MultiPicklist, "Channels__c", "channels", new("Channels__c", "multipicklist") { PicklistValues = ["Web", "Phone", "Mail"], RestrictedPicklist = true },
            new("channels", HubSpotPropertyType.Enumeration) { FieldType = "checkbox", Options = ["Web", "Phone", "Mail"] },
            CrmFieldValue.FromValues(["Web", "Phone"]), CrmFieldValue.FromValues(["Mail"])),
    ];

    public static TheoryData<CrmProvider> Providers => [Sf, Hs];

    private static Sample Make(string lead, CrmFieldType type, string sf, string hs, SalesforceCustomField sfField, HubSpotCustomProperty hsProperty, CrmFieldValue value, CrmFieldValue other)
        => new(new CrmFieldDefinition { LeadField = lead, Type = type, CrmFields = new Dictionary<CrmProvider, string> { [Sf] = sf, [Hs] = hs } }, sfField, hsProperty, value, other);

    public static TheoryData<CrmProvider, GatewayTransport> ProvidersAndTransports => new()
    {
        { Sf, GatewayTransport.Direct },
        { Hs, GatewayTransport.Direct },
        { Sf, GatewayTransport.Composio },
        { Hs, GatewayTransport.Composio },
    };

    [Theory]
    [MemberData(nameof(ProvidersAndTransports))]
    public async Task EveryType_WrittenInOneBatch_ReadsBackEqual_ThroughEveryRead(CrmProvider provider, GatewayTransport transport)
    {
        await using var crm = await CustomFieldCrm.StartAsync(provider, transport: transport);
        var ids = crm.Seed(3);

        // Each record gets the values in turn, so every read returns different values per record.
        var updates = ids.Select((id, i) => new CrmRecordUpdate
        {
            CrmId = id,
            Fields = Samples.ToDictionary(s => s.Field.CrmFieldFor(provider)!, s => CrmFieldValues.FormatCrm(s.Field, provider, i % 2 == 0 ? s.Value : s.Other)),
        }).ToList();
        var results = await crm.Gateway.UpdateRecordsAsync(crm.Connection, updates);
        Assert.All(results, r => Assert.True(r.Success, $"{r.CrmId}: {r.ErrorCode} {r.ErrorMessage}"));

        var byId = (await crm.Gateway.GetRecordsAsync(crm.Connection, ids)).ToDictionary(r => r.CrmId);
        var changes = new Dictionary<string, CrmRecord>();
        await foreach (var page in crm.Gateway.GetChangesAsync(crm.Connection, null))
        {
            foreach (var record in page.Records)
            {
                changes[record.CrmId] = record;
            }
        }

        for (var i = 0; i < ids.Count; i++)
        {
            var single = await crm.Gateway.GetRecordAsync(crm.Connection, ids[i]);
            foreach (var read in new[] { byId[ids[i]], changes[ids[i]], single! })
            {
                foreach (var sample in Samples)
                {
                    var name = sample.Field.CrmFieldFor(provider)!;
                    Assert.True(read.Fields.ContainsKey(name), $"{name} missing from a read of {ids[i]}");
                    Assert.Equal(i % 2 == 0 ? sample.Value : sample.Other, CrmFieldValues.ParseCrm(sample.Field, provider, read.Fields[name]));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task EveryType_SetOnCreate_ReadsBackEqual(CrmProvider provider)
    {
        await using var crm = await CustomFieldCrm.StartAsync(provider);
        var creator = Assert.IsAssignableFrom<ICrmRecordCreator>(crm.Gateway);
        var fields = Samples.ToDictionary(s => s.Field.CrmFieldFor(provider)!, s => CrmFieldValues.FormatCrm(s.Field, provider, s.Value));
        fields[CrmFields.Name] = "Created with custom fields";
        fields[CrmFields.Stage] = provider == Sf ? "Prospecting" : "appointmentscheduled";
        fields[CrmFields.CloseDate] = "2026-09-30";

        var created = await creator.CreateRecordAsync(crm.Connection, fields);

        Assert.All(Samples, s => Assert.Equal(s.Value, CrmFieldValues.ParseCrm(s.Field, provider, created.Fields[s.Field.CrmFieldFor(provider)!])));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task EveryType_Cleared_ReadsBackBlank(CrmProvider provider)
    {
        await using var crm = await CustomFieldCrm.StartAsync(provider);
        var id = crm.Seed(1)[0];
        var set = await crm.Gateway.UpdateRecordsAsync(crm.Connection, [new() { CrmId = id, Fields = Samples.ToDictionary(s => s.Field.CrmFieldFor(provider)!, s => CrmFieldValues.FormatCrm(s.Field, provider, s.Value)) }]);
        Assert.True(set[0].Success, set[0].ErrorMessage);

        // Boolean fields cannot be blank in Salesforce (a checkbox is false); everything else clears.
        var cleared = Samples.Where(s => !(provider == Sf && s.Field.Type == CrmFieldType.Boolean)).ToList();
        var clear = await crm.Gateway.UpdateRecordsAsync(crm.Connection, [new() { CrmId = id, Fields = cleared.ToDictionary(s => s.Field.CrmFieldFor(provider)!, s => CrmFieldValues.FormatCrm(s.Field, provider, CrmFieldValue.Blank(s.Field.Type))) }]);
        Assert.True(clear[0].Success, clear[0].ErrorMessage);

        var read = (await crm.Gateway.GetRecordsAsync(crm.Connection, [id])).Single();
        Assert.All(cleared, s => Assert.True(CrmFieldValues.ParseCrm(s.Field, provider, read.Fields[s.Field.CrmFieldFor(provider)!]).IsBlank, s.Field.LeadField));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task CustomFields_RideInTheSameCalls_AsTheDefaultFields(CrmProvider provider)
    {
        await using var crm = await CustomFieldCrm.StartAsync(provider);
        var ids = crm.Seed(5);
        var withFields = crm.Connection;
        var without = crm.Connection with { RecordFields = [] };

        async Task<long> CallsOf(CrmConnection connection, Func<CrmConnection, Task> read)
        {
            var before = crm.ApiCalls;
            await read(connection);
            return crm.ApiCalls - before;
        }

        async Task ReadAll(CrmConnection connection)
        {
            await crm.Gateway.GetRecordsAsync(connection, ids);
            await foreach (var _ in crm.Gateway.GetChangesAsync(connection, null))
            {
            }
        }

        await ReadAll(without); // warms the gateway's caches (HubSpot's pipelines)
        var calls = await CallsOf(without, ReadAll);
        Assert.Equal(calls, await CallsOf(withFields, ReadAll));
        Assert.True(calls >= 2);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task BadFieldName_IsRefusedBeforeAnyRequest(CrmProvider provider)
    {
        await using var crm = await CustomFieldCrm.StartAsync(provider);
        var id = crm.Seed(1)[0];
        string[] bad = provider == Sf
            ? ["Name FROM User WHERE Id != null --", "Region__c,Owner.Email", "Region__c\n", "a'b", "Bad__", "Score___c", "1Field__c", ""]
            : ["dealname&archived=true", "Region", "region name", "region\n", "../owners", "_region", ""];
        var before = crm.ApiCalls;
        foreach (var name in bad)
        {
            var connection = crm.Connection with { RecordFields = [name] };
            var read = await Assert.ThrowsAsync<CrmSyncFieldMappingException>(() => crm.Gateway.GetRecordsAsync(connection, [id]));
            Assert.Equal((CrmFieldIssueKind.InvalidName, name, connection.ConnectionKey), (read.Issues[0].Kind, read.Issues[0].CrmField, read.Issues[0].Connection));
            await Assert.ThrowsAsync<CrmSyncFieldMappingException>(() => crm.Gateway.GetRecordAsync(connection, id));
            await Assert.ThrowsAsync<CrmSyncFieldMappingException>(async () =>
            {
                await foreach (var _ in crm.Gateway.GetChangesAsync(connection, null))
                {
                }
            });
            await Assert.ThrowsAsync<CrmSyncFieldMappingException>(() => crm.Gateway.UpdateRecordsAsync(connection, [new() { CrmId = id, Fields = new Dictionary<string, string?> { [name] = "x" } }]));
        }

        Assert.Equal(before, crm.ApiCalls);
    }

    [Fact]
    public async Task Salesforce_TooManyFieldsForTheQueryUri_AreRefusedBeforeAnyRequest()
    {
        await using var crm = await CustomFieldCrm.StartAsync(Sf);
        var id = crm.Seed(1)[0];
        var before = crm.ApiCalls;
        string FieldName(int i) => $"Custom_Field_Number_{i:D4}_With_A_Long_Name__c"; // 44 characters
        var tooMany = crm.Connection with { RecordFields = [.. Enumerable.Range(0, 300).Select(FieldName)] };

        var refused = await Assert.ThrowsAsync<CrmSyncFieldMappingException>(async () =>
        {
            await foreach (var _ in crm.Gateway.GetChangesAsync(tooMany, null))
            {
            }
        });
        Assert.Equal(CrmFieldIssueKind.InvalidOption, refused.Issues[0].Kind);
        Assert.Contains("16,384", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CrmSyncFieldMappingException>(() => crm.Gateway.GetRecordAsync(tooMany, id));
        Assert.Equal(before, crm.ApiCalls);

        // 200 such names fit: the query goes out (and the org, which has none of them, refuses it).
        var fits = crm.Connection with { RecordFields = [.. Enumerable.Range(0, 200).Select(FieldName)] };
        await Assert.ThrowsAsync<Aria.CrmSync.Providers.Salesforce.SalesforceApiException>(async () =>
        {
            await foreach (var _ in crm.Gateway.GetChangesAsync(fits, null))
            {
            }
        });
        Assert.Equal(before + 1, crm.ApiCalls);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task FieldNotInRecordFields_IsRefusedBeforeAnyRequest(CrmProvider provider)
    {
        await using var crm = await CustomFieldCrm.StartAsync(provider);
        var id = crm.Seed(1)[0];
        var before = crm.ApiCalls;
        var connection = crm.Connection with { RecordFields = [Samples[0].Field.CrmFieldFor(provider)!] };

        await Assert.ThrowsAsync<CrmSyncValidationException>(() => crm.Gateway.UpdateRecordsAsync(connection, [new() { CrmId = id, Fields = new Dictionary<string, string?> { [Samples[1].Field.CrmFieldFor(provider)!] = "x" } }]));
        Assert.Equal(before, crm.ApiCalls);
    }
}
