namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

public class HubSpotReadTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    [Fact]
    public async Task GetRecord_MapsStringPropertiesAndStageFlags_OverLoopback()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(transport: Transport);
        var open = h.InsertDeal("Acme renewal", "presentationscheduled", amount: "1500.00", closeDate: "2026-04-30T16:50:06.678Z");
        var won = h.InsertDeal("Globex", "closedwon", amount: "2.5E3", closeDate: "1777507200000");
        var lost = h.InsertDeal("Initech", "closedlost");

        var record = await h.CrmGateway.GetRecordAsync(h.Connection, open);
        Assert.NotNull(record);
        Assert.Equal(CrmProvider.HubSpot, record.Provider);
        Assert.Equal("Acme renewal", record.Name);
        Assert.Equal("presentationscheduled", record.Stage);
        Assert.Equal(1500.00m, record.Amount);
        Assert.Equal(new DateOnly(2026, 4, 30), record.CloseDate);
        Assert.False(record.IsClosed);
        Assert.False(record.IsWon);
        Assert.Equal("default", record.Metadata["pipeline"]);
        Assert.Equal("Presentation Scheduled", record.Metadata["stage_label"]);
        Assert.Equal(h.Emulator.GetObject("deals", open)!.UpdatedAt.ToUnixTimeMilliseconds(), record.LastModifiedAt!.Value.ToUnixTimeMilliseconds());

        var closedWon = await h.CrmGateway.GetRecordAsync(h.Connection, won);
        Assert.Equal(2500m, closedWon!.Amount);
        Assert.Equal(new DateOnly(2026, 4, 30), closedWon.CloseDate);
        Assert.True(closedWon.IsClosed);
        Assert.True(closedWon.IsWon);

        var closedLost = await h.CrmGateway.GetRecordAsync(h.Connection, lost);
        Assert.True(closedLost!.IsClosed);
        Assert.False(closedLost.IsWon);
        Assert.Null(closedLost.Amount);
        Assert.Null(closedLost.CloseDate);

        Assert.Null(await h.CrmGateway.GetRecordAsync(h.Connection, "99999999999"));
        Assert.Equal(1, h.Emulator.Calls.Count("pipelines.list")); // cached per connection
    }

    [Theory]
    [InlineData("12a")]
    [InlineData("1 OR 1=1")]
    [InlineData("\"},{\"propertyName\":\"x\"")]
    [InlineData("")]
    [InlineData("123456789012345678901")]
    public async Task MalformedIds_AreRejectedBeforeAnyCall(string id)
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: Transport);
        var ex = await Assert.ThrowsAsync<CrmSyncValidationException>(() => h.CrmGateway.GetRecordAsync(h.Connection, id));
        Assert.Equal(CrmProvider.HubSpot, ex.Provider);
        await Assert.ThrowsAsync<CrmSyncValidationException>(() => h.CrmGateway.GetRecordsAsync(h.Connection, ["1", id]));
        await Assert.ThrowsAsync<CrmSyncValidationException>(() => h.CrmGateway.UpdateRecordsAsync(h.Connection, [new CrmRecordUpdate { CrmId = id, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "1" } }]));
        await Assert.ThrowsAsync<CrmSyncValidationException>(() => h.CrmGateway.CreateNotesAsync(h.Connection, [new CrmNoteRequest { CrmId = id, IdempotencyKey = "k", Text = "[ARIA] x" }]));
        Assert.Equal(0, h.Emulator.Calls.Total);
    }

    [Fact]
    public async Task GetRecords_BatchesByHundred_AndLeavesOutMissingIds()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: Transport);
        var ids = Enumerable.Range(0, 250).Select(i => h.InsertDeal($"Deal {i}", amount: i.ToString())).ToList();
        ids.Insert(10, "98765432100");

        var records = await h.CrmGateway.GetRecordsAsync(h.Connection, ids);

        Assert.Equal(250, records.Count);
        Assert.DoesNotContain(records, r => r.CrmId == "98765432100");
        Assert.Equal(3, h.Emulator.Calls.Count("deals.batch.read"));
        Assert.Equal(4, h.Emulator.Calls.ApiCalls); // 3 batch reads + pipelines
        Assert.Equal(249m, records.Single(r => r.Name == "Deal 249").Amount);
    }

    [Fact]
    public async Task CustomPipeline_NumericStageIds_ClosedAndWonFromMetadata_RefreshedWhenUnknown()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: Transport);
        var first = h.Emulator.AddDealPipeline("Enterprise", ("Discovery", 0.1, false), ("Pilot", 0.5, false), ("Signed", 1.0, true), ("Dropped", 0.0, true));
        var discovery = h.InsertDeal("A", first.Stages[0].Id, pipeline: first.Id);
        Assert.False((await h.CrmGateway.GetRecordAsync(h.Connection, discovery))!.IsClosed);

        // A pipeline created after the cache was filled: its stages are unknown until a refresh.
        var second = h.Emulator.AddDealPipeline("Partners", ("Intro", 0.3, false), ("Won", 1.0, true), ("Lost", 0.0, true));
        var signed = h.InsertDeal("B", first.Stages[2].Id, pipeline: first.Id);
        var partnerWon = h.InsertDeal("C", second.Stages[1].Id, pipeline: second.Id);
        var partnerLost = h.InsertDeal("D", second.Stages[2].Id, pipeline: second.Id);
        h.Emulator.Calls.Reset();

        var records = await h.CrmGateway.GetRecordsAsync(h.Connection, [signed, partnerWon, partnerLost]);
        var byId = records.ToDictionary(r => r.CrmId);
        Assert.Equal(first.Stages[2].Id, byId[signed].Stage);
        Assert.All(records, r => Assert.True(r.IsClosed));
        Assert.True(byId[signed].IsWon);
        Assert.True(byId[partnerWon].IsWon);
        Assert.False(byId[partnerLost].IsWon);
        Assert.Equal("Partners", h.Emulator.DealPipelines.Single(p => p.Id == byId[partnerWon].Metadata["pipeline"]).Label);
        Assert.Equal(1, h.Emulator.Calls.Count("pipelines.list")); // reloaded once for the unknown stages

        // Known stages read again: no reload.
        await h.CrmGateway.GetRecordsAsync(h.Connection, [signed, partnerWon]);
        Assert.Equal(1, h.Emulator.Calls.Count("pipelines.list"));
    }

    [Fact]
    public async Task DatedApiVersion_UsesTheDatedPathFamily()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(o => o.RecordExchanges = true, o => o.ApiVersion = "2026-03", inProcess: true, transport: Transport);
        var deal = h.InsertDeal("Dated", amount: "10");
        h.Emulator.InsertObject("notes", new Dictionary<string, string?> { ["hs_note_body"] = "<p>Hello</p>", ["hs_timestamp"] = "2026-03-01T10:00:00Z" });
        var note = h.Emulator.ListObjects("notes").Single().Id;
        h.Emulator.Associate("notes", note, "deals", deal, 214);

        Assert.Equal(10m, (await h.CrmGateway.GetRecordAsync(h.Connection, deal))!.Amount);
        Assert.Single(await h.CrmGateway.GetRecordsAsync(h.Connection, [deal]));
        var pages = await h.CrmGateway.GetChangesAsync(h.Connection, null).ToListAsync();
        Assert.Single(pages.SelectMany(p => p.Records));
        var activities = await h.CrmGateway.GetActivitiesAsync(h.Connection, deal).ToListAsync();
        Assert.Equal("Hello", Assert.Single(activities).Body);

        var paths = h.Emulator.Exchanges.Select(e => e.Request.Path).Where(p => !p.Contains("pipelines", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(paths);
        Assert.All(paths, p => Assert.Contains("/2026-03/", p, StringComparison.Ordinal));
    }
}
