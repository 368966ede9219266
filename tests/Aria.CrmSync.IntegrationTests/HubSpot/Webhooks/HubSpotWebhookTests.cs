using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Aria.CrmSync.IntegrationTests.HubSpot.Gateway;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Webhooks;

public sealed class HubSpotWebhookTests
{
    private const string VectorSecret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
    private static readonly Uri Target = new("https://aria.example.com/hubspot/webhooks?tenant=a%2Fb");

    [Fact]
    public async Task PublishedV3Vector_IsAccepted_AndAnyChangeToItIsRefused()
    {
        var vector = Load("webhook-v3-signature-vector.COMPUTED.json");
        var timestamp = vector["headers"]!["X-HubSpot-Request-Timestamp"]!.GetValue<string>();
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(timestamp, CultureInfo.InvariantCulture)).AddSeconds(2));
        await using var h = await StartAsync(VectorSecret, clock);
        var body = Encoding.UTF8.GetBytes(vector["requestBody"]!.GetValue<string>());
        var uri = new Uri(vector["uri"]!.GetValue<string>());
        var signature = vector["headers"]!["X-HubSpot-Signature-v3"]!.GetValue<string>();

        var ok = await Processor(h).ProcessAsync("POST", uri, V3(signature, timestamp), body);
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal(1, ok.Events);

        var tampered = (byte[])body.Clone();
        tampered[^3] ^= 0x01;
        Assert.Equal(401, (await Processor(h).ProcessAsync("POST", uri, V3(signature, timestamp), tampered)).StatusCode);
        Assert.Equal(401, (await Processor(h).ProcessAsync("PUT", uri, V3(signature, timestamp), body)).StatusCode);
        Assert.Equal(401, (await Processor(h).ProcessAsync("POST", new Uri("https://www.example.com/other"), V3(signature, timestamp), body)).StatusCode);
        Assert.Equal(401, (await Processor(h).ProcessAsync("POST", uri, V3(signature, (long.Parse(timestamp, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture)), body)).StatusCode);
    }

    [Fact]
    public async Task PublishedV1AndV2Vectors_AreAcceptedOnlyWhenLegacySignaturesAreEnabled()
    {
        await using var h = await StartAsync(VectorSecret, legacy: true);
        var v1 = Load("webhook-payload-v1-signature-vector.json");
        var v1Body = Encoding.UTF8.GetBytes(v1["requestBody"]!.GetValue<string>());
        var v1Result = await Processor(h).ProcessAsync("POST", Target, Legacy(v1["expectedSignature"]!.GetValue<string>(), "v1"), v1Body);
        Assert.Equal(200, v1Result.StatusCode);
        Assert.Equal(1, v1Result.Ignored); // contact.creation: not a deal event

        foreach (var vector in Load("webhook-v2-signature-vectors.json").AsArray())
        {
            var result = await Processor(h).ProcessAsync(
                vector!["method"]!.GetValue<string>(),
                new Uri(vector["url"]!.GetValue<string>()),
                Legacy(vector["expectedSignature"]!.GetValue<string>().ToUpperInvariant(), "v2"),
                Encoding.UTF8.GetBytes(vector["requestBody"]!.GetValue<string>()));
            Assert.NotEqual(401, result.StatusCode); // the signature matched (the GET vector has no events: 400)
        }

        var forged = await Processor(h).ProcessAsync("POST", Target, Legacy(new string('a', 64), "v2"), v1Body);
        Assert.Equal(401, forged.StatusCode);

        await using var strict = await StartAsync(VectorSecret);
        var refused = await Processor(strict).ProcessAsync("POST", Target, Legacy(v1["expectedSignature"]!.GetValue<string>(), "v1"), v1Body);
        Assert.Equal(401, refused.StatusCode);
        Assert.Contains("v3", refused.Error);
    }

    [Fact]
    public async Task ForgedStaleFutureUnsignedAndOversized_AreRefused_WithoutPulls()
    {
        await using var h = await StartAsync();
        var secret = h.Emulator.Options.ClientSecret;
        var body = Events(Event(1, "deal.propertyChange", "123", "dealstage", DateTimeOffset.UtcNow));
        var now = DateTimeOffset.UtcNow;

        Assert.Equal(401, (await Send(h, body, "wrong-secret", now)).StatusCode);
        Assert.Equal(401, (await Processor(h).ProcessAsync("POST", Target, V3(Convert.ToBase64String(new byte[32]), Ms(now)), body)).StatusCode);
        Assert.Equal(401, (await Processor(h).ProcessAsync("POST", Target, V3("not base64!", Ms(now)), body)).StatusCode);
        var stale = await Send(h, body, secret, now.AddMinutes(-6));
        Assert.Equal(401, stale.StatusCode);
        Assert.Contains("old", stale.Error);
        Assert.Equal(401, (await Send(h, body, secret, now.AddMinutes(2))).StatusCode);
        Assert.Equal(401, (await Processor(h).ProcessAsync("POST", Target, [], body)).StatusCode);
        Assert.Equal(401, (await Processor(h).ProcessAsync("POST", Target, [new("X-HubSpot-Signature-v3", Sign(secret, "POST", Target.OriginalString, body, Ms(now)))], body)).StatusCode);

        var huge = Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Repeat("{\"eventId\":1}", 30_000)) + "]");
        Assert.Equal(413, (await Send(h, huge, secret, now)).StatusCode);
        Assert.Equal(400, (await Send(h, "{not json"u8.ToArray(), secret, now)).StatusCode);
        Assert.Equal(0, h.Emulator.Calls.Total);
    }

    [Fact]
    public async Task DealEvents_BecomeTargetedPulls_OnlyForLinkedDealsOfMappedPortals()
    {
        await using var h = await StartAsync();
        var linked = h.InsertDeal("Linked", "appointmentscheduled");
        var generic = h.InsertDeal("Generic", "appointmentscheduled");
        var unlinked = h.InsertDeal("Unlinked");
        await h.AddLeadAsync("lead-a", linked);
        await h.AddLeadAsync("lead-b", generic);
        h.Emulator.UpdateObject("deals", linked, new Dictionary<string, string?> { ["dealstage"] = "closedwon", ["amount"] = "4200" });
        h.Emulator.UpdateObject("deals", generic, new Dictionary<string, string?> { ["dealstage"] = "presentationscheduled" });
        var now = DateTimeOffset.UtcNow;
        var body = Events(
            Event(11, "deal.propertyChange", linked, "dealstage", now),
            Event(12, "deal.propertyChange", linked, "amount", now), // same deal: one pull
            Event(13, "deal.propertyChange", linked, "description", now), // not synced: ignored
            Event(14, "object.propertyChange", generic, "dealstage", now, objectTypeId: "0-3"),
            Event(15, "deal.propertyChange", unlinked, "dealstage", now),
            Event(16, "deal.propertyChange", linked, "dealstage", now, portal: 999), // portal without users
            Event(17, "contact.propertyChange", "55", "lifecyclestage", now));

        var result = await Send(h, body, h.Emulator.Options.ClientSecret, now);

        Assert.Equal(200, result.StatusCode);
        Assert.Equal(7, result.Events);
        Assert.Equal(2, result.Ignored);
        Assert.Equal(1, result.LeadsNotFound);
        Assert.Equal(2, result.Pulls.Count);
        Assert.All(result.Pulls, p => Assert.True(p.Success, p.Error));
        var a = (await h.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-a"))!;
        Assert.Equal(LeadStatuses.Won, a.Status);
        Assert.Equal(4200m, a.ExpectedValue);
        Assert.Equal(LifecycleStages.Opportunity, (await h.Leads.GetAsync(HubSpotGatewayHost.UserId, "lead-b"))!.LifecycleStage);
        Assert.Equal(2, h.Emulator.Calls.Count("deals.objects.get"));
    }

    [Fact]
    public async Task DuplicatesReplaysAndOlderEvents_DoNotPullAgain()
    {
        await using var h = await StartAsync();
        var deal = h.InsertDeal("D");
        await h.AddLeadAsync("lead-d", deal);
        var now = DateTimeOffset.UtcNow;
        var secret = h.Emulator.Options.ClientSecret;
        var body = Events(Event(21, "deal.propertyChange", deal, "dealstage", now));

        Assert.Single((await Send(h, body, secret, now)).Pulls);
        var calls = h.Emulator.Calls.Total;

        var replay = await Send(h, body, secret, now); // the same delivery again (HubSpot retry or a captured request)
        Assert.Equal(200, replay.StatusCode);
        Assert.Equal(1, replay.Duplicates);
        Assert.Empty(replay.Pulls);

        var retried = await Send(h, Events(Event(21, "deal.propertyChange", deal, "dealstage", now, attempt: 1)), secret, now);
        Assert.Equal(1, retried.Duplicates);

        var older = await Send(h, Events(Event(20, "deal.propertyChange", deal, "amount", now.AddSeconds(-30))), secret, now);
        Assert.Equal(1, older.OutOfOrder);
        Assert.Empty(older.Pulls);
        Assert.Equal(calls, h.Emulator.Calls.Total);

        var newer = await Send(h, Events(Event(22, "deal.propertyChange", deal, "amount", now.AddSeconds(5))), secret, now);
        Assert.Single(newer.Pulls);
    }

    [Fact]
    public async Task DealDeletion_PullRecordsTheErrorOnTheLead_AndAcknowledges()
    {
        await using var h = await StartAsync();
        var deal = h.InsertDeal("Doomed");
        await h.AddLeadAsync("lead-x", deal);
        h.Emulator.ArchiveObject("deals", deal);
        var now = DateTimeOffset.UtcNow;

        var result = await Send(h, Events(Event(31, "deal.deletion", deal, null, now)), h.Emulator.Options.ClientSecret, now);

        Assert.Equal(200, result.StatusCode);
        var pull = Assert.Single(result.Pulls);
        Assert.False(pull.Success);
        Assert.Equal(CrmSyncNotFoundException.ErrorCode, pull.ErrorCode);
        Assert.Equal(SyncStatus.Error, (await h.Sync.GetSyncStateAsync("lead-x"))!.Status);
    }

    [Fact]
    public async Task CommunityFixture_SingleEventObject_IsAccepted()
    {
        await using var h = await StartAsync();
        var fixture = Load("webhook-deal-propertyChange.community-fixture.json");
        var body = Encoding.UTF8.GetBytes(fixture.ToJsonString());

        var result = await Send(h, body, h.Emulator.Options.ClientSecret, DateTimeOffset.UtcNow);

        Assert.Equal(200, result.StatusCode);
        Assert.Equal(1, result.Events);
        Assert.Equal(0, result.Ignored);
        Assert.Empty(result.Pulls); // portal 5799819 is not mapped
    }

    private static async Task<HubSpotGatewayHost> StartAsync(string? secret = null, TimeProvider? clock = null, bool legacy = false)
        => await HubSpotGatewayHost.StartAsync(
            o => { if (secret is not null) { o.ClientSecret = secret; } },
            o => o.RateLimits = new CrmRateLimits { RequestsPerWindow = 1000 },
            inProcess: true,
            builder: b => b.AddHubSpotWebhooks(o =>
            {
                o.PortalUsers["62515"] = [HubSpotGatewayHost.UserId];
                o.AcceptLegacySignatures = legacy;
            }),
            services: s =>
            {
                if (clock is not null)
                {
                    s.AddSingleton(clock);
                }
            });

    private static HubSpotWebhookProcessor Processor(HubSpotGatewayHost h) => h.Services.GetRequiredService<HubSpotWebhookProcessor>();

    private static Task<HubSpotWebhookResult> Send(HubSpotGatewayHost h, byte[] body, string secret, DateTimeOffset timestamp)
        => Processor(h).ProcessAsync("POST", Target, V3(Sign(secret, "POST", Target.OriginalString, body, Ms(timestamp)), Ms(timestamp)), body);

    /// <summary>HubSpot's v3 signature, computed independently of the processor.</summary>
    private static string Sign(string secret, string method, string uri, byte[] body, string timestamp)
        => Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), (byte[])[.. Encoding.UTF8.GetBytes(method + uri), .. body, .. Encoding.UTF8.GetBytes(timestamp)]));

    private static string Ms(DateTimeOffset time) => time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static KeyValuePair<string, string>[] V3(string signature, string timestamp)
        => [new("x-hubspot-signature-v3", signature), new("X-HubSpot-Request-Timestamp", timestamp), new("Content-Type", "application/json")];

    private static KeyValuePair<string, string>[] Legacy(string signature, string version)
        => [new("X-HubSpot-Signature", signature), new("X-HubSpot-Signature-Version", version)];

    private static JsonObject Event(long eventId, string type, string objectId, string? property, DateTimeOffset occurredAt, long portal = 62515, string? objectTypeId = null, int attempt = 0)
    {
        var e = new JsonObject
        {
            ["eventId"] = eventId,
            ["subscriptionId"] = 92894,
            ["portalId"] = portal,
            ["appId"] = 1160452,
            ["occurredAt"] = occurredAt.ToUnixTimeMilliseconds(),
            ["subscriptionType"] = type,
            ["attemptNumber"] = attempt,
            ["objectId"] = long.Parse(objectId, CultureInfo.InvariantCulture),
            ["changeSource"] = "CRM_UI",
        };
        if (property is not null)
        {
            e["propertyName"] = property;
            e["propertyValue"] = "x";
        }

        if (objectTypeId is not null)
        {
            e["objectTypeId"] = objectTypeId;
        }

        return e;
    }

    private static byte[] Events(params JsonObject[] events) => Encoding.UTF8.GetBytes(new JsonArray(events).ToJsonString());

    private static JsonNode Load(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "HubSpot", "Webhooks", "Vectors", name)))!;
}
