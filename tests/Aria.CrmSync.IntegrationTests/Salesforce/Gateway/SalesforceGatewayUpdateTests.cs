using Aria.CrmSync.Serialization;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

public class SalesforceGatewayUpdateTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    private static Dictionary<string, string?> Fields(params (string Key, string? Value)[] fields) => fields.ToDictionary(f => f.Key, f => f.Value);

    [Fact]
    public async Task Updates_AreSentTwoHundredPerCollectionsCall_WithOneResultPerUpdateInOrder()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var ids = host.Seed(450);
        host.Emulator.Calls.Reset();
        var updates = ids.Select((id, i) => new CrmRecordUpdate
        {
            CrmId = id,
            Fields = Fields((CrmFields.Amount, (2000m + i).ToString(System.Globalization.CultureInfo.InvariantCulture)), (CrmFields.Stage, "Negotiation/Review"), (CrmFields.CloseDate, "2026-09-30"), (CrmFields.Name, $"Renamed {i}")),
        }).ToList();

        var results = await host.Gateway.UpdateRecordsAsync(host.Connection, updates);

        Assert.Equal(200, host.Gateway.MaxUpdateBatchSize);
        Assert.Equal(ids, results.Select(r => r.CrmId));
        Assert.All(results, r => Assert.True(r.Success, r.ErrorMessage));
        Assert.Equal(3, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsUpdate));
        Assert.Equal(3, host.Emulator.Calls.ApiCalls);
        var last = host.Org.Get("Opportunity", ids[449])!;
        Assert.Equal(2449m, last["Amount"]);
        Assert.Equal("Negotiation/Review", last["StageName"]);
        Assert.Equal(new DateOnly(2026, 9, 30), last["CloseDate"]);
        Assert.Equal("Renamed 449", last["Name"]);
    }

    /// <summary>
    /// Salesforce refuses requests over the daily limit without processing them (403 <c>REQUEST_LIMIT_EXCEEDED</c>): a
    /// refusal of a later Collections call reports the records already written and the rest as retryable failures; a
    /// refusal of the first write call (by Salesforce, or by the paused connection's rate gate) throws, marked as having
    /// written nothing, so that the sync can drop the writes it claimed.
    /// </summary>
    [Fact]
    public async Task DailyLimitRefusals_SayWhatWasWritten()
    {
        await using var host = await SfGatewayHost.StartAsync(options: o => o.RateLimits.DailyQuotaPause = TimeSpan.FromMilliseconds(1), transport: Transport);
        var ids = host.Seed(450);
        var updates = ids.Select(id => new CrmRecordUpdate { CrmId = id, Fields = Fields((CrmFields.Amount, "777")) }).ToList();
        host.Emulator.Faults.Add(new FaultRule { Kind = FaultKind.RateLimited, Endpoint = SalesforceEndpoints.CollectionsUpdate, SkipCount = 1, RemainingCount = 1 });

        var results = await host.Gateway.UpdateRecordsAsync(host.Connection, updates);

        Assert.Equal(ids, results.Select(r => r.CrmId));
        Assert.All(results.Take(200), r => Assert.True(r.Success, r.ErrorMessage));
        Assert.All(results.Skip(200), r => Assert.Equal((false, true), (r.Success, r.IsTransient)));
        Assert.Equal(200, ids.Count(id => host.Org.Get("Opportunity", id)!["Amount"] is 777m));

        await Task.Delay(TimeSpan.FromMilliseconds(5));
        host.Emulator.Faults.Add(new FaultRule { Kind = FaultKind.RateLimited, Endpoint = SalesforceEndpoints.CollectionsUpdate, RemainingCount = 1 });
        var refused = await Assert.ThrowsAsync<CrmRateLimitedException>(() => host.Gateway.UpdateRecordsAsync(host.Connection, updates.Skip(200).ToList()));

        Assert.Equal(CrmWriteOutcome.NothingWritten, refused.WriteOutcome);
        Assert.Equal(200, ids.Count(id => host.Org.Get("Opportunity", id)!["Amount"] is 777m));

        // Refused only after a retry: the first attempt's outcome is unknown (a 503 here, but it could have been a lost
        // response), so the refusal proves nothing about what was written.
        await Task.Delay(TimeSpan.FromMilliseconds(5)); // the connection's daily-limit pause runs out
        host.Emulator.Faults.Add(new FaultRule { Kind = FaultKind.ServiceUnavailable, Endpoint = SalesforceEndpoints.CollectionsUpdate, RemainingCount = 1 });
        host.Emulator.Faults.Add(new FaultRule { Kind = FaultKind.RateLimited, Endpoint = SalesforceEndpoints.CollectionsUpdate, RemainingCount = 1 });
        var afterRetry = await Assert.ThrowsAsync<CrmRateLimitedException>(() => host.Gateway.UpdateRecordsAsync(host.Connection, updates.Skip(200).ToList()));

        Assert.Equal(CrmWriteOutcome.Unknown, afterRetry.WriteOutcome);
    }

    [Fact]
    public async Task ConditionalUpdates_CostOneRetrieve_AndRefuseRecordsChangedSinceTheyWereRead()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var ids = host.Seed(450);
        var read = await host.Gateway.GetRecordsAsync(host.Connection, ids);
        host.Org.Update("Opportunity", ids[17], new Dictionary<string, object?> { ["Amount"] = 1m }); // someone else edits after the read (often in the same second)
        host.Emulator.Calls.Reset();

        var results = await host.Gateway.UpdateRecordsAsync(host.Connection, read.Select(r => new CrmRecordUpdate
        {
            CrmId = r.CrmId,
            Fields = Fields((CrmFields.Amount, "777")),
            IfUnmodifiedSince = r.LastModifiedAt,
            ExpectedValues = Fields((CrmFields.Amount, CanonicalValue.FromDecimal(r.Amount))),
        }).ToList());

        Assert.Equal(449, results.Count(r => r.Success));
        var refused = Assert.Single(results, r => !r.Success);
        Assert.Equal(ids[17], refused.CrmId);
        Assert.Equal(CrmWriteResult.PreconditionFailed, refused.ErrorCode);
        Assert.False(refused.IsTransient);
        Assert.Equal(1m, host.Org.Get("Opportunity", ids[17])!["Amount"]); // not overwritten
        Assert.Equal(777m, host.Org.Get("Opportunity", ids[18])!["Amount"]);
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsGet));
        Assert.Equal(3, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsUpdate));
        Assert.Equal(4, host.Emulator.Calls.ApiCalls);
    }

    [Fact]
    public async Task PerRecordFailures_AreValues_WithSalesforcesCode_AndTheOthersAreWritten()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var ids = host.Seed(3);
        host.Org.Delete("Opportunity", ids[2]);

        var results = await host.Gateway.UpdateRecordsAsync(host.Connection,
        [
            new CrmRecordUpdate { CrmId = ids[0], Fields = Fields((CrmFields.Stage, "No Such Stage")) },
            new CrmRecordUpdate { CrmId = ids[1], Fields = Fields((CrmFields.Amount, null), (CrmFields.Stage, "Closed Lost")) },
            new CrmRecordUpdate { CrmId = ids[2], Fields = Fields((CrmFields.Amount, "5")) },
            new CrmRecordUpdate { CrmId = ids[2], Fields = Fields((CrmFields.Amount, "5")), IfUnmodifiedSince = DateTimeOffset.UnixEpoch },
        ]);

        Assert.False(results[0].Success);
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", results[0].ErrorCode);
        Assert.Contains("StageName", results[0].ErrorMessage);
        Assert.True(results[1].Success);
        Assert.Null(host.Org.Get("Opportunity", ids[1])!["Amount"]); // null clears
        Assert.Equal(true, host.Org.Get("Opportunity", ids[1])!["IsClosed"]);
        Assert.False(results[2].Success);
        Assert.NotNull(results[2].ErrorCode);
        Assert.Equal("NOT_FOUND", results[3].ErrorCode);
        Assert.Equal("Prospecting", host.Org.Get("Opportunity", ids[0])!["StageName"]);
    }
}
