using Xunit;

namespace Aria.CrmSync.Testing.Conformance;

public abstract partial class CrmGatewayConformanceTests
{
    /// <summary>
    /// Checks the change stream: every seeded record comes exactly once, in (modification time, id) order; resuming from
    /// any page's cursor gives exactly the seeded records of the later pages; resuming from the last cursor gives none
    /// of them until one is edited, which then comes once, edited.
    /// </summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task ChangePagesResumeWithoutGapsOrDuplicates()
    {
        var seeded = new List<string>();
        for (var i = 0; i < ChangeRecordCount; i++)
        {
            seeded.Add(await Control.SeedRecordAsync($"Conformance change {i}", default));
        }

        var pages = await ReadChangesAsync(null);
        var seen = pages.SelectMany(p => p.Records).Where(r => seeded.Contains(r.CrmId)).ToList();
        Assert.Equal(seeded.Order(StringComparer.Ordinal), seen.Select(r => r.CrmId).Order(StringComparer.Ordinal)); // no gap, no duplicate
        foreach (var page in pages)
        {
            AssertOrdered(page.Records);
        }

        var cursor = pages.LastOrDefault(p => p.Cursor is not null)?.Cursor;
        Assert.NotNull(cursor);
        for (var k = 0; k < pages.Count; k++)
        {
            if (pages[k].Cursor is not { } pageCursor)
            {
                continue;
            }

            var later = pages.Skip(k + 1).SelectMany(p => p.Records).Select(r => r.CrmId).Where(seeded.Contains).Order(StringComparer.Ordinal);
            var resumed = (await ReadChangesAsync(pageCursor)).SelectMany(p => p.Records).Select(r => r.CrmId).Where(seeded.Contains);
            Assert.Equal(later, resumed.Order(StringComparer.Ordinal));
            Assert.All(pages[k].Records, r => Assert.False(pageCursor.IsBefore(r.LastModifiedAt!.Value, r.CrmId), "a page's cursor lies after each of its records"));
        }

        var edited = seeded[seeded.Count / 2];
        await Control.EditRecordNameAsync(edited, "Conformance change edited", default);
        var after = (await ReadChangesAsync(cursor)).SelectMany(p => p.Records).Where(r => seeded.Contains(r.CrmId)).ToList();
        var record = Assert.Single(after);
        Assert.Equal(edited, record.CrmId);
        Assert.Equal("Conformance change edited", record.Name);
    }

    /// <summary>Checks that resuming strictly after a record's (modification time, id) gives the seeded records after it, and not it.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task ACursorResumesStrictlyAfterItsRecord()
    {
        var seeded = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            seeded.Add(await Control.SeedRecordAsync($"Conformance cursor {i}", default));
        }

        var all = (await ReadChangesAsync(null)).SelectMany(p => p.Records).Where(r => seeded.Contains(r.CrmId)).ToList();
        AssertOrdered(all);
        var middle = all[1];
        var resumed = (await ReadChangesAsync(new CrmCursor(middle.LastModifiedAt!.Value, middle.CrmId))).SelectMany(p => p.Records).Where(r => seeded.Contains(r.CrmId)).Select(r => r.CrmId);

        Assert.Equal([all[2].CrmId], resumed);
    }

    private async Task<List<CrmChangePage>> ReadChangesAsync(CrmCursor? since)
    {
        var pages = new List<CrmChangePage>();
        await foreach (var page in Gateway.GetChangesAsync(Connection, since))
        {
            pages.Add(page);
        }

        return pages;
    }

    private static void AssertOrdered(IReadOnlyList<CrmRecord> records)
    {
        for (var i = 1; i < records.Count; i++)
        {
            var (previous, current) = (records[i - 1], records[i]);
            Assert.NotNull(current.LastModifiedAt);
            Assert.True(
                previous.LastModifiedAt < current.LastModifiedAt || (previous.LastModifiedAt == current.LastModifiedAt && string.CompareOrdinal(previous.CrmId, current.CrmId) < 0),
                $"records are ordered by (modification time, id): {previous.CrmId} then {current.CrmId}");
        }
    }
}
