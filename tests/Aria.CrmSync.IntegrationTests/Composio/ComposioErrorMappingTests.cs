using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Aria.CrmSync.IntegrationTests.HubSpot.Gateway;
using Aria.CrmSync.IntegrationTests.Salesforce.Gateway;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.IntegrationTests.Composio;

/// <summary>
/// Every documented Composio answer (its own errors, CRM failures inside HTTP 200, malformed bodies), played by a canned
/// handler in place of Composio, mapped to the library's typed exceptions with the usual retry rules.
/// </summary>
public sealed class ComposioErrorMappingTests
{
    private const string OppId = "006000000000001AAA";

    private static async Task<(SfGatewayHost Host, ComposioCannedHandler Handler)> SalesforceAsync(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        var handler = new ComposioCannedHandler(answer);
        var host = await SfGatewayHost.StartAsync(loopback: false, transport: GatewayTransport.Composio, services: s => s.AddHttpClient(ComposioOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler));
        return (host, handler);
    }

    private static async Task<(HubSpotGatewayHost Host, ComposioCannedHandler Handler)> HubSpotAsync(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        var handler = new ComposioCannedHandler(answer);
        var host = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: GatewayTransport.Composio, services: s => s.AddHttpClient(ComposioOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler));
        return (host, handler);
    }

    private static string ComposioError(int status, string message = "refused", string slug = "Canned")
        => new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = message,
                ["code"] = status * 100,
                ["slug"] = slug,
                ["status"] = status,
                ["request_id"] = "req_canned",
                ["suggested_fix"] = "none",
            },
        }.ToJsonString();

    private static string Result(int status, string data, bool? successful = null)
    {
        var result = new JsonObject
        {
            ["data"] = JsonNode.Parse(data),
            ["status"] = status,
            ["headers"] = new JsonObject { ["content-type"] = "application/json;charset=UTF-8" },
            ["log_id"] = "log_canned",
        };
        if (successful is { } ok)
        {
            result["successful"] = ok;
            result["error"] = ok ? null : "failed";
        }

        return result.ToJsonString();
    }

    [Theory]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(400, false)]
    [InlineData(409, false)]
    [InlineData(404, true)]
    [InlineData(410, true)]
    [InlineData(422, true)]
    public async Task ComposiosOwnClientErrors_AreConnectionErrors_NotRetried(int status, bool reauthorize)
    {
        var (host, handler) = await SalesforceAsync(_ => ComposioCannedHandler.Json(status, ComposioError(status, "no way")));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, OppId));

        Assert.Equal(reauthorize, ex.RequiresReauthorization);
        Assert.Equal(1, handler.Calls);
        Assert.Equal("composio", ex.Details["broker"]);
        Assert.Equal(status, ex.Details["broker_status"]);
        Assert.Equal("req_canned", ex.Details["broker_request_id"]);
        Assert.Equal("Canned", ex.Details["broker_error"]);
        Assert.Equal("salesforce", ex.Details["provider"]);
        Assert.Contains("no way", ex.Message, StringComparison.Ordinal);
        Assert.Equal(CrmConnectionException.ErrorCode, ex.Code);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task ComposiosServerErrors_OfReads_AreRetried_ThenConnectionErrors(int status)
    {
        var (host, handler) = await SalesforceAsync(_ => ComposioCannedHandler.Json(status, ComposioError(status)));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, OppId));

        Assert.Equal(4, handler.Calls);
        Assert.False(ex.RequiresReauthorization);
        Assert.Equal(status, ex.Details["broker_status"]);
        Assert.Equal("req_canned", ex.Details["broker_request_id"]);
    }

    [Fact]
    public async Task AnHtmlGatewayPage_FromComposio_IsRetried_ThenAConnectionError()
    {
        var (host, handler) = await SalesforceAsync(_ => ComposioCannedHandler.Json(502, "<html>Bad Gateway</html>", "text/html"));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, OppId));

        Assert.Equal(4, handler.Calls);
        Assert.Contains("502", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposiosServerErrors_OfNoteWrites_AreNotRetried()
    {
        var (host, handler) = await SalesforceAsync(_ => ComposioCannedHandler.Json(503, ComposioError(503)));
        await using var _ = host;

        await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.CreateNotesAsync(host.Connection, [new CrmNoteRequest { IdempotencyKey = "k", CrmId = OppId, Text = "[ARIA] x" }]));

        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task ComposiosRateLimit_HonoursItsRetryAfter_WhenItSendsOne()
    {
        var first = true;
        var (host, handler) = await SalesforceAsync(_ =>
        {
            if (!first)
            {
                return ComposioCannedHandler.Json(200, Result(404, """[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]"""));
            }

            first = false;
            var limited = ComposioCannedHandler.Json(429, ComposioError(429, "slow down"));
            limited.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero);
            return limited;
        });
        await using var _ = host;

        Assert.Null(await host.Gateway.GetRecordAsync(host.Connection, OppId));
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task HubSpot_ComposiosRateLimit_IsNotMistakenForHubSpots_AndEndsAsRateLimited()
    {
        var (host, handler) = await HubSpotAsync(_ => ComposioCannedHandler.Json(429, ComposioError(429, "Rate limit exceeded")));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmRateLimitedException>(() => host.CrmGateway.GetRecordAsync(host.Connection, "123"));

        Assert.Equal(4, handler.Calls); // the pipeline's retries only: HubSpot's own 429 loop does not run for Composio's limit
        Assert.Equal(429, ex.Details["broker_status"]);
        Assert.Equal(TimeSpan.FromSeconds(8), ex.RetryAfter);
    }

    [Fact]
    public async Task SalesforceErrorsInsideA200_AreMappedByTheGateway_WithComposiosLogId()
    {
        var (host, handler) = await SalesforceAsync(_ => ComposioCannedHandler.Json(200, Result(400, """[{"message":"unexpected token: 'WHERE'","errorCode":"MALFORMED_QUERY"}]""", successful: false)));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<Providers.Salesforce.SalesforceApiException>(() => host.ReadChangesAsync());

        Assert.Equal("MALFORMED_QUERY", ex.ErrorCode);
        Assert.Equal(400, ex.Details["http_status"]);
        Assert.Equal((400, 400, "MALFORMED_QUERY", "MALFORMED_QUERY"), (ex.StatusCode, ex.HttpStatus, ex.ProviderErrorCode, ex.Details["error_code"]));
        Assert.Equal("salesforce.queryAll", ex.Details["endpoint"]);
        Assert.Equal("log_canned", ex.Details["broker_log_id"]);
        Assert.Equal("composio", ex.Details["broker"]);
        Assert.False(ex.Details.ContainsKey("broker_status")); // Composio itself succeeded
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task ASalesforce401InsideA200_NeedsReauthorization_WithoutALocalRefresh()
    {
        var (host, handler) = await SalesforceAsync(_ => ComposioCannedHandler.Json(200, Result(401, """[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]""", successful: false)));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, OppId));

        Assert.True(ex.RequiresReauthorization);
        Assert.Equal("log_canned", ex.Details["broker_log_id"]);
        Assert.Equal(1, handler.Calls);
        Assert.Equal(0, host.Emulator.Calls.Total); // no token request: Composio owns the tokens
    }

    [Fact]
    public async Task ASalesforce404InsideA200_IsAMissingRecord()
    {
        var (host, _) = await SalesforceAsync(_ => ComposioCannedHandler.Json(200, Result(404, """[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]""", successful: false)));
        await using var _ = host;

        Assert.Null(await host.Gateway.GetRecordAsync(host.Connection, OppId));
    }

    [Fact]
    public async Task HubSpotErrorsInsideA200_AreMappedByTheGateway()
    {
        var answers = new ConcurrentQueue<string>(
        [
            Result(400, """{"status":"error","message":"Property values were not valid","correlationId":"c-1","category":"VALIDATION_ERROR"}""", successful: false),
            Result(401, """{"status":"error","message":"The OAuth token used to make this call expired","correlationId":"c-2","category":"EXPIRED_AUTHENTICATION"}""", successful: false),
            Result(404, """{"status":"error","message":"Object not found","correlationId":"c-3","category":"OBJECT_NOT_FOUND"}""", successful: false),
        ]);
        var (host, handler) = await HubSpotAsync(_ => ComposioCannedHandler.Json(200, answers.TryDequeue(out var next) ? next : throw new InvalidOperationException("no more answers")));
        await using var _ = host;

        var invalid = await Assert.ThrowsAsync<Providers.HubSpot.HubSpotApiException>(() => host.CrmGateway.GetRecordAsync(host.Connection, "123"));
        Assert.Equal(400, invalid.Details["http_status"]);
        Assert.Equal((400, 400, "VALIDATION_ERROR", "VALIDATION_ERROR"), (invalid.StatusCode, invalid.HttpStatus, invalid.ProviderErrorCode, invalid.Details["error_code"])); // as for Salesforce
        Assert.Equal("log_canned", invalid.Details["broker_log_id"]);
        var expired = await Assert.ThrowsAsync<CrmConnectionException>(() => host.CrmGateway.GetRecordAsync(host.Connection, "123"));
        Assert.True(expired.RequiresReauthorization);
        Assert.Null(await host.CrmGateway.GetRecordAsync(host.Connection, "123"));
        Assert.Equal(3, handler.Calls);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("{}")]
    [InlineData("""{"status":"200","data":{}}""")]
    [InlineData("""{"status":999,"data":{}}""")]
    [InlineData("""{"status":200,"data":null,"binary_data":{"url":"https://files.example/x","content_type":"application/pdf","size":3}}""")]
    public async Task MalformedComposioBodies_AreDataErrors_NamingComposio(string body)
    {
        var (host, handler) = await SalesforceAsync(_ => ComposioCannedHandler.Json(200, body));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmSyncDataException>(() => host.Gateway.GetRecordAsync(host.Connection, OppId));

        Assert.Equal("composio salesforce.sobjects.get", ex.DataSource);
        Assert.Equal("composio", ex.Details["broker"]);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task AComposioErrorObjectInsideA200_IsMappedByItsStatus()
    {
        var (host, handler) = await SalesforceAsync(_ => ComposioCannedHandler.Json(200, ComposioError(410, "Connected account is expired")));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, OppId));

        Assert.True(ex.RequiresReauthorization);
        Assert.Equal(410, ex.Details["broker_status"]);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task AFailureComposioReportsWithoutTheCrmsAnswer_IsAConnectionError_WithTheLogId()
    {
        var (host, handler) = await SalesforceAsync(_ => ComposioCannedHandler.Json(200, """{"data":null,"successful":false,"error":"Upstream timed out","log_id":"log_lonely"}"""));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, OppId));

        Assert.False(ex.RequiresReauthorization);
        Assert.Contains("Upstream timed out", ex.Message, StringComparison.Ordinal);
        Assert.Equal("log_lonely", ex.Details["broker_log_id"]);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task TheApiKey_IsRedacted_EvenWhenComposioEchoesIt()
    {
        string? key = null;
        var (host, _) = await SalesforceAsync(request =>
        {
            key = request.Headers.GetValues("x-api-key").Single();
            return ComposioCannedHandler.Json(401, ComposioError(401, $"Invalid API key {key}"));
        });
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, OppId));

        Assert.NotNull(key);
        Assert.DoesNotContain(key, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheProxyRequest_CarriesTheAccount_ARelativeEndpoint_QueryAndHeadersAsParameters_AndNoCredentials()
    {
        var requests = new ConcurrentQueue<(HttpRequestMessage Request, JsonObject Body)>();
        var (host, _) = await SalesforceAsync(request =>
        {
            requests.Enqueue((request, JsonNode.Parse(request.Content!.ReadAsStringAsync().GetAwaiter().GetResult())!.AsObject()));
            return ComposioCannedHandler.Json(200, Result(200, """{"totalSize":0,"done":true,"records":[]}"""));
        });
        await using var _ = host;

        await host.ReadChangesAsync();

        var (message, body) = Assert.Single(requests);
        Assert.Equal(HttpMethod.Post, message.Method);
        Assert.Equal(host.Composio!.ApiBaseAddress + "/tools/execute/proxy", message.RequestUri!.ToString());
        Assert.Equal(host.Composio.ApiKey, message.Headers.GetValues("x-api-key").Single());
        Assert.Null(message.Headers.Authorization);
        Assert.Equal(host.Connection.BrokerAccountId, body["connected_account_id"]!.GetValue<string>());
        Assert.Equal("/services/data/v66.0/queryAll", body["endpoint"]!.GetValue<string>());
        Assert.Equal("GET", body["method"]!.GetValue<string>());
        var parameters = body["parameters"]!.AsArray().Select(p => (Name: p!["name"]!.GetValue<string>(), Type: p["type"]!.GetValue<string>(), Value: p["value"]!.GetValue<string>())).ToList();
        var query = Assert.Single(parameters, p => p.Name == "q");
        Assert.Equal("query", query.Type);
        Assert.StartsWith("SELECT ", query.Value, StringComparison.Ordinal); // decoded: Composio encodes it
        Assert.Contains(parameters, p => p is { Name: "Sforce-Query-Options", Type: "header" });
        Assert.Contains(parameters, p => p is { Name: "Accept", Type: "header", Value: "application/json" });
        Assert.DoesNotContain(parameters, p => p.Name.Equals("Authorization", StringComparison.OrdinalIgnoreCase));
        Assert.False(body.ContainsKey("body"));
    }

    [Fact]
    public async Task AJsonWrite_IsSentAsTheBodyObject_AndTheCrmsHeadersComeBack()
    {
        var bodies = new ConcurrentQueue<JsonObject>();
        var (host, _) = await SalesforceAsync(request =>
        {
            bodies.Enqueue(JsonNode.Parse(request.Content!.ReadAsStringAsync().GetAwaiter().GetResult())!.AsObject());
            return ComposioCannedHandler.Json(200, $$"""{"data":[{"id":"{{OppId}}","success":true,"errors":[]}],"status":200,"headers":{"content-type":"application/json","sforce-limit-info":"api-usage=900/1000","content-length":"999"},"log_id":"log_w"}""");
        });
        await using var _ = host;

        var results = await host.Gateway.UpdateRecordsAsync(host.Connection, [new CrmRecordUpdate { CrmId = OppId, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "5" } }]);

        Assert.True(Assert.Single(results).Success);
        var body = Assert.Single(bodies);
        Assert.Equal("PATCH", body["method"]!.GetValue<string>());
        Assert.Equal("/services/data/v66.0/composite/sobjects", body["endpoint"]!.GetValue<string>());
        Assert.False(body["body"]!["allOrNone"]!.GetValue<bool>()); // the Collections body, as JSON
        Assert.Contains(OppId, body["body"]!["records"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.False(body.ContainsKey("binary_body"));
        Assert.Equal(900, host.Internal.Gate.Snapshot(host.Connection).DailyUsed); // Sforce-Limit-Info reached the rate gate
    }
}

/// <summary>Plays Composio with canned answers.</summary>
internal sealed class ComposioCannedHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
{
    private int _calls;

    public int Calls => _calls;

    public static HttpResponseMessage Json(int status, string body, string contentType = "application/json")
        => new((System.Net.HttpStatusCode)status) { Content = new StringContent(body, System.Text.Encoding.UTF8, contentType) };

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult(answer(request));
    }
}
