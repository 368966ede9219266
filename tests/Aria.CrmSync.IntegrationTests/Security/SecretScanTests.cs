using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Aria.CrmSync.IntegrationTests.Salesforce.Gateway;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.IntegrationTests.Security;

/// <summary>
/// One host syncing both CRMs two ways over their loopback emulators, with OAuth tokens that expire mid-run (401, then
/// a refresh) and a CRM call that keeps failing: no access token, refresh token or client secret (first or refreshed)
/// appears in any log message or exception at Trace level, any tag or event of any activity, any audit entry, or the
/// CSV and JSON exports.
/// </summary>
public sealed class SecretScanTests
{
    private const string UserId = "user-secrets";

    [Fact]
    public async Task TwoWaySyncWithTokenRefreshAndFailures_LeaksNoCredentialAnywhere()
    {
        var traces = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true, // the library's own source and the HTTP stack's
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => traces.Enqueue(string.Join('\n', a.TagObjects.Select(t => $"{t.Key}={t.Value}")
                .Concat(a.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={t.Value}")))
                .Concat(a.Baggage.Select(b => $"{b.Key}={b.Value}"))
                .Append(a.DisplayName).Append(a.StatusDescription ?? string.Empty))),
        };
        ActivitySource.AddActivityListener(listener);
        var logs = new CapturingLoggerProvider();
        await using var salesforce = new SalesforceEmulator();
        await using var hubSpot = new HubSpotEmulator();
        await salesforce.StartServerAsync();
        await hubSpot.StartServerAsync();
        var sfTokens = salesforce.IssueTokens();
        var hsTokens = hubSpot.IssueOAuthTokens();

        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddAriaCrmSync(o => o.RetryJitter = 0)
            .UseInMemoryStores()
            .UseInMemoryConnections(c => c
                .Add(new CrmConnection { UserId = UserId, Provider = CrmProvider.Salesforce, AccessToken = sfTokens.AccessToken, RefreshToken = sfTokens.RefreshToken, InstanceUrl = sfTokens.InstanceUrl })
                .Add(new CrmConnection { UserId = UserId, Provider = CrmProvider.HubSpot, CredentialKind = CrmCredentialKind.OAuth, AccessToken = hsTokens.AccessToken, RefreshToken = hsTokens.RefreshToken }))
            .AddSalesforce(o =>
            {
                o.ClientId = salesforce.Options.ClientId;
                o.ClientSecret = salesforce.Options.ClientSecret;
                o.LoginUrl = salesforce.BaseAddress;
            })
            .AddHubSpot(o =>
            {
                o.BaseAddress = hubSpot.BaseAddress;
                o.ClientId = hubSpot.Options.ClientId;
                o.ClientSecret = hubSpot.Options.ClientSecret;
            });
        SfGatewayHost.FastRetries(services);
        await using var provider = services.BuildServiceProvider();
        var sync = provider.GetRequiredService<ICrmSyncService>();
        var leads = provider.GetRequiredService<ILeadMemoryStore>();
        var audit = provider.GetRequiredService<ICrmAuditService>();
        var resolver = provider.GetRequiredService<InMemoryCrmConnectionResolver>();

        var opportunity = salesforce.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "Secret deal", ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 6, 30), ["Amount"] = 1000m });
        var deal = hubSpot.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = "Secret deal", ["dealstage"] = "appointmentscheduled", ["pipeline"] = "default", ["amount"] = "2000" }).Id;
        await leads.InsertAsync(Lead("sf-lead", CrmProvider.Salesforce, opportunity));
        await leads.InsertAsync(Lead("hs-lead", CrmProvider.HubSpot, deal));
        await leads.InsertAsync(Lead("hs-missing", CrmProvider.HubSpot, "999999999")); // a call that fails every time

        var results = new List<SyncResult>();
        foreach (var lead in new[] { "sf-lead", "hs-lead", "hs-missing" })
        {
            results.Add(await sync.TriggerManualSyncAsync(UserId, lead));
            results.Add(await sync.PushSummaryAsync(UserId, lead, "[ARIA] call went well"));
        }

        // The tokens expire: the next calls get 401, refresh (with the client secret) and retry.
        salesforce.ExpireAccessTokens();
        hubSpot.ExpireAccessTokens();
        var sfLead = (await leads.GetAsync(UserId, "sf-lead"))!;
        await leads.UpdateAsync(sfLead with { ExpectedValue = 4321m });
        await sync.MarkLeadChangedAsync(UserId, "sf-lead", [LeadFields.ExpectedValue]);
        hubSpot.UpdateObject("deals", deal, new Dictionary<string, string?> { ["amount"] = "2500" });
        results.Add(await sync.TriggerManualSyncAsync(UserId, "sf-lead"));
        results.Add(await sync.TriggerManualSyncAsync(UserId, "hs-lead"));
        hubSpot.Faults.FailNext(FaultKind.ServiceUnavailable, "deals.*", count: 20); // and a call that keeps failing
        results.Add(await sync.TriggerManualSyncAsync(UserId, "hs-lead"));
        var connections = new[] { await sync.SyncConnectionAsync(UserId, CrmProvider.Salesforce), await sync.SyncConnectionAsync(UserId, CrmProvider.HubSpot) };

        var refreshedSf = resolver.Find(UserId, CrmProvider.Salesforce)!;
        var refreshedHs = resolver.Find(UserId, CrmProvider.HubSpot)!;
        Assert.NotEqual(sfTokens.AccessToken, refreshedSf.AccessToken); // the refresh path ran
        Assert.NotEqual(hsTokens.AccessToken, refreshedHs.AccessToken);
        Assert.Contains(results, r => !r.Success); // the failure path ran
        Assert.Equal(4321m, salesforce.Org.Get("Opportunity", opportunity)!["Amount"]); // and the two-way sync did its work
        Assert.Equal(2500m, (await leads.GetAsync(UserId, "hs-lead"))!.ExpectedValue);

        var emitted = new StringBuilder();
        emitted.AppendJoin('\n', logs.Lines).AppendLine().AppendJoin('\n', traces).AppendLine();
        emitted.AppendJoin('\n', results.Select(r => $"{r.Error} {r.ErrorCode}")).AppendJoin('\n', connections.Select(c => c.ToString())).AppendLine();
        foreach (var entry in await audit.QueryAuditLogAsync(new AuditQuery { UserId = UserId, Limit = null }))
        {
            emitted.AppendLine(Serialization.CrmSyncJson.Serialize(entry));
        }

        foreach (var format in new[] { AuditExportFormat.Csv, AuditExportFormat.Json })
        {
            using var stream = new MemoryStream();
            await audit.ExportAuditLogAsync(new AuditExportRequest { UserId = UserId, Format = format }, stream);
            emitted.AppendLine(Encoding.UTF8.GetString(stream.ToArray()));
        }

        var text = emitted.ToString();
        Assert.Contains("401", text, StringComparison.Ordinal); // the expiry was logged or traced...
        Assert.NotEmpty(traces);
        string[] secrets =
        [
            sfTokens.AccessToken, sfTokens.RefreshToken!, refreshedSf.AccessToken!, salesforce.Options.ClientSecret,
            hsTokens.AccessToken, hsTokens.RefreshToken, refreshedHs.AccessToken!, refreshedHs.RefreshToken!, hubSpot.Options.ClientSecret,
        ];
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal); // ...without a credential
        }
    }

    private static LeadMemory Lead(string id, CrmProvider provider, string crmId) => new()
    {
        Id = id,
        UserId = UserId,
        CompanyName = "Company " + id,
        CrmProvider = provider,
        CrmId = crmId,
        LifecycleStage = LifecycleStages.Opportunity,
        Status = LeadStatuses.Active,
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };
}
