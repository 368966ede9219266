using System.Collections.Concurrent;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

/// <summary>Captures every log line, to prove that no secret is ever logged.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

public sealed class SalesforceGatewayAuthTests
{
    private const string ClientSecret = "aria-emulator-client-secret";

    [Fact]
    public async Task AnAccessTokenExpiringBetweenPages_IsRefreshedOnce_PersistedThroughTheResolver_AndNeverLogged()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = await SfGatewayHost.StartAsync(
            options: o => o.QueryBatchSize = 200,
            logs: logs);
        host.Seed(600);
        var original = host.Connection;
        var read = 0;

        await foreach (var page in host.Gateway.GetChangesAsync(original, null))
        {
            read += page.Records.Count;
            if (read == 200)
            {
                host.Emulator.ExpireAccessTokens();
            }
        }

        Assert.Equal(600, read);
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.OAuthToken));
        var saved = host.Connection;
        Assert.NotEqual(original.AccessToken, saved.AccessToken);
        Assert.Equal(original.RefreshToken, saved.RefreshToken); // not rotated
        Assert.NotNull(await host.Gateway.GetRecordAsync(original, host.Org.List("Opportunity")[0]["Id"]!.ToString()!)); // a stale connection object uses the new token
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.OAuthToken));
        Assert.Contains(logs.Lines, l => l.Contains("refreshed", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(original.AccessToken!, StringComparison.Ordinal) || l.Contains(saved.AccessToken!, StringComparison.Ordinal) || l.Contains(original.RefreshToken!, StringComparison.Ordinal) || l.Contains(ClientSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RotatedRefreshTokens_AreKept()
    {
        await using var host = await SfGatewayHost.StartAsync(emulator: o => o.RefreshTokenRotation = true);
        var id = host.Seed(1)[0];
        var before = host.Connection;
        host.Emulator.ExpireAccessTokens();
        Assert.NotNull(await host.Gateway.GetRecordAsync(before, id));
        host.Emulator.ExpireAccessTokens();
        Assert.NotNull(await host.Gateway.GetRecordAsync(before, id)); // the rotated refresh token is the one used now

        Assert.NotEqual(before.RefreshToken, host.Connection.RefreshToken);
        Assert.Equal(2, host.Emulator.Calls.Count(SalesforceEndpoints.OAuthToken));
    }

    [Fact]
    public async Task ARevokedRefreshToken_NeedsReauthorization_AfterOneRefreshAttempt_WithoutALoop()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = await SfGatewayHost.StartAsync(logs: logs);
        var id = host.Seed(1)[0];
        host.Emulator.RevokeRefreshToken(host.Tokens.RefreshToken!);
        host.Emulator.ExpireAccessTokens();

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, id));

        Assert.True(ex.RequiresReauthorization);
        Assert.Equal(true, ex.Details["requires_reauthorization"]);
        Assert.Contains("invalid_grant", ex.Message);
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.OAuthToken));
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.SObjectGet));
        Assert.DoesNotContain(host.Tokens.RefreshToken!, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(host.Tokens.AccessToken, ex.ToString(), StringComparison.Ordinal);
        Assert.Contains(logs.Lines, l => l.Contains("authorise again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutARefreshToken_AnExpiredSessionNeedsReauthorization_WithoutCallingTheTokenEndpoint()
    {
        await using var host = await SfGatewayHost.StartAsync(withRefreshToken: false);
        var id = host.Seed(1)[0];
        host.Emulator.ExpireAccessTokens();

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, id));

        Assert.True(ex.RequiresReauthorization);
        Assert.Equal(0, host.Emulator.Calls.Count(SalesforceEndpoints.OAuthToken));
    }

    [Fact]
    public async Task AWrongClientSecret_IsAConnectionError_ThatNeverEchoesTheSecret()
    {
        const string wrong = "definitely-not-the-consumer-secret";
        await using var host = await SfGatewayHost.StartAsync(options: o => o.ClientSecret = wrong);
        var id = host.Seed(1)[0];
        host.Emulator.ExpireAccessTokens();

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, id));

        Assert.False(ex.RequiresReauthorization);
        Assert.Contains("invalid_client", ex.Message);
        Assert.DoesNotContain(wrong, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(host.Tokens.RefreshToken!, ex.ToString(), StringComparison.Ordinal);
    }
}

public sealed class SalesforceGatewayLimitTests
{
    [Fact]
    public async Task TheDailyAllocation_PausesTheConnectionAtItsThreshold_BeforeSalesforceRefuses()
    {
        await using var host = await SfGatewayHost.StartAsync(emulator: o => o.DailyApiRequestLimit = 20);
        var id = host.Seed(1)[0];

        CrmRateLimitedException? paused = null;
        for (var i = 0; i < 30 && paused is null; i++)
        {
            try
            {
                await host.Gateway.GetRecordAsync(host.Connection, id);
            }
            catch (CrmRateLimitedException ex)
            {
                paused = ex;
            }
        }

        Assert.NotNull(paused);
        Assert.Equal(CrmRateLimitScope.Daily, paused.Scope);
        Assert.InRange(paused.RetryAfter!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
        Assert.Equal(18, host.Emulator.Calls.ApiCalls); // 90 % of 20: the rest is left to the org's other integrations
        Assert.Equal(18, host.Emulator.Calls.Total);
        var (_, pausedUntil, used, max) = host.Internal.Gate.Snapshot(host.Connection);
        Assert.NotNull(pausedUntil);
        Assert.Equal((18L, 20L), (used!.Value, max!.Value));
    }

    [Fact]
    public async Task RequestLimitExceeded_PausesTheConnection_InsteadOfHammering()
    {
        await using var host = await SfGatewayHost.StartAsync(emulator: o => o.DailyApiRequestLimit = 5, options: o => o.RateLimits.DailyQuotaThreshold = 1.0);
        var id = host.Seed(1)[0];
        for (var i = 0; i < 4; i++)
        {
            await host.Gateway.GetRecordAsync(host.Connection, id);
        }

        host.Emulator.ResetDailyUsage();
        host.Emulator.Faults.FailNext(FaultKind.RateLimited, SalesforceEndpoints.SObjectGet); // 403 REQUEST_LIMIT_EXCEEDED TotalRequests

        var refused = await Assert.ThrowsAsync<CrmRateLimitedException>(() => host.Gateway.GetRecordAsync(host.Connection, id));
        var total = host.Emulator.Calls.Total;
        var again = await Assert.ThrowsAsync<CrmRateLimitedException>(() => host.Gateway.GetRecordAsync(host.Connection, id));

        Assert.Equal(CrmRateLimitScope.Daily, refused.Scope);
        Assert.Contains("TotalRequests", refused.Message);
        Assert.Equal(CrmRateLimitScope.Daily, again.Scope);
        Assert.Equal(total, host.Emulator.Calls.Total); // nothing sent while paused
        Assert.Equal(5, host.Emulator.Calls.Count(SalesforceEndpoints.SObjectGet)); // a 403 is not retried
    }

    [Fact]
    public async Task TheConcurrentRequestLimit_IsARateLimitOfConcurrencyScope()
    {
        await using var host = await SfGatewayHost.StartAsync(emulator: o =>
        {
            o.ConcurrentRequestLimit = 1;
            o.LongRunningRequestThreshold = TimeSpan.Zero;
            o.RequestProcessingDelay = TimeSpan.FromMilliseconds(300);
        });
        var id = host.Seed(1)[0];

        var attempts = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            try
            {
                await host.Gateway.GetRecordAsync(host.Connection, id);
                return null;
            }
            catch (CrmRateLimitedException ex)
            {
                return ex;
            }
        }));

        Assert.Contains(attempts, a => a is null);
        var limited = Assert.Single(attempts.Where(a => a is not null).Select(a => a!).DistinctBy(a => a.Scope));
        Assert.Equal(CrmRateLimitScope.Concurrency, limited.Scope);
        Assert.NotNull(limited.RetryAfter);
    }
}

public sealed class SalesforceGatewayFaultTests
{
    [Theory]
    [InlineData(FaultKind.ServiceUnavailable)]
    [InlineData(FaultKind.ServerError)]
    [InlineData(FaultKind.DropConnection)]
    [InlineData(FaultKind.TruncatedBody)]
    [InlineData(FaultKind.ResponseLost)]
    public async Task IdempotentReads_AreRecoveredByRetries(FaultKind kind)
    {
        await using var host = await SfGatewayHost.StartAsync(options: o => o.QueryBatchSize = 200);
        var ids = host.Seed(450);
        host.Emulator.Faults.FailNext(kind, SalesforceEndpoints.QueryMore, count: 2);
        host.Emulator.Faults.FailNext(kind, SalesforceEndpoints.CollectionsGet);
        host.Emulator.Faults.FailNext(kind, SalesforceEndpoints.SObjectGet);

        var pages = await host.ReadChangesAsync();
        var many = await host.Gateway.GetRecordsAsync(host.Connection, ids);
        var one = await host.Gateway.GetRecordAsync(host.Connection, ids[0]);

        Assert.Equal(ids.Order(StringComparer.Ordinal), pages.SelectMany(p => p.Records).Select(r => r.CrmId).Order(StringComparer.Ordinal));
        Assert.Equal(450, many.Count);
        Assert.NotNull(one);
        Assert.Equal(4, host.Emulator.Faults.TotalInjected);
    }

    [Fact]
    public async Task APersistentOutage_IsAConnectionError_AfterThreeRetries()
    {
        await using var host = await SfGatewayHost.StartAsync();
        var id = host.Seed(1)[0];
        host.Emulator.Faults.FailNext(FaultKind.ServiceUnavailable, SalesforceEndpoints.SObjectGet, count: 10);

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, id));

        Assert.Contains("503", ex.Message);
        Assert.Contains("SERVER_UNAVAILABLE", ex.Message);
        Assert.Equal(4, host.Emulator.Calls.Count(SalesforceEndpoints.SObjectGet));
    }

    [Fact]
    public async Task MalformedJson_IsADataErrorNamingTheEndpoint()
    {
        await using var host = await SfGatewayHost.StartAsync(options: o => o.QueryBatchSize = 200);
        var ids = host.Seed(300);
        host.Emulator.Faults.FailNext(FaultKind.MalformedJson, SalesforceEndpoints.SObjectGet);
        host.Emulator.Faults.FailNext(FaultKind.MalformedJson, SalesforceEndpoints.QueryMore);

        var single = await Assert.ThrowsAsync<CrmSyncDataException>(() => host.Gateway.GetRecordAsync(host.Connection, ids[0]));
        var paged = await Assert.ThrowsAsync<CrmSyncDataException>(() => host.ReadChangesAsync());

        Assert.Equal("salesforce.sobjects.get", single.DataSource);
        Assert.Contains("salesforce.sobjects.get", single.Message);
        Assert.Equal("salesforce.query.more", paged.DataSource);
        Assert.Equal(CrmSyncDataException.ErrorCode, paged.Code);
    }

    [Fact]
    public async Task UpdatesAreRetriedAfterAnOutage_ButNoteWritesAreNot()
    {
        await using var host = await SfGatewayHost.StartAsync();
        var id = host.Seed(1)[0];
        host.Emulator.Faults.FailNext(FaultKind.ResponseLost, SalesforceEndpoints.CollectionsUpdate);
        host.Emulator.Faults.FailNext(FaultKind.ServiceUnavailable, SalesforceEndpoints.Composite);

        var update = await host.Gateway.UpdateRecordsAsync(host.Connection, [new CrmRecordUpdate { CrmId = id, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "99" } }]);
        await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.CreateNotesAsync(host.Connection, [new CrmNoteRequest { IdempotencyKey = "k", CrmId = id, Text = "[ARIA] n" }]));

        Assert.True(Assert.Single(update).Success);
        Assert.Equal(99m, host.Org.Get("Opportunity", id)!["Amount"]);
        Assert.Equal(2, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsUpdate));
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.Composite));
    }

    [Fact]
    public async Task AnIdOfAnotherObject_IsMalformedId_WithTheCodeInTheDetails()
    {
        await using var host = await SfGatewayHost.StartAsync();
        var account = host.Org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Acme" });

        var ex = await Assert.ThrowsAsync<Providers.Salesforce.SalesforceApiException>(() => host.Gateway.GetRecordAsync(host.Connection, account));

        Assert.Equal("MALFORMED_ID", ex.Details["error_code"]);
        Assert.Equal(400, ex.Details["http_status"]);
        Assert.Equal("salesforce.sobjects.get", ex.Details["endpoint"]);
        Assert.Equal(400, ex.StatusCode);
        Assert.Equal(CrmSyncException.DefaultCode, ex.Code);
    }
}

/// <summary>Answers every request with a canned response (error shapes the emulator has no reason to produce).</summary>
internal sealed class CannedHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
{
    public int Calls { get; private set; }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Calls++;
        return Task.FromResult(answer(request));
    }

    public static HttpResponseMessage Json(int status, string body, string contentType = "application/json")
        => new((System.Net.HttpStatusCode)status) { Content = new StringContent(body, System.Text.Encoding.UTF8, contentType) };
}

public sealed class SalesforceGatewayErrorMappingTests
{
    private static async Task<(SfGatewayHost Host, CannedHandler Handler)> StartAsync(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        var handler = new CannedHandler(answer);
        var host = await SfGatewayHost.StartAsync(loopback: false, services: s => s.AddHttpClient(SalesforceOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler));
        return (host, handler);
    }

    [Theory]
    [InlineData("INVALID_FIELD", "No such column 'Foo' on entity 'Opportunity'", 400)]
    [InlineData("INSUFFICIENT_ACCESS", "insufficient access rights on object id", 403)]
    [InlineData("NOT_FOUND", "The requested resource does not exist", 405)]
    public async Task ErrorArrays_AreCrmSyncExceptions_WithCodeStatusEndpointAndFields(string code, string message, int status)
    {
        var (host, _) = await StartAsync(_ => CannedHandler.Json(status, $$"""[{"message":"{{message}}","errorCode":"{{code}}","fields":["Foo"]}]"""));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<Providers.Salesforce.SalesforceApiException>(() => host.Gateway.GetRecordAsync(host.Connection, "006000000000001AAA"));

        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal(code, ex.Details["error_code"]);
        Assert.Equal(status, ex.Details["http_status"]);
        Assert.Equal(new[] { "Foo" }, (string[])ex.Details["fields"]!);
        Assert.Equal("salesforce", ex.Details["provider"]);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public async Task MalformedQuery_IsNamed_AndTheErrorNeverEchoesTheToken()
    {
        string? token = null;
        var (host, handler) = await StartAsync(request =>
        {
            token = request.Headers.Authorization!.Parameter;
            return CannedHandler.Json(400, $$"""[{"message":"unexpected token: 'WHERE' (session {{token}})","errorCode":"MALFORMED_QUERY"}]""");
        });
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<Providers.Salesforce.SalesforceApiException>(() => host.ReadChangesAsync());

        Assert.Equal("MALFORMED_QUERY", ex.Details["error_code"]);
        Assert.Equal("salesforce.queryAll", ex.Details["endpoint"]);
        Assert.DoesNotContain(token!, ex.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, handler.Calls); // a 400 is not retried
    }

    [Fact]
    public async Task AnHtmlGatewayError_IsAConnectionError_AfterRetries()
    {
        var (host, handler) = await StartAsync(_ => CannedHandler.Json(502, "<html><body>Bad Gateway</body></html>", "text/html"));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, "006000000000001AAA"));

        Assert.Contains("502", ex.Message);
        Assert.Equal(4, handler.Calls);
    }

    [Theory]
    [InlineData("""{"totalSize":1,"done":true,"records":null}""")]
    [InlineData("""{"totalSize":1,"done":true,"records":[{"Name":"no id"}]}""")]
    [InlineData("""{"totalSize":1,"done":true,"records":[{"Id":"006000000000001AAA","Name":"no modstamp"}]}""")]
    [InlineData("""{"totalSize":1,"done":true,"records":[{"Id":"006000000000001AAA","SystemModstamp":"yesterday"}]}""")]
    [InlineData("""{"totalSize":1,"done":false,"records":[]}""")]
    [InlineData("""[]""")]
    public async Task UnexpectedBodies_AreDataErrorsNamingTheEndpoint_NeverNullReferences(string body)
    {
        var (host, _) = await StartAsync(_ => CannedHandler.Json(200, body));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmSyncDataException>(() => host.ReadChangesAsync());

        Assert.Equal("salesforce.queryAll", ex.DataSource);
    }

    [Fact]
    public async Task ANextRecordsUrlOnAnotherHost_IsNeverFollowed()
    {
        var (host, handler) = await StartAsync(_ => CannedHandler.Json(200, """{"totalSize":2,"done":false,"nextRecordsUrl":"https://evil.example/services/data/v66.0/query/01g-1","records":[{"Id":"006000000000001AAA","SystemModstamp":"2026-01-01T00:00:00.000+0000"}]}"""));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmSyncDataException>(() => host.ReadChangesAsync());

        Assert.Equal("salesforce.query.more", ex.DataSource);
        Assert.Equal(1, handler.Calls); // the first page was read; the foreign URL was not requested
    }

    [Fact]
    public async Task AnUnexpectedCollectionsResult_IsADataError()
    {
        var (host, _) = await StartAsync(_ => CannedHandler.Json(200, """[{"success":true}]"""));
        await using var _ = host;

        var ex = await Assert.ThrowsAsync<CrmSyncDataException>(() => host.Gateway.UpdateRecordsAsync(host.Connection,
        [
            new CrmRecordUpdate { CrmId = "006000000000001AAA", Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "1" } },
            new CrmRecordUpdate { CrmId = "006000000000002AAA", Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "2" } },
        ]));

        Assert.Equal("salesforce.collections.update", ex.DataSource);
        Assert.Contains("1 results for 2 records", ex.Message);
    }
}
