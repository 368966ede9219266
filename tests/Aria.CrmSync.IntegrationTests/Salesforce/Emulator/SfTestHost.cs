using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

/// <summary>A response as the tests see it.</summary>
internal sealed record SfResponse(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Message, string Text)
{
    public int Code => (int)Status;

    public string? Header(string name)
        => Message.Headers.TryGetValues(name, out var values) || Message.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    public string ErrorCode => Body is JsonArray a && a.Count > 0 ? a[0]!["errorCode"]!.GetValue<string>() : throw new InvalidOperationException($"Not an error array: {Text}");

    public string ErrorMessage => Body is JsonArray a && a.Count > 0 ? a[0]!["message"]!.GetValue<string>() : throw new InvalidOperationException($"Not an error array: {Text}");
}

/// <summary>An emulator served over loopback (or in process) with an authenticated client.</summary>
internal sealed class SfTestHost : IAsyncDisposable
{
    public const string Version = "66.0";

    private SfTestHost(SalesforceEmulator emulator, HttpClient http, SalesforceTokens tokens)
    {
        Emulator = emulator;
        Http = http;
        Tokens = tokens;
    }

    public SalesforceEmulator Emulator { get; }

    public HttpClient Http { get; }

    public SalesforceTokens Tokens { get; private set; }

    public SalesforceOrg Org => Emulator.Org;

    public static async Task<SfTestHost> StartAsync(Action<SalesforceEmulatorOptions>? configure = null, bool loopback = true)
    {
        var options = new SalesforceEmulatorOptions();
        configure?.Invoke(options);
        var emulator = new SalesforceEmulator(options);
        HttpClient http;
        if (loopback)
        {
            var server = await emulator.StartServerAsync();
            http = new HttpClient { BaseAddress = server.BaseAddress };
        }
        else
        {
            http = emulator.CreateClient();
        }

        var tokens = emulator.IssueTokens();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        return new SfTestHost(emulator, http, tokens);
    }

    public static string Data(string relative) => $"/services/data/v{Version}/{relative}";

    public void UseToken(string accessToken)
        => Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);

    public Task<SfResponse> GetAsync(string path, params (string Name, string Value)[] headers) => SendAsync(HttpMethod.Get, path, null, headers);

    public Task<SfResponse> PostAsync(string path, object? body, params (string Name, string Value)[] headers) => SendAsync(HttpMethod.Post, path, body, headers);

    public Task<SfResponse> PatchAsync(string path, object? body, params (string Name, string Value)[] headers) => SendAsync(HttpMethod.Patch, path, body, headers);

    public Task<SfResponse> DeleteAsync(string path, params (string Name, string Value)[] headers) => SendAsync(HttpMethod.Delete, path, null, headers);

    public async Task<SfResponse> SendAsync(HttpMethod method, string path, object? body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            var json = body switch
            {
                string s => s,
                JsonNode node => node.ToJsonString(),
                _ => System.Text.Json.JsonSerializer.Serialize(body),
            };
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? parsed = null;
        if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            parsed = JsonNode.Parse(text);
        }

        return new SfResponse(response.StatusCode, parsed, response, text);
    }

    /// <summary>Runs a query and returns the first page.</summary>
    public async Task<SfResponse> QueryAsync(string soql, bool all = false, params (string Name, string Value)[] headers)
        => await GetAsync(Data((all ? "queryAll" : "query") + "?q=" + Uri.EscapeDataString(soql)), headers);

    /// <summary>Creates a record through the API and returns its id.</summary>
    public async Task<string> CreateAsync(string type, object body)
    {
        var response = await PostAsync(Data($"sobjects/{type}/"), body);
        Assert.True(response.Status == HttpStatusCode.Created, $"create {type} failed: {response.Code} {response.Text}");
        return response.Body!["id"]!.GetValue<string>();
    }

    public string Opportunity(string name = "Deal", string stage = "Prospecting", decimal? amount = null, string closeDate = "2026-06-30")
    {
        var fields = new Dictionary<string, object?> { ["Name"] = name, ["StageName"] = stage, ["CloseDate"] = DateOnly.Parse(closeDate, System.Globalization.CultureInfo.InvariantCulture) };
        if (amount is not null)
        {
            fields["Amount"] = amount;
        }

        return Org.Insert("Opportunity", fields);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}
