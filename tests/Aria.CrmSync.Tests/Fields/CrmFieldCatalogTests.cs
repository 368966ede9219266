using System.Text;
using Aria.CrmSync.Fields;
using Aria.CrmSync.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aria.CrmSync.Tests.Fields;

public class CrmFieldCatalogTests
{
    private static readonly CrmConnection Connection = new() { UserId = "u1", Provider = CrmProvider.Salesforce };

    private static CrmFieldDefinition Region(CrmFieldType type = CrmFieldType.Picklist) => new()
    {
        LeadField = "region",
        Type = type,
        CrmFields = new Dictionary<CrmProvider, string> { [CrmProvider.Salesforce] = "Region__c", [CrmProvider.HubSpot] = "region" },
        Picklists = new Dictionary<CrmProvider, CrmPicklistMap>
        {
            [CrmProvider.Salesforce] = new([new("EMEA", "emea"), new("Americas", "americas"), new("North America", "americas", Writes: false)]),
            [CrmProvider.HubSpot] = new([new("emea", "emea"), new("amer", "americas")]),
        },
    };

    private static CrmFieldMappingIssues Issues(params CrmFieldDefinition[] fields)
    {
        var error = Assert.Throws<CrmSyncFieldMappingException>(() => CrmFieldCatalog.Create(fields));
        Assert.Equal(CrmSyncFieldMappingException.ErrorCode, error.Code);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal(error.Issues[0].Field, error.Details["field"]);
        return new(error);
    }

    [Fact]
    public void Default_IsTheFourSeedFieldsWithTodaysCrmFieldsAndStageMaps()
    {
        var catalog = CrmFieldCatalog.Create(CrmDefaultFields.Create());

        Assert.Equal(LeadFields.Synced, catalog.Fields.Select(f => f.LeadField));
        Assert.All(catalog.Fields, f => Assert.Equal(SyncDirection.Bidirectional, f.Direction));
        Assert.All(catalog.Fields, f => Assert.Equal(CrmFieldConflictRule.CrmWins, f.ConflictRule));
        Assert.True(catalog.TryGet(LeadFields.ExpectedValue, out var amount));
        Assert.Equal(CrmFieldType.Currency, amount.Type);
        Assert.Equal("Amount", amount.CrmFieldFor(CrmProvider.Salesforce));
        Assert.Equal("amount", amount.CrmFieldFor(CrmProvider.HubSpot));
        Assert.True(catalog.TryGet(LeadFields.ExpectedCloseDate, out var close));
        Assert.Equal(("CloseDate", "closedate"), (close.CrmFieldFor(CrmProvider.Salesforce), close.CrmFieldFor(CrmProvider.HubSpot)));

        Assert.True(catalog.TryGet(LeadFields.LifecycleStage, out var lifecycle));
        var sf = lifecycle.PicklistFor(CrmProvider.Salesforce)!;
        var stageMap = CrmStageMap.SalesforceDefault();
        foreach (var (stage, lead) in stageMap.ToLeadStage)
        {
            Assert.True(sf.TryMapToLead(stage, out var mapped));
            Assert.Equal(lead, mapped);
        }

        Assert.Equal(stageMap.ToCrmStage.OrderBy(p => p.Key), sf.ToCrm.OrderBy(p => p.Key));
        Assert.True(catalog.TryGet(LeadFields.Status, out var status));
        var hs = status.PicklistFor(CrmProvider.HubSpot)!;
        Assert.True(hs.TryMapToLead("closedwon", out var won));
        Assert.Equal(LeadStatuses.Won, won);
        Assert.True(hs.TryMapToLead("qualifiedtobuy", out var active));
        Assert.Equal(LeadStatuses.Active, active);
        Assert.True(hs.TryMapToCrm(LeadStatuses.Lost, out var lost));
        Assert.Equal("closedlost", lost);
        Assert.False(hs.TryMapToCrm(LeadStatuses.Active, out _));
        Assert.Equal("dealstage", status.CrmFieldFor(CrmProvider.HubSpot));
    }

    [Fact]
    public void Create_PicklistWithMaps_MapsBothWaysInCanonicalText()
    {
        var catalog = CrmFieldCatalog.Create([Region()]);
        var map = catalog.Fields[0].PicklistFor(CrmProvider.Salesforce)!;

        Assert.True(map.TryMapToLead(" North America ", out var lead));
        Assert.Equal("americas", lead);
        Assert.True(map.TryMapToCrm("americas", out var crm));
        Assert.Equal("Americas", crm);
        Assert.False(map.TryMapToLead("APAC", out _));
        Assert.Equal([CrmProvider.Salesforce, CrmProvider.HubSpot], catalog.Fields[0].CrmFields.Keys);
        Assert.Single(catalog.For(CrmProvider.HubSpot));
        Assert.Empty(catalog.For(new CrmProvider("pipedrive")));
    }

    [Fact]
    public void Create_DuplicateLeadField_NamesTheField()
    {
        var issues = Issues(Region(), Region());
        var issue = Assert.Single(issues.All, i => i.Kind == CrmFieldIssueKind.DuplicateField);
        Assert.Equal("region", issue.Field);
    }

    [Fact]
    public void Create_PicklistWithoutMap_NamesFieldAndCrm()
    {
        var field = Region() with { Picklists = new Dictionary<CrmProvider, CrmPicklistMap> { [CrmProvider.Salesforce] = CrmPicklistMap.Identity("EMEA") } };
        var issue = Assert.Single(Issues(field).All);
        Assert.Equal(CrmFieldIssueKind.PicklistMap, issue.Kind);
        Assert.Equal(CrmProvider.HubSpot, issue.Provider);
        Assert.Contains("'region'", issue.Message);
    }

    [Fact]
    public void Create_MapThatIsNotAFunction_EachWay()
    {
        var toLeadTwice = Region() with
        {
            Picklists = new Dictionary<CrmProvider, CrmPicklistMap>
            {
                [CrmProvider.Salesforce] = new([new("EMEA", "emea"), new("EMEA ", "europe", Writes: false)]),
                [CrmProvider.HubSpot] = CrmPicklistMap.Identity("emea"),
            },
        };
        var readIssue = Assert.Single(Issues(toLeadTwice).All);
        Assert.Equal(CrmFieldIssueKind.MapNotAFunction, readIssue.Kind);
        Assert.Contains("'EMEA' maps to both 'emea' and 'europe'", readIssue.Message);

        var writtenTwice = Region() with
        {
            Picklists = new Dictionary<CrmProvider, CrmPicklistMap>
            {
                [CrmProvider.Salesforce] = new([new("EMEA", "emea"), new("Europe", "emea")]),
                [CrmProvider.HubSpot] = CrmPicklistMap.Identity("emea"),
            },
        };
        var writeIssue = Assert.Single(Issues(writtenTwice).All);
        Assert.Equal(CrmFieldIssueKind.MapNotAFunction, writeIssue.Kind);
        Assert.Equal(CrmProvider.Salesforce, writeIssue.Provider);
    }

    [Fact]
    public void Create_NfcEquivalentCrmValues_AreOneValue()
    {
        var composed = "Caf\u00e9";
        var decomposed = "Cafe\u0301";
        var field = Region() with
        {
            Picklists = new Dictionary<CrmProvider, CrmPicklistMap>
            {
                [CrmProvider.Salesforce] = new([new(composed, "cafe"), new(decomposed, "other", Writes: false)]),
                [CrmProvider.HubSpot] = CrmPicklistMap.Identity("cafe"),
            },
        };
        Assert.Equal(CrmFieldIssueKind.MapNotAFunction, Assert.Single(Issues(field).All).Kind);
        Assert.True(CrmPicklistMap.Identity(composed).TryMapToLead(decomposed, out var lead));
        Assert.Equal(composed, lead);
    }

    [Fact]
    public void Create_MultiSelectValueWithSeparator_IsInvalid()
    {
        var field = Region(CrmFieldType.MultiPicklist) with
        {
            Picklists = new Dictionary<CrmProvider, CrmPicklistMap>
            {
                [CrmProvider.Salesforce] = CrmPicklistMap.Identity("a;b"),
                [CrmProvider.HubSpot] = CrmPicklistMap.Identity("a"),
            },
        };
        var issue = Assert.Single(Issues(field).All);
        Assert.Equal(CrmFieldIssueKind.InvalidValue, issue.Kind);
        Assert.Contains("';'", issue.Message);
    }

    [Theory]
    [InlineData("Region")]
    [InlineData("1region")]
    [InlineData("")]
    [InlineData("notes")]
    public void Create_BadLeadFieldName_IsInvalidName(string name)
    {
        var issue = Assert.Single(Issues(Region() with { LeadField = name }).All);
        Assert.Equal(CrmFieldIssueKind.InvalidName, issue.Kind);
        Assert.Equal(name, issue.Field);
    }

    [Fact]
    public void Create_NoCrmFieldOrBadCrmFieldName_NamesIt()
    {
        var none = new CrmFieldDefinition { LeadField = "score", Type = CrmFieldType.Integer };
        Assert.Equal(CrmFieldIssueKind.MissingCrmField, Assert.Single(Issues(none).All).Kind);

        var spaced = none with { CrmFields = new Dictionary<CrmProvider, string> { [CrmProvider.Salesforce] = "Score c" } };
        var issue = Assert.Single(Issues(spaced).All);
        Assert.Equal((CrmFieldIssueKind.InvalidName, "Score c"), (issue.Kind, issue.CrmField));
    }

    [Fact]
    public void Create_TwoFieldsWritingOneCrmField_IsDuplicateUnlessDisjointPicklists()
    {
        var a = new CrmFieldDefinition { LeadField = "a", Type = CrmFieldType.Text, CrmFields = new Dictionary<CrmProvider, string> { [CrmProvider.HubSpot] = "x" } };
        var issue = Assert.Single(Issues(a, a with { LeadField = "b" }).All);
        Assert.Equal((CrmFieldIssueKind.DuplicateCrmField, "b", "x"), (issue.Kind, issue.Field, issue.CrmField));

        var p = a with { Type = CrmFieldType.Picklist, Picklists = new Dictionary<CrmProvider, CrmPicklistMap> { [CrmProvider.HubSpot] = CrmPicklistMap.Identity("1", "2") } };
        Assert.Equal(CrmFieldIssueKind.DuplicateCrmField, Assert.Single(Issues(p, p with { LeadField = "b" }).All).Kind);
        var q = p with { LeadField = "b", Picklists = new Dictionary<CrmProvider, CrmPicklistMap> { [CrmProvider.HubSpot] = CrmPicklistMap.Identity("3") } };
        Assert.Equal(2, CrmFieldCatalog.Create([p, q]).Fields.Count);
        Assert.Equal(2, CrmFieldCatalog.Create([a, a with { LeadField = "b", Direction = SyncDirection.Pull }]).Fields.Count); // a reader competes with nobody
    }

    [Theory]
    [InlineData(CrmFieldType.Text, 0, null, null)]
    [InlineData(CrmFieldType.Text, 131_073, null, null)]
    [InlineData(CrmFieldType.Date, 10, null, null)]
    [InlineData(CrmFieldType.Decimal, null, 19, null)]
    [InlineData(CrmFieldType.Decimal, null, 5, 6)]
    [InlineData(CrmFieldType.Integer, null, 10, 2)]
    [InlineData(CrmFieldType.Boolean, null, 1, null)]
    public void Create_LengthPrecisionScaleOutOfRange_IsInvalidOption(CrmFieldType type, int? length, int? precision, int? scale)
    {
        var field = new CrmFieldDefinition
        {
            LeadField = "f",
            Type = type,
            CrmFields = new Dictionary<CrmProvider, string> { [CrmProvider.Salesforce] = "F__c" },
            MaxLength = length,
            Precision = precision,
            Scale = scale,
        };
        var issue = Assert.Single(Issues(field).All);
        Assert.Equal((CrmFieldIssueKind.InvalidOption, "f"), (issue.Kind, issue.Field));
    }

    [Fact]
    public void Create_ManyProblems_ReportsEveryOne()
    {
        var bad = new CrmFieldDefinition { LeadField = "Bad", Type = CrmFieldType.Boolean, MaxLength = 3 };
        var issues = Issues(bad, Region(), Region());
        Assert.Equal(
            [CrmFieldIssueKind.InvalidName, CrmFieldIssueKind.InvalidOption, CrmFieldIssueKind.MissingCrmField, CrmFieldIssueKind.DuplicateField, CrmFieldIssueKind.DuplicateCrmField, CrmFieldIssueKind.DuplicateCrmField],
            issues.All.Select(i => i.Kind));
        Assert.Equal(6, issues.Error.Details["issues"]);
        Assert.Equal("invalid_name", issues.Error.Details["problem"]);
    }

    [Fact]
    public void WireValues_AreSnakeCase()
    {
        Assert.Equal(
            ["text", "long_text", "integer", "decimal", "currency", "percent", "date", "datetime", "boolean", "picklist", "multi_picklist"],
            WireValue.All<CrmFieldType>());
        Assert.Equal(["crm_wins", "aria_wins", "manual", "crm_wins_unless_blank", "aria_wins_unless_blank"], WireValue.All<CrmFieldConflictRule>());
    }

    [Fact]
    public async Task Options_BoundFromJson_BuildTheCatalogue()
    {
        const string json = """
        {
          "FieldCatalog": {
            "Fields": [
              {
                "LeadField": "region", "Type": "picklist", "ConflictRule": "aria_wins_unless_blank",
                "Crm": { "salesforce": "Region__c", "HubSpot": "region" },
                "Picklist": {
                  "salesforce": [ { "Crm": "EMEA", "Lead": "emea" }, { "Crm": "Europe", "Lead": "emea", "Write": false } ],
                  "hubspot": [ { "Crm": "emea", "Lead": "emea" } ]
                }
              },
              { "LeadField": "employees", "Type": "integer", "Direction": "pull", "Precision": 9, "Crm": { "salesforce": "NumberOfEmployees__c" } }
            ]
          }
        }
        """;
        var provider = Services(json).BuildServiceProvider();

        var catalog = await provider.GetRequiredService<ICrmFieldCatalogResolver>().ResolveAsync(Connection);

        Assert.Equal([.. LeadFields.Synced, "region", "employees"], catalog.Fields.Select(f => f.LeadField));
        Assert.True(catalog.TryGet("region", out var region));
        Assert.Equal(CrmFieldConflictRule.AriaWinsUnlessBlank, region.ConflictRule);
        Assert.Equal("region", region.CrmFieldFor(CrmProvider.HubSpot));
        Assert.True(region.PicklistFor(CrmProvider.Salesforce)!.TryMapToLead("Europe", out var lead));
        Assert.Equal("emea", lead);
        Assert.True(catalog.TryGet("employees", out var employees));
        Assert.Equal((CrmFieldType.Integer, SyncDirection.Pull, 9), (employees.Type, employees.Direction, employees.Precision));
        Assert.Same(catalog, await provider.GetRequiredService<ICrmFieldCatalogResolver>().ResolveAsync(Connection));
    }

    [Fact]
    public async Task Options_BadWireValues_FailStartupNamingTheField()
    {
        const string json = """
        { "FieldCatalog": { "IncludeDefaultFields": false, "Fields": [
          { "LeadField": "region", "Type": "dropdown", "Crm": { "salesforce": "Region__c" } },
          { "LeadField": "score", "Type": "integer", "ConflictRule": "newest_wins", "Crm": { "SAP!": "x" } } ] } }
        """;
        var provider = Services(json).BuildServiceProvider();

        var check = provider.GetServices<IHostedService>().Single(s => s.GetType().Name == "CrmFieldCatalogStartupCheck");
        var error = await Assert.ThrowsAsync<CrmSyncFieldMappingException>(() => check.StartAsync(CancellationToken.None));
        Assert.Equal(["region", "score", "score"], error.Issues.Select(i => i.Field));
        Assert.Contains("field 'region': the type 'dropdown' is not one of text, long_text", error.Issues[0].Message, StringComparison.Ordinal);
        Assert.Contains("field 'score': the conflict rule 'newest_wins'", error.Issues[1].Message, StringComparison.Ordinal);
        Assert.Contains("field 'score': 'SAP!' is not a CRM wire value", error.Issues[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolver_InvalidCodeDefinition_ThrowsTypedError()
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().AddFieldCatalog(o => o.Definitions.Add(Region() with { LeadField = LeadFields.Status }));
        var resolver = services.BuildServiceProvider().GetRequiredService<ICrmFieldCatalogResolver>();

        var error = await Assert.ThrowsAsync<CrmSyncFieldMappingException>(() => resolver.ResolveAsync(Connection).AsTask());
        Assert.Contains(error.Issues, i => i.Kind == CrmFieldIssueKind.DuplicateField && i.Field == LeadFields.Status);
    }

    [Fact]
    public async Task Default_FollowsConfiguredStageMaps()
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync(o =>
        {
            var map = CrmStageMap.HubSpotDefault();
            map.ToLeadStage["custom_stage"] = LifecycleStages.Opportunity;
            o.StageMaps[CrmProvider.HubSpot] = map;
        }).UseInMemoryStores().UseInMemoryConnections().AddFieldCatalog();
        var catalog = await services.BuildServiceProvider().GetRequiredService<ICrmFieldCatalogResolver>().ResolveAsync(Connection);

        Assert.True(catalog.TryGet(LeadFields.LifecycleStage, out var lifecycle));
        Assert.True(lifecycle.PicklistFor(CrmProvider.HubSpot)!.TryMapToLead("custom_stage", out var stage));
        Assert.Equal(LifecycleStages.Opportunity, stage);
    }

    [Fact]
    public void PublicEntryPoints_ValidateArguments()
    {
        Assert.Equal("fields", Assert.Throws<ArgumentNullException>(() => CrmFieldCatalog.Create(null!)).ParamName);
        Assert.Equal("entries", Assert.Throws<ArgumentNullException>(() => new CrmPicklistMap(null!)).ParamName);
        Assert.Equal("stageMaps", Assert.Throws<ArgumentNullException>(() => CrmDefaultFields.Create(null!)).ParamName);
        Assert.Equal("issues", Assert.Throws<ArgumentException>(() => new CrmSyncFieldMappingException([])).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => CrmFieldCatalogBuilderExtensions.AddFieldCatalog(null!)).ParamName);
        Assert.Equal("configuration", Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddAriaCrmSync().AddFieldCatalog((IConfiguration)null!)).ParamName);
    }

    private static ServiceCollection Services(string json)
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().AddFieldCatalog(configuration.GetSection("FieldCatalog"));
        return services;
    }

    private sealed record CrmFieldMappingIssues(CrmSyncFieldMappingException Error)
    {
        public IReadOnlyList<CrmFieldIssue> All => Error.Issues;
    }
}
