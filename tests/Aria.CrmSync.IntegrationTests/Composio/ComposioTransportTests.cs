using System.Collections.Concurrent;
using System.Text.Json;
using Aria.CrmSync.IntegrationTests.HubSpot.Gateway;
using Aria.CrmSync.IntegrationTests.Salesforce.Gateway;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.IntegrationTests.Composio;

/// <summary>Brokered connections end to end: the gateways, through Composio's proxy (emulated), in front of the CRM emulators.</summary>
public sealed class ComposioTransportTests
{
    private static Task<SfGatewayHost> SalesforceAsync(bool loopback = false, Action<IServiceCollection>? services = null, Action<CrmSyncOptions>? sync = null, Microsoft.Extensions.Logging.ILoggerProvider? logs = null)
        => SfGatewayHost.StartAsync(loopback: loopback, services: services, sync: sync, logs: logs, transport: GatewayTransport.Composio);

    private static CrmNoteRequest Note(string key, string crmId, bool mayExist = false)
        => new() { IdempotencyKey = key, CrmId = crmId, Text = "[ARIA] " + key, MayExist = mayExist };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryProviderCall_IsOneProxyCall_AndTheLibraryNeverHoldsTheTokens(bool loopback)
    {
        await using var host = await SalesforceAsync(loopback);
        var ids = host.Seed(3);
        host.Emulator.Calls.Reset();

        Assert.NotNull(await host.Gateway.GetRecordAsync(host.Connection, ids[0]));
        Assert.Equal(3, (await host.Gateway.GetRecordsAsync(host.Connection, ids)).Count);
        Assert.All(await host.Gateway.UpdateRecordsAsync(host.Connection, [new CrmRecordUpdate { CrmId = ids[1], Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "42" } }]), r => Assert.True(r.Success));
        Assert.All(await host.Gateway.CreateNotesAsync(host.Connection, [Note("k1", ids[2])]), r => Assert.True(r.Success));
        _ = await host.ReadChangesAsync();

        var composio = host.Composio!;
        Assert.Equal(host.Emulator.Calls.Total, composio.Calls.Count(ComposioEmulator.ProxyEndpoint)); // one proxy call per Salesforce call
        Assert.Equal(host.Emulator.Calls.Total, composio.ProxiedCalls(CrmProvider.Salesforce));
        Assert.Equal(host.Emulator.Calls.Total, composio.Logs.Count);
        Assert.All(composio.Logs, l => Assert.StartsWith("/services/data/v66.0/", l.Endpoint, StringComparison.Ordinal)); // relative to the instance
        Assert.Equal(42m, host.Org.Get("Opportunity", ids[1])!["Amount"]);
        Assert.Equal(CrmCredentialKind.Brokered, host.Connection.CredentialKind);
        Assert.Null(host.Connection.AccessToken);
        Assert.Null(host.Connection.RefreshToken);
    }

    [Fact]
    public async Task HubSpot_EveryProviderCall_IsOneProxyCall()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: GatewayTransport.Composio);
        var deal = h.InsertDeal("Acme", amount: "100");
        h.Emulator.Calls.Reset();

        Assert.NotNull(await h.CrmGateway.GetRecordAsync(h.Connection, deal));
        Assert.Single(await h.CrmGateway.UpdateRecordsAsync(h.Connection, [new CrmRecordUpdate { CrmId = deal, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "250" } }]));

        Assert.Equal(h.Emulator.Calls.Total, h.Composio!.Calls.Count(ComposioEmulator.ProxyEndpoint));
        Assert.Equal("250", h.Emulator.GetObject("deals", deal)!["amount"]);
        Assert.All(h.Composio.Logs, l => Assert.StartsWith("/crm/v3/", l.Endpoint, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnExpiredCrmToken_IsRefreshedByComposio_NotByTheLibrary()
    {
        await using var host = await SalesforceAsync();
        var id = host.Seed(1)[0];
        host.Emulator.ExpireAccessTokens();
        host.Emulator.Calls.Reset();

        Assert.NotNull(await host.Gateway.GetRecordAsync(host.Connection, id));

        var account = host.Composio!.GetAccount(host.Connection.BrokerAccountId!)!;
        Assert.Equal(1, account.Refreshes);
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.OAuthToken)); // Composio's refresh
        Assert.Equal(2, host.Emulator.Calls.Count(SalesforceEndpoints.SObjectGet)); // the 401, then the repeat inside Composio
        Assert.Equal(1, host.Composio.Calls.Count(ComposioEmulator.ProxyEndpoint)); // one proxy call for the library
        Assert.Null(host.Connection.AccessToken); // nothing was saved through the resolver
    }

    [Fact]
    public async Task HubSpot_AnExpiredOAuthToken_IsRefreshedByComposio()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(oauth: true, inProcess: true, transport: GatewayTransport.Composio);
        var deal = h.InsertDeal("Acme");
        h.Emulator.ExpireAccessTokens();

        Assert.NotNull(await h.CrmGateway.GetRecordAsync(h.Connection, deal));
        Assert.Equal(1, h.Composio!.GetAccount(h.Connection.BrokerAccountId!)!.Refreshes);
    }

    [Fact]
    public async Task ARefusedRefresh_ExpiresTheAccount_AndNeedsTheUserToConnectAgain_WithComposiosIds()
    {
        await using var host = await SalesforceAsync();
        var id = host.Seed(1)[0];
        host.Emulator.RevokeRefreshToken(host.Tokens.RefreshToken!);
        host.Emulator.ExpireAccessTokens();

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, id));

        Assert.True(ex.RequiresReauthorization);
        Assert.Equal("composio", ex.Details["broker"]);
        Assert.Equal(host.Connection.BrokerAccountId, ex.Details["broker_account_id"]);
        Assert.Equal(410, ex.Details["broker_status"]);
        Assert.StartsWith("req_", (string)ex.Details["broker_request_id"]!, StringComparison.Ordinal);
        Assert.Equal(ComposioAccountStatus.Expired, host.Composio!.GetAccount(host.Connection.BrokerAccountId!)!.Status);
        Assert.Equal(1, host.Composio.Calls.Count(ComposioEmulator.ProxyEndpoint)); // 410 is not retried

        var again = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, id));
        Assert.True(again.RequiresReauthorization);
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.OAuthToken)); // an expired account is not refreshed again
    }

    [Theory]
    [InlineData("deleted", 404)]
    [InlineData("expired", 410)]
    [InlineData("disabled", 422)]
    public async Task UnusableAccounts_NeedReauthorization_AndAreNotRetried(string state, int status)
    {
        await using var host = await SalesforceAsync();
        var id = host.Seed(1)[0];
        var account = host.Connection.BrokerAccountId!;
        switch (state)
        {
            case "deleted":
                host.Composio!.DeleteAccount(account);
                break;
            case "expired":
                host.Composio!.SetAccountStatus(account, ComposioAccountStatus.Expired);
                break;
            default:
                host.Composio!.SetAccountStatus(account, ComposioAccountStatus.Disabled);
                break;
        }

        host.Emulator.Calls.Reset();

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, id));

        Assert.True(ex.RequiresReauthorization);
        Assert.Equal(status, ex.Details["broker_status"]);
        Assert.Contains(account, ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, host.Composio!.Calls.Count(ComposioEmulator.ProxyEndpoint));
        Assert.Equal(0, host.Emulator.Calls.Total);
    }

    [Fact]
    public async Task ARevokedApiKey_IsAConnectionError_NotReauthorization_AndTheKeyIsNeverShown()
    {
        await using var host = await SalesforceAsync();
        var id = host.Seed(1)[0];
        host.Composio!.RevokeApiKey(host.Composio.ApiKey);

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, id));

        Assert.False(ex.RequiresReauthorization);
        Assert.Equal(401, ex.Details["broker_status"]);
        Assert.Contains("API key", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Composio.ApiKey, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(host.Composio.ApiKey, JsonSerializer.Serialize(ex.Details), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposioServerErrors_OfReads_AreRetried_ThenAConnectionErrorWithTheLastRequestId()
    {
        await using var host = await SalesforceAsync();
        var id = host.Seed(1)[0];
        host.Composio!.Faults.FailNext(FaultKind.ServerError, ComposioEmulator.ProxyEndpoint);

        Assert.NotNull(await host.Gateway.GetRecordAsync(host.Connection, id)); // one 500, then the retry
        Assert.Equal(2, host.Composio.Calls.Count(ComposioEmulator.ProxyEndpoint));
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.SObjectGet));

        host.Composio.Calls.Reset();
        host.Composio.Faults.FailNext(FaultKind.ServiceUnavailable, ComposioEmulator.ProxyEndpoint, count: 10);
        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, id));

        Assert.False(ex.RequiresReauthorization);
        Assert.Equal(4, host.Composio.Calls.Count(ComposioEmulator.ProxyEndpoint)); // the first try and 3 retries
        Assert.Equal(503, ex.Details["broker_status"]);
        Assert.StartsWith("req_", (string)ex.Details["broker_request_id"]!, StringComparison.Ordinal);
        Assert.Contains("Composio", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposiosRateLimit_OnReads_IsRetriedWithBackOff_ThenPausesTheConnection()
    {
        await using var host = await SalesforceAsync();
        var id = host.Seed(1)[0];
        host.Composio!.Faults.FailNext(FaultKind.RateLimited, ComposioEmulator.ProxyEndpoint);

        Assert.NotNull(await host.Gateway.GetRecordAsync(host.Connection, id));
        Assert.Equal(2, host.Composio.Calls.Count(ComposioEmulator.ProxyEndpoint));
        Assert.Null(host.Internal.Gate.Snapshot(host.Connection).PausedUntil);

        host.Composio.Calls.Reset();
        host.Composio.Faults.FailNext(FaultKind.RateLimited, ComposioEmulator.ProxyEndpoint, count: 10);
        var ex = await Assert.ThrowsAsync<CrmRateLimitedException>(() => host.Gateway.GetRecordAsync(host.Connection, id));

        Assert.Equal(4, host.Composio.Calls.Count(ComposioEmulator.ProxyEndpoint));
        Assert.Equal(CrmRateLimitScope.Burst, ex.Scope);
        Assert.Equal(TimeSpan.FromSeconds(8), ex.RetryAfter); // no Retry-After from Composio: 1 s doubled per 429 in a row
        Assert.Equal(429, ex.Details["broker_status"]);
        Assert.NotNull(host.Internal.Gate.Snapshot(host.Connection).PausedUntil); // the connection waits before its next call
    }

    [Fact]
    public async Task NoteCreation_IsNotRetriedOnComposioErrors_AndALostResponseNeverDuplicatesTheNote()
    {
        await using var host = await SalesforceAsync();
        var opp = host.Seed(1)[0];

        host.Composio!.Faults.FailNext(FaultKind.ServerError, ComposioEmulator.ProxyEndpoint);
        await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.CreateNotesAsync(host.Connection, [Note("n-1", opp)]));
        Assert.Equal(1, host.Composio.Calls.Count(ComposioEmulator.ProxyEndpoint)); // a write is never repeated blindly
        Assert.Equal(0, host.Org.Count("ContentNote"));

        host.Composio.Faults.FailNext(FaultKind.ResponseLost, ComposioEmulator.ProxyEndpoint); // Composio wrote it, the answer was lost
        await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.CreateNotesAsync(host.Connection, [Note("n-2", opp)]));
        Assert.Equal(1, host.Org.Count("ContentNote"));

        var retried = Assert.Single(await host.Gateway.CreateNotesAsync(host.Connection, [Note("n-2", opp, mayExist: true)]));
        Assert.True(retried.Success && retried.AlreadyExisted);
        Assert.Equal(1, host.Org.Count("ContentNote"));
    }

    [Fact]
    public async Task TheEnginesOutbox_DeliversANoteWhoseResponseWasLostInComposio_ExactlyOnce()
    {
        await using var host = await SalesforceAsync();
        var opp = host.Seed(1)[0];
        await AddLeadAsync(host, "lead-1", opp);
        Assert.True((await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1")).Success);
        host.Composio!.Faults.FailNext(FaultKind.ResponseLost, ComposioEmulator.ProxyEndpoint);

        var lost = await host.Sync.PushSummaryAsync(SfGatewayHost.UserId, "lead-1", "Budget confirmed.");
        Assert.False(lost.Success);

        var retried = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1");

        Assert.True(retried.Success, retried.Error);
        Assert.Equal(1, host.Org.Count("ContentNote"));
        var audit = await host.Audit.StreamAuditLogAsync(new AuditQuery { UserId = SfGatewayHost.UserId, Limit = null }).ToListAsync();
        var error = Assert.Single(audit, e => e.Operation == CrmAuditOperation.Error);
        Assert.Equal("composio", error.Details.GetProperty("error_details").GetProperty("broker").GetString());
        Assert.True((await host.Audit.VerifyAsync(SfGatewayHost.UserId)).IsValid);
    }

    [Fact]
    public async Task AuditEntriesOfFailures_CarryComposiosLogAndRequestIds()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: GatewayTransport.Composio);
        var deal = h.InsertDeal("Acme", amount: "100");
        await h.AddLeadAsync("lead-1", deal, value: 100m);
        h.Emulator.FailNextWithStatus(400, "deals.*", count: 10); // HubSpot refuses: Composio answers 200 with status 400

        var failed = await h.Sync.TriggerManualSyncAsync(HubSpotGatewayHost.UserId, "lead-1");

        Assert.False(failed.Success);
        var lastLog = h.Composio!.Logs[^1];
        Assert.Equal(400, lastLog.Status);
        var audit = await h.Audit.StreamAuditLogAsync(new AuditQuery { UserId = HubSpotGatewayHost.UserId, Limit = null }).ToListAsync();
        var details = Assert.Single(audit, e => e.Operation == CrmAuditOperation.Error).Details.GetProperty("error_details");
        Assert.Equal(lastLog.LogId, details.GetProperty("broker_log_id").GetString());
        Assert.Equal(h.Connection.BrokerAccountId, details.GetProperty("broker_account_id").GetString());
        Assert.Equal(400, details.GetProperty("http_status").GetInt32()); // HubSpot's own error, mapped by the gateway as usual

        // Composio's own refusal: its request id reaches the audit trail.
        h.Composio.SetAccountStatus(h.Connection.BrokerAccountId!, ComposioAccountStatus.Expired);
        var expired = await h.Sync.TriggerManualSyncAsync(HubSpotGatewayHost.UserId, "lead-1");
        Assert.Equal(CrmConnectionException.ErrorCode, expired.ErrorCode);
        audit = await h.Audit.StreamAuditLogAsync(new AuditQuery { UserId = HubSpotGatewayHost.UserId, Limit = null }).ToListAsync();
        var second = audit.Where(e => e.Operation == CrmAuditOperation.Error).OrderBy(e => e.Sequence).Last().Details.GetProperty("error_details");
        Assert.StartsWith("req_", second.GetProperty("broker_request_id").GetString(), StringComparison.Ordinal);
        Assert.Equal(410, second.GetProperty("broker_status").GetInt32());
        Assert.True(second.GetProperty("requires_reauthorization").GetBoolean());
        var state = (await h.Sync.GetSyncStateAsync("lead-1"))!;
        Assert.Null(state.NextAttemptAt); // re-authorisation is never retried automatically
    }

    [Fact]
    public async Task TheApiKey_NeverAppearsInLogsExceptionsOrTheAuditTrail()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = await SalesforceAsync(logs: logs);
        var key = host.Composio!.ApiKey;
        var opp = host.Seed(1)[0];
        await AddLeadAsync(host, "lead-1", opp);
        Assert.True((await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1")).Success);
        host.Composio.Faults.FailNext(FaultKind.ServiceUnavailable, ComposioEmulator.ProxyEndpoint, count: 10);
        var unavailable = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1");
        host.Composio.Faults.Reset();
        host.Composio.RevokeApiKey(key);
        var refused = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1");
        var direct = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection, opp));

        Assert.False(unavailable.Success);
        Assert.False(refused.Success);
        Assert.NotEmpty(logs.Lines);
        Assert.Contains(logs.Lines, l => l.Contains("Composio refused", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(key, StringComparison.Ordinal));
        Assert.DoesNotContain(key, direct.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(key, unavailable.Error + refused.Error, StringComparison.Ordinal);
        using var export = new MemoryStream();
        await host.Audit.ExportAuditLogAsync(new AuditExportRequest { UserId = SfGatewayHost.UserId, Format = AuditExportFormat.Json }, export);
        Assert.DoesNotContain(key, System.Text.Encoding.UTF8.GetString(export.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AbsoluteEndpoints_AndTheDocumentedResultShapeAlone_Work()
    {
        await using var host = await SalesforceAsync(services: s => s.PostConfigure<ComposioOptions>(o => o.UseAbsoluteEndpoints = true));
        host.Composio!.Options.IncludeExecutionFields = false; // only {status, data, headers}
        var id = host.Seed(1)[0];

        Assert.NotNull(await host.Gateway.GetRecordAsync(host.Connection, id));
        Assert.Null(await host.Gateway.GetRecordAsync(host.Connection, "006000000000000AAA")); // 404 inside a 200 result

        Assert.All(host.Composio.Logs, l => Assert.StartsWith(host.BaseAddress.GetLeftPart(UriPartial.Authority), l.Endpoint, StringComparison.Ordinal));
        Assert.Equal(404, host.Composio.Logs[^1].Status);
    }

    [Fact]
    public async Task ABrokeredConnection_WithoutComposio_OrWithoutAnAccountId_FailsClearly()
    {
        await using var direct = await SfGatewayHost.StartAsync(loopback: false);
        var id = direct.Seed(1)[0];
        var brokered = direct.Connection with { CredentialKind = CrmCredentialKind.Brokered, BrokerAccountId = "ca_123", AccessToken = null, RefreshToken = null };

        var noBroker = await Assert.ThrowsAsync<CrmConnectionException>(() => direct.Gateway.GetRecordAsync(brokered, id));
        Assert.Contains("AddComposio", noBroker.Message, StringComparison.Ordinal);
        Assert.False(noBroker.RequiresReauthorization);
        Assert.Equal(0, direct.Emulator.Calls.Total); // never sent to the CRM without credentials

        await using var host = await SalesforceAsync();
        var noAccount = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.GetRecordAsync(host.Connection with { BrokerAccountId = null }, id));
        Assert.True(noAccount.RequiresReauthorization);
        Assert.Equal(0, host.Composio!.Calls.Total);
    }

    [Fact]
    public async Task DirectAndBrokeredConnections_CoexistInOneHost()
    {
        await using var host = await SalesforceAsync();
        var id = host.Seed(1)[0];
        var direct = new CrmConnection { UserId = "user-direct", Provider = CrmProvider.Salesforce, AccessToken = host.Tokens.AccessToken, RefreshToken = host.Tokens.RefreshToken, InstanceUrl = host.Tokens.InstanceUrl };
        host.Emulator.Calls.Reset();

        Assert.NotNull(await host.Gateway.GetRecordAsync(direct, id));
        Assert.NotNull(await host.Gateway.GetRecordAsync(host.Connection, id));

        Assert.Equal(2, host.Emulator.Calls.Count(SalesforceEndpoints.SObjectGet));
        Assert.Equal(1, host.Composio!.Calls.Count(ComposioEmulator.ProxyEndpoint));
    }

    [Fact]
    public async Task ACorruptComposioBody_IsADataError_AndATruncatedOneOverTheNetwork_IsRetried()
    {
        await using (var host = await SalesforceAsync())
        {
            var id = host.Seed(1)[0];
            host.Composio!.Faults.FailNext(FaultKind.MalformedJson, ComposioEmulator.ProxyEndpoint);

            var ex = await Assert.ThrowsAsync<CrmSyncDataException>(() => host.Gateway.GetRecordAsync(host.Connection, id));

            Assert.Equal("composio salesforce.sobjects.get", ex.DataSource);
        }

        await using (var host = await SalesforceAsync(loopback: true))
        {
            var id = host.Seed(1)[0];
            host.Composio!.Faults.FailNext(FaultKind.TruncatedBody, ComposioEmulator.ProxyEndpoint);

            Assert.NotNull(await host.Gateway.GetRecordAsync(host.Connection, id));
            Assert.Equal(2, host.Composio.Calls.Count(ComposioEmulator.ProxyEndpoint));
        }
    }

    [Fact]
    public async Task SuccessfulCalls_RecordComposiosLogIds_OnTheOperationsTrace()
    {
        var events = new ConcurrentQueue<(string Operation, string? LogId)>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == Diagnostics.CrmSyncTelemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                foreach (var e in activity.Events.Where(e => e.Name == "composio.proxy"))
                {
                    events.Enqueue((activity.OperationName, e.Tags.FirstOrDefault(t => t.Key == "composio.log_id").Value as string));
                }
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var host = await SalesforceAsync();
        var opp = host.Seed(1)[0];
        await AddLeadAsync(host, "lead-trace", opp);

        Assert.True((await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-trace")).Success);

        var logIds = host.Composio!.Logs.Select(l => l.LogId).ToHashSet(StringComparer.Ordinal);
        Assert.Contains(events, e => e.Operation == "sync.fields" && e.LogId is not null && logIds.Contains(e.LogId));
    }

    private static ValueTask<LeadMemory> AddLeadAsync(SfGatewayHost host, string leadId, string crmId)
        => host.Leads.InsertAsync(new LeadMemory
        {
            Id = leadId,
            UserId = SfGatewayHost.UserId,
            CompanyName = "Acme " + leadId,
            CrmProvider = CrmProvider.Salesforce,
            CrmId = crmId,
            ExpectedValue = 1000m,
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
        });
}
