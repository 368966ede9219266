using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

public class SalesforceGatewayChangeTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    private static readonly DateTimeOffset Shared = new(2026, 2, 1, 12, 0, 0, TimeSpan.Zero); // whole seconds, as Salesforce keeps them

    /// <summary>450 records share one SystemModstamp (spanning page boundaries), 550 more are spread before and after it.</summary>
    private static List<(string Id, DateTimeOffset Stamp)> SeedMixed(SfGatewayHost host)
    {
        var seeded = new List<(string, DateTimeOffset)>();
        var ids = host.Seed(1000);
        for (var i = 0; i < ids.Count; i++)
        {
            var stamp = i < 450 ? Shared : Shared.AddSeconds((i % 2 == 0 ? 1 : -1) * (i - 449));
            host.Org.SetSystemModstamp("Opportunity", ids[i], stamp);
            seeded.Add((ids[i], stamp));
        }

        return seeded.OrderBy(s => s.Item2).ThenBy(s => s.Item1, StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task Changes_PageThroughNextRecordsUrl_InModstampIdOrder_WithoutMissesOrDuplicates()
    {
        await using var host = await SfGatewayHost.StartAsync(options: o => o.QueryBatchSize = 200, transport: Transport);
        var expected = SeedMixed(host);
        host.Emulator.Calls.Reset();

        var pages = await host.ReadChangesAsync();

        Assert.Equal(5, pages.Count);
        Assert.All(pages, p => Assert.Equal(200, p.Records.Count));
        var read = pages.SelectMany(p => p.Records).ToList();
        Assert.Equal(expected.Select(e => e.Id), read.Select(r => r.CrmId));
        foreach (var page in pages)
        {
            Assert.Equal(new CrmCursor(page.Records[^1].LastModifiedAt!.Value, page.Records[^1].CrmId), page.Cursor);
            Assert.Empty(page.DeletedIds);
        }

        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.QueryAll));
        Assert.Equal(4, host.Emulator.Calls.Count(SalesforceEndpoints.QueryMore));
        Assert.Equal(5, host.Emulator.Calls.ApiCalls);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(199)]
    [InlineData(333)] // inside the group sharing one timestamp, mid-page
    [InlineData(449)]
    [InlineData(998)]
    public async Task Changes_ResumedFromAnyCursor_ReturnExactlyTheRecordsAfterIt(int index)
    {
        await using var host = await SfGatewayHost.StartAsync(options: o => o.QueryBatchSize = 200, transport: Transport);
        var expected = SeedMixed(host);
        var all = (await host.ReadChangesAsync()).SelectMany(p => p.Records).ToList();
        var cursor = new CrmCursor(all[index].LastModifiedAt!.Value, all[index].CrmId);

        var resumed = (await host.ReadChangesAsync(cursor)).SelectMany(p => p.Records).Select(r => r.CrmId).ToList();

        Assert.Equal(expected.Skip(index + 1).Select(e => e.Id), resumed);
        Assert.All(resumed, id => Assert.True(cursor.IsBefore(all.Single(r => r.CrmId == id).LastModifiedAt!.Value, id)));
    }

    [Fact]
    public async Task Changes_FromATimeOnlyCursor_IncludeRecordsAtThatTime()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var expected = SeedMixed(host);

        var read = (await host.ReadChangesAsync(new CrmCursor(Shared, null))).SelectMany(p => p.Records).ToList();

        Assert.Equal(expected.Where(e => e.Stamp >= Shared).Select(e => e.Id), read.Select(r => r.CrmId));
    }

    [Fact]
    public async Task Changes_ReportDeletedOpportunities_AndMoveTheCursorPastThem()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Shared);
        await using var host = await SfGatewayHost.StartAsync(emulator: o => o.TimeProvider = clock, transport: Transport);
        var ids = host.Seed(20);
        var first = await host.ReadChangesAsync();
        var cursor = first[^1].Cursor;
        clock.Advance(TimeSpan.FromSeconds(1)); // a compound cursor resumes after its second's last id: later changes need a later second
        host.Org.Delete("Opportunity", ids[3]);
        host.Org.Delete("Opportunity", ids[7]);
        host.Org.Update("Opportunity", ids[9], new Dictionary<string, object?> { ["Amount"] = 5m });

        var pages = await host.ReadChangesAsync(cursor);

        Assert.Equal([ids[3], ids[7]], pages.SelectMany(p => p.DeletedIds).Order(StringComparer.Ordinal));
        Assert.Equal([ids[9]], pages.SelectMany(p => p.Records).Select(r => r.CrmId));
        Assert.Empty(await host.ReadChangesAsync(pages[^1].Cursor));
    }

    [Fact]
    public async Task Changes_AnExpiredQueryLocator_IsReplacedByANewQueryFromTheLastPage()
    {
        await using var host = await SfGatewayHost.StartAsync(emulator: o => o.MaxOpenQueryCursors = 1, options: o => o.QueryBatchSize = 200, transport: Transport);
        var expected = SeedMixed(host);
        host.Emulator.Calls.Reset();
        var read = new List<string>();
        var pages = 0;

        await foreach (var page in host.Gateway.GetChangesAsync(host.Connection, null))
        {
            read.AddRange(page.Records.Select(r => r.CrmId));
            if (++pages == 2)
            {
                // Another query opens a cursor: the org keeps one, so this run's locator is dropped.
                await using var other = host.Gateway.GetChangesAsync(host.Connection, null).GetAsyncEnumerator();
                Assert.True(await other.MoveNextAsync());
            }
        }

        Assert.Equal(expected.Select(e => e.Id), read);
        Assert.Equal(3, host.Emulator.Calls.Count(SalesforceEndpoints.QueryAll)); // first, the other, the replacement
    }
}
