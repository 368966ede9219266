using System.Globalization;
using Aria.CrmSync.Fields;
using Aria.CrmSync.IntegrationTests.Salesforce.Gateway;
using Microsoft.Extensions.DependencyInjection;
using static Aria.CrmSync.IntegrationTests.Fields.CustomFieldCatalogs;

namespace Aria.CrmSync.IntegrationTests.Fields;

/// <summary>
/// The engine syncing catalogue fields with the Salesforce emulator over HTTP, through <c>AddAriaCrmSync()</c> and the
/// service: every type both ways (single-lead and connection sync), directions and conflict rules, field errors that
/// leave the other fields syncing, metadata errors failing one connection only, per-tenant catalogues, multi-currency.
/// </summary>
public sealed class SalesforceCustomFieldSyncTests
{
    private const string UserB = "user-b";

    private static async Task<SfGatewayHost> StartAsync(Dictionary<string, CrmFieldCatalog> catalogs, Action<Testing.SalesforceEmulatorOptions>? emulator = null)
    {
        var resolver = new PerUserResolver(catalogs);
        var host = await SfGatewayHost.StartAsync(emulator: o =>
        {
            SalesforceFields(o);
            emulator?.Invoke(o);
        }, services: s => s.AddSingleton<ICrmFieldCatalogResolver>(resolver));
        if (catalogs.ContainsKey(UserB))
        {
            var tokens = host.Emulator.IssueTokens();
            host.Resolver.Add(new CrmConnection { UserId = UserB, Provider = Sf, AccessToken = tokens.AccessToken, RefreshToken = tokens.RefreshToken, InstanceUrl = tokens.InstanceUrl });
        }

        return host;
    }

    private static ValueTask<LeadMemory> AddLeadAsync(SfGatewayHost host, string id, string crmId, string userId = SfGatewayHost.UserId, params (string Field, string? Value)[] custom)
    {
        var now = DateTimeOffset.UtcNow;
        return host.Leads.InsertAsync(new LeadMemory
        {
            Id = id,
            UserId = userId,
            CompanyName = "Acme " + id,
            CrmProvider = Sf,
            CrmId = crmId,
            LifecycleStage = LifecycleStages.Lead,
            Status = LeadStatuses.Active,
            ExpectedValue = 1000m,
            ExpectedCloseDate = new DateOnly(2026, 6, 30),
            CustomFields = custom.ToDictionary(c => c.Field, c => c.Value),
            CreatedAt = now,
            UpdatedAt = now,
        });
    }

    private static async Task<LeadMemory> EditLeadAsync(SfGatewayHost host, string id, string userId, params (string Field, string? Value)[] custom)
    {
        var lead = (await host.Leads.GetAsync(userId, id))!;
        var values = new Dictionary<string, string?>(lead.CustomFields);
        foreach (var (field, value) in custom)
        {
            values[field] = value;
        }

        return await host.Leads.UpdateAsync(lead with { CustomFields = values });
    }

    private static async Task<IReadOnlyDictionary<string, string?>> CustomOf(SfGatewayHost host, string id, string userId = SfGatewayHost.UserId)
        => (await host.Leads.GetAsync(userId, id))!.CustomFields;

    /// <summary>The org's stored value of a field as the canonical value of <paramref name="field"/>.</summary>
    private static CrmFieldValue Stored(SfGatewayHost host, string crmId, CrmFieldDefinition field)
    {
        var stored = host.Org.Get("Opportunity", crmId)!.GetValueOrDefault(field.CrmFieldFor(Sf)!);
        var text = stored switch
        {
            null => null,
            bool b => b ? "true" : "false",
            DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            DateTimeOffset t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
            DateTime t => new DateTimeOffset(t, TimeSpan.Zero).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => stored.ToString(),
        };
        return CrmFieldValues.ParseCrm(field, Sf, text);
    }

    private static async Task<List<CrmAuditEntry>> AuditAsync(SfGatewayHost host, string? leadId = null, string? userId = null)
        => [.. await host.Audit.QueryAuditLogAsync(new AuditQuery { LeadMemoryId = leadId, UserId = userId, Limit = null })];

    private static CrmFieldDefinition Def(string lead) => EveryType().Single(f => f.LeadField == lead);

    [Fact]
    public async Task EveryType_SyncsBothWays_SingleLeadThenConnection()
    {
        await using var host = await StartAsync(new() { [SfGatewayHost.UserId] = Catalog(EveryType()) });
        var id = host.Seed(1)[0];
        await AddLeadAsync(host, "lead-1", id, custom:
        [
            ("region", "americas"), ("channels", "web;phone"), ("next_step", "Call the CFO"), ("details", "Line one\nLine two"),
            ("score", "12.50"), ("seats", "40"), ("deal_value", "2500.75"), ("win_chance", "62.5"), ("renewal", "2027-01-31"),
            ("kickoff", "2026-05-04T15:30:00.000Z"), ("active_customer", "true"),
        ]);

        var pushed = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1");

        Assert.True(pushed.Success, pushed.Error);
        Assert.Equal(CrmFieldValue.FromText(CrmFieldType.Picklist, "Americas"), Stored(host, id, Def("region")));
        Assert.Equal(CrmFieldValue.FromValues(["Phone", "Web"]), Stored(host, id, Def("channels")));
        Assert.Equal(CrmFieldValue.FromText(CrmFieldType.Text, "Call the CFO"), Stored(host, id, Def("next_step")));
        Assert.Equal(CrmFieldValue.FromText(CrmFieldType.LongText, "Line one\nLine two"), Stored(host, id, Def("details")));
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Decimal, 12.5m), Stored(host, id, Def("score")));
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Integer, 40m), Stored(host, id, Def("seats")));
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Currency, 2500.75m), Stored(host, id, Def("deal_value")));
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Percent, 62.5m), Stored(host, id, Def("win_chance")));
        Assert.Equal(CrmFieldValue.FromDate(new DateOnly(2027, 1, 31)), Stored(host, id, Def("renewal")));
        Assert.Equal(CrmFieldValue.FromDateTime(new DateTimeOffset(2026, 5, 4, 15, 30, 0, TimeSpan.Zero)), Stored(host, id, Def("kickoff")));
        // A Salesforce checkbox is never blank: with no agreement yet both sides hold a value, and the CRM's wins.
        Assert.Equal(CrmFieldValue.FromBoolean(false), Stored(host, id, Def("active_customer")));
        Assert.Equal("false", (await CustomOf(host, "lead-1"))["active_customer"]);

        // A second sync finds everything equal (each side's form compares equal): nothing more is written.
        var again = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1");
        Assert.True(again.Success, again.Error);
        Assert.Empty(again.Pushed);
        Assert.Empty(again.Changes);

        // The CRM changes every field; a connection sync pulls them in lead terms.
        host.Org.Update("Opportunity", id, new Dictionary<string, object?>
        {
            ["Region__c"] = "EMEA",
            ["Channels__c"] = "Web",
            ["Next_Step__c"] = null,
            ["Details__c"] = "Rewritten",
            ["Score__c"] = 99.9m,
            ["Seats__c"] = 41m,
            ["Deal_Value__c"] = 3000m,
            ["Win_Chance__c"] = 10m,
            ["Renewal__c"] = new DateOnly(2027, 2, 28),
            ["Kickoff__c"] = new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero),
            ["Active_Customer__c"] = true,
        });

        var run = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, Sf);

        Assert.True(run.Completed, run.Reason);
        Assert.Empty(run.Failures);
        var custom = await CustomOf(host, "lead-1");
        Assert.Equal("emea", custom["region"]);
        Assert.Equal("web", custom["channels"]);
        Assert.False(custom.ContainsKey("next_step"));
        Assert.Equal("Rewritten", custom["details"]);
        Assert.Equal("99.9", custom["score"]);
        Assert.Equal("41", custom["seats"]);
        Assert.Equal("3000", custom["deal_value"]);
        Assert.Equal("10", custom["win_chance"]);
        Assert.Equal("2027-02-28", custom["renewal"]);
        Assert.Equal("2026-06-01T08:00:00.000Z", custom["kickoff"]);
        Assert.Equal("true", custom["active_customer"]);
        var state = await host.Sync.GetSyncStateAsync("lead-1");
        Assert.Equal(SyncStatus.Synced, state!.Status);
        Assert.Equal("emea", state.BaseSnapshot["region"]);

        // And the lead's checkbox back to the CRM.
        await EditLeadAsync(host, "lead-1", SfGatewayHost.UserId, ("active_customer", "false"));
        Assert.True((await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1")).Success);
        Assert.Equal(CrmFieldValue.FromBoolean(false), Stored(host, id, Def("active_customer")));
    }

    [Fact]
    public async Task DirectionsAndConflictRules_ArePerField()
    {
        CrmFieldDefinition[] fields =
        [
            Field("next_step", CrmFieldType.Text, "Next_Step__c", null) with { Direction = SyncDirection.Pull },
            Field("details", CrmFieldType.LongText, "Details__c", null) with { Direction = SyncDirection.Push },
            Field("score", CrmFieldType.Decimal, "Score__c", null) with { ConflictRule = CrmFieldConflictRule.AriaWins },
            Field("seats", CrmFieldType.Integer, "Seats__c", null) with { ConflictRule = CrmFieldConflictRule.Manual },
            Region with { ConflictRule = CrmFieldConflictRule.CrmWinsUnlessBlank },
            Field("win_chance", CrmFieldType.Percent, "Win_Chance__c", null) with { ConflictRule = CrmFieldConflictRule.AriaWinsUnlessBlank },
            Field("renewal", CrmFieldType.Date, "Renewal__c", null),
        ];
        await using var host = await StartAsync(new() { [SfGatewayHost.UserId] = Catalog(fields) });
        var id = host.Seed(1)[0];
        host.Org.Update("Opportunity", id, new Dictionary<string, object?>
        {
            ["Next_Step__c"] = "crm step",
            ["Details__c"] = "lead details",
            ["Score__c"] = 1m,
            ["Seats__c"] = 10m,
            ["Region__c"] = "EMEA",
            ["Win_Chance__c"] = 50m,
            ["Renewal__c"] = new DateOnly(2027, 1, 1),
        });
        await AddLeadAsync(host, "lead-1", id, custom: [("next_step", "crm step"), ("details", "lead details"), ("score", "1"), ("seats", "10"), ("region", "emea"), ("win_chance", "50"), ("renewal", "2027-01-01")]);
        Assert.True((await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1")).Success); // agreed base

        // Both sides change every field (the CRM clears Region__c, the lead clears win_chance); one-way fields change on their receiving side only.
        await EditLeadAsync(host, "lead-1", SfGatewayHost.UserId, ("next_step", "lead edit"), ("score", "2"), ("seats", "11"), ("region", "americas"), ("win_chance", null), ("renewal", "2027-03-03"));
        host.Org.Update("Opportunity", id, new Dictionary<string, object?>
        {
            ["Details__c"] = "crm edit",
            ["Score__c"] = 3m,
            ["Seats__c"] = 12m,
            ["Region__c"] = null,
            ["Win_Chance__c"] = 75m,
            ["Renewal__c"] = new DateOnly(2027, 4, 4),
        });

        var result = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1");

        // seats is manual: the lead goes to conflict, the other fields are settled.
        Assert.Equal(SyncStatus.Conflict, result.Status);
        var custom = await CustomOf(host, "lead-1");
        Assert.Equal("crm step", custom["next_step"]); // pull only: the lead mirrors the CRM
        Assert.Equal(CrmFieldValue.FromText(CrmFieldType.LongText, "lead details"), Stored(host, id, fields[1])); // push only: the CRM mirrors the lead
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Decimal, 2m), Stored(host, id, fields[2])); // aria_wins
        Assert.Equal("2", custom["score"]);
        Assert.Equal(("11", CrmFieldValue.FromNumber(CrmFieldType.Integer, 12m)), (custom["seats"], Stored(host, id, fields[3]))); // manual: nothing written
        Assert.Equal(CrmFieldValue.FromText(CrmFieldType.Picklist, "Americas"), Stored(host, id, fields[4])); // crm_wins_unless_blank, the CRM blank: the lead's value
        Assert.Equal("75", custom["win_chance"]); // aria_wins_unless_blank, the lead blank: the CRM's value
        Assert.Equal("2027-04-04", custom["renewal"]); // crm_wins (the default)
        var state = await host.Sync.GetSyncStateAsync("lead-1");
        var open = Assert.Single(state!.OpenConflicts);
        Assert.Equal(("seats", "11", "12"), (open.Field, open.AriaValue, open.CrmValue));
        Assert.Contains(state.ConflictLog, c => c is { Field: "region", Resolution: ConflictResolution.AriaWins, ResolvedValue: "americas" });
        Assert.Contains(state.ConflictLog, c => c is { Field: "win_chance", Resolution: ConflictResolution.CrmWins, ResolvedValue: "75" });

        // A person decides the manual conflict; the decision runs through the write protocol like any write.
        var resolved = await host.Sync.ResolveConflictAsync(SfGatewayHost.UserId, "lead-1", "seats", ConflictResolution.AriaWins);
        Assert.True(resolved.Success, resolved.Error);
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Integer, 11m), Stored(host, id, fields[3]));
    }

    [Fact]
    public async Task AnUnmappedPicklistValue_FailsThatFieldOfThatLead_Audited_WhileTheOtherFieldsSync()
    {
        await using var host = await StartAsync(new() { [SfGatewayHost.UserId] = Catalog(Region, Field("next_step", CrmFieldType.Text, "Next_Step__c", null)) });
        var ids = host.Seed(2);
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            host.Org.Update("Opportunity", id, new Dictionary<string, object?> { ["Region__c"] = "EMEA", ["Next_Step__c"] = "Call" });
            await AddLeadAsync(host, $"lead-{i}", id, custom: [("region", "emea"), ("next_step", "Call")]);
        }

        Assert.Empty((await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, Sf)).Failures);

        // Someone picks a region the map does not know (the picklist is not restricted) and the lead's next step changes.
        host.Org.Update("Opportunity", ids[0], new Dictionary<string, object?> { ["Region__c"] = "APAC" });
        await EditLeadAsync(host, "lead-0", SfGatewayHost.UserId, ("next_step", "Send the contract"));
        await EditLeadAsync(host, "lead-1", SfGatewayHost.UserId, ("next_step", "Demo"));

        var run = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, Sf);

        Assert.True(run.Completed, run.Reason);
        var failure = Assert.Single(run.Failures);
        Assert.Equal(("lead-0", CrmSyncFieldValueException.ErrorCode, SyncStatus.Error), (failure.LeadMemoryId, failure.ErrorCode, failure.Status));
        Assert.Contains("'APAC' has no lead value", failure.Error, StringComparison.Ordinal);
        Assert.Equal(CrmFieldValue.FromText(CrmFieldType.Text, "Send the contract"), Stored(host, ids[0], Field("next_step", CrmFieldType.Text, "Next_Step__c", null))); // the other field synced
        Assert.Equal(CrmFieldValue.FromText(CrmFieldType.Text, "Demo"), Stored(host, ids[1], Field("next_step", CrmFieldType.Text, "Next_Step__c", null))); // and the other lead
        Assert.Equal("emea", (await CustomOf(host, "lead-0"))["region"]); // never silently dropped or overwritten
        var error = Assert.Single(await AuditAsync(host, "lead-0"), e => e.Operation == CrmAuditOperation.Error);
        Assert.Equal(("sync_field", CrmSyncFieldValueException.ErrorCode), (error.Details.GetProperty("operation").GetString(), error.Details.GetProperty("code").GetString()));
        Assert.Equal(("region", "Region__c"), (error.Details.GetProperty("error_details").GetProperty("field").GetString(), error.Details.GetProperty("error_details").GetProperty("crm_field").GetString()));
        var state = (await host.Sync.GetSyncStateAsync("lead-0"))!;
        Assert.Equal(SyncStatus.Error, state.Status);
        Assert.NotNull(state.NextAttemptAt); // retried like any failure
        Assert.Contains("Region__c", state.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("emea", state.BaseSnapshot["region"]);
        Assert.Equal("Send the contract", state.BaseSnapshot["next_step"]);

        // Mapped again in the CRM: the retry syncs the field.
        host.Org.Update("Opportunity", ids[0], new Dictionary<string, object?> { ["Region__c"] = "Americas" });
        var retry = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-0");
        Assert.True(retry.Success, retry.Error);
        Assert.Equal("americas", (await CustomOf(host, "lead-0"))["region"]);
        Assert.Equal(SyncStatus.Synced, retry.Status);
    }

    public static TheoryData<string, CrmFieldDefinition> MetadataErrors => new()
    {
        { "not_found", Field("region_code", CrmFieldType.Text, "Region_Code__c", null) },
        { "not_updateable", Field("legacy_code", CrmFieldType.Text, "Legacy_Code__c", null) },
        { "type_mismatch", Field("renewal", CrmFieldType.Date, "Next_Step__c", null) },
        { "picklist_value_missing", Channels with { Picklists = new Dictionary<CrmProvider, CrmPicklistMap> { [Sf] = new([new("Web", "web"), new("Phone", "phone"), new("Fax", "fax")]), [Hs] = Channels.Picklists[Hs] } } },
        { "length_exceeded", Field("next_step", CrmFieldType.Text, "Next_Step__c", null) with { MaxLength = 200 } },
    };

    [Theory]
    [MemberData(nameof(MetadataErrors))]
    public async Task AMappingThatDoesNotFitTheOrg_FailsThatConnectionOnly(string problem, CrmFieldDefinition broken)
    {
        var good = Field("next_step", CrmFieldType.Text, "Next_Step__c", null);
        await using var host = await StartAsync(new() { [SfGatewayHost.UserId] = Catalog(broken), [UserB] = Catalog(good) });
        var ids = host.Seed(2);
        await AddLeadAsync(host, "lead-a", ids[0]);
        await AddLeadAsync(host, "lead-b", ids[1], UserB, ("next_step", "Call"));

        var failed = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, Sf);

        Assert.False(failed.Completed);
        Assert.Contains($"connection '{host.Connection.ConnectionKey}', field '{broken.LeadField}'", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(0, failed.LeadsCompared);
        var entry = Assert.Single(await AuditAsync(host, userId: SfGatewayHost.UserId), e => e.Operation == CrmAuditOperation.Error);
        Assert.Equal(("validate_fields", CrmSyncFieldMappingException.ErrorCode), (entry.Details.GetProperty("operation").GetString(), entry.Details.GetProperty("code").GetString()));
        var details = entry.Details.GetProperty("error_details");
        Assert.Equal((problem, broken.LeadField, host.Connection.ConnectionKey), (details.GetProperty("problem").GetString(), details.GetProperty("field").GetString(), details.GetProperty("connection").GetString()));

        // A single-lead sync of that connection fails the same way, typed; the lead is untouched.
        var single = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-a");
        Assert.Equal((false, CrmSyncFieldMappingException.ErrorCode), (single.Success, single.ErrorCode));

        // The other tenant's connection, on the same org, syncs.
        var other = await host.Sync.SyncConnectionAsync(UserB, Sf);
        Assert.True(other.Completed, other.Reason);
        Assert.Empty(other.Failures);
        Assert.Equal(CrmFieldValue.FromText(CrmFieldType.Text, "Call"), Stored(host, ids[1], good));
    }

    [Fact]
    public async Task AValueTheOrgWouldRefuse_FailsThatFieldUpFront_NotTheBatch()
    {
        await using var host = await StartAsync(new() { [SfGatewayHost.UserId] = Catalog(Field("next_step", CrmFieldType.Text, "Next_Step__c", null), Field("score", CrmFieldType.Decimal, "Score__c", null)) });
        var ids = host.Seed(2);
        await AddLeadAsync(host, "lead-0", ids[0], custom: [("next_step", new string('x', 41)), ("score", "5")]);
        await AddLeadAsync(host, "lead-1", ids[1], custom: [("next_step", "Fine"), ("score", "123456789")]);

        var run = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, Sf);

        Assert.True(run.Completed, run.Reason);
        Assert.Equal(["lead-0", "lead-1"], run.Failures.Select(f => f.LeadMemoryId).Order());
        Assert.All(run.Failures, f => Assert.Equal(CrmSyncFieldValueException.ErrorCode, f.ErrorCode));
        Assert.Contains("the CRM field holds 40", run.Failures.Single(f => f.LeadMemoryId == "lead-0").Error, StringComparison.Ordinal);
        Assert.Contains("digits before the point", run.Failures.Single(f => f.LeadMemoryId == "lead-1").Error, StringComparison.Ordinal);
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Decimal, 5m), Stored(host, ids[0], Field("score", CrmFieldType.Decimal, "Score__c", null)));
        Assert.Equal(CrmFieldValue.FromText(CrmFieldType.Text, "Fine"), Stored(host, ids[1], Field("next_step", CrmFieldType.Text, "Next_Step__c", null)));
    }

    [Fact]
    public async Task PerTenantCatalogues_EachConnectionSyncsItsOwnFields()
    {
        var nextStep = Field("next_step", CrmFieldType.Text, "Next_Step__c", null);
        var score = Field("score", CrmFieldType.Decimal, "Score__c", null);
        await using var host = await StartAsync(new() { [SfGatewayHost.UserId] = Catalog(nextStep), [UserB] = Catalog(score) });
        var ids = host.Seed(2);
        foreach (var id in ids)
        {
            host.Org.Update("Opportunity", id, new Dictionary<string, object?> { ["Next_Step__c"] = "From the CRM", ["Score__c"] = 7.5m });
        }

        await AddLeadAsync(host, "lead-a", ids[0]);
        await AddLeadAsync(host, "lead-b", ids[1], UserB);

        Assert.Empty((await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, Sf)).Failures);
        Assert.Empty((await host.Sync.SyncConnectionAsync(UserB, Sf)).Failures);

        Assert.Equal(new Dictionary<string, string?> { ["next_step"] = "From the CRM" }, await CustomOf(host, "lead-a"));
        Assert.Equal(new Dictionary<string, string?> { ["score"] = "7.5" }, await CustomOf(host, "lead-b", UserB));
    }

    [Fact]
    public async Task MultiCurrency_AnAmountIsComparedAndWrittenWithItsCurrency_NeverConverted()
    {
        var dealValue = Field("deal_value", CrmFieldType.Currency, "Deal_Value__c", null);
        await using var host = await StartAsync(new() { [SfGatewayHost.UserId] = Catalog(dealValue) }, o =>
        {
            o.Currencies.Add("USD");
            o.Currencies.Add("EUR");
        });
        var id = host.Seed(1)[0];
        host.Org.Update("Opportunity", id, new Dictionary<string, object?> { ["CurrencyIsoCode"] = "EUR", ["Deal_Value__c"] = 100m });
        await AddLeadAsync(host, "lead-1", id);

        Assert.True((await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1")).Success);
        Assert.Equal("100 EUR", (await CustomOf(host, "lead-1"))["deal_value"]);

        await EditLeadAsync(host, "lead-1", SfGatewayHost.UserId, ("deal_value", "250 USD"));
        var refused = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1");
        Assert.Equal(CrmSyncFieldValueException.ErrorCode, refused.ErrorCode);
        Assert.Contains("in USD but record", refused.Error, StringComparison.Ordinal);
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Currency, 100m), Stored(host, id, dealValue));

        await EditLeadAsync(host, "lead-1", SfGatewayHost.UserId, ("deal_value", "300 EUR"));
        var written = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1");
        Assert.True(written.Success, written.Error);
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Currency, 300m), Stored(host, id, dealValue));
        Assert.Equal("EUR", host.Org.Get("Opportunity", id)!["CurrencyIsoCode"]);
    }
}
