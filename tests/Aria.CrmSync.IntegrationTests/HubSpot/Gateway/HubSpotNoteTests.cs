using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

public class HubSpotNoteTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    [Fact]
    public async Task CreateNotes_BatchCreatesWithTheDealAssociationAndKeyMarker()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(transport: Transport);
        var deals = Enumerable.Range(0, 150).Select(i => h.InsertDeal($"D{i}")).ToList();
        var requests = deals.Select((d, i) => new CrmNoteRequest { CrmId = d, IdempotencyKey = $"aria-{i:000}", Text = $"[ARIA] Summary {i}" }).ToList();

        var results = await h.CrmGateway.CreateNotesAsync(h.Connection, requests);

        Assert.All(results, r => Assert.True(r.Success, r.ErrorMessage));
        Assert.Equal(requests.Select(r => r.IdempotencyKey), results.Select(r => r.IdempotencyKey));
        Assert.Equal(2, h.Emulator.Calls.Count("notes.batch.create"));
        Assert.Equal(150, h.Emulator.CountObjects("notes"));
        var note = h.Emulator.GetObject("notes", results[7].NoteId!)!;
        Assert.StartsWith("[ARIA] Summary 7", note["hs_note_body"]);
        Assert.Contains("[aria-ref:aria-007]", note["hs_note_body"]);
        var link = Assert.Single(h.Emulator.GetAssociations("notes", note.Id, "deals"));
        Assert.Equal(deals[7], link.ToObjectId);
        Assert.Equal(214, link.TypeId);
    }

    [Fact]
    public async Task ResponseLost_ReportedTransient_RetryWithMayExistFindsTheNote_NoDuplicate()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(transport: Transport);
        var deal = h.InsertDeal("D");
        h.Emulator.InsertObject("notes", new Dictionary<string, string?> { ["hs_note_body"] = "someone else's note", ["hs_timestamp"] = "2026-03-01T00:00:00Z" });
        h.Emulator.Associate("notes", h.Emulator.ListObjects("notes")[0].Id, "deals", deal, 214);
        var request = new CrmNoteRequest { CrmId = deal, IdempotencyKey = "key-\"quoted\"},{\"x\":1", Text = "[ARIA] Call went well" };

        h.Emulator.Faults.FailNext(FaultKind.ResponseLost, "notes.batch.create");
        var first = Assert.Single(await h.CrmGateway.CreateNotesAsync(h.Connection, [request]));
        Assert.False(first.Success);
        Assert.True(first.IsTransient);
        Assert.Equal(CrmConnectionException.ErrorCode, first.ErrorCode);
        Assert.Equal(1, h.Emulator.Calls.Count("notes.batch.create")); // never retried by the HTTP pipeline
        Assert.Equal(2, h.Emulator.CountObjects("notes")); // it was written all the same

        var retry = Assert.Single(await h.CrmGateway.CreateNotesAsync(h.Connection, [request with { MayExist = true }]));
        Assert.True(retry.Success);
        Assert.True(retry.AlreadyExisted);
        Assert.Equal(2, h.Emulator.CountObjects("notes"));
        Assert.Equal(1, h.Emulator.Calls.Count("notes.batch.create"));
        Assert.Equal(1, h.Emulator.Calls.Count("associations.batchRead"));
        Assert.Equal(1, h.Emulator.Calls.Count("notes.batch.read"));
    }

    [Fact]
    public async Task MayExist_WhenNothingWasWritten_CreatesOnce_AndDuplicateKeysInOneCallShareTheNote()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: Transport);
        var a = h.InsertDeal("A");
        var b = h.InsertDeal("B");
        h.Emulator.Faults.FailNext(FaultKind.DropConnection, "notes.batch.create");
        var dropped = await h.CrmGateway.CreateNotesAsync(h.Connection, [new CrmNoteRequest { CrmId = a, IdempotencyKey = "k1", Text = "[ARIA] one" }]);
        Assert.True(dropped[0].IsTransient);
        Assert.Equal(0, h.Emulator.CountObjects("notes"));

        var results = await h.CrmGateway.CreateNotesAsync(h.Connection,
        [
            new CrmNoteRequest { CrmId = a, IdempotencyKey = "k1", Text = "[ARIA] one", MayExist = true },
            new CrmNoteRequest { CrmId = b, IdempotencyKey = "k2", Text = "[ARIA] two", MayExist = true },
            new CrmNoteRequest { CrmId = b, IdempotencyKey = "k2", Text = "[ARIA] two", MayExist = true },
        ]);

        Assert.All(results, r => Assert.True(r.Success));
        Assert.All(results, r => Assert.False(r.AlreadyExisted));
        Assert.Equal(results[1].NoteId, results[2].NoteId);
        Assert.Equal(2, h.Emulator.CountObjects("notes"));
    }
}
