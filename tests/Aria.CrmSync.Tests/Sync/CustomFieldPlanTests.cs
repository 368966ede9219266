using Aria.CrmSync.Fields;
using Aria.CrmSync.Sync;

namespace Aria.CrmSync.Tests.Sync;

/// <summary>Lead plans over catalogue fields: canonical comparison per type, value maps each way, currencies, and field errors that leave the other fields syncing.</summary>
public class CustomFieldPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CrmProvider Sf = CrmProvider.Salesforce;

    private static readonly CrmFieldDefinition Region = new()
    {
        LeadField = "region",
        Type = CrmFieldType.Picklist,
        CrmFields = new Dictionary<CrmProvider, string> { [Sf] = "Region__c" },
        Picklists = new Dictionary<CrmProvider, CrmPicklistMap> { [Sf] = new([new("EMEA", "emea"), new("Americas", "americas"), new("North America", "americas", Writes: false)]) },
    };

    private static readonly CrmFieldDefinition Score = new() { LeadField = "score", Type = CrmFieldType.Decimal, CrmFields = new Dictionary<CrmProvider, string> { [Sf] = "Score__c" } };

    private static readonly CrmFieldDefinition DealValue = new() { LeadField = "deal_value", Type = CrmFieldType.Currency, CrmFields = new Dictionary<CrmProvider, string> { [Sf] = "Deal_Value__c" } };

    private static readonly CrmFieldDefinition NextStep = new() { LeadField = "next_step", Type = CrmFieldType.Text, CrmFields = new Dictionary<CrmProvider, string> { [Sf] = "Next_Step__c" } };

    private static readonly CrmFieldDefinition Channels = new()
    {
        LeadField = "channels",
        Type = CrmFieldType.MultiPicklist,
        CrmFields = new Dictionary<CrmProvider, string> { [Sf] = "Channels__c" },
        Picklists = new Dictionary<CrmProvider, CrmPicklistMap> { [Sf] = new([new("Web", "web"), new("Phone", "phone")]) },
    };

    private static ConnectionFieldMap Map(CrmObjectMetadata? metadata = null)
        => ConnectionFieldMap.Create(new CrmSyncOptions(), Sf, [Region, Score, DealValue, NextStep, Channels], "CurrencyIsoCode", metadata);

    private static LeadMemory Lead(params (string Field, string? Value)[] custom) => new()
    {
        Id = "lead-1",
        UserId = "u",
        CompanyName = "Acme",
        CrmProvider = Sf,
        CrmId = "006A",
        LifecycleStage = LifecycleStages.Lead,
        Status = LeadStatuses.Active,
        ExpectedValue = 1000m,
        CustomFields = custom.ToDictionary(c => c.Field, c => c.Value),
        CreatedAt = Now,
        UpdatedAt = Now,
    };

    private static CrmRecord Record(params (string Field, string? Value)[] fields) => new()
    {
        CrmId = "006A",
        Provider = Sf,
        Name = "Deal",
        Stage = "Prospecting",
        Amount = 1000m,
        LastModifiedAt = Now,
        Fields = fields.ToDictionary(f => f.Field, f => f.Value),
    };

    private static CrmSyncState State(Dictionary<string, string?>? baseline = null) => new()
    {
        Id = "state-1",
        CreatedAt = Now,
        LeadMemoryId = "lead-1",
        UserId = "u",
        Provider = Sf,
        CrmId = "006A",
        BaseSnapshot = baseline ?? [],
        Status = SyncStatus.Synced,
        UpdatedAt = Now,
        Version = 1,
    };

    private static Dictionary<string, string?> AgreedBase(ConnectionFieldMap map, LeadMemory lead, CrmRecord record)
        => LeadSyncPlan.Create(lead, record, State(), SyncDirection.Bidirectional, map, Now).NewBase.ToDictionary(kv => kv.Key, kv => kv.Value);

    [Fact]
    public void EqualValuesInEachSidesForm_CompareEqual()
    {
        var map = Map();
        var lead = Lead(("region", " americas "), ("score", "1.50"), ("deal_value", "100 eur"), ("channels", "web;phone"), ("next_step", "Cafe\u0301 call"));
        var record = Record(("Region__c", "North America"), ("Score__c", "1.5E0"), ("Deal_Value__c", "100.00"), ("CurrencyIsoCode", "EUR"), ("Channels__c", "Phone;Web"), ("Next_Step__c", "Café call "));

        var plan = LeadSyncPlan.Create(lead, record, State(), SyncDirection.Bidirectional, map, Now);

        Assert.Empty(plan.FieldErrors);
        Assert.Empty(plan.ToLead);
        Assert.Empty(plan.CrmFields);
        Assert.Equal(("americas", "1.5", "100 EUR", "phone;web"), (plan.NewBase["region"], plan.NewBase["score"], plan.NewBase["deal_value"], plan.NewBase["channels"]));
    }

    [Fact]
    public void CrmChanges_AreMappedToLeadTerms_AndLeadChangesToCrmTerms()
    {
        var map = Map();
        var record = Record(("Region__c", "EMEA"), ("Score__c", "2"), ("Deal_Value__c", "100"), ("CurrencyIsoCode", "EUR"), ("Channels__c", "Web"), ("Next_Step__c", null));
        var lead = Lead(("region", "emea"), ("score", "2"), ("deal_value", "100 EUR"), ("channels", "web"));
        var agreed = AgreedBase(map, lead, record);

        var plan = LeadSyncPlan.Create(
            lead with { CustomFields = new Dictionary<string, string?> { ["region"] = "americas", ["score"] = "2", ["deal_value"] = "100 EUR", ["channels"] = "web;phone" } },
            record with { Fields = new Dictionary<string, string?>(record.Fields) { ["Score__c"] = "3.25", ["Next_Step__c"] = "Demo" } },
            State(agreed),
            SyncDirection.Bidirectional,
            map,
            Now);

        Assert.Equal(new Dictionary<string, string?> { ["score"] = "3.25", ["next_step"] = "Demo" }, plan.ToLead);
        Assert.Equal(new Dictionary<string, string?> { ["Region__c"] = "Americas", ["Channels__c"] = "Phone;Web" }, plan.CrmFields);
        var applied = map.Apply(plan.Lead, plan.ToLead, Now);
        Assert.Equal(("3.25", "Demo", "americas"), (applied.CustomFields["score"], applied.CustomFields["next_step"], applied.CustomFields["region"]));
    }

    [Fact]
    public void AnUnmappedCrmPicklistValue_FailsThatFieldOnly()
    {
        var map = Map();
        var lead = Lead(("region", "emea"), ("score", "1"));
        var record = Record(("Region__c", "APAC"), ("Score__c", "5"));
        var baseline = new Dictionary<string, string?> { ["region"] = "emea", ["score"] = "1" };

        var plan = LeadSyncPlan.Create(lead, record, State(baseline), SyncDirection.Bidirectional, map, Now);

        var error = Assert.Single(plan.FieldErrors);
        Assert.Equal(("region", "Region__c", CrmSyncFieldValueException.ErrorCode), (error.Field, error.CrmField, error.Code));
        Assert.Contains("'APAC' has no lead value", error.Message, StringComparison.Ordinal);
        Assert.Equal("5", plan.ToLead["score"]); // the other field still syncs
        Assert.False(plan.ToLead.ContainsKey("region"));
        Assert.Equal("emea", plan.NewBase["region"]); // its base is kept: compared again next time
        Assert.DoesNotContain("region", plan.Decided);
    }

    [Fact]
    public void AnUnmappedLeadPicklistValue_IsNotPushed_AndFailsThatFieldOnly()
    {
        var map = Map();
        var baseline = new Dictionary<string, string?> { ["region"] = "emea", ["score"] = "1" };

        var plan = LeadSyncPlan.Create(Lead(("region", "apac"), ("score", "2")), Record(("Region__c", "EMEA"), ("Score__c", "1")), State(baseline), SyncDirection.Bidirectional, map, Now);

        var error = Assert.Single(plan.FieldErrors);
        Assert.Equal("region", error.Field);
        Assert.Contains("'apac' has no salesforce value", error.Message, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, string?> { ["Score__c"] = "2" }, plan.CrmFields);
        Assert.False(plan.ToCrm.ContainsKey("region"));
        Assert.Equal("emea", plan.NewBase["region"]);
    }

    [Fact]
    public void AnUnparseableValue_FailsThatFieldOnly()
    {
        var plan = LeadSyncPlan.Create(Lead(("score", "12,5"), ("next_step", "Call")), Record(("Score__c", "1"), ("Next_Step__c", "Visit")), State(new() { ["score"] = "1", ["next_step"] = "Call" }), SyncDirection.Bidirectional, Map(), Now);

        var error = Assert.Single(plan.FieldErrors);
        Assert.Equal("score", error.Field);
        Assert.Equal("Visit", plan.ToLead["next_step"]);
        Assert.Empty(plan.CrmFields);
    }

    [Fact]
    public void AnAmountInAnotherCurrencyThanTheRecords_IsAFieldError_NeverConverted()
    {
        var baseline = new Dictionary<string, string?> { ["deal_value"] = "100 EUR" };

        var plan = LeadSyncPlan.Create(Lead(("deal_value", "250 USD")), Record(("Deal_Value__c", "100"), ("CurrencyIsoCode", "EUR")), State(baseline), SyncDirection.Bidirectional, Map(), Now);

        var error = Assert.Single(plan.FieldErrors);
        Assert.Equal(("deal_value", "Deal_Value__c"), (error.Field, error.CrmField));
        Assert.Contains("in USD but record 006A is in EUR", error.Message, StringComparison.Ordinal);
        Assert.Empty(plan.CrmFields);
    }

    [Fact]
    public void AnAmountInTheRecordsCurrency_IsWrittenAsItsNumber()
    {
        var baseline = new Dictionary<string, string?> { ["deal_value"] = "100 EUR" };

        var plan = LeadSyncPlan.Create(Lead(("deal_value", "250.50 eur")), Record(("Deal_Value__c", "100"), ("CurrencyIsoCode", "EUR")), State(baseline), SyncDirection.Bidirectional, Map(), Now);

        Assert.Empty(plan.FieldErrors);
        Assert.Equal(new Dictionary<string, string?> { ["Deal_Value__c"] = "250.5" }, plan.CrmFields);
        var expected = plan.Fields.CrmValuesAsRead(plan.Record, plan.CrmFields.Keys);
        Assert.Equal(("100", "EUR"), (expected["Deal_Value__c"], expected["CurrencyIsoCode"]));
    }

    [Fact]
    public void AValueTheCrmWouldRefuse_FailsThatFieldUpFront()
    {
        var metadata = new CrmObjectMetadata(Sf, "Opportunity", new Dictionary<string, CrmFieldMetadata>
        {
            ["Next_Step__c"] = new() { Name = "Next_Step__c", CrmType = "string", Type = CrmFieldType.Text, Length = 10 },
            ["Score__c"] = new() { Name = "Score__c", CrmType = "double", Type = CrmFieldType.Decimal, Precision = 4, Scale = 1 },
        }, Now);
        var baseline = new Dictionary<string, string?> { ["next_step"] = "Call", ["score"] = "1" };

        var plan = LeadSyncPlan.Create(Lead(("next_step", "A much longer next step"), ("score", "2.25")), Record(("Next_Step__c", "Call"), ("Score__c", "1")), State(baseline), SyncDirection.Bidirectional, Map(metadata), Now);

        Assert.Equal(["next_step", "score"], plan.FieldErrors.Select(e => e.Field).Order());
        Assert.Contains("the CRM field holds 10", plan.FieldErrors.Single(e => e.Field == "next_step").Message, StringComparison.Ordinal);
        Assert.Empty(plan.CrmFields);
        Assert.Equal(("Call", "1"), (plan.NewBase["next_step"], plan.NewBase["score"]));
    }

    [Fact]
    public void AFieldTheGatewayDidNotRead_IsNotCompared()
    {
        var plan = LeadSyncPlan.Create(Lead(("score", "3")), Record(), State(new() { ["score"] = "1" }), SyncDirection.Bidirectional, Map(), Now);

        Assert.Empty(plan.CrmFields);
        Assert.Empty(plan.FieldErrors);
        Assert.Equal("1", plan.NewBase["score"]);
    }
}
