using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

public sealed class HubSpotFaultTests
{
    [Theory]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task GatewayErrors_OnIdempotentReads_AreRetried(int status)
    {
        await using var h = await HubSpotGatewayHost.StartAsync();
        var ids = Enumerable.Range(0, 3).Select(i => h.InsertDeal($"D{i}")).ToList();
        h.Emulator.FailNextWithStatus(status, "deals.batch.read", count: 2);

        var records = await h.CrmGateway.GetRecordsAsync(h.Connection, ids);

        Assert.Equal(3, records.Count);
        Assert.Equal(3, h.Emulator.Calls.Count("deals.batch.read"));
    }

    [Theory]
    [InlineData(FaultKind.DropConnection)]
    [InlineData(FaultKind.TruncatedBody)]
    [InlineData(FaultKind.ServiceUnavailable)]
    public async Task TransportFaults_OnReadsAndSearches_AreRecovered(FaultKind kind)
    {
        await using var h = await HubSpotGatewayHost.StartAsync();
        var deal = h.InsertDeal("D");
        h.Emulator.Faults.FailNext(kind, "deals.objects.get");
        h.Emulator.Faults.FailNext(kind, "deals.search");

        Assert.NotNull(await h.CrmGateway.GetRecordAsync(h.Connection, deal));
        Assert.Single((await h.CrmGateway.GetChangesAsync(h.Connection, null).ToListAsync()).SelectMany(p => p.Records));
        Assert.Equal(2, h.Emulator.Faults.TotalInjected);
    }

    [Fact]
    public async Task PersistentOutage_IsAConnectionError()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true);
        var deal = h.InsertDeal("D");
        h.Emulator.FailNextWithStatus(503, "deals.objects.get", count: 10);

        var ex = await Assert.ThrowsAsync<CrmConnectionException>(() => h.CrmGateway.GetRecordAsync(h.Connection, deal));

        Assert.Contains("deals.get", ex.Message);
        Assert.False(ex.RequiresReauthorization);
    }

    [Fact]
    public async Task MalformedJson_IsADataErrorNamingTheEndpoint()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true);
        var deal = h.InsertDeal("D");
        h.Emulator.Faults.FailNext(FaultKind.MalformedJson, "deals.batch.read");

        var ex = await Assert.ThrowsAsync<CrmSyncDataException>(() => h.CrmGateway.GetRecordsAsync(h.Connection, [deal]));

        Assert.Equal("deals.batch.read", ex.DataSource);
        Assert.Equal(CrmProvider.HubSpot, ex.Provider);
    }

    [Fact]
    public async Task LostResponseOfABatchUpdate_IsRetried_TheWriteIsIdempotent()
    {
        await using var h = await HubSpotGatewayHost.StartAsync();
        var deal = h.InsertDeal("D");
        h.Emulator.Faults.FailNext(FaultKind.ResponseLost, "deals.batch.update");

        var result = Assert.Single(await h.CrmGateway.UpdateRecordsAsync(h.Connection, [new CrmRecordUpdate { CrmId = deal, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "9" } }]));

        Assert.True(result.Success);
        Assert.Equal("9", h.Emulator.GetObject("deals", deal)!["amount"]);
        Assert.Equal(2, h.Emulator.Calls.Count("deals.batch.update"));
    }
}

public sealed class HubSpotErrorMappingTests
{
    [Fact]
    public async Task ValidationError_IsACrmSyncExceptionWithTheCategoryInDetails()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true);
        var deal = h.InsertDeal("D");
        h.Emulator.FailNextWithStatus(400, "deals.batch.update");

        var ex = await Assert.ThrowsAnyAsync<CrmSyncException>(() => h.CrmGateway.UpdateRecordsAsync(h.Connection, [new CrmRecordUpdate { CrmId = deal, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "1" } }]));

        Assert.Equal(CrmSyncException.DefaultCode, ex.Code);
        Assert.Equal("VALIDATION_ERROR", ex.Details["category"]);
        Assert.Equal(400, ex.Details["http_status"]);
        Assert.Equal("deals.batch.update", ex.Details["endpoint"]);
        Assert.Equal(CrmProvider.HubSpot, ex.Provider);
    }
}
