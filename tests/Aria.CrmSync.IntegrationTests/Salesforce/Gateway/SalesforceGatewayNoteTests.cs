using System.Text;
using Aria.CrmSync.Providers.Salesforce;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

public class SalesforceGatewayNoteTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    private static CrmNoteRequest Note(string key, string crmId, string text = "[ARIA] Call recap: pricing agreed", bool mayExist = false)
        => new() { IdempotencyKey = key, CrmId = crmId, Text = text, MayExist = mayExist };

    private static List<IReadOnlyDictionary<string, object?>> LinksOf(SalesforceOrg org, string crmId)
        => org.List("ContentDocumentLink").Where(l => (string)l["LinkedEntityId"]! == crmId).ToList();

    [Fact]
    public async Task ContentNote_IsWrittenAndLinked_InOneCompositeCall_WithAReadableTitleCarryingTheKey()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opp = host.Seed(1)[0];
        host.Emulator.Calls.Reset();
        var text = "[ARIA] Call recap: <CFO> agreed to \"pricing\" & terms\nNext: send the contract";

        var result = Assert.Single(await host.Gateway.CreateNotesAsync(host.Connection, [Note("aria-key-1", opp, text)]));

        Assert.True(result.Success);
        Assert.False(result.AlreadyExisted);
        Assert.StartsWith("069", result.NoteId);
        var note = host.Org.Get("ContentNote", result.NoteId!)!;
        Assert.Equal($"[ARIA] Call recap: <CFO> agreed to \"pricing\" & terms ({SalesforceGateway.NoteMarker("aria-key-1")})", note["Title"]);
        Assert.Equal("<p>[ARIA] Call recap: &lt;CFO&gt; agreed to &quot;pricing&quot; &amp; terms</p><p>Next: send the contract</p>", note["Content"]);
        Assert.Equal("[ARIA] Call recap: <CFO> agreed to \"pricing\" & terms Next: send the contract", note["TextPreview"]);
        var link = Assert.Single(LinksOf(host.Org, opp));
        Assert.Equal(result.NoteId, link["ContentDocumentId"]);
        Assert.Equal("I", link["ShareType"]);
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.Composite));
        Assert.Equal(1, host.Emulator.Calls.ApiCalls);
    }

    [Fact]
    public async Task UpToTwelveNotes_GoInOneCompositeCall()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opps = host.Seed(4);
        host.Emulator.Calls.Reset();

        var results = await host.Gateway.CreateNotesAsync(host.Connection, Enumerable.Range(0, 12).Select(i => Note($"k{i}", opps[i % 4], $"[ARIA] note {i}")).ToList());

        Assert.All(results, r => Assert.True(r.Success));
        Assert.Equal(12, host.Org.Count("ContentNote"));
        Assert.All(opps, o => Assert.Equal(3, LinksOf(host.Org, o).Count));
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.Composite));
        Assert.Equal(1, host.Emulator.Calls.ApiCalls);
    }

    [Fact]
    public async Task ManyNotes_GoSeventyFivePerCompositeGraphCall_EachNoteOnItsOwn()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opps = host.Seed(10);
        host.Org.Delete("Opportunity", opps[9]); // its notes cannot be linked: only they fail
        host.Emulator.Calls.Reset();

        var results = await host.Gateway.CreateNotesAsync(host.Connection, Enumerable.Range(0, 160).Select(i => Note($"k{i}", opps[i % 10], $"[ARIA] note {i}")).ToList());

        Assert.Equal(Enumerable.Range(0, 160).Select(i => $"k{i}"), results.Select(r => r.IdempotencyKey));
        Assert.All(results.Where((_, i) => i % 10 != 9), r => Assert.True(r.Success));
        Assert.All(results.Where((_, i) => i % 10 == 9), r => Assert.False(r.Success));
        Assert.Equal(144, results.Where(r => r.Success).Select(r => r.NoteId).Distinct().Count());
        Assert.Equal(144, host.Org.Count("ContentNote")); // the failed graphs rolled back their notes
        Assert.All(opps.Take(9), o => Assert.Equal(16, LinksOf(host.Org, o).Count));
        Assert.Equal(3, host.Emulator.Calls.Count(SalesforceEndpoints.CompositeGraph));
        Assert.Equal(3, host.Emulator.Calls.ApiCalls);
    }

    [Fact]
    public async Task AfterALostResponse_ARetryWithMayExist_FindsTheNote_AndNeverWritesASecondOne()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opp = host.Seed(1)[0];
        host.Emulator.Faults.FailNext(FaultKind.ResponseLost, SalesforceEndpoints.Composite);

        var lost = await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.CreateNotesAsync(host.Connection, [Note("aria-lost", opp)]));
        Assert.False(lost.RequiresReauthorization);
        Assert.Equal(1, host.Org.Count("ContentNote")); // Salesforce did write it
        var written = (string)host.Org.List("ContentNote")[0]["Id"]!;

        var retried = Assert.Single(await host.Gateway.CreateNotesAsync(host.Connection, [Note("aria-lost", opp, mayExist: true)]));
        var again = Assert.Single(await host.Gateway.CreateNotesAsync(host.Connection, [Note("aria-lost", opp, mayExist: true)]));

        Assert.True(retried.Success);
        Assert.True(retried.AlreadyExisted);
        Assert.Equal(written, retried.NoteId);
        Assert.Equal(written, again.NoteId);
        Assert.Equal(1, host.Org.Count("ContentNote"));
        Assert.Single(LinksOf(host.Org, opp));
        Assert.Equal(3, host.Emulator.Calls.Count(SalesforceEndpoints.Composite)); // the lost write, then one lookup per retry
    }

    [Fact]
    public async Task MayExist_WhenTheFirstAttemptNeverArrived_WritesTheNote_AndKeysOnOtherRecordsDoNotMatch()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opps = host.Seed(2);
        await host.Gateway.CreateNotesAsync(host.Connection, [Note("shared-key", opps[0])]);
        host.Emulator.Faults.FailNext(FaultKind.DropConnection, SalesforceEndpoints.Composite);
        await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.CreateNotesAsync(host.Connection, [Note("never-arrived", opps[1])]));

        var results = await host.Gateway.CreateNotesAsync(host.Connection, [Note("never-arrived", opps[1], mayExist: true), Note("shared-key", opps[1], mayExist: true)]);

        Assert.All(results, r => Assert.True(r.Success && !r.AlreadyExisted));
        Assert.Equal(3, host.Org.Count("ContentNote"));
        Assert.Equal(2, LinksOf(host.Org, opps[1]).Count);
    }

    [Fact]
    public async Task AnUnlinkedNoteWithTheKey_IsLinked_NotWrittenAgain()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opp = host.Seed(1)[0];
        var orphan = host.Org.Insert("ContentNote", new Dictionary<string, object?> { ["Title"] = SalesforceGateway.NoteTitle("[ARIA] x", "orphan-key", 255), ["Content"] = "<p>x</p>" });

        var result = Assert.Single(await host.Gateway.CreateNotesAsync(host.Connection, [Note("orphan-key", opp, "[ARIA] x", mayExist: true)]));

        Assert.True(result.AlreadyExisted);
        Assert.Equal(orphan, result.NoteId);
        Assert.Equal(1, host.Org.Count("ContentNote"));
        Assert.Equal(orphan, Assert.Single(LinksOf(host.Org, opp))["ContentDocumentId"]);
    }

    [Fact]
    public async Task AFailingNote_RollsBackItsCall_AndOnlyThatNoteFails()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opps = host.Seed(5);
        host.Org.Delete("Opportunity", opps[2]);
        host.Emulator.Calls.Reset();

        var results = await host.Gateway.CreateNotesAsync(host.Connection, opps.Select((o, i) => Note($"k{i}", o)).ToList());

        Assert.Equal([true, true, false, true, true], results.Select(r => r.Success));
        Assert.NotNull(results[2].ErrorCode);
        Assert.NotEqual("PROCESSING_HALTED", results[2].ErrorCode);
        Assert.False(results[2].IsTransient);
        Assert.Equal(4, host.Org.Count("ContentNote")); // the rolled-back notes were sent again, once
        Assert.Equal(2, host.Emulator.Calls.Count(SalesforceEndpoints.Composite));
    }

    [Fact]
    public async Task ConcurrentNoteWrites_CreateEveryNoteExactlyOnce()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opps = host.Seed(8);

        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(b => host.Gateway.CreateNotesAsync(host.Connection, Enumerable.Range(0, 5).Select(i => Note($"b{b}-n{i}", opps[b], $"[ARIA] batch {b} note {i}")).ToList())));
        var retried = await Task.WhenAll(Enumerable.Range(0, 8).Select(b => host.Gateway.CreateNotesAsync(host.Connection, Enumerable.Range(0, 5).Select(i => Note($"b{b}-n{i}", opps[b], $"[ARIA] batch {b} note {i}", mayExist: true)).ToList())));

        Assert.All(batches.SelectMany(b => b), r => Assert.True(r.Success && !r.AlreadyExisted));
        Assert.All(retried.SelectMany(b => b), r => Assert.True(r.Success && r.AlreadyExisted));
        Assert.Equal(batches.SelectMany(b => b).Select(r => r.NoteId), retried.SelectMany(b => b).Select(r => r.NoteId));
        Assert.Equal(40, host.Org.Count("ContentNote"));
        Assert.All(opps, o => Assert.Equal(5, LinksOf(host.Org, o).Count));
    }

    [Fact]
    public async Task ClassicNotes_AreWrittenWithCollections_AndFoundOnRetry()
    {
        await using var host = await SfGatewayHost.StartAsync(options: o => o.NotesAs = SalesforceNoteKind.Note, transport: Transport);
        var opp = host.Seed(1)[0];
        var longText = "[ARIA] " + new string('x', 200) + "\nsecond line";
        host.Emulator.Faults.FailNext(FaultKind.ResponseLost, SalesforceEndpoints.CollectionsCreate);
        await Assert.ThrowsAsync<CrmConnectionException>(() => host.Gateway.CreateNotesAsync(host.Connection, [Note("classic", opp, longText)]));

        var result = Assert.Single(await host.Gateway.CreateNotesAsync(host.Connection, [Note("classic", opp, longText, mayExist: true)]));
        var other = Assert.Single(await host.Gateway.CreateNotesAsync(host.Connection, [Note("classic-2", opp, "[ARIA] short")]));

        Assert.True(result.AlreadyExisted);
        Assert.StartsWith("002", result.NoteId);
        Assert.False(other.AlreadyExisted);
        var note = host.Org.Get("Note", result.NoteId!)!;
        Assert.Equal(opp, note["ParentId"]);
        Assert.Equal(longText, note["Body"]);
        var title = (string)note["Title"]!;
        Assert.True(title.Length <= 80, title);
        Assert.EndsWith($"… ({SalesforceGateway.NoteMarker("classic")})", title);
        Assert.Equal(2, host.Org.Count("Note"));
        Assert.Equal(0, host.Org.Count("ContentNote"));
    }

    [Fact]
    public void Titles_KeepSurrogatePairsWhole_AndMarkersAreStable()
    {
        var text = "[ARIA] " + string.Concat(Enumerable.Repeat("😀", 60));
        var title = SalesforceGateway.NoteTitle(text, "key", 80);
        Assert.True(title.Length <= 80);
        Assert.True(Encoding.UTF8.GetByteCount(title) > 0 && !title.Contains('\uFFFD', StringComparison.Ordinal));
        Assert.False(char.IsHighSurrogate(title[title.IndexOf('…', StringComparison.Ordinal) - 1]));
        Assert.Equal(SalesforceGateway.NoteMarker("key"), SalesforceGateway.NoteMarker("key"));
        Assert.NotEqual(SalesforceGateway.NoteMarker("key"), SalesforceGateway.NoteMarker("key2"));
        Assert.Matches("^aria:[0-9a-f]{20}$", SalesforceGateway.NoteMarker(new string('k', 100)));
    }
}
