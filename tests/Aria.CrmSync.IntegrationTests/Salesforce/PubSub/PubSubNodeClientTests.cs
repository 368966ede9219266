using System.Text.Json.Nodes;
using Aria.CrmSync.IntegrationTests.ExternalClients;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.PubSub;

/// <summary>Runs only when <c>ARIA_SALESFORCE_NODE_CLIENT_DIR</c> names a folder with <c>node_modules/salesforce-pubsub-api-client</c> (under CI=true it must run).</summary>
public sealed class PubSubNodeClientFactAttribute() : NodePackageFactAttribute("ARIA_SALESFORCE_NODE_CLIENT_DIR", "salesforce-pubsub-api-client");

public sealed class PubSubNodeClientTests
{
    [PubSubNodeClientFact]
    public async Task SalesforcePubSubApiClient_SubscribesOverTls_DecodesEventsUnchanged()
    {
        await using var h = await PubSubTestClient.StartAsync();
        var id = h.Host.Org.InsertOpportunity("Node renewal", SalesforceStages.Prospecting, new DateOnly(2027, 3, 31), 5000m);
        var patched = await h.Host.PatchAsync(Emulator.SfTestHost.Data($"sobjects/Opportunity/{id}"), new { StageName = SalesforceStages.Qualification, Amount = (decimal?)null });
        Assert.Equal(204, patched.Code);
        var deleted = await h.Host.DeleteAsync(Emulator.SfTestHost.Data($"sobjects/Opportunity/{id}"));
        Assert.Equal(204, deleted.Code);

        var run = await NodeClientCheck.RunAsync("ARIA_SALESFORCE_NODE_CLIENT_DIR", Path.Combine("Salesforce", "PubSub", "pubsub-client-check.js"), new
        {
            endpoint = h.Server.Endpoint,
            accessToken = h.Host.Tokens.AccessToken,
            instanceUrl = "https://" + h.Host.Tokens.InstanceUrl.Authority, // the client insists on https; the org is named by its host
            organizationId = h.Host.Org.OrganizationId,
            topic = "/data/OpportunityChangeEvent",
            count = 3,
        });
        Assert.True(run.ExitCode == 0, run.ToString());
        var events = JsonNode.Parse(run.Output.TrimEnd().Split('\n')[^1])!["events"]!.AsArray();
        Assert.Equal(3, events.Count);

        // Decoded by a third party exactly as the emulator meant them: replay ids, header, values, bitmaps.
        var replayIds = events.Select(e => e!["replayId"]!.GetValue<long>()).ToList();
        Assert.Equal(h.Host.Emulator.ChangeEvents.LatestReplayId, replayIds[^1]);
        Assert.Equal(replayIds.Order().ToList(), replayIds);
        Assert.Equal(["CREATE", "UPDATE", "DELETE"], events.Select(e => e!["changeType"]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal(id, e!["recordIds"]![0]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal("Opportunity", e!["entityName"]!.GetValue<string>()));

        var created = events[0]!;
        Assert.Equal("Node renewal", created["Name"]!.GetValue<string>());
        Assert.Equal(5000d, created["Amount"]!.GetValue<double>());
        Assert.Equal(new DateTimeOffset(2027, 3, 31, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), created["CloseDate"]!.GetValue<long>());

        var updated = events[1]!;
        Assert.Null(updated["Name"]);
        Assert.Equal(SalesforceStages.Qualification, updated["StageName"]!.GetValue<string>());
        var changed = updated["changedFields"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Contains("StageName", changed);
        Assert.Contains("Amount", changed);
        Assert.DoesNotContain("Name", changed);
        Assert.Equal(["Amount"], updated["nulledFields"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.InRange(updated["commitTimestamp"]!.GetValue<long>(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }
}
