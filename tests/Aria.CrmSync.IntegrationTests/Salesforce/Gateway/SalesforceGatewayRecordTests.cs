using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

public class SalesforceGatewayRecordTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    [Fact]
    public async Task GetRecord_ReadsTheOpportunity_WithStageFlagsAndSystemModstamp()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var id = host.Org.Insert("Opportunity", new Dictionary<string, object?>
        {
            ["Name"] = "Acme renewal",
            ["StageName"] = "Closed Won",
            ["CloseDate"] = new DateOnly(2026, 3, 31),
            ["Amount"] = 12500.50m,
        });

        var record = await host.Gateway.GetRecordAsync(host.Connection, id);

        Assert.NotNull(record);
        Assert.Equal(id, record.CrmId);
        Assert.Equal(CrmProvider.Salesforce, record.Provider);
        Assert.Equal("Acme renewal", record.Name);
        Assert.Equal("Closed Won", record.Stage);
        Assert.Equal(12500.50m, record.Amount);
        Assert.Equal(new DateOnly(2026, 3, 31), record.CloseDate);
        Assert.True(record.IsClosed);
        Assert.True(record.IsWon);
        Assert.Equal((DateTimeOffset)host.Org.Get("Opportunity", id)!["SystemModstamp"]!, record.LastModifiedAt);
        Assert.Equal("100", record.Metadata["probability"]);
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.SObjectGet));
    }

    [Fact]
    public async Task GetRecord_ReturnsNull_ForMissingAndDeletedRecords()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var deleted = host.Seed(1)[0];
        host.Org.Delete("Opportunity", deleted);

        Assert.Null(await host.Gateway.GetRecordAsync(host.Connection, deleted));
        Assert.Null(await host.Gateway.GetRecordAsync(host.Connection, "006000000000000AAA"));
    }
}

public class SalesforceGatewayBatchReadTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    [Fact]
    public async Task GetRecords_ReadsTwoThousandIdsPerCall_InOrder_LeavingMissingOnesOut()
    {
        await using var host = await SfGatewayHost.StartAsync(loopback: false, transport: Transport);
        var ids = host.Seed(2500);
        host.Org.Delete("Opportunity", ids[10]);
        var asked = ids.Append("006000000000000AAA").Append(ids[5]).ToList(); // unknown id and a duplicate
        host.Emulator.Calls.Reset();

        var records = await host.Gateway.GetRecordsAsync(host.Connection, asked);

        Assert.Equal(2499, records.Count);
        Assert.Equal(ids.Where((_, i) => i != 10), records.Select(r => r.CrmId));
        Assert.Equal("Deal 0007", records[7].Name);
        Assert.Equal(2, host.Emulator.Calls.Count(SalesforceEndpoints.CollectionsGet));
        Assert.Equal(2, host.Emulator.Calls.ApiCalls);
    }

    [Theory]
    [InlineData("006000000000001AAA' OR Name != '")]
    [InlineData("006000000000001AAA\n")]
    [InlineData("006000000000001")]
    [InlineData("")]
    public async Task MalformedIds_AreRejectedBeforeAnythingIsSent(string id)
    {
        await using var host = await SfGatewayHost.StartAsync(loopback: false, transport: Transport);
        var valid = host.Seed(1)[0];
        host.Emulator.Calls.Reset();

        if (id.Length != 15)
        {
            var one = await Assert.ThrowsAsync<CrmSyncValidationException>(() => host.Gateway.GetRecordAsync(host.Connection, id));
            Assert.Equal("crmId", one.Field);
            Assert.Equal("salesforce", one.Details["provider"]);
            var many = await Assert.ThrowsAsync<CrmSyncValidationException>(() => host.Gateway.GetRecordsAsync(host.Connection, [valid, id]));
            Assert.Equal("crmIds[1]", many.Field);
            var update = await Assert.ThrowsAsync<CrmSyncValidationException>(() => host.Gateway.UpdateRecordsAsync(host.Connection, [new CrmRecordUpdate { CrmId = id, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "1" } }]));
            Assert.Equal("updates[0].CrmId", update.Field);
            var note = await Assert.ThrowsAsync<CrmSyncValidationException>(() => host.Gateway.CreateNotesAsync(host.Connection, [new CrmNoteRequest { IdempotencyKey = "k", CrmId = id, Text = "[ARIA] x" }]));
            Assert.Equal("notes[0].CrmId", note.Field);
            await Assert.ThrowsAsync<CrmSyncValidationException>(async () =>
            {
                await foreach (var activity in host.Gateway.GetActivitiesAsync(host.Connection, id))
                {
                }
            });
            await Assert.ThrowsAsync<CrmSyncValidationException>(async () =>
            {
                await foreach (var page in host.Gateway.GetChangesAsync(host.Connection, new CrmCursor(DateTimeOffset.UnixEpoch, id)))
                {
                }
            });
        }
        else
        {
            Assert.Null(await host.Gateway.GetRecordAsync(host.Connection, id)); // a well-formed 15-character id is sent
        }

        Assert.Equal(id.Length == 15 ? 1 : 0, host.Emulator.Calls.Total);
    }

    [Fact]
    public async Task UnknownFieldsAndValues_AreRejectedBeforeAnythingIsSent()
    {
        await using var host = await SfGatewayHost.StartAsync(loopback: false, transport: Transport);
        var id = host.Seed(1)[0];
        host.Emulator.Calls.Reset();

        var field = await Assert.ThrowsAsync<CrmSyncValidationException>(() => host.Gateway.UpdateRecordsAsync(host.Connection, [new CrmRecordUpdate { CrmId = id, Fields = new Dictionary<string, string?> { ["OwnerId"] = "005000000000001AAA" } }]));
        Assert.Equal("updates[0].Fields[OwnerId]", field.Field);
        var amount = await Assert.ThrowsAsync<CrmSyncValidationException>(() => host.Gateway.UpdateRecordsAsync(host.Connection, [new CrmRecordUpdate { CrmId = id, Fields = new Dictionary<string, string?> { [CrmFields.Amount] = "12,5e3; DROP" } }]));
        Assert.Equal("updates[0].Fields[amount]", amount.Field);
        var date = await Assert.ThrowsAsync<CrmSyncValidationException>(() => host.Gateway.UpdateRecordsAsync(host.Connection, [new CrmRecordUpdate { CrmId = id, Fields = new Dictionary<string, string?> { [CrmFields.CloseDate] = "31/12/2026" } }]));
        Assert.Equal("updates[0].Fields[close_date]", date.Field);
        Assert.Equal(0, host.Emulator.Calls.Total);
    }

    [Fact]
    public async Task SoqlLiterals_RoundTripThroughTheEmulatorsParser()
    {
        await using var host = await SfGatewayHost.StartAsync(loopback: false, transport: Transport);
        var tricky = "O'Brien \"big\" deal \\ 50%_off\ttab ünïcode";
        var id = host.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = tricky, ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 1, 1) });
        host.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "O'Brien big deal 50Xoff", ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 1, 1) });
        using var http = host.Emulator.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", host.Tokens.AccessToken);

        async Task<List<string>> Ids(string where)
        {
            var text = await http.GetStringAsync("/services/data/v66.0/query?q=" + Uri.EscapeDataString("SELECT Id FROM Opportunity WHERE " + where));
            return System.Text.Json.Nodes.JsonNode.Parse(text)!["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ToList();
        }

        Assert.Equal([id], await Ids("Name = " + Providers.Salesforce.Soql.Quote(tricky)));
        Assert.Equal([id], await Ids("Name LIKE " + Providers.Salesforce.Soql.LikeContains("50%_off")));
        Assert.Equal("(SystemModstamp > 2026-01-02T03:04:05Z OR (SystemModstamp = 2026-01-02T03:04:05Z AND Id > '006000000000001AAA'))", Providers.Salesforce.Soql.After("SystemModstamp", new DateTimeOffset(2026, 1, 2, 5, 4, 5, 678, TimeSpan.FromHours(2)), "006000000000001AAA"));
    }
}
