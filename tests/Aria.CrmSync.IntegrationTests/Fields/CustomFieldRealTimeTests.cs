using System.Text.Json.Nodes;
using Aria.CrmSync.IntegrationTests.HubSpot.Webhooks;
using Aria.CrmSync.IntegrationTests.Salesforce.PubSub;
using Aria.CrmSync.PubSub.Protocol;
using Aria.CrmSync.Testing;
using Avro.Generic;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.IntegrationTests.Fields;

/// <summary>
/// The emulators' real-time paths carry custom fields like default ones: a Salesforce change event names a changed custom
/// field in <c>changedFields</c> with its value, a HubSpot <c>deal.propertyChange</c> subscription of a custom property
/// delivers its changes (here a Collections write over REST, and a HubSpot gateway write).
/// </summary>
public sealed class CustomFieldRealTimeTests
{
    [Fact]
    public async Task Salesforce_ChangeEvent_NamesTheChangedCustomField_WithItsValue()
    {
        await using var h = await PubSubTestClient.StartAsync(o => o.CustomFields.Add(new("Region__c", "picklist") { PicklistValues = ["EMEA", "Americas"], RestrictedPicklist = true }));
        var id = h.Host.Org.InsertOpportunity("Custom event", SalesforceStages.Prospecting, new DateOnly(2027, 3, 31), 5000m);
        using var call = h.Client.Subscribe(h.Auth());
        await call.RequestStream.WriteAsync(new FetchRequest { TopicName = "/data/OpportunityChangeEvent", ReplayPreset = ReplayPreset.Earliest, NumRequested = 10 });

        var patched = await h.Host.PatchAsync(Salesforce.Emulator.SfTestHost.Data("composite/sobjects"), JsonNode.Parse($$"""
            {"allOrNone": false, "records": [{"attributes": {"type": "Opportunity"}, "id": "{{id}}", "Region__c": "EMEA"}]}
            """)!);
        Assert.Equal(200, patched.Code);

        var events = await PubSubTestClient.ReadEventsAsync(call.ResponseStream, 2);
        var (updated, schema) = await h.DecodeAsync(events[1]);
        var header = (GenericRecord)updated["ChangeEventHeader"];
        Assert.Equal("UPDATE", ((GenericEnum)header["changeType"]).Value);
        Assert.Equal(["Region__c"], PubSubTestClient.FieldNames(schema, header["changedFields"]).Where(f => f != "LastModifiedDate").ToList());
        Assert.Equal("EMEA", updated["Region__c"]);
    }

    [Fact]
    public async Task HubSpot_PropertyChangeWebhook_OfACustomPropertyTheGatewayWrote_IsDelivered()
    {
        await using var h = await WebhookEndpointHost.StartAsync(o => o.CustomProperties.Add(new("region", HubSpotPropertyType.Enumeration) { FieldType = "select", Options = ["emea", "amer"] }));
        var deal = h.Emulator.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = "Custom webhook", ["dealstage"] = "appointmentscheduled", ["pipeline"] = "default" }).Id;
        var subscription = h.Emulator.Webhooks.Subscribe("deal.propertyChange", "region");
        h.StartWebhooks();
        var gateway = h.Services.GetServices<ICrmGateway>().Single(g => g.Provider == CrmProvider.HubSpot);
        var connection = h.Services.GetRequiredService<InMemoryCrmConnectionResolver>().Find(WebhookEndpointHost.User, CrmProvider.HubSpot)! with { RecordFields = ["region"] };

        var written = await gateway.UpdateRecordsAsync(connection, [new() { CrmId = deal, Fields = new Dictionary<string, string?> { ["region"] = "emea" } }]);
        Assert.True(written[0].Success, written[0].ErrorMessage);
        await h.Emulator.Webhooks.WaitIdleAsync().WaitAsync(TimeSpan.FromSeconds(20));

        var events = h.Received.SelectMany(r => JsonNode.Parse(r.Body)!.AsArray()).Select(e => e!.AsObject()).ToList();
        var change = Assert.Single(events, e => e["propertyName"]?.GetValue<string>() == "region");
        Assert.Equal((subscription.Id, "deal.propertyChange", "emea", "API"), (change["subscriptionId"]!.GetValue<long>(), change["subscriptionType"]!.GetValue<string>(), change["propertyValue"]!.GetValue<string>(), change["changeSource"]!.GetValue<string>()));
        Assert.Equal(deal, change["objectId"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
