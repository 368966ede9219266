using Aria.CrmSync.Fields;
using Aria.CrmSync.IntegrationTests.HubSpot.Gateway;
using Aria.CrmSync.IntegrationTests.Salesforce.Gateway;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.IntegrationTests.Fields;

/// <summary>Field metadata read by both gateways from the emulators over HTTP, and catalogues and values validated against it.</summary>
public sealed class CrmFieldMetadataTests
{
    private static readonly CrmProvider Sf = CrmProvider.Salesforce;
    private static readonly CrmProvider Hs = CrmProvider.HubSpot;

    private static void SalesforceFields(SalesforceEmulatorOptions o)
    {
        o.CustomFields.Add(new("Region__c", "picklist") { PicklistValues = ["EMEA", "Americas"], RestrictedPicklist = true, Length = 40 });
        o.CustomFields.Add(new("Channels__c", "multipicklist") { PicklistValues = ["Web", "Phone"], RestrictedPicklist = true });
        o.CustomFields.Add(new("Next_Step__c", "string") { Length = 20 });
        o.CustomFields.Add(new("Score__c", "double") { Precision = 6, Scale = 2 });
        o.CustomFields.Add(new("Renewal__c", "date"));
        o.CustomFields.Add(new("Legacy_Code__c", "string") { Updateable = false });
    }

    private static void HubSpotProperties(HubSpotEmulatorOptions o)
    {
        o.CustomProperties.Add(new("region", HubSpotPropertyType.Enumeration) { FieldType = "select", Options = ["emea", "amer"] });
        o.CustomProperties.Add(new("channels", HubSpotPropertyType.Enumeration) { FieldType = "checkbox", Options = ["web", "phone"] });
        o.CustomProperties.Add(new("score", HubSpotPropertyType.Number));
        o.CustomProperties.Add(new("internal_code", HubSpotPropertyType.String) { ReadOnly = true, Hidden = true });
        o.CustomProperties.Add(new("old_region", HubSpotPropertyType.String) { Archived = true });
    }

    private static CrmFieldDefinition Field(string lead, CrmFieldType type, string? sf, string? hs, params (CrmProvider Provider, CrmPicklistMap Map)[] maps)
    {
        var crm = new Dictionary<CrmProvider, string>();
        if (sf is not null)
        {
            crm[Sf] = sf;
        }

        if (hs is not null)
        {
            crm[Hs] = hs;
        }

        return new() { LeadField = lead, Type = type, CrmFields = crm, Picklists = maps.ToDictionary(m => m.Provider, m => m.Map) };
    }

    private static CrmFieldCatalog GoodCatalog() => CrmFieldCatalog.Create(
    [
        .. CrmDefaultFields.Create(),
        Field("region", CrmFieldType.Picklist, "Region__c", "region",
            (Sf, new([new("EMEA", "emea"), new("Americas", "americas")])),
            (Hs, new([new("emea", "emea"), new("amer", "americas")]))),
        Field("channels", CrmFieldType.MultiPicklist, "Channels__c", "channels",
            (Sf, new([new("Web", "web"), new("Phone", "phone")])),
            (Hs, CrmPicklistMap.Identity("web", "phone"))),
        Field("score", CrmFieldType.Decimal, "Score__c", "score") with { Precision = 6, Scale = 2 },
        Field("next_step", CrmFieldType.Text, "Next_Step__c", null) with { MaxLength = 20 },
        Field("renewal", CrmFieldType.Date, "Renewal__c", null),
    ]);

    [Fact]
    public async Task Salesforce_DescribeOverHttp_IsReadIntoTheNeutralModel()
    {
        await using var host = await SfGatewayHost.StartAsync(emulator: SalesforceFields);
        var source = Assert.IsAssignableFrom<ICrmFieldMetadataSource>(host.Gateway);

        var metadata = await source.GetDealFieldMetadataAsync(host.Connection);

        Assert.Equal((Sf, "Opportunity"), (metadata.Provider, metadata.ObjectName));
        var region = metadata.Fields["Region__c"];
        Assert.Equal((CrmFieldType.Picklist, "picklist", true, true, true), (region.Type!.Value, region.CrmType, region.RestrictedPicklist, region.Custom, region.Updateable));
        Assert.Equal(["EMEA", "Americas"], region.PicklistValues);
        Assert.Equal(40, region.Length);
        Assert.Equal(CrmFieldType.MultiPicklist, metadata.Fields["Channels__c"].Type);
        Assert.Equal((CrmFieldType.Decimal, 6, 2), (metadata.Fields["Score__c"].Type!.Value, metadata.Fields["Score__c"].Precision!.Value, metadata.Fields["Score__c"].Scale!.Value));
        Assert.False(metadata.Fields["Legacy_Code__c"].Updateable);
        Assert.Equal((CrmFieldType.Currency, 18, 2), (metadata.Fields["Amount"].Type!.Value, metadata.Fields["Amount"].Precision!.Value, metadata.Fields["Amount"].Scale!.Value));
        Assert.Null(metadata.Fields["Id"].Type);
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.Describe));
    }

    [Fact]
    public async Task HubSpot_PropertiesOverHttp_AreReadIntoTheNeutralModel_WithArchivedOnes()
    {
        await using var host = await HubSpotGatewayHost.StartAsync(emulatorOptions: HubSpotProperties);
        var source = Assert.IsAssignableFrom<ICrmFieldMetadataSource>(host.CrmGateway);

        var metadata = await source.GetDealFieldMetadataAsync(host.Connection);

        Assert.Equal((Hs, "deals"), (metadata.Provider, metadata.ObjectName));
        Assert.Equal((CrmFieldType.Picklist, true), (metadata.Fields["region"].Type!.Value, metadata.Fields["region"].RestrictedPicklist));
        Assert.Equal(["emea", "amer"], metadata.Fields["region"].PicklistValues);
        Assert.Equal((CrmFieldType.MultiPicklist, "checkbox"), (metadata.Fields["channels"].Type!.Value, metadata.Fields["channels"].FieldType));
        Assert.Equal(CrmFieldType.Decimal, metadata.Fields["score"].Type);
        Assert.Equal((false, true), (metadata.Fields["internal_code"].Updateable, metadata.Fields["internal_code"].Hidden));
        Assert.True(metadata.Fields["old_region"].Archived);
        Assert.Equal(CrmFieldType.DateTime, metadata.Fields["closedate"].Type);
        Assert.False(metadata.Fields["amount"].Custom);
    }

    [Fact]
    public async Task GoodCatalogue_FitsBothCrms()
    {
        await using var sf = await SfGatewayHost.StartAsync(emulator: SalesforceFields);
        await using var hs = await HubSpotGatewayHost.StartAsync(emulatorOptions: HubSpotProperties);
        var catalog = GoodCatalog();

        var sfMetadata = await ((ICrmFieldMetadataSource)sf.Gateway).GetDealFieldMetadataAsync(sf.Connection);
        var hsMetadata = await ((ICrmFieldMetadataSource)hs.CrmGateway).GetDealFieldMetadataAsync(hs.Connection);

        Assert.Empty(CrmFieldMetadataValidator.Validate(catalog, sf.Connection, sfMetadata));
        Assert.Empty(CrmFieldMetadataValidator.Validate(catalog, hs.Connection, hsMetadata));
        Assert.Empty(CrmFieldMetadataValidator.Validate(CrmFieldCatalog.Create(CrmDefaultFields.Create()), sf.Connection, sfMetadata));
    }

    [Fact]
    public async Task Salesforce_EveryMetadataProblem_IsReportedNamingConnectionAndField()
    {
        await using var host = await SfGatewayHost.StartAsync(emulator: SalesforceFields);
        var metadata = await ((ICrmFieldMetadataSource)host.Gateway).GetDealFieldMetadataAsync(host.Connection);
        CrmFieldDefinition[] fields =
        [
            Field("missing", CrmFieldType.Text, "Missing__c", null),
            Field("legacy", CrmFieldType.Text, "Legacy_Code__c", null),
            Field("legacy_read", CrmFieldType.Text, "Legacy_Code__c", null) with { Direction = SyncDirection.Pull },
            Field("score_as_date", CrmFieldType.Date, "Score__c", null),
            Field("long_step", CrmFieldType.Text, "Next_Step__c", null) with { MaxLength = 50 },
            Field("big_score", CrmFieldType.Decimal, "Score__c", null) with { Precision = 8, Scale = 2 },
            Field("fine_score", CrmFieldType.Decimal, "Score__c", null) with { Precision = 6, Scale = 4 },
            Field("region", CrmFieldType.Picklist, "Region__c", null, (Sf, new([new("EMEA", "emea"), new("APAC", "apac")]))),
        ];

        // Fields writing one CRM field cannot share a catalogue: each is checked in its own.
        var issues = fields.SelectMany(f => CrmFieldMetadataValidator.Validate(CrmFieldCatalog.Create([f]), host.Connection, metadata)).ToList();
        var catalog = CrmFieldCatalog.Create(fields.Take(4));

        Assert.Equal(
            [
                ("missing", CrmFieldIssueKind.NotFound),
                ("legacy", CrmFieldIssueKind.NotUpdateable),
                ("score_as_date", CrmFieldIssueKind.TypeMismatch),
                ("long_step", CrmFieldIssueKind.LengthExceeded),
                ("big_score", CrmFieldIssueKind.PrecisionExceeded),
                ("fine_score", CrmFieldIssueKind.PrecisionExceeded),
                ("region", CrmFieldIssueKind.PicklistValueMissing),
                ("region", CrmFieldIssueKind.PicklistValueUnmapped),
            ],
            issues.Select(i => (i.Field, i.Kind)));
        Assert.All(issues, i => Assert.Equal((host.Connection.ConnectionKey, (CrmProvider?)Sf), (i.Connection, i.Provider)));
        Assert.Contains("'APAC'", issues[6].Message, StringComparison.Ordinal);
        Assert.Contains("'Americas'", issues[7].Message, StringComparison.Ordinal);

        var error = Assert.Throws<CrmSyncFieldMappingException>(() => CrmFieldMetadataValidator.ThrowIfInvalid(catalog, host.Connection, metadata));
        Assert.Equal(host.Connection.ConnectionKey, error.Connection);
        Assert.Equal(host.Connection.ConnectionKey, error.Details["connection"]);
        Assert.Equal("not_found", error.Details["problem"]);
        Assert.StartsWith($"CRM sync error: invalid field mapping: connection '{host.Connection.ConnectionKey}', field 'missing' (salesforce Missing__c): Opportunity has no field 'Missing__c'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HubSpot_HiddenArchivedReadOnlyAndOptions_AreReported()
    {
        await using var host = await HubSpotGatewayHost.StartAsync(emulatorOptions: HubSpotProperties);
        var metadata = await ((ICrmFieldMetadataSource)host.CrmGateway).GetDealFieldMetadataAsync(host.Connection);
        var catalog = CrmFieldCatalog.Create(
        [
            Field("code", CrmFieldType.Text, null, "internal_code"),
            Field("old", CrmFieldType.Text, null, "old_region"),
            Field("channels", CrmFieldType.Picklist, null, "channels", (Hs, CrmPicklistMap.Identity("web", "phone"))),
            Field("region", CrmFieldType.Picklist, null, "region", (Hs, CrmPicklistMap.Identity("emea", "apac", "amer"))),
        ]);

        var issues = CrmFieldMetadataValidator.Validate(catalog, host.Connection, metadata);

        Assert.Equal(
            [
                ("code", CrmFieldIssueKind.Hidden),
                ("code", CrmFieldIssueKind.NotUpdateable),
                ("old", CrmFieldIssueKind.Archived),
                ("channels", CrmFieldIssueKind.TypeMismatch),
                ("region", CrmFieldIssueKind.PicklistValueMissing),
            ],
            issues.Select(i => (i.Field, i.Kind)));
    }

    [Fact]
    public async Task ValueCheck_RefusesWhatTheCrmWouldRefuse_AndTheEmulatorAgrees()
    {
        await using var host = await SfGatewayHost.StartAsync(emulator: SalesforceFields);
        var metadata = await ((ICrmFieldMetadataSource)host.Gateway).GetDealFieldMetadataAsync(host.Connection);
        var catalog = GoodCatalog();
        catalog.TryGet("score", out var score);
        catalog.TryGet("next_step", out var step);
        catalog.TryGet("channels", out var channels);
        var id = host.Seed(1)[0];

        Assert.Null(CrmFieldMetadataValidator.ValueProblem(score!, metadata.Fields["Score__c"], CrmFieldValue.FromNumber(CrmFieldType.Decimal, 9999.99m)));
        Assert.Contains("5 digits before the point; the CRM field holds 4", CrmFieldMetadataValidator.ValueProblem(score!, metadata.Fields["Score__c"], CrmFieldValue.FromNumber(CrmFieldType.Decimal, 10000m)), StringComparison.Ordinal);
        Assert.Contains("would round", CrmFieldMetadataValidator.ValueProblem(score!, metadata.Fields["Score__c"], CrmFieldValue.FromNumber(CrmFieldType.Decimal, 1.234m)), StringComparison.Ordinal);
        Assert.Contains("21 characters; the CRM field holds 20", CrmFieldMetadataValidator.ValueProblem(step!, metadata.Fields["Next_Step__c"], CrmFieldValue.FromText(CrmFieldType.Text, new string('x', 21))), StringComparison.Ordinal);
        var error = Assert.Throws<CrmSyncFieldValueException>(() => CrmFieldMetadataValidator.CheckValue(channels!, Sf, metadata.Fields["Channels__c"], CrmFieldValue.FromValues(["Web", "Fax"])));
        Assert.Equal(("channels", "Channels__c"), (error.Field, error.CrmField));
        Assert.Contains("'Fax' is not a value of the CRM's restricted picklist", error.Problem, StringComparison.Ordinal);

        // What the check refuses, the org refuses too; what it lets through, the org stores.
        Assert.Throws<InvalidOperationException>(() => host.Org.Update("Opportunity", id, new Dictionary<string, object?> { ["Score__c"] = 10000m }));
        Assert.Throws<InvalidOperationException>(() => host.Org.Update("Opportunity", id, new Dictionary<string, object?> { ["Next_Step__c"] = new string('x', 21) }));
        Assert.Throws<InvalidOperationException>(() => host.Org.Update("Opportunity", id, new Dictionary<string, object?> { ["Channels__c"] = "Web;Fax" }));
        host.Org.Update("Opportunity", id, new Dictionary<string, object?> { ["Score__c"] = 9999.99m, ["Channels__c"] = "Web;Phone" });
        Assert.Equal(9999.99m, host.Org.Get("Opportunity", id)!["Score__c"]);
    }

    [Fact]
    public async Task Cache_KeepsMetadataForItsTtl_AndReadsAgainAfterInvalidate()
    {
        await using var host = await SfGatewayHost.StartAsync(emulator: SalesforceFields);
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-02T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var cache = new CrmFieldMetadataCache(clock, TimeSpan.FromMinutes(10));
        var source = (ICrmFieldMetadataSource)host.Gateway;
        long Describes() => host.Emulator.Calls.Count(SalesforceEndpoints.Describe);

        var first = await cache.GetAsync(source, host.Connection);
        Assert.Same(first, await cache.GetAsync(source, host.Connection));
        Assert.Empty(await cache.ValidateAsync(source, GoodCatalog(), host.Connection));
        Assert.Equal(1, Describes());

        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.NotSame(first, await cache.GetAsync(source, host.Connection));
        Assert.Equal(2, Describes());

        // A field added in the CRM is seen after a metadata error invalidates the cache.
        host.Org.DefineCustomField(new SalesforceCustomField("Tier__c", "picklist") { PicklistValues = ["Gold"] });
        var refusal = new CrmRequestException(Sf, "salesforce.collections.update", 400, "INVALID_FIELD", "No such column 'Tier__c'");
        Assert.True(CrmFieldMetadataCache.IsMetadataError(refusal));
        Assert.False(CrmFieldMetadataCache.IsMetadataError(new CrmRequestException(Sf, "salesforce.query", 403, "REQUEST_LIMIT_EXCEEDED", "limit")));
        Assert.False((await cache.GetAsync(source, host.Connection)).Fields.ContainsKey("Tier__c"));
        cache.Invalidate(host.Connection);
        Assert.True((await cache.GetAsync(source, host.Connection)).Fields.ContainsKey("Tier__c"));
        Assert.Equal(3, Describes());
    }

    [Fact]
    public void PublicEntryPoints_ValidateArguments()
    {
        var connection = new CrmConnection { UserId = "u", Provider = Sf };
        var metadata = new CrmObjectMetadata(Hs, "deals", new Dictionary<string, CrmFieldMetadata>(), DateTimeOffset.UnixEpoch);
        Assert.Equal("catalog", Assert.Throws<ArgumentNullException>(() => CrmFieldMetadataValidator.Validate(null!, connection, metadata)).ParamName);
        Assert.Equal("metadata", Assert.Throws<ArgumentException>(() => CrmFieldMetadataValidator.Validate(GoodCatalog(), connection, metadata)).ParamName);
        Assert.Equal("timeToLive", Assert.Throws<ArgumentOutOfRangeException>(() => new CrmFieldMetadataCache(TimeProvider.System, TimeSpan.FromSeconds(-1))).ParamName);
        Assert.Equal("connection", Assert.Throws<ArgumentNullException>(() => new CrmFieldMetadataCache(TimeProvider.System, TimeSpan.Zero).Invalidate(null!)).ParamName);
    }
}
