using Aria.CrmSync.Testing;
using Aria.CrmSync.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.Tests.DependencyInjection;

/// <summary>A host wired with <c>AddSalesforceEmulator</c>/<c>AddHubSpotEmulator</c> (no hand wiring) syncs both ways.</summary>
public sealed class EmulatorBuilderExtensionsTests
{
    [Fact]
    public async Task Host_built_with_the_helpers_syncs_a_seeded_record_both_ways_with_both_emulators()
    {
        await using var salesforce = new SalesforceEmulator();
        await using var hubSpot = new HubSpotEmulator();
        var (built, opportunity, deal) = SeededEmulatorHost.Build(salesforce, hubSpot);
        await using var provider = built;
        var links = provider.GetRequiredService<ICrmLinkService>();
        var sync = provider.GetRequiredService<ICrmSyncService>();
        var leads = provider.GetRequiredService<ILeadMemoryStore>();

        // CRM -> ARIA: importing and syncing brings the CRM amounts into the leads.
        await links.ImportCrmRecordsAsync("u1", CrmProvider.Salesforce);
        await links.ImportCrmRecordsAsync("u1", CrmProvider.HubSpot);
        var sfLead = await leads.FindByCrmIdAsync("u1", CrmProvider.Salesforce, opportunity);
        var hsLead = await leads.FindByCrmIdAsync("u1", CrmProvider.HubSpot, deal);
        Assert.Equal(1200m, sfLead!.ExpectedValue);
        Assert.Equal(900m, hsLead!.ExpectedValue);
        Assert.Equal(new DateOnly(2027, 3, 1), sfLead.ExpectedCloseDate);
        Assert.Equal(new DateOnly(2027, 4, 15), hsLead.ExpectedCloseDate);
        Assert.True((await sync.TriggerManualSyncAsync("u1", sfLead.Id)).Success);
        Assert.True((await sync.TriggerManualSyncAsync("u1", hsLead.Id)).Success);

        // ARIA -> CRM: a lead edit reaches each emulator through the helpers' handlers.
        sfLead = (await leads.GetAsync("u1", sfLead.Id))!;
        hsLead = (await leads.GetAsync("u1", hsLead.Id))!;
        await leads.UpdateAsync(sfLead with { ExpectedValue = 1500m, UpdatedAt = DateTimeOffset.UtcNow });
        await leads.UpdateAsync(hsLead with { ExpectedValue = 950m, UpdatedAt = DateTimeOffset.UtcNow });
        var sfResult = await sync.TriggerManualSyncAsync("u1", sfLead.Id);
        var hsResult = await sync.TriggerManualSyncAsync("u1", hsLead.Id);

        Assert.True(sfResult.Success, sfResult.Error);
        Assert.True(hsResult.Success, hsResult.Error);
        Assert.Equal(1500m, Convert.ToDecimal(salesforce.Org.Get("Opportunity", opportunity)!["Amount"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("950", hubSpot.GetObject("deals", deal)!["amount"]);
    }

    [Fact]
    public async Task Default_stage_constants_are_the_stages_a_new_emulator_has()
    {
        await using var salesforce = new SalesforceEmulator();
        await using var hubSpot = new HubSpotEmulator();

        var orgStages = salesforce.Org.List("OpportunityStage").Select(r => (string)r["MasterLabel"]!).ToList();
        Assert.Equal(SalesforceStages.All.Order(StringComparer.Ordinal), orgStages.Order(StringComparer.Ordinal));
        var pipeline = Assert.Single(hubSpot.DealPipelines, p => p.Id == HubSpotDealStages.DefaultPipeline);
        Assert.Equal(HubSpotDealStages.All, pipeline.Stages.Select(s => s.Id));
    }

    [Fact]
    public async Task Seeding_helpers_refuse_a_stage_the_portal_does_not_have()
    {
        await using var hubSpot = new HubSpotEmulator();
        Assert.ThrowsAny<ArgumentException>(() => hubSpot.InsertDeal("Initech", "no-such-stage"));
        Assert.Throws<ArgumentException>("name", () => hubSpot.InsertDeal(" ", HubSpotDealStages.ClosedWon));
    }
}
