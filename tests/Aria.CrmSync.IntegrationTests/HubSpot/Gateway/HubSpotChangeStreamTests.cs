namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

public class HubSpotChangeStreamTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    private static readonly DateTimeOffset Base = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task DistinctTimestamps_ReadOnceInOrder_AndResumeFromAnyPageCursor()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(o => o.SearchResultCap = 10_000, inProcess: true, transport: Transport);
        var ids = Enumerable.Range(0, 450).Select(i => h.InsertDeal($"D{i}", lastModified: Base.AddSeconds(i))).ToList();

        var pages = await h.CrmGateway.GetChangesAsync(h.Connection, null).ToListAsync();
        var read = pages.SelectMany(p => p.Records).ToList();

        Assert.Equal(ids, read.Select(r => r.CrmId));
        AssertOrderedWithMonotonicCursors(pages);
        Assert.True(h.Emulator.Calls.Count("deals.search") <= 4, $"{h.Emulator.Calls.Count("deals.search")} searches for 450 deals");

        // Resuming from the cursor of the first page reads exactly the rest.
        var rest = (await h.CrmGateway.GetChangesAsync(h.Connection, pages[0].Cursor).ToListAsync()).SelectMany(p => p.Records).Select(r => r.CrmId).ToList();
        Assert.Equal(ids.Skip(pages[0].Records.Count), rest);

        // From a timestamp only (the engine's overlap form): everything at or after it.
        var since = (await h.CrmGateway.GetChangesAsync(h.Connection, new CrmCursor(Base.AddSeconds(400), null)).ToListAsync()).SelectMany(p => p.Records).ToList();
        Assert.Equal(ids.Skip(400), since.Select(r => r.CrmId));
    }

    [Fact]
    public async Task SmallResultCap_NeverPagesIntoTheCap_NothingLostOrRepeated()
    {
        // HubSpot refuses to page past 10,000 results per query; a cap of 50 makes the same boundary cheap to reach.
        await using var h = await HubSpotGatewayHost.StartAsync(o => { o.SearchResultCap = 50; o.SearchRequestsPerSecond = 100; }, inProcess: true, transport: Transport);
        var ids = Enumerable.Range(0, 600).Select(i => h.InsertDeal($"D{i}", lastModified: Base.AddMilliseconds(i * 7))).ToList();

        var read = (await h.CrmGateway.GetChangesAsync(h.Connection, null).ToListAsync()).SelectMany(p => p.Records).Select(r => r.CrmId).ToList();

        Assert.Equal(ids, read);
        Assert.Equal(0, h.RateLimited);
    }

    [Fact]
    public async Task ThousandsSharingOneTimestamp_ReadByIdRanges_PastTheCap_InCursorOrder()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(o => { o.SearchResultCap = 300; o.SearchRequestsPerSecond = 100; }, inProcess: true, transport: Transport);
        var before = Enumerable.Range(0, 30).Select(i => h.InsertDeal($"B{i}", lastModified: Base.AddSeconds(-i - 1))).ToList();
        var bulk = Enumerable.Range(0, 1_250).Select(i => h.InsertDeal($"G{i}", lastModified: Base)).ToList(); // more than the cap and many pages
        var after = Enumerable.Range(0, 20).Select(i => h.InsertDeal($"A{i}", lastModified: Base.AddSeconds(i + 1))).ToList();

        var pages = await h.CrmGateway.GetChangesAsync(h.Connection, null).ToListAsync();
        var read = pages.SelectMany(p => p.Records).ToList();

        Assert.Equal(1_300, read.Count);
        Assert.Equal(read.Count, read.Select(r => r.CrmId).Distinct().Count());
        Assert.Equal(before.Concat(bulk).Concat(after).Order(StringComparer.Ordinal), read.Select(r => r.CrmId).Order(StringComparer.Ordinal));
        AssertOrderedWithMonotonicCursors(pages);
        Assert.Equal(after, read.TakeLast(20).Select(r => r.CrmId));

        // Resume in the middle of the group: the rest of the group, then the later records, once each.
        var middle = pages.First(p => p.Cursor!.Timestamp == Base && p.Records.Count > 0 && p.Cursor.LastId != read.Last(r => r.LastModifiedAt == Base).CrmId);
        var consumed = read.TakeWhile(r => r.CrmId != middle.Cursor!.LastId).Count() + 1;
        var resumed = (await h.CrmGateway.GetChangesAsync(h.Connection, middle.Cursor).ToListAsync()).SelectMany(p => p.Records).Select(r => r.CrmId).ToList();
        Assert.Equal(read.Skip(consumed).Select(r => r.CrmId), resumed);
    }

    [Fact]
    public async Task EqualTimestampsAcrossPageBoundaries_AreNeitherSkippedNorRepeated()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: Transport);
        var expected = new List<string>();
        for (var t = 0; t < 12; t++)
        {
            // groups of 0..70 deals per timestamp so that page boundaries fall inside groups
            for (var i = 0; i < (t * 37) % 71; i++)
            {
                expected.Add(h.InsertDeal($"T{t}-{i}", lastModified: Base.AddMilliseconds(t)));
            }
        }

        var pages = await h.CrmGateway.GetChangesAsync(h.Connection, new CrmCursor(Base.AddMinutes(-1), null)).ToListAsync();
        var read = pages.SelectMany(p => p.Records).Select(r => r.CrmId).ToList();

        Assert.Equal(expected.Order(StringComparer.Ordinal), read.Order(StringComparer.Ordinal));
        Assert.Equal(read.Count, read.Distinct().Count());
        AssertOrderedWithMonotonicCursors(pages);
    }

    [Fact]
    public async Task RecordModifiedWhileStreaming_IsReadAgainAtItsNewTime_NotLost()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(inProcess: true, transport: Transport);
        var ids = Enumerable.Range(0, 500).Select(i => h.InsertDeal($"D{i}", lastModified: Base.AddSeconds(i))).ToList();

        var seen = new List<string>();
        var modified = false;
        await foreach (var page in h.CrmGateway.GetChangesAsync(h.Connection, null))
        {
            seen.AddRange(page.Records.Select(r => r.CrmId));
            if (!modified)
            {
                // An already-read record changes: offset paging would shift every later record by one.
                h.Emulator.UpdateObject("deals", ids[3], new Dictionary<string, string?> { ["amount"] = "42" }, Base.AddHours(1));
                modified = true;
            }
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen.Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(ids[3], seen[^1]);
    }

    private static void AssertOrderedWithMonotonicCursors(IReadOnlyList<CrmChangePage> pages)
    {
        CrmCursor? previous = null;
        foreach (var page in pages)
        {
            Assert.NotNull(page.Cursor);
            foreach (var record in page.Records)
            {
                Assert.True(previous is null || previous.IsBefore(record.LastModifiedAt!.Value, record.CrmId), $"{record.CrmId}@{record.LastModifiedAt:O} is not after {previous}");
                previous = new CrmCursor(record.LastModifiedAt!.Value, record.CrmId);
            }

            Assert.Equal(previous, page.Cursor);
        }
    }
}
