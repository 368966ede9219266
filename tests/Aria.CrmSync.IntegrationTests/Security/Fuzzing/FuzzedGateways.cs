using Aria.CrmSync.IntegrationTests.HubSpot.Gateway;
using Aria.CrmSync.IntegrationTests.Salesforce.Gateway;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.IntegrationTests.Security.Fuzzing;

/// <summary>
/// A Salesforce and a HubSpot gateway over their emulators (in process, limits out of the way), each with a
/// <see cref="ResponseMutator"/> in its HTTP pipeline (driven by its <see cref="MutationPlan"/>), linked to one lead each.
/// </summary>
internal sealed class FuzzedGateways(SfGatewayHost salesforce, HubSpotGatewayHost hubSpot, MutationPlan salesforcePlan, MutationPlan hubSpotPlan, string opportunityId, string dealId)
    : IAsyncDisposable
{
    public const string LeadId = "lead-fuzz";

    public SfGatewayHost Salesforce => salesforce;

    public HubSpotGatewayHost HubSpot => hubSpot;

    public MutationPlan SalesforcePlan => salesforcePlan;

    public MutationPlan HubSpotPlan => hubSpotPlan;

    public string OpportunityId => opportunityId;

    public string DealId => dealId;

    public static async Task<FuzzedGateways> StartAsync()
    {
        var sfPlan = new MutationPlan();
        var hsPlan = new MutationPlan();
        var salesforce = await SfGatewayHost.StartAsync(
            emulator: o => o.DailyApiRequestLimit = 10_000_000,
            loopback: false,
            services: s => s.AddHttpClient(SalesforceOptions.HttpClientName).AddHttpMessageHandler(() => new ResponseMutator(sfPlan)));
        var hubSpot = await HubSpotGatewayHost.StartAsync(
            emulatorOptions: o =>
            {
                o.RequestsPerInterval = 10_000_000;
                o.SearchRequestsPerSecond = 1_000_000;
                o.DailyLimit = 10_000_000;
            },
            inProcess: true,
            services: s => s.AddHttpClient(HubSpotOptions.HttpClientName).AddHttpMessageHandler(() => new ResponseMutator(hsPlan)));
        var opportunityId = salesforce.Seed(2)[0];
        var dealId = hubSpot.InsertDeal("Fuzz", amount: "100", closeDate: "2026-06-30");
        hubSpot.InsertDeal("Other");
        await hubSpot.AddLeadAsync(LeadId, dealId);
        var now = DateTimeOffset.UtcNow;
        await salesforce.Leads.InsertAsync(new LeadMemory
        {
            Id = LeadId,
            UserId = SfGatewayHost.UserId,
            CompanyName = "Fuzz",
            CrmProvider = CrmProvider.Salesforce,
            CrmId = opportunityId,
            LifecycleStage = LifecycleStages.Lead,
            Status = LeadStatuses.Active,
            CreatedAt = now,
            UpdatedAt = now,
        });
        return new FuzzedGateways(salesforce, hubSpot, sfPlan, hsPlan, opportunityId, dealId);
    }

    public async ValueTask DisposeAsync()
    {
        await Salesforce.DisposeAsync();
        await HubSpot.DisposeAsync();
    }
}
