using Aria.CrmSync.Fields;
using Aria.CrmSync.IntegrationTests.HubSpot.Gateway;
using Microsoft.Extensions.DependencyInjection;
using static Aria.CrmSync.IntegrationTests.Fields.CustomFieldCatalogs;

namespace Aria.CrmSync.IntegrationTests.Fields;

/// <summary>
/// The engine syncing catalogue fields with the HubSpot emulator over HTTP, the catalogue configured with
/// <c>AddFieldCatalog</c>: every type both ways, metadata errors failing the connection, multi-currency.
/// </summary>
public sealed class HubSpotCustomFieldSyncTests
{
    private static Task<HubSpotGatewayHost> StartAsync(IEnumerable<CrmFieldDefinition> fields, Action<Testing.HubSpotEmulatorOptions>? emulator = null)
        => HubSpotGatewayHost.StartAsync(
            emulatorOptions: o =>
            {
                HubSpotProperties(o);
                emulator?.Invoke(o);
            },
            builder: b => b.AddFieldCatalog(c =>
            {
                foreach (var field in fields)
                {
                    c.Definitions.Add(field);
                }
            }));

    private static CrmFieldValue Stored(HubSpotGatewayHost host, string dealId, CrmFieldDefinition field)
        => CrmFieldValues.ParseCrm(field, Hs, host.Emulator.GetObject("deals", dealId)!.Properties.GetValueOrDefault(field.CrmFieldFor(Hs)!));

    private static async Task<LeadMemory> EditAsync(HubSpotGatewayHost host, string id, params (string Field, string? Value)[] custom)
    {
        var lead = (await host.Leads.GetAsync(HubSpotGatewayHost.UserId, id))!;
        var values = new Dictionary<string, string?>(lead.CustomFields);
        foreach (var (field, value) in custom)
        {
            values[field] = value;
        }

        return await host.Leads.UpdateAsync(lead with { CustomFields = values });
    }

    private static async Task<IReadOnlyDictionary<string, string?>> CustomOf(HubSpotGatewayHost host, string id)
        => (await host.Leads.GetAsync(HubSpotGatewayHost.UserId, id))!.CustomFields;

    private static CrmFieldDefinition Def(string lead) => EveryType().Single(f => f.LeadField == lead);

    [Fact]
    public async Task EveryType_SyncsBothWays_SingleLeadThenConnection()
    {
        await using var host = await StartAsync(EveryType());
        var deal = host.InsertDeal("Deal A", amount: "1000", closeDate: "2026-06-30T00:00:00.000Z");
        await host.AddLeadAsync("lead-1", deal, value: 1000m, closeDate: new DateOnly(2026, 6, 30));
        await EditAsync(host, "lead-1",
            ("region", "americas"), ("channels", "phone;web"), ("next_step", "Call the CFO"), ("details", "Line one\nLine two"),
            ("score", "12.5"), ("seats", "40"), ("deal_value", "2500.75"), ("win_chance", "62.5"), ("renewal", "2027-01-31"),
            ("kickoff", "2026-05-04T15:30:00.000Z"), ("active_customer", "true"));

        var pushed = await host.Sync.TriggerManualSyncAsync(HubSpotGatewayHost.UserId, "lead-1");

        Assert.True(pushed.Success, pushed.Error);
        var properties = host.Emulator.GetObject("deals", deal)!.Properties;
        Assert.Equal("amer", properties["region"]);
        Assert.Equal(CrmFieldValue.FromValues(["web", "phone"]), Stored(host, deal, Def("channels")));
        Assert.Equal("Call the CFO", properties["next_step"]);
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Decimal, 12.5m), Stored(host, deal, Def("score")));
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Percent, 62.5m), Stored(host, deal, Def("win_chance"))); // HubSpot keeps a fraction of 1
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Currency, 2500.75m), Stored(host, deal, Def("deal_value")));
        Assert.Equal(CrmFieldValue.FromDate(new DateOnly(2027, 1, 31)), Stored(host, deal, Def("renewal")));
        Assert.Equal(CrmFieldValue.FromDateTime(new DateTimeOffset(2026, 5, 4, 15, 30, 0, TimeSpan.Zero)), Stored(host, deal, Def("kickoff")));
        Assert.Equal(CrmFieldValue.FromBoolean(true), Stored(host, deal, Def("active_customer")));

        var again = await host.Sync.TriggerManualSyncAsync(HubSpotGatewayHost.UserId, "lead-1");
        Assert.True(again.Success, again.Error);
        Assert.Empty(again.Pushed);
        Assert.Empty(again.Changes);

        host.Emulator.UpdateObject("deals", deal, new Dictionary<string, string?>
        {
            ["region"] = "emea",
            ["channels"] = "web",
            ["next_step"] = "",
            ["score"] = "99.90",
            ["win_chance"] = "0.1",
            ["renewal_date"] = "2027-02-28T00:00:00.000Z",
            ["active_customer"] = "false",
        }, lastModified: DateTimeOffset.UtcNow.AddSeconds(1));

        var run = await host.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, Hs, new ConnectionSyncOptions { FullReconciliation = true });

        Assert.True(run.Completed, run.Reason);
        Assert.Empty(run.Failures);
        var custom = await CustomOf(host, "lead-1");
        Assert.Equal(("emea", "web", "99.9", "10", "2027-02-28", "false"), (custom["region"], custom["channels"], custom["score"], custom["win_chance"], custom["renewal"], custom["active_customer"]));
        Assert.False(custom.ContainsKey("next_step"));
        Assert.Equal("40", custom["seats"]);
    }

    public static TheoryData<string, CrmFieldDefinition> MetadataErrors => new()
    {
        { "not_updateable", Field("legacy_code", CrmFieldType.Text, null, "legacy_code") },
        { "picklist_value_missing", Region with { Picklists = new Dictionary<CrmProvider, CrmPicklistMap> { [Sf] = Region.Picklists[Sf], [Hs] = new([new("emea", "emea"), new("amer", "americas"), new("apac", "apac")]) } } },
        { "not_found", Field("region_code", CrmFieldType.Text, null, "region_code") },
    };

    [Theory]
    [MemberData(nameof(MetadataErrors))]
    public async Task AMappingThatDoesNotFitThePortal_FailsTheConnection_Audited(string problem, CrmFieldDefinition broken)
    {
        await using var host = await StartAsync([broken]);
        var deal = host.InsertDeal("Deal A");
        await host.AddLeadAsync("lead-1", deal);

        var run = await host.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, Hs);

        Assert.False(run.Completed);
        Assert.Contains($"field '{broken.LeadField}'", run.Reason, StringComparison.Ordinal);
        var entry = Assert.Single(await host.Audit.QueryAuditLogAsync(new AuditQuery { UserId = HubSpotGatewayHost.UserId, Operation = CrmAuditOperation.Error, Limit = null }));
        Assert.Equal(problem, entry.Details.GetProperty("error_details").GetProperty("problem").GetString());
        Assert.Null(await host.Sync.GetSyncStateAsync("lead-1"));

        var single = await host.Sync.PullStageChangesAsync(HubSpotGatewayHost.UserId, "lead-1");
        Assert.Equal((false, CrmSyncFieldMappingException.ErrorCode), (single.Success, single.ErrorCode));
    }

    [Fact]
    public async Task MultiCurrency_TheDealsCurrencyGoesWithTheAmount()
    {
        var dealValue = Def("deal_value");
        await using var host = await StartAsync([dealValue], o =>
        {
            o.Currencies.Add("USD");
            o.Currencies.Add("EUR");
        });
        var deal = host.InsertDeal("Deal A");
        host.Emulator.UpdateObject("deals", deal, new Dictionary<string, string?> { ["deal_currency_code"] = "EUR", ["deal_value"] = "100" });
        await host.AddLeadAsync("lead-1", deal);

        Assert.True((await host.Sync.TriggerManualSyncAsync(HubSpotGatewayHost.UserId, "lead-1")).Success);
        Assert.Equal("100 EUR", (await CustomOf(host, "lead-1"))["deal_value"]);

        await EditAsync(host, "lead-1", ("deal_value", "80 GBP"));
        var refused = await host.Sync.TriggerManualSyncAsync(HubSpotGatewayHost.UserId, "lead-1");
        Assert.Equal(CrmSyncFieldValueException.ErrorCode, refused.ErrorCode);
        Assert.Equal(CrmFieldValue.FromNumber(CrmFieldType.Currency, 100m), Stored(host, deal, dealValue));
    }
}
