using System.Net;
using System.Text.Json.Nodes;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

public sealed class SalesforceConcurrencyTests
{
    [Fact]
    public async Task ParallelWritesOverLoopback_AreAllAppliedWithUniqueIds()
    {
        await using var host = await SfTestHost.StartAsync();
        var creates = Enumerable.Range(0, 40).Select(i => host.CreateAsync("Opportunity", new { Name = $"P{i}", StageName = "Prospecting", CloseDate = "2026-01-01" }));
        var collections = Enumerable.Range(0, 5).Select(i => host.PostAsync(SfTestHost.Data("composite/sobjects"), new JsonObject
        {
            ["records"] = new JsonArray([.. Enumerable.Range(0, 10).Select(j => (JsonNode?)new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Task" }, ["Subject"] = $"T{i}-{j}" })]),
        }));
        var ids = await Task.WhenAll(creates);
        var batches = await Task.WhenAll(collections);

        Assert.Equal(40, ids.Distinct().Count());
        Assert.All(batches, b => Assert.Equal(HttpStatusCode.OK, b.Status));
        Assert.Equal(40, host.Org.Count("Opportunity"));
        Assert.Equal(50, host.Org.Count("Task"));
        var count = await host.QueryAsync("SELECT COUNT() FROM Task");
        Assert.Equal(50, count.Body!["totalSize"]!.GetValue<int>());
        Assert.Equal(46, host.Emulator.Calls.ApiCalls);
    }

    [Fact]
    public async Task DroppedConnections_SurfaceAsHttpRequestExceptions_AndDoNotProcess()
    {
        await using var host = await SfTestHost.StartAsync();
        host.Emulator.Faults.FailNext(FaultKind.DropConnection, SalesforceEndpoints.SObjectCreate);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => host.PostAsync(SfTestHost.Data("sobjects/Account"), new { Name = "Lost" }));
        Assert.Equal(0, host.Org.Count("Account"));

        host.Emulator.Faults.FailNext(FaultKind.MalformedJson, SalesforceEndpoints.Query);
        using var garbled = await host.Http.GetAsync(SfTestHost.Data("query?q=SELECT+Id+FROM+Account"));
        var text = await garbled.Content.ReadAsStringAsync();
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => JsonNode.Parse(text));
    }

    [Fact]
    public async Task InProcessHandler_AndLoopback_ServeTheSameOrg()
    {
        await using var host = await SfTestHost.StartAsync();
        using var inProcess = host.Emulator.CreateClient();
        inProcess.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", host.Tokens.AccessToken);
        var id = await host.CreateAsync("Account", new { Name = "Shared" });
        using var response = await inProcess.GetAsync(SfTestHost.Data($"sobjects/Account/{id}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"Name\":\"Shared\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("api-usage=2/", string.Join(",", response.Headers.GetValues("Sforce-Limit-Info")), StringComparison.Ordinal);
    }
}
