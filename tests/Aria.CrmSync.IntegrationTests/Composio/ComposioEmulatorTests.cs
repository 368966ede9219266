using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Composio;

/// <summary>The Composio emulator over loopback HTTP, as any Composio client sees it.</summary>
public sealed class ComposioEmulatorTests : IAsyncLifetime
{
    private readonly HubSpotEmulator _hubSpot = new(new HubSpotEmulatorOptions { Seed = 3 });
    private readonly SalesforceEmulator _salesforce = new(new SalesforceEmulatorOptions { Seed = 3 });
    private ComposioEmulator _composio = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _composio = new ComposioEmulator(_salesforce, _hubSpot, new ComposioEmulatorOptions { Seed = 3 });
        await _composio.StartServerAsync();
        _http = new HttpClient { BaseAddress = _composio.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _composio.DisposeAsync();
        await _hubSpot.DisposeAsync();
        await _salesforce.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> ProxyAsync(object? request, string? apiKey = "", string path = "/api/v3/tools/execute/proxy")
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(request is string text ? text : System.Text.Json.JsonSerializer.Serialize(request), Encoding.UTF8, "application/json"),
        };
        if (apiKey is not null)
        {
            message.Headers.Add("x-api-key", apiKey.Length == 0 ? _composio.ApiKey : apiKey);
        }

        using var response = await _http.SendAsync(message);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    [Fact]
    public async Task Proxy_AddsTheAccountsToken_PassesQueryAndHeaderParameters_AndWrapsTheCrmsAnswer()
    {
        var account = _composio.AddConnectedAccount(CrmProvider.HubSpot, privateApp: true);
        var deal = _hubSpot.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = "Acme", ["amount"] = "12" });

        var (status, body) = await ProxyAsync(new
        {
            connected_account_id = account.Id,
            endpoint = $"/crm/v3/objects/deals/{deal.Id}",
            method = "GET",
            parameters = new object[] { new { name = "properties", value = "dealname,amount", type = "query" }, new { name = "Accept", value = "application/json", type = "header" } },
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(200, body["status"]!.GetValue<int>());
        Assert.Equal("12", body["data"]!["properties"]!["amount"]!.GetValue<string>());
        Assert.StartsWith("application/json", body["headers"]!["content-type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(body["headers"]!["x-hubspot-ratelimit-remaining"]);
        Assert.True(body["successful"]!.GetValue<bool>());
        Assert.StartsWith("log_", body["log_id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(body["log_id"]!.GetValue<string>(), Assert.Single(_composio.Logs).LogId);
        Assert.Equal(1, _hubSpot.Calls.Count("deals.objects.get"));
    }

    [Fact]
    public async Task Proxy_CrmErrors_AreA200_WithTheCrmsStatusAndBody()
    {
        var account = _composio.AddConnectedAccount(CrmProvider.Salesforce);

        var (status, body) = await ProxyAsync(new { connected_account_id = account.Id, endpoint = "/services/data/v66.0/sobjects/Opportunity/006000000000000AAA", method = "GET" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(404, body["status"]!.GetValue<int>());
        Assert.False(body["successful"]!.GetValue<bool>());
        Assert.Equal("NOT_FOUND", body["data"]![0]!["errorCode"]!.GetValue<string>());
        Assert.NotNull(body["headers"]!["sforce-limit-info"]);
    }

    [Fact]
    public async Task Proxy_SendsJsonBodies_AndAbsoluteEndpoints()
    {
        var account = _composio.AddConnectedAccount(CrmProvider.HubSpot);

        var (_, created) = await ProxyAsync(new
        {
            connected_account_id = account.Id,
            endpoint = "https://api.hubapi.com/crm/v3/objects/deals",
            method = "POST",
            body = new { properties = new { dealname = "From Composio", amount = "5" } },
        });

        Assert.Equal(201, created["status"]!.GetValue<int>());
        Assert.Equal("From Composio", _hubSpot.GetObject("deals", created["data"]!["id"]!.GetValue<string>())!["dealname"]);
    }

    [Theory]
    [InlineData(null, 401)]
    [InlineData("ak_wrong", 401)]
    public async Task Proxy_WithoutAValidApiKey_Is401(string? key, int expected)
    {
        var account = _composio.AddConnectedAccount(CrmProvider.HubSpot);

        var (status, body) = await ProxyAsync(new { connected_account_id = account.Id, endpoint = "/crm/v3/objects/deals", method = "GET" }, key ?? (string?)null);

        Assert.Equal(expected, (int)status);
        Assert.Equal(expected, body["error"]!["status"]!.GetValue<int>());
        Assert.StartsWith("req_", body["error"]!["request_id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, _hubSpot.Calls.Total);
    }

    [Fact]
    public async Task Proxy_RejectsMalformedRequests_AndUnknownAccountsAndRoutes()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await ProxyAsync("{not json")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ProxyAsync(new { connected_account_id = "ca_x", endpoint = "/x", method = "TRACE" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ProxyAsync(new { endpoint = "/x", method = "GET" })).Status);
        var unknown = await ProxyAsync(new { connected_account_id = "ca_missing", endpoint = "/x", method = "GET" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("ConnectedAccountNotFound", unknown.Body["error"]!["slug"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await ProxyAsync(new { }, path: "/api/v3/tools/execute/SOME_TOOL")).Status);
        Assert.Equal(1, _composio.Calls.Count(ComposioEmulator.UnknownEndpoint));
    }

    [Fact]
    public async Task Construction_NeedsACrm_AndAccountsNeedItsEmulator()
    {
        Assert.Throws<ArgumentException>(() => new ComposioEmulator(null, null));
        await using var onlyHubSpot = new HubSpotEmulator();
        await using var composio = new ComposioEmulator(null, onlyHubSpot);
        Assert.Throws<ArgumentException>(() => composio.AddConnectedAccount(CrmProvider.Salesforce));
        Assert.Throws<KeyNotFoundException>(() => composio.SetAccountStatus("ca_none", ComposioAccountStatus.Disabled));
        Assert.Null(composio.GetAccount("ca_none"));
    }
}
