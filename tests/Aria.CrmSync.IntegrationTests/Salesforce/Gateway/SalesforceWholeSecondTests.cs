using Aria.CrmSync.Serialization;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

/// <summary>
/// Salesforce keeps <c>SystemModstamp</c> to the whole second: a CRM edit in the same second after the engine's read
/// leaves the time unchanged. The emulator's clock is frozen here, so every write lands in one second.
/// </summary>
public class SalesforceWholeSecondTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 30, 15, 400, TimeSpan.Zero);

    private static Dictionary<string, string?> Fields(params (string Key, string? Value)[] fields) => fields.ToDictionary(f => f.Key, f => f.Value);

    private static Task<SfGatewayHost> StartAsync(FakeTimeProvider clock, Action<IServiceCollection>? services = null, Action<SalesforceOptions>? options = null)
        => SfGatewayHost.StartAsync(
            emulator: o => o.TimeProvider = clock,
            options: options,
            services: s =>
            {
                s.AddSingleton<TimeProvider>(clock);
                services?.Invoke(s);
            });

    private static Task<LeadMemory> AddLeadAsync(SfGatewayHost host, string leadId, string crmId, decimal value, DateOnly closeDate)
        => host.Leads.InsertAsync(new LeadMemory
        {
            Id = leadId,
            UserId = SfGatewayHost.UserId,
            CompanyName = "Acme " + leadId,
            CrmProvider = CrmProvider.Salesforce,
            CrmId = crmId,
            LifecycleStage = LifecycleStages.Lead,
            Status = LeadStatuses.Active,
            ExpectedValue = value,
            ExpectedCloseDate = closeDate,
            CreatedAt = T0,
            UpdatedAt = T0,
        }).AsTask();

    [Fact]
    public async Task Emulator_AuditTimestamps_AreWholeSeconds()
    {
        var clock = new FakeTimeProvider(T0);
        await using var host = await StartAsync(clock);
        var id = host.Seed(1)[0];
        host.Org.SetSystemModstamp("Opportunity", id, T0.AddMilliseconds(500));

        var record = host.Org.Get("Opportunity", id)!;

        var second = new DateTimeOffset(2026, 3, 2, 9, 30, 15, TimeSpan.Zero);
        Assert.Equal(second, record["CreatedDate"]);
        Assert.Equal(second, record["LastModifiedDate"]);
        Assert.Equal(second, record["SystemModstamp"]);
        var read = await host.Gateway.GetRecordAsync(host.Connection, id);
        Assert.Equal(second, read!.LastModifiedAt);
    }

    [Fact]
    public async Task Emulator_BulkUpdate_GivesEveryRecordOneSystemModstamp()
    {
        var clock = new FakeTimeProvider(T0);
        await using var host = await StartAsync(clock);
        var ids = host.Seed(3);
        clock.Advance(TimeSpan.FromSeconds(5));

        var stamp = host.Org.BulkUpdate("Opportunity", ids, i => new Dictionary<string, object?> { ["Amount"] = 10m * (i + 1) });

        Assert.Equal(T0.AddSeconds(5).AddMilliseconds(-400), stamp);
        Assert.All(ids, id => Assert.Equal(stamp, host.Org.Get("Opportunity", id)!["SystemModstamp"]));
        Assert.Equal(30m, host.Org.Get("Opportunity", ids[2])!["Amount"]);
        Assert.Throws<InvalidOperationException>(() => host.Org.BulkUpdate("Opportunity", ids, i => new Dictionary<string, object?> { ["Amount"] = 1m, ["StageName"] = i == 2 ? null : "Qualification" }));
        Assert.Equal(10m, host.Org.Get("Opportunity", ids[0])!["Amount"]); // all or nothing
    }

    [Fact]
    public async Task Emulator_CoarserModstampResolution_MakesWritesWithinItShareOneStamp()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.Zero));
        await using var emulator = new SalesforceEmulator(new SalesforceEmulatorOptions { TimeProvider = clock, SystemModstampResolution = TimeSpan.FromMinutes(1) });
        var first = emulator.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "a", ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 6, 30) });
        clock.Advance(TimeSpan.FromSeconds(59));
        var second = emulator.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "b", ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 6, 30) });
        clock.Advance(TimeSpan.FromSeconds(1));
        var third = emulator.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "c", ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 6, 30) });

        Assert.Equal(emulator.Org.Get("Opportunity", first)!["SystemModstamp"], emulator.Org.Get("Opportunity", second)!["SystemModstamp"]);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 31, 0, TimeSpan.Zero), emulator.Org.Get("Opportunity", third)!["SystemModstamp"]);
    }

    [Fact]
    public async Task ConditionalUpdate_ACrmEditInTheSameSecondAfterTheRead_IsRefusedAndNotOverwritten()
    {
        var clock = new FakeTimeProvider(T0);
        await using var host = await StartAsync(clock);
        var ids = host.Seed(2);
        var read = await host.Gateway.GetRecordsAsync(host.Connection, ids);
        host.Org.Update("Opportunity", ids[0], new Dictionary<string, object?> { ["Amount"] = 1m }); // a rep, same second
        Assert.Equal(read[0].LastModifiedAt, host.Org.Get("Opportunity", ids[0])!["SystemModstamp"]); // the time cannot tell
        host.Emulator.Calls.Reset();

        var results = await host.Gateway.UpdateRecordsAsync(host.Connection, read.Select(r => new CrmRecordUpdate
        {
            CrmId = r.CrmId,
            Fields = Fields((CrmFields.Amount, "777")),
            IfUnmodifiedSince = r.LastModifiedAt,
            ExpectedValues = Fields((CrmFields.Amount, CanonicalValue.FromDecimal(r.Amount)), (CrmFields.Stage, r.Stage)),
        }).ToList());

        Assert.Equal(CrmWriteResult.PreconditionFailed, results[0].ErrorCode);
        Assert.Contains("Amount", results[0].ErrorMessage, StringComparison.Ordinal);
        Assert.True(results[1].Success);
        Assert.Equal(1m, host.Org.Get("Opportunity", ids[0])!["Amount"]);   // the rep's edit stays
        Assert.Equal(777m, host.Org.Get("Opportunity", ids[1])!["Amount"]);
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsGet)); // the values come with the one precondition read
        Assert.Equal(2, host.Emulator.Calls.ApiCalls);
    }

    [Fact]
    public async Task ConditionalUpdate_WithoutTheValuesRead_CannotSeeASameSecondEdit()
    {
        // What the guard cannot do from the time alone (and why the engine always sends the values it read).
        var clock = new FakeTimeProvider(T0);
        await using var host = await StartAsync(clock);
        var id = host.Seed(1)[0];
        var read = (await host.Gateway.GetRecordAsync(host.Connection, id))!;
        host.Org.Update("Opportunity", id, new Dictionary<string, object?> { ["Amount"] = 1m });

        var results = await host.Gateway.UpdateRecordsAsync(host.Connection, [new CrmRecordUpdate { CrmId = id, Fields = Fields((CrmFields.Amount, "777")), IfUnmodifiedSince = read.LastModifiedAt }]);

        Assert.True(results[0].Success);
        Assert.Equal(777m, host.Org.Get("Opportunity", id)!["Amount"]);
    }

    [Fact]
    public async Task ManualSync_ARepEditInTheSameSecondBetweenReadAndWrite_IsKeptAndTheLeadsEditWritten()
    {
        var clock = new FakeTimeProvider(T0);
        SfGatewayHost? self = null;
        string? opp = null;
        var hooked = 0;
        var hook = new HookHandler(request =>
        {
            // The rep edits the amount between the engine's read and its precondition check, in the same second.
            if (Gateways.Http.CrmHttpRequestOptions.EndpointOf(request) == "salesforce.collections.retrieve" && Interlocked.Increment(ref hooked) == 1)
            {
                self!.Org.Update("Opportunity", opp!, new Dictionary<string, object?> { ["Amount"] = 2500m });
            }
        });
        await using var host = self = await StartAsync(clock, s => s.AddHttpClient(SalesforceOptions.HttpClientName).AddHttpMessageHandler(() => hook));
        opp = host.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "Acme", ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 6, 30), ["Amount"] = 1000m });
        await AddLeadAsync(host, "lead-1", opp, 1000m, new DateOnly(2026, 6, 30));
        Assert.True((await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1")).Success);
        var lead = await host.Leads.GetAsync(SfGatewayHost.UserId, "lead-1");
        await host.Leads.UpdateAsync(lead! with { ExpectedCloseDate = new DateOnly(2026, 12, 31), UpdatedAt = T0 });

        var result = await host.Sync.TriggerManualSyncAsync(SfGatewayHost.UserId, "lead-1");

        Assert.True(result.Success, result.Error);
        Assert.True(hooked > 0);
        var record = host.Org.Get("Opportunity", opp)!;
        Assert.Equal(2500m, record["Amount"]);                                  // the rep's same-second edit, not overwritten
        Assert.Equal(new DateOnly(2026, 12, 31), record["CloseDate"]);          // ARIA's edit, written after reading again
        Assert.Equal(2500m, (await host.Leads.GetAsync(SfGatewayHost.UserId, "lead-1"))!.ExpectedValue);
        Assert.Equal(SyncStatus.Synced, (await host.Sync.GetSyncStateAsync("lead-1"))!.Status);
    }

    [Fact]
    public async Task ConnectionSync_ARepEditInTheSameSecondBeforeTheBatchedWrite_IsKept()
    {
        var clock = new FakeTimeProvider(T0);
        SfGatewayHost? self = null;
        string[] opps = [];
        var armed = false;
        var hook = new HookHandler(request =>
        {
            // The precondition read of the batched write (it asks for SystemModstamp but not IsWon): a rep edits first.
            if (armed && Gateways.Http.CrmHttpRequestOptions.EndpointOf(request) == "salesforce.collections.retrieve"
                && request.Content!.ReadAsStringAsync().GetAwaiter().GetResult() is var body && !body.Contains("IsWon", StringComparison.Ordinal))
            {
                armed = false;
                self!.Org.Update("Opportunity", opps[3], new Dictionary<string, object?> { ["StageName"] = "Negotiation/Review" });
            }
        });
        await using var host = self = await StartAsync(clock, s => s.AddHttpClient(SalesforceOptions.HttpClientName).AddHttpMessageHandler(() => hook));
        opps = [.. host.Seed(10)];
        for (var i = 0; i < opps.Length; i++)
        {
            await AddLeadAsync(host, $"lead-{i}", opps[i], 1000m + i, new DateOnly(2026, 6, 30));
        }

        Assert.True((await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce)).Completed);
        for (var i = 0; i < opps.Length; i++)
        {
            var lead = await host.Leads.GetAsync(SfGatewayHost.UserId, $"lead-{i}");
            await host.Leads.UpdateAsync(lead! with { LifecycleStage = LifecycleStages.Opportunity, UpdatedAt = T0 });
        }

        armed = true;
        var first = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce);
        var second = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce);

        Assert.True(first.Completed, first.Reason);
        Assert.True(second.Completed, second.Reason);
        Assert.False(armed);
        Assert.Equal("Negotiation/Review", host.Org.Get("Opportunity", opps[3])!["StageName"]); // the rep's edit stays
        Assert.Equal(LifecycleStages.Opportunity, (await host.Leads.GetAsync(SfGatewayHost.UserId, "lead-3"))!.LifecycleStage);
        Assert.All(opps.Where((_, i) => i != 3), id => Assert.NotEqual("Prospecting", host.Org.Get("Opportunity", id)!["StageName"])); // the others took ARIA's stage
    }

    [Fact]
    public async Task Changes_FiveThousandRecordsSharingOneModstamp_AreReadOnceEach_AcrossPagesAndALocatorRestart()
    {
        var clock = new FakeTimeProvider(T0);
        await using var host = await SfGatewayHost.StartAsync(emulator: o => { o.TimeProvider = clock; o.MaxOpenQueryCursors = 1; });
        var ids = host.Seed(5000);
        clock.Advance(TimeSpan.FromMinutes(1));
        var stamp = host.Org.BulkUpdate("Opportunity", ids, _ => new Dictionary<string, object?> { ["StageName"] = "Qualification" });
        var read = new List<CrmRecord>();
        var pages = new List<CrmChangePage>();

        await foreach (var page in host.Gateway.GetChangesAsync(host.Connection, new CrmCursor(stamp, null)))
        {
            pages.Add(page);
            read.AddRange(page.Records);
            if (pages.Count == 1)
            {
                // Another query takes the org's only cursor: this run's locator expires and is replaced from the page's cursor.
                await using var other = host.Gateway.GetChangesAsync(host.Connection, null).GetAsyncEnumerator();
                Assert.True(await other.MoveNextAsync());
            }
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), read.Select(r => r.CrmId));
        Assert.All(read, r => Assert.Equal(stamp, r.LastModifiedAt));
        Assert.Equal([2000, 2000, 1000], pages.Select(p => p.Records.Count));
        var resumed = (await host.ReadChangesAsync(pages[0].Cursor)).SelectMany(p => p.Records).Select(r => r.CrmId).ToList();
        Assert.Equal(read.Skip(2000).Select(r => r.CrmId), resumed);
    }

    [Fact]
    public async Task ConnectionSync_FiveThousandRecordsSharingOneModstamp_ComparesEachOnce_AndASameSecondEditIsNotMissed()
    {
        var clock = new FakeTimeProvider(T0);
        await using var host = await StartAsync(clock);
        var ids = host.Seed(5000);
        for (var i = 0; i < ids.Count; i++)
        {
            await AddLeadAsync(host, $"lead-{i:D4}", ids[i], 1000m + i, new DateOnly(2026, 6, 30));
        }

        var options = new ConnectionSyncOptions { IncludeActivities = false };
        Assert.True((await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce, options)).Completed);
        clock.Advance(TimeSpan.FromMinutes(10));
        var stamp = host.Org.BulkUpdate("Opportunity", ids, i => new Dictionary<string, object?> { ["Amount"] = 5000m + i }); // a data load

        var run = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce, options);

        Assert.True(run.Completed, run.Reason);
        Assert.Equal(5000, run.RecordsRead);       // every record of the shared second, each read once
        Assert.Equal(new CrmCursor(stamp, ids.Max(StringComparer.Ordinal)), run.Cursor);
        Assert.Equal(5000m, (await host.Leads.GetAsync(SfGatewayHost.UserId, "lead-0000"))!.ExpectedValue);
        Assert.Equal(9999m, (await host.Leads.GetAsync(SfGatewayHost.UserId, "lead-4999"))!.ExpectedValue);

        // Still in the same second, after the run read past it: the record with the lowest id changes again.
        var lowest = ids.Min(StringComparer.Ordinal)!;
        host.Org.Update("Opportunity", lowest, new Dictionary<string, object?> { ["Amount"] = 1m });
        Assert.Equal(stamp, host.Org.Get("Opportunity", lowest)!["SystemModstamp"]);
        clock.Advance(TimeSpan.FromMinutes(1));

        var next = await host.Sync.SyncConnectionAsync(SfGatewayHost.UserId, CrmProvider.Salesforce, options);

        Assert.True(next.Completed, next.Reason);
        Assert.Equal(1m, (await host.Leads.GetAsync(SfGatewayHost.UserId, $"lead-{ids.IndexOf(lowest):D4}"))!.ExpectedValue); // not missed
    }
}
