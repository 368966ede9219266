using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

/// <summary>
/// A batch update whose call fails with an unknown outcome after the gateway refused one of its deals unsent (the deal
/// changed after it was read): the refused write is settled as not written, from the gateway's own result, rather than
/// guessed from a read-back that shows the person's change. Guessed, the person's change looked like a change made after
/// a landed write, and it was pulled over the lead's edit although both sides had changed (the rule says ARIA wins).
/// Found by the deterministic soak with HubSpot's search lag on (seed 90063).
/// </summary>
public sealed class HubSpotRefusedInFailedCallTests
{
    [Fact]
    public async Task ARefusedUpdate_InACallThatFailsUnknown_IsNotWritten_AndTheFieldRuleDecidesNextRun()
    {
        var batchReads = 0;
        HubSpotGatewayHost? self = null;
        string? changedByAPerson = null;
        var hook = new Salesforce.Gateway.HookHandler(request =>
        {
            if (changedByAPerson is not null && request.RequestUri!.AbsolutePath.EndsWith("/deals/batch/read", StringComparison.Ordinal) && ++batchReads == 2)
            {
                // Between the lead-changes read and the pre-write read: a person changes the amount in HubSpot.
                self!.Emulator.UpdateObject("deals", changedByAPerson, new Dictionary<string, string?> { ["amount"] = "3000" });
            }
        });
        await using var host = self = await HubSpotGatewayHost.StartAsync(
            services: s => s.AddHttpClient(HubSpotOptions.HttpClientName).AddHttpMessageHandler(() => hook),
            syncOptions: o => o.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.AriaWins);
        var refusedDeal = host.InsertDeal("Refused", amount: "1000");
        var landedDeal = host.InsertDeal("Landed", amount: "1000");
        var refused = await host.AddLeadAsync("lead-refused", refusedDeal, value: 1000m);
        var landed = await host.AddLeadAsync("lead-landed", landedDeal, value: 1000m);
        Assert.True((await host.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot)).Completed);

        await host.Leads.UpdateAsync((await host.Leads.GetAsync(HubSpotGatewayHost.UserId, refused.Id))! with { ExpectedValue = 2000m, UpdatedAt = DateTimeOffset.UtcNow });
        await host.Leads.UpdateAsync((await host.Leads.GetAsync(HubSpotGatewayHost.UserId, landed.Id))! with { ExpectedValue = 2500m, UpdatedAt = DateTimeOffset.UtcNow });
        changedByAPerson = refusedDeal;
        host.Emulator.Faults.Add(new FaultRule { Kind = FaultKind.ResponseLost, Endpoint = "deals.batch.update", RemainingCount = 4 }); // outlasts the retries
        // The person's change is timed by counting batch reads, so the reads run in sequence: no early read of the
        // lead-side changes beside the change searches (it races the others for the count).
        var failed = await host.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot, new ConnectionSyncOptions { ReadLocalChangesEarly = false });
        changedByAPerson = null;
        host.Emulator.Faults.Reset();

        Assert.Equal("3000", host.Emulator.GetObject("deals", refusedDeal)!.Properties["amount"]); // refused: not written
        Assert.Equal("2500", host.Emulator.GetObject("deals", landedDeal)!.Properties["amount"]); // landed, confirmed by the read-back
        Assert.True(failed.Completed, failed.Reason);
        Assert.DoesNotContain((await host.States.GetAsync(refused.Id))!.PendingChanges, p => p.Unconfirmed);
        Assert.Equal("2500", (await host.States.GetAsync(landed.Id))!.BaseSnapshot[LeadFields.ExpectedValue]);

        // Both sides changed the refused deal's amount since they agreed on 1000: the field rule (ARIA wins) decides.
        var next = await host.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot);
        Assert.True(next.Completed, next.Reason);
        Assert.Equal(2000m, (await host.Leads.GetAsync(HubSpotGatewayHost.UserId, refused.Id))!.ExpectedValue);
        Assert.Equal("2000", host.Emulator.GetObject("deals", refusedDeal)!.Properties["amount"]);
    }
}
