using Aria.CrmSync.IntegrationTests.HubSpot.Gateway;
using Aria.CrmSync.IntegrationTests.Salesforce.Gateway;
using Aria.CrmSync.IntegrationTests.Security.Fuzzing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Aria.CrmSync.IntegrationTests.Security;

/// <summary>
/// Fuzzes the gateways' response parsing: one response of a run over the emulators is truncated, retyped (huge or
/// invalid numbers, nulls, deep nesting, non-BMP and lone surrogates), stripped of a field, replaced by a non-JSON or
/// wrongly typed body, or declared with a wrong content type. Only typed <see cref="CrmSyncException"/>s may escape a
/// gateway, and a sync that fails on such a body writes nothing to the lead, its sync state or the audit trail.
/// </summary>
public sealed class GatewayResponseFuzzTests(GatewayResponseFuzzTests.Hosts hosts) : IClassFixture<GatewayResponseFuzzTests.Hosts>
{
    [Property(MaxTest = 300)]
    public Property SalesforceGateway_AnyMalformedResponse_OnlyTypedExceptionsEscape()
        => OnlyTypedExceptionsEscape(hosts.Gateways.SalesforcePlan, hosts.Gateways.Salesforce.Gateway, hosts.Gateways.Salesforce.Connection, hosts.Gateways.OpportunityId, "Closed Won");

    [Property(MaxTest = 300)]
    public Property HubSpotGateway_AnyMalformedResponse_OnlyTypedExceptionsEscape()
        => OnlyTypedExceptionsEscape(hosts.Gateways.HubSpotPlan, hosts.Gateways.HubSpot.CrmGateway, hosts.Gateways.HubSpot.Connection, hosts.Gateways.DealId, "closedwon");

    [Property(MaxTest = 60)]
    public Property Sync_FailingOnAMalformedResponse_WritesNothing()
    {
        var structural = BodyMutation.Arbitrary(4).Generator.Where(m => m.Kind is MutationKind.Truncate or MutationKind.ReplaceBody);
        return Prop.ForAll(Arb.From(structural), Gen.Elements(CrmProvider.Salesforce, CrmProvider.HubSpot).ToArbitrary(), (mutation, provider) =>
        {
            var g = hosts.Gateways;
            var (sync, leads, audit, plan, userId) = provider == CrmProvider.Salesforce
                ? (g.Salesforce.Sync, g.Salesforce.Leads, g.Salesforce.Audit, g.SalesforcePlan, SfGatewayHost.UserId)
                : (g.HubSpot.Sync, g.HubSpot.Leads, g.HubSpot.Audit, g.HubSpotPlan, HubSpotGatewayHost.UserId);
            WritesNothingOnFailureAsync(sync, leads, audit, plan, userId, mutation).GetAwaiter().GetResult();
        });
    }

    private static Property OnlyTypedExceptionsEscape(MutationPlan plan, ICrmGateway gateway, CrmConnection connection, string crmId, string stage)
        => Prop.ForAll(BodyMutation.Arbitrary(GatewayFuzzScenario.Responses), mutation =>
        {
            plan.Arm(mutation);
            var escaped = GatewayFuzzScenario.RunAsync(gateway, connection, crmId, stage).GetAwaiter().GetResult();
            plan.Disarm();
            Assert.True(escaped.Count == 0, $"{mutation}\n{string.Join('\n', escaped)}");
        });

    private static async Task WritesNothingOnFailureAsync(ICrmSyncService sync, ILeadMemoryStore leads, ICrmAuditService audit, MutationPlan plan, string userId, BodyMutation mutation)
    {
        var lead = await leads.GetAsync(userId, FuzzedGateways.LeadId);
        var state = await sync.GetSyncStateAsync(FuzzedGateways.LeadId);
        var head = await audit.GetChainHeadAsync(userId);

        plan.Arm(mutation);
        SyncResult result;
        try
        {
            result = await sync.PullStageChangesAsync(userId, FuzzedGateways.LeadId);
        }
        finally
        {
            plan.Disarm();
        }

        var entries = await audit.QueryAuditLogAsync(new AuditQuery { UserId = userId, Limit = null });
        var added = entries.Where(e => e.Sequence > head.Sequence).ToList();
        Assert.True((await audit.VerifyAsync(userId)).IsValid);
        if (result.Success)
        {
            return;
        }

        Assert.True(plan.Applied, $"{mutation}: failed without a mutated response: {result.Error}");
        Assert.Equal(Json(lead), Json(await leads.GetAsync(userId, FuzzedGateways.LeadId)));
        var after = await sync.GetSyncStateAsync(FuzzedGateways.LeadId);
        Assert.Equal(Json(state?.BaseSnapshot ?? NoValues), Json(after?.BaseSnapshot ?? NoValues)); // a first pull may create the state, empty
        Assert.Equal(Json(state?.PendingChanges ?? []), Json(after?.PendingChanges ?? []));
        Assert.All(added, e => Assert.False(e.Success, $"{mutation}: a successful {e.Operation} was audited for a failed pull"));
        Assert.NotEqual(SyncStatus.Synced, after?.Status);
    }

    private static readonly Dictionary<string, string?> NoValues = [];

    private static string Json<T>(T value) => Serialization.CrmSyncJson.Serialize(value);

    /// <summary>The fuzzed gateways, started once for the class.</summary>
    public sealed class Hosts : IAsyncLifetime
    {
        private FuzzedGateways? _gateways;

        internal FuzzedGateways Gateways => _gateways ?? throw new InvalidOperationException("not started");

        public async Task InitializeAsync() => _gateways = await FuzzedGateways.StartAsync();

        public async Task DisposeAsync()
        {
            if (_gateways is not null)
            {
                await _gateways.DisposeAsync();
            }
        }
    }
}
