using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Emulators;

/// <summary>An emulator's data survives a save and a load into a fresh emulator (how the sample continues across runs).</summary>
public class EmulatorStateTests
{
    [Fact]
    public async Task Salesforce_SaveThenLoad_RestoresRecordsTimestampsDeletionsAndIdCounters()
    {
        await using var first = new SalesforceEmulator(new SalesforceEmulatorOptions { Seed = 7 });
        var opp = first.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "Acme", ["StageName"] = "Closed Won", ["CloseDate"] = new DateOnly(2026, 6, 30), ["Amount"] = 1250.50m });
        var gone = first.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "Gone", ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 7, 1) });
        first.Org.Insert("ContentNote", new Dictionary<string, object?> { ["Title"] = "t", ["Content"] = "body ü" });
        first.Org.Delete("Opportunity", gone);
        var stamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero); // whole seconds, as Salesforce keeps audit times
        first.Org.SetSystemModstamp("Opportunity", opp, stamp);
        using var state = new MemoryStream();
        first.SaveState(state);

        await using var second = new SalesforceEmulator(new SalesforceEmulatorOptions { Seed = 7 });
        state.Position = 0;
        second.LoadState(state);

        var restored = second.Org.Get("Opportunity", opp)!;
        Assert.Equal("Acme", restored["Name"]);
        Assert.Equal(1250.50m, restored["Amount"]);
        Assert.Equal(true, restored["IsWon"]);
        Assert.Equal(new DateOnly(2026, 6, 30), restored["CloseDate"]);
        Assert.Equal(stamp, restored["SystemModstamp"]);
        Assert.Null(second.Org.Get("Opportunity", gone));
        Assert.NotNull(second.Org.Get("Opportunity", gone, includeDeleted: true));
        Assert.Equal("body ü", second.Org.List("ContentNote").Single()["Content"] is byte[] b ? System.Text.Encoding.UTF8.GetString(b) : second.Org.List("ContentNote").Single()["Content"]);
        var next = second.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "New", ["StageName"] = "Prospecting", ["CloseDate"] = new DateOnly(2026, 8, 1) });
        Assert.NotEqual(opp, next);
        Assert.NotEqual(gone, next);
    }

    [Fact]
    public async Task Salesforce_LoadStateOfAnotherOrg_IsRefused()
    {
        await using var first = new SalesforceEmulator(new SalesforceEmulatorOptions { Seed = 1 });
        using var state = new MemoryStream();
        first.SaveState(state);
        await using var other = new SalesforceEmulator(new SalesforceEmulatorOptions { Seed = 2 });
        state.Position = 0;
        Assert.Throws<InvalidDataException>(() => other.LoadState(state));
    }

    [Fact]
    public async Task HubSpot_SaveThenLoad_RestoresObjectsAssociationsPipelinesAndIds()
    {
        await using var first = new HubSpotEmulator(new HubSpotEmulatorOptions { Seed = 3 });
        var pipeline = first.AddDealPipeline("Enterprise", ("Open", 0.2, false), ("Won", 1.0, true), ("Lost", 0.0, true));
        var deal = first.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = "Acme", ["amount"] = "1500.00", ["pipeline"] = pipeline.Id, ["dealstage"] = pipeline.Stages[0].Id });
        var note = first.InsertObject("notes", new Dictionary<string, string?> { ["hs_note_body"] = "hello", ["hs_timestamp"] = "2026-02-01T10:00:00Z" });
        first.Associate("notes", note.Id, "deals", deal.Id, 214);
        using var state = new MemoryStream();
        first.SaveState(state);

        await using var second = new HubSpotEmulator(new HubSpotEmulatorOptions { Seed = 3 });
        state.Position = 0;
        second.LoadState(state);

        var restored = second.GetObject("deals", deal.Id)!;
        Assert.Equal("Acme", restored["dealname"]);
        Assert.Equal("1500.00", restored["amount"]);
        Assert.Equal(deal.UpdatedAt, restored.UpdatedAt);
        Assert.Equal(note.Id, Assert.Single(second.GetAssociations("deals", deal.Id, "notes")).ToObjectId);
        Assert.Contains(second.DealPipelines, p => p.Id == pipeline.Id && p.Stages.Count == 3);
        var next = second.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = "Next" });
        Assert.True(long.Parse(next.Id) > long.Parse(note.Id));
    }
}
