using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Emulator;

/// <summary>A HubSpot emulator behind a loopback server (or the in-process handler) with a fake clock and a private-app token.</summary>
internal sealed class HubSpotHarness : IAsyncDisposable
{
    private HubSpotHarness(HubSpotEmulator emulator, FakeTimeProvider clock, HttpClient client, string token)
    {
        Emulator = emulator;
        Clock = clock;
        Client = client;
        Token = token;
    }

    public static DateTimeOffset Start { get; } = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public HubSpotEmulator Emulator { get; }

    public FakeTimeProvider Clock { get; }

    public HttpClient Client { get; }

    public string Token { get; set; }

    public static async Task<HubSpotHarness> StartAsync(Action<HubSpotEmulatorOptions>? configure = null, bool inProcess = false)
    {
        var clock = new FakeTimeProvider(Start);
        var options = new HubSpotEmulatorOptions { TimeProvider = clock, Seed = 42 };
        configure?.Invoke(options);
        var emulator = new HubSpotEmulator(options);
        HttpClient client;
        if (inProcess)
        {
            client = emulator.CreateClient();
        }
        else
        {
            var server = await emulator.StartServerAsync();
            client = new HttpClient { BaseAddress = server.BaseAddress };
        }

        return new HubSpotHarness(emulator, clock, client, emulator.CreatePrivateAppToken());
    }

    public async Task<HubSpotReply> SendAsync(HttpMethod method, string path, object? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path);
        var bearer = token ?? Token;
        if (bearer.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is not null)
        {
            var json = body switch
            {
                string text => text,
                JsonNode node => node.ToJsonString(),
                _ => System.Text.Json.JsonSerializer.Serialize(body),
            };
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await Client.SendAsync(request);
        return await HubSpotReply.ReadAsync(response);
    }

    public Task<HubSpotReply> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, null, token);

    public Task<HubSpotReply> PostAsync(string path, object body, string? token = null) => SendAsync(HttpMethod.Post, path, body, token);

    public Task<HubSpotReply> PatchAsync(string path, object body) => SendAsync(HttpMethod.Patch, path, body);

    public Task<HubSpotReply> PutAsync(string path, object? body = null) => SendAsync(HttpMethod.Put, path, body ?? new JsonArray());

    public Task<HubSpotReply> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public async Task<HubSpotReply> PostFormAsync(string path, params (string Key, string Value)[] fields)
    {
        using var content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));
        using var response = await Client.PostAsync(path, content);
        return await HubSpotReply.ReadAsync(response);
    }

    public async Task<string> CreateDealAsync(string name, string stage = "appointmentscheduled", string? amount = null)
    {
        var properties = new JsonObject { ["dealname"] = name, ["dealstage"] = stage, ["pipeline"] = "default" };
        if (amount is not null)
        {
            properties["amount"] = amount;
        }

        var reply = await PostAsync("/crm/v3/objects/deals", new JsonObject { ["properties"] = properties, ["associations"] = new JsonArray() });
        Assert.Equal(201, reply.Status);
        return reply.Json!["id"]!.GetValue<string>();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Emulator.DisposeAsync();
    }
}

/// <summary>A response read eagerly.</summary>
internal sealed record HubSpotReply(int Status, string Body, JsonNode? Json, IReadOnlyDictionary<string, string> Headers)
{
    public JsonObject Object => Json as JsonObject ?? throw new InvalidOperationException($"Not a JSON object: {Body}");

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public static async Task<HubSpotReply> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (body.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(body);
            }
            catch (System.Text.Json.JsonException)
            {
                json = null;
            }
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            headers[header.Key] = string.Join(", ", header.Value);
        }

        return new HubSpotReply((int)response.StatusCode, body, json, headers);
    }
}
