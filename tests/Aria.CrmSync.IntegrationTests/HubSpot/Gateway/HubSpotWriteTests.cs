namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

public class HubSpotWriteTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    [Fact]
    public async Task UpdateRecords_BatchesByHundred_WritesCanonicalValues()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(transport: Transport);
        var ids = Enumerable.Range(0, 230).Select(i => h.InsertDeal($"D{i}", amount: "1")).ToList();
        var updates = ids.Select((id, i) => new CrmRecordUpdate
        {
            CrmId = id,
            Fields = new Dictionary<string, string?>
            {
                [CrmFields.Amount] = (1000 + i).ToString(),
                [CrmFields.CloseDate] = "2026-06-30",
                [CrmFields.Name] = $"Renamed {i}",
            },
        }).ToList();

        var results = await h.CrmGateway.UpdateRecordsAsync(h.Connection, updates);

        Assert.Equal(230, results.Count);
        Assert.All(results, r => Assert.True(r.Success, r.ErrorMessage));
        Assert.Equal(ids, results.Select(r => r.CrmId));
        Assert.All(results, r => Assert.NotNull(r.LastModifiedAt));
        Assert.Equal(3, h.Emulator.Calls.Count("deals.batch.update"));
        Assert.Equal(0, h.Emulator.Calls.Count("deals.batch.read")); // no precondition, no stage: no pre-read
        var deal = h.Emulator.GetObject("deals", ids[229])!;
        Assert.Equal("1229", deal["amount"]);
        Assert.Equal("2026-06-30T00:00:00.000Z", deal["closedate"]);
        Assert.Equal("Renamed 229", deal["dealname"]);

        var cleared = await h.CrmGateway.UpdateRecordsAsync(h.Connection, [new CrmRecordUpdate { CrmId = ids[0], Fields = new Dictionary<string, string?> { [CrmFields.Amount] = null, [CrmFields.CloseDate] = null } }]);
        Assert.True(cleared[0].Success);
        Assert.Null(h.Emulator.GetObject("deals", ids[0])!["amount"]);
        Assert.Null(h.Emulator.GetObject("deals", ids[0])!["closedate"]);
    }

    [Fact]
    public async Task IfUnmodifiedSince_OneBatchReadPerBatch_ReportsPreconditionFailedForDealsChangedSince()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: Transport);
        var read = DateTimeOffset.UtcNow.AddMinutes(-10);
        var ids = Enumerable.Range(0, 150).Select(i => h.InsertDeal($"D{i}", lastModified: read)).ToList();
        h.Emulator.UpdateObject("deals", ids[5], new Dictionary<string, string?> { ["amount"] = "77" }, read.AddMinutes(1)); // someone else wrote after our read
        h.Emulator.UpdateObject("deals", ids[120], new Dictionary<string, string?> { ["amount"] = "88" }, read.AddMinutes(2));

        var results = await h.CrmGateway.UpdateRecordsAsync(h.Connection, ids.Select(id => new CrmRecordUpdate
        {
            CrmId = id,
            Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "500" },
            IfUnmodifiedSince = read,
        }).ToList());

        Assert.Equal(CrmWriteResult.PreconditionFailed, results[5].ErrorCode);
        Assert.Equal(CrmWriteResult.PreconditionFailed, results[120].ErrorCode);
        Assert.False(results[5].IsTransient);
        Assert.Equal(148, results.Count(r => r.Success));
        Assert.Equal("77", h.Emulator.GetObject("deals", ids[5])!["amount"]); // the other writer's value survives
        Assert.Equal("500", h.Emulator.GetObject("deals", ids[6])!["amount"]);
        Assert.Equal(2, h.Emulator.Calls.Count("deals.batch.read"));
        Assert.Equal(2, h.Emulator.Calls.Count("deals.batch.update"));
    }

    [Fact]
    public async Task DeletedDealsAndPerItemErrors_AreResults_NotExceptions()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: Transport);
        var live = h.InsertDeal("Live");
        var gone = h.InsertDeal("Gone");
        h.Emulator.ArchiveObject("deals", gone);

        var results = await h.CrmGateway.UpdateRecordsAsync(h.Connection,
        [
            new CrmRecordUpdate { CrmId = live, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "5" } },
            new CrmRecordUpdate { CrmId = gone, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "5" } },
            new CrmRecordUpdate { CrmId = "12345678901", Fields = new Dictionary<string, string?> { [CrmFields.Stage] = "closedwon" } },
        ]);

        Assert.True(results[0].Success);
        Assert.False(results[1].Success);
        Assert.Equal("OBJECT_NOT_FOUND", results[1].ErrorCode);
        Assert.False(results[1].IsTransient);
        Assert.Equal("OBJECT_NOT_FOUND", results[2].ErrorCode);
    }

    [Fact]
    public async Task UnknownFieldsAndMalformedValues_AreRejectedBeforeSending()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: Transport);
        var deal = h.InsertDeal("X");
        await Assert.ThrowsAsync<CrmSyncValidationException>(() => h.CrmGateway.UpdateRecordsAsync(h.Connection, [new CrmRecordUpdate { CrmId = deal, Fields = new Dictionary<string, string?> { ["hubspot_owner_id"] = "1" } }]));
        await Assert.ThrowsAsync<CrmSyncValidationException>(() => h.CrmGateway.UpdateRecordsAsync(h.Connection, [new CrmRecordUpdate { CrmId = deal, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "12,5" } }]));
        await Assert.ThrowsAsync<CrmSyncValidationException>(() => h.CrmGateway.UpdateRecordsAsync(h.Connection, [new CrmRecordUpdate { CrmId = deal, Fields = new Dictionary<string, string?> { [CrmFields.CloseDate] = "30/06/2026" } }]));
        Assert.Equal(0, h.Emulator.Calls.Total);
    }

    [Fact]
    public async Task DefaultStageIds_AreTranslatedToTheDealsCustomPipeline()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: Transport);
        var pipeline = h.Emulator.AddDealPipeline("Enterprise", ("Discovery", 0.1, false), ("Presentation Scheduled", 0.5, false), ("Legal", 0.85, false), ("Signed", 1.0, true), ("Dropped", 0.0, true));
        var stage = pipeline.Stages.ToDictionary(s => s.Label, s => s.Id);
        var won = h.InsertDeal("W", stage["Discovery"], pipeline: pipeline.Id);
        var lost = h.InsertDeal("L", stage["Discovery"], pipeline: pipeline.Id);
        var byLabel = h.InsertDeal("P", stage["Discovery"], pipeline: pipeline.Id);
        var byProbability = h.InsertDeal("N", stage["Discovery"], pipeline: pipeline.Id);
        var native = h.InsertDeal("Native", stage["Discovery"], pipeline: pipeline.Id);
        var defaultPipeline = h.InsertDeal("Default");

        var results = await h.CrmGateway.UpdateRecordsAsync(h.Connection,
        [
            Stage(won, "closedwon"),
            Stage(lost, "closedlost"),
            Stage(byLabel, "presentationscheduled"), // same label in the custom pipeline
            Stage(byProbability, "contractsent"), // 0.9 → nearest open stage: Legal (0.85)
            Stage(native, stage["Legal"]), // a stage of the deal's own pipeline is written as is
            Stage(defaultPipeline, "closedwon"),
        ]);

        Assert.All(results, r => Assert.True(r.Success, r.ErrorMessage));
        Assert.Equal(stage["Signed"], h.Emulator.GetObject("deals", won)!["dealstage"]);
        Assert.Equal(stage["Dropped"], h.Emulator.GetObject("deals", lost)!["dealstage"]);
        Assert.Equal(stage["Presentation Scheduled"], h.Emulator.GetObject("deals", byLabel)!["dealstage"]);
        Assert.Equal(stage["Legal"], h.Emulator.GetObject("deals", byProbability)!["dealstage"]);
        Assert.Equal(stage["Legal"], h.Emulator.GetObject("deals", native)!["dealstage"]);
        Assert.Equal("closedwon", h.Emulator.GetObject("deals", defaultPipeline)!["dealstage"]);

        var record = await h.CrmGateway.GetRecordAsync(h.Connection, won);
        Assert.True(record!.IsClosed);
        Assert.True(record.IsWon);

        // A pipeline without closed stages cannot take a won stage: a per-record failure, nothing sent for it.
        var open = h.Emulator.AddDealPipeline("Open only", ("Only", 0.5, false));
        var stuck = h.InsertDeal("S", open.Stages[0].Id, pipeline: open.Id);
        var failed = await h.CrmGateway.UpdateRecordsAsync(h.Connection, [Stage(stuck, "closedwon")]);
        Assert.Equal("STAGE_NOT_MAPPED", failed[0].ErrorCode);
    }

    private static CrmRecordUpdate Stage(string id, string stage) => new() { CrmId = id, Fields = new Dictionary<string, string?> { [CrmFields.Stage] = stage } };
}
