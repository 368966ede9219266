using System.Globalization;
using Aria.CrmSync.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Webhooks;

/// <summary>
/// End to end: a change in the HubSpot emulator → a signed delivery over loopback → <c>MapHubSpotWebhooks</c> on
/// Kestrel → <see cref="ICrmChangeNotifier"/> → a targeted sync → the lead. Lost, duplicated, out-of-order and retried
/// deliveries lose no change (the periodic incremental sync is the safety net for lost ones).
/// </summary>
public sealed class HubSpotWebhookEndToEndTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task APersonsEditInHubSpot_ReachesTheLead_ThroughARealDelivery()
    {
        await using var h = await WebhookEndpointHost.StartAsync();
        var (deal, lead) = (await h.SeedAsync(1))[0];
        h.StartWebhooks();

        h.Emulator.UpdateObject("deals", deal, new Dictionary<string, string?> { ["amount"] = "4200" });

        await h.WaitForValuesAsync(new Dictionary<string, decimal> { [lead] = 4200m }, Wait);
        var attempt = Assert.Single(h.Emulator.Webhooks.Attempts);
        Assert.Equal(200, attempt.StatusCode);
        Assert.DoesNotContain(h.Logs.Lines, l => l.Contains(h.Emulator.Options.ClientSecret, StringComparison.Ordinal));
        Assert.Contains(h.Logs.Lines, l => l.Contains("1 targeted sync(s) of 1 deal(s) queued", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACallLoggedInHubSpot_ReachesTheLeadsEvents_ThroughAnEngagementDelivery()
    {
        await using var h = await WebhookEndpointHost.StartAsync();
        var (deal, lead) = (await h.SeedAsync(1))[0];
        h.Emulator.Webhooks.Subscribe("object.creation", objectTypeId: "0-48"); // calls
        h.StartWebhooks();

        var occurred = new DateTimeOffset(2026, 12, 7, 9, 30, 0, TimeSpan.Zero);
        var call = h.Emulator.InsertObject("calls", new Dictionary<string, string?>
        {
            ["hs_timestamp"] = occurred.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            ["hs_call_title"] = "Intro call",
            ["hs_call_direction"] = "INBOUND",
            ["hs_call_status"] = "COMPLETED",
        }).Id;
        h.Emulator.Associate("calls", call, "deals", deal, 206);

        using var timeout = new CancellationTokenSource(Wait);
        List<LeadEvent> events;
        while ((events = await h.Leads.GetEventsAsync(WebhookEndpointHost.User, lead).ToListAsync()).Count == 0)
        {
            await Task.Delay(20, timeout.Token); // throws when the call never arrives
        }

        var pulled = Assert.Single(events);
        Assert.Equal((call, "call", "Intro call", occurred), (pulled.ExternalId, pulled.EventType, pulled.Subject, pulled.OccurredAt));
    }

    [Fact]
    public async Task TheEndpoint_AnswersBeforeTheSyncRuns()
    {
        await using var h = await WebhookEndpointHost.StartAsync();
        var (deal, lead) = (await h.SeedAsync(1))[0];
        h.Emulator.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Endpoint = "deals.batch.read", Latency = TimeSpan.FromSeconds(3), RemainingCount = 1 });
        h.StartWebhooks();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        h.Emulator.UpdateObject("deals", deal, new Dictionary<string, string?> { ["amount"] = "5150" });
        await h.Emulator.Webhooks.WaitIdleAsync().WaitAsync(Wait); // delivered and answered 200 ...
        var answered = clock.Elapsed;
        Assert.Equal(200, Assert.Single(h.Emulator.Webhooks.Attempts).StatusCode);
        Assert.NotEmpty(await h.WrongValuesAsync(new Dictionary<string, decimal> { [lead] = 5150m })); // ... while the read is still held up

        await h.WaitForValuesAsync(new Dictionary<string, decimal> { [lead] = 5150m }, Wait);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(3), $"the lead was updated after {clock.Elapsed}: the 3 s read did not run");
        Assert.True(answered < TimeSpan.FromSeconds(3), $"the delivery was answered after {answered}, not before the read");
    }

    [Fact]
    public async Task MapHubSpotWebhooks_WithoutTheNotificationPath_Throws()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddAriaCrmSync().UseInMemoryStores().AddHubSpot(o => o.ClientSecret = "secret").AddHubSpotWebhooks();
        await using var app = builder.Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapHubSpotWebhooks());
        Assert.Contains("AddChangeNotifications", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgedAndMalformedRequests_AreRefused_WithoutSecretsInAnswersOrLogs()
    {
        await using var h = await WebhookEndpointHost.StartAsync();
        await h.SeedAsync(1);
        using var client = new HttpClient();
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using var forged = new HttpRequestMessage(HttpMethod.Post, h.Target) { Content = new StringContent("[]") };
        forged.Headers.Add("X-HubSpot-Signature-v3", Convert.ToBase64String(new byte[32]));
        forged.Headers.Add("X-HubSpot-Request-Timestamp", timestamp);
        var refused = await client.SendAsync(forged);
        Assert.Equal(401, (int)refused.StatusCode);
        Assert.Empty(await refused.Content.ReadAsStringAsync());

        var body = "{not json"u8.ToArray();
        using var malformed = new HttpRequestMessage(HttpMethod.Post, h.Target) { Content = new ByteArrayContent(body) };
        malformed.Headers.Add("X-HubSpot-Signature-v3", Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(h.Emulator.Options.ClientSecret), (byte[])[.. System.Text.Encoding.UTF8.GetBytes("POST" + h.Target.AbsoluteUri), .. body, .. System.Text.Encoding.UTF8.GetBytes(timestamp)])));
        malformed.Headers.Add("X-HubSpot-Request-Timestamp", timestamp);
        var bad = await client.SendAsync(malformed);
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Empty(await bad.Content.ReadAsStringAsync());

        using var huge = new HttpRequestMessage(HttpMethod.Post, h.Target) { Content = new ByteArrayContent(new byte[300 * 1024]) };
        Assert.Equal(413, (int)(await client.SendAsync(huge)).StatusCode);
        Assert.DoesNotContain(h.Logs.Lines, l => l.Contains(h.Emulator.Options.ClientSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DuplicatedOutOfOrderAndRetriedDeliveries_LoseNoChange_WithoutThePeriodicSync()
    {
        await using var h = await WebhookEndpointHost.StartAsync();
        var deals = await h.SeedAsync(100);
        h.StartWebhooks(s =>
        {
            s.DuplicateRate = 0.5;
            s.OutOfOrder = true;
            s.MaxEventsPerRequest = 10;
        });
        h.FailNext(3); // 5xx: HubSpot retries

        var expected = await EditInRoundsAsync(h, deals, rounds: 3);

        await h.WaitForValuesAsync(expected, Wait);
        await h.Emulator.Webhooks.WaitIdleAsync().WaitAsync(Wait);
        var attempts = h.Emulator.Webhooks.Attempts.ToList();
        Assert.Contains(attempts, a => a.Duplicate && a.StatusCode == 200);
        Assert.Contains(attempts, a => a.AttemptNumber > 0 && a.StatusCode == 200);
        Assert.Equal(3, attempts.Count(a => a.StatusCode == 503));
        Assert.Equal(0, h.Emulator.Webhooks.EventsDropped + h.Emulator.Webhooks.EventsAbandoned);
        Assert.Empty(await h.WrongValuesAsync(expected));
    }

    [Fact]
    public async Task DroppedDeliveries_DelayChanges_UntilThePeriodicSyncReadsThem()
    {
        await using var h = await WebhookEndpointHost.StartAsync();
        var deals = await h.SeedAsync(100);
        h.StartWebhooks(s =>
        {
            s.DropRate = 0.5;
            s.MaxEventsPerRequest = 5;
        });

        var expected = await EditInRoundsAsync(h, deals, rounds: 2);
        await h.Emulator.Webhooks.WaitIdleAsync().WaitAsync(Wait);
        await h.Notifier.WaitIdleAsync().WaitAsync(Wait);
        Assert.True(h.Emulator.Webhooks.EventsDropped > 0);
        var missed = await h.WrongValuesAsync(expected);
        Assert.NotEmpty(missed); // some changes never arrived as webhooks

        var periodic = await h.Sync.SyncConnectionAsync(WebhookEndpointHost.User, CrmProvider.HubSpot, new ConnectionSyncOptions { IncludeActivities = false });

        Assert.True(periodic.Completed, periodic.Reason);
        Assert.Empty(await h.WrongValuesAsync(expected));
    }

    /// <summary>A person edits every deal's amount <paramref name="rounds"/> times; returns each lead's final value.</summary>
    private static async Task<Dictionary<string, decimal>> EditInRoundsAsync(WebhookEndpointHost h, IReadOnlyList<(string DealId, string LeadId)> deals, int rounds)
    {
        var expected = new Dictionary<string, decimal>();
        for (var round = 1; round <= rounds; round++)
        {
            for (var i = 0; i < deals.Count; i++)
            {
                var value = (round * 1000) + i;
                h.Emulator.UpdateObject("deals", deals[i].DealId, new Dictionary<string, string?> { ["amount"] = value.ToString(CultureInfo.InvariantCulture) });
                expected[deals[i].LeadId] = value;
            }

            await Task.Delay(30);
        }

        return expected;
    }
}
