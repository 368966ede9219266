using Aria.CrmSync.Testing;
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
        var opportunity = salesforce.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "Acme", ["StageName"] = "Prospecting", ["CloseDate"] = "2027-03-01", ["Amount"] = 1200m });
        var deal = hubSpot.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = "Globex", ["dealstage"] = "appointmentscheduled", ["pipeline"] = "default", ["amount"] = "900" }).Id;
        var tokens = salesforce.IssueTokens();

        var services = new ServiceCollection();
        services.AddAriaCrmSync()
            .UseInMemoryStores()
            .UseInMemoryConnections(c =>
            {
                c.Add(new CrmConnection { UserId = "u1", Provider = CrmProvider.Salesforce, AccessToken = tokens.AccessToken, RefreshToken = tokens.RefreshToken, InstanceUrl = tokens.InstanceUrl });
                c.Add(new CrmConnection { UserId = "u1", Provider = CrmProvider.HubSpot, AccessToken = hubSpot.CreatePrivateAppToken(), CredentialKind = CrmCredentialKind.StaticToken });
            })
            .AddSalesforceEmulator(salesforce)
            .AddHubSpotEmulator(hubSpot);
        await using var provider = services.BuildServiceProvider();
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
}
