using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Webhooks;

/// <summary>
/// The HubSpot emulator's webhook deliveries as a receiver sees them over a real socket (Kestrel with
/// <c>MapHubSpotWebhooks</c>): payload shapes, v3 signatures, batching, retries with backoff.
/// </summary>
public sealed class HubSpotWebhookDeliveryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task EveryKindOfChange_IsDeliveredInHubSpotsShape_SignedV3()
    {
        await using var h = await WebhookEndpointHost.StartAsync();
        var (deal, _) = (await h.SeedAsync(1))[0];
        var contact = h.Emulator.InsertObject("contacts", new Dictionary<string, string?> { ["email"] = "ada@example.com" }).Id;
        var webhooks = h.Emulator.Webhooks;
        var created = webhooks.Subscribe("deal.creation");
        var deleted = webhooks.Subscribe("deal.deletion");
        var associated = webhooks.Subscribe("deal.associationChange");
        var generic = webhooks.Subscribe("object.propertyChange", "dealname", objectTypeId: "0-3");
        h.StartWebhooks(); // deal.propertyChange of amount and dealstage

        h.Emulator.UpdateObject("deals", deal, new Dictionary<string, string?> { ["amount"] = "250", ["description"] = "not subscribed" }); // a person, in HubSpot
        using (var rest = h.Emulator.CreateClient())
        {
            rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", h.Emulator.CreatePrivateAppToken());
            var patch = await rest.PatchAsync($"/crm/v3/objects/deals/{deal}", new StringContent("{\"properties\":{\"dealstage\":\"closedwon\",\"dealname\":\"Renamed\"}}", Encoding.UTF8, "application/json"));
            Assert.True(patch.IsSuccessStatusCode); // an integration, through REST
        }

        var second = h.Emulator.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = "Second", ["dealstage"] = "appointmentscheduled", ["pipeline"] = "default" }).Id;
        h.Emulator.Associate("deals", second, "contacts", contact);
        Assert.True(h.Emulator.ArchiveObject("deals", second));
        await webhooks.WaitIdleAsync().WaitAsync(Wait);

        var events = new List<JsonObject>();
        foreach (var request in h.Received)
        {
            var timestamp = request.Headers["X-HubSpot-Request-Timestamp"];
            var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(h.Emulator.Options.ClientSecret), (byte[])[.. Encoding.UTF8.GetBytes("POST" + h.Target.AbsoluteUri), .. request.Body, .. Encoding.UTF8.GetBytes(timestamp)]);
            Assert.Equal(Convert.ToBase64String(expected), request.Headers["X-HubSpot-Signature-v3"]);
            Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
            var batch = JsonNode.Parse(request.Body)!.AsArray();
            Assert.InRange(batch.Count, 1, 100);
            events.AddRange(batch.Select(e => e!.AsObject()));
        }

        Assert.All(h.Emulator.Webhooks.Attempts, a => Assert.Equal(200, a.StatusCode));
        Assert.All(events, e =>
        {
            Assert.Equal(h.Emulator.Options.PortalId, e["portalId"]!.GetValue<long>());
            Assert.Equal(h.Emulator.Options.AppId, e["appId"]!.GetValue<long>());
            Assert.Equal(0, e["attemptNumber"]!.GetValue<int>());
            Assert.True(e["eventId"]!.GetValue<long>() > 0);
            Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(e["occurredAt"]!.GetValue<long>()), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        });
        Assert.Equal(events.Count, events.Select(e => e["eventId"]!.GetValue<long>()).Distinct().Count());

        var amount = Assert.Single(events, e => e["propertyName"]?.GetValue<string>() == "amount");
        Assert.Equal("deal.propertyChange", amount["subscriptionType"]!.GetValue<string>());
        Assert.Equal(long.Parse(deal, CultureInfo.InvariantCulture), amount["objectId"]!.GetValue<long>());
        Assert.Equal("250", amount["propertyValue"]!.GetValue<string>());
        Assert.Equal("CRM_UI", amount["changeSource"]!.GetValue<string>());
        var stage = Assert.Single(events, e => e["propertyName"]?.GetValue<string>() == "dealstage");
        Assert.Equal("closedwon", stage["propertyValue"]!.GetValue<string>());
        Assert.Equal("API", stage["changeSource"]!.GetValue<string>());
        var renamed = Assert.Single(events, e => e["propertyName"]?.GetValue<string>() == "dealname");
        Assert.Equal(generic.Id, renamed["subscriptionId"]!.GetValue<long>());
        Assert.Equal("object.propertyChange", renamed["subscriptionType"]!.GetValue<string>());
        Assert.Equal("0-3", renamed["objectTypeId"]!.GetValue<string>());
        Assert.DoesNotContain(events, e => e["propertyName"]?.GetValue<string>() == "description");

        var creation = Assert.Single(events, e => e["subscriptionId"]!.GetValue<long>() == created.Id);
        Assert.Equal(("deal.creation", second, "CREATED"), (creation["subscriptionType"]!.GetValue<string>(), creation["objectId"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture), creation["changeFlag"]!.GetValue<string>()));
        var deletion = Assert.Single(events, e => e["subscriptionId"]!.GetValue<long>() == deleted.Id);
        Assert.Equal(("deal.deletion", second, "DELETED"), (deletion["subscriptionType"]!.GetValue<string>(), deletion["objectId"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture), deletion["changeFlag"]!.GetValue<string>()));
        var association = Assert.Single(events, e => e["subscriptionId"]!.GetValue<long>() == associated.Id);
        Assert.Equal("deal.associationChange", association["subscriptionType"]!.GetValue<string>());
        Assert.Equal("DEAL_TO_CONTACT", association["associationType"]!.GetValue<string>());
        Assert.Equal(second, association["fromObjectId"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture));
        Assert.Equal(contact, association["toObjectId"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture));
        Assert.False(association["associationRemoved"]!.GetValue<bool>());
        Assert.Equal(events.Count, webhooks.EventsDelivered);
    }

    [Fact]
    public async Task ABurstOfChanges_IsSentInRequestsOfAtMost100Events()
    {
        await using var h = await WebhookEndpointHost.StartAsync();
        var deals = await h.SeedAsync(250);
        h.StartWebhooks(s => s.BatchWindow = TimeSpan.FromMilliseconds(200));

        foreach (var (deal, _) in deals)
        {
            h.Emulator.UpdateObject("deals", deal, new Dictionary<string, string?> { ["amount"] = "7" });
        }

        await h.Emulator.Webhooks.WaitIdleAsync().WaitAsync(Wait);
        var sizes = h.Received.Select(r => JsonNode.Parse(r.Body)!.AsArray().Count).ToList();
        Assert.Equal(250, sizes.Sum());
        Assert.All(sizes, n => Assert.InRange(n, 1, 100));
        Assert.Contains(100, sizes); // the burst filled whole requests
        Assert.Equal(250, h.Emulator.Webhooks.EventsDelivered);
    }

    [Fact]
    public async Task FailedAndTimedOutRequests_AreRetriedWithBackoff_UntilAnswered2xx()
    {
        await using var h = await WebhookEndpointHost.StartAsync();
        var (deal, lead) = (await h.SeedAsync(1))[0];
        h.StartWebhooks(s => s.RequestTimeout = TimeSpan.FromSeconds(2));
        h.FailNext(2);
        h.Emulator.UpdateObject("deals", deal, new Dictionary<string, string?> { ["amount"] = "900" });
        await h.WaitForValuesAsync(new Dictionary<string, decimal> { [lead] = 900m }, Wait);
        await h.Emulator.Webhooks.WaitIdleAsync().WaitAsync(Wait);

        var attempts = h.Emulator.Webhooks.Attempts.ToList();
        Assert.Equal([0, 1, 2], attempts.Select(a => a.AttemptNumber));
        Assert.Equal([503, 503, 200], attempts.Select(a => a.StatusCode));
        // Base delay, then doubled. SentAt is wall-clock time and the delay a timer: allow the two clocks 5 ms of skew.
        Assert.True(attempts[1].SentAt - attempts[0].SentAt >= TimeSpan.FromMilliseconds(45), $"{attempts[1].SentAt - attempts[0].SentAt}");
        Assert.True(attempts[2].SentAt - attempts[1].SentAt >= TimeSpan.FromMilliseconds(95), $"{attempts[2].SentAt - attempts[1].SentAt}");
        Assert.Equal([0, 1, 2], h.Received.Select(r => JsonNode.Parse(r.Body)![0]!["attemptNumber"]!.GetValue<int>()));

        h.FailNext(1, 200, stall: TimeSpan.FromSeconds(5)); // answers too late: a timeout
        h.Emulator.UpdateObject("deals", deal, new Dictionary<string, string?> { ["amount"] = "901" });
        await h.WaitForValuesAsync(new Dictionary<string, decimal> { [lead] = 901m }, Wait);
        await h.Emulator.Webhooks.WaitIdleAsync().WaitAsync(Wait);
        var retried = h.Emulator.Webhooks.Attempts.Skip(3).ToList();
        Assert.Equal([(0, (int?)null), (1, 200)], retried.Select(a => (a.AttemptNumber, a.StatusCode)));
    }

    [Fact]
    public async Task ATargetOffTheMachine_IsRefused()
    {
        await using var emulator = new HubSpotEmulator();
        Assert.Throws<ArgumentException>(() => emulator.Webhooks.Start(new HubSpotWebhookSettings { TargetUrl = new Uri("https://hooks.example.com/hubspot") }));
        Assert.Throws<ArgumentException>(() => emulator.Webhooks.Subscribe("deal.propertyChange"));
    }
}
