using System.Globalization;
using System.Net;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

public sealed class SalesforcePagingAndReplicationTests
{
    private static void Seed(SalesforceOrg org, int count, DateTimeOffset modstamp)
    {
        for (var i = 0; i < count; i++)
        {
            var id = org.Insert("Opportunity", new Dictionary<string, object?>
            {
                ["Name"] = $"Opp {i:D5}",
                ["StageName"] = "Prospecting",
                ["CloseDate"] = new DateOnly(2026, 6, 1),
            });
            org.SetSystemModstamp("Opportunity", id, modstamp);
        }
    }

    [Theory]
    [InlineData(null, 2000)]
    [InlineData("batchSize=200", 200)]
    [InlineData("batchSize=500", 500)]
    [InlineData("batchSize=50", 200)]
    [InlineData("batchSize=5000", 2000)]
    public async Task Query_PagesThroughNextRecordsUrl_WithTotalSizeOnEveryPage(string? options, int expectedBatch)
    {
        await using var host = await SfTestHost.StartAsync();
        var sameInstant = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Seed(host.Org, 2301, sameInstant);
        (string, string)[] headers = options is null ? [] : [("Sforce-Query-Options", options)];

        var page = await host.QueryAsync("SELECT Id, Name, SystemModstamp FROM Opportunity WHERE SystemModstamp >= 2026-01-01T00:00:00Z ORDER BY SystemModstamp, Id", headers: headers);
        var ids = new List<string>();
        var pages = 0;
        while (true)
        {
            pages++;
            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.Equal(2301, page.Body!["totalSize"]!.GetValue<int>());
            var records = page.Body!["records"]!.AsArray();
            ids.AddRange(records.Select(r => r!["Id"]!.GetValue<string>()));
            if (page.Body!["done"]!.GetValue<bool>())
            {
                Assert.False(page.Body!.AsObject().ContainsKey("nextRecordsUrl"));
                break;
            }

            Assert.Equal(expectedBatch, records.Count);
            var next = page.Body!["nextRecordsUrl"]!.GetValue<string>();
            Assert.Matches($"^/services/data/v66.0/query/01g[A-Za-z0-9]{{15}}-{ids.Count}$", next);
            page = await host.GetAsync(next, headers);
        }

        Assert.Equal((int)Math.Ceiling(2301.0 / expectedBatch), pages);
        Assert.Equal(2301, ids.Distinct().Count());
        Assert.Equal(ids.OrderBy(i => i, StringComparer.Ordinal), ids);
        Assert.Equal(pages, host.Emulator.Calls.Count(SalesforceEndpoints.Query) + host.Emulator.Calls.Count(SalesforceEndpoints.QueryMore));
    }

    [Fact]
    public async Task QueryAllCursor_IsFollowedThroughTheQueryPath_AndIncludesDeletedRows()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        Seed(host.Org, 250, DateTimeOffset.UtcNow);
        var deleted = host.Org.List("Opportunity").Take(10).Select(r => (string)r["Id"]!).ToList();
        foreach (var id in deleted)
        {
            host.Org.Delete("Opportunity", id);
        }

        var first = await host.QueryAsync("SELECT Id, IsDeleted FROM Opportunity", all: true, ("Sforce-Query-Options", "batchSize=200"));
        Assert.Equal(250, first.Body!["totalSize"]!.GetValue<int>());
        var next = first.Body!["nextRecordsUrl"]!.GetValue<string>();
        Assert.Contains("/query/", next, StringComparison.Ordinal);
        var second = await host.GetAsync(next);
        Assert.Equal(50, second.Body!["records"]!.AsArray().Count);
        Assert.True(second.Body!["done"]!.GetValue<bool>());
        Assert.Equal(10, first.Body!["records"]!.AsArray().Count(r => r!["IsDeleted"]!.GetValue<bool>()));

        // simple-salesforce's query_more(locator) without the URL form
        var locator = next[(next.LastIndexOf('/') + 1)..];
        var viaQueryAll = await host.GetAsync(SfTestHost.Data($"queryAll/{locator}"));
        Assert.Equal(50, viaQueryAll.Body!["records"]!.AsArray().Count);
    }

    [Fact]
    public async Task UnknownOrExpiredLocators_AreInvalidQueryLocator()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero));
        await using var host = await SfTestHost.StartAsync(o =>
        {
            o.TimeProvider = clock;
            o.AccessTokenLifetime = TimeSpan.FromDays(1);
        }, loopback: false);
        Seed(host.Org, 300, clock.GetUtcNow());
        var first = await host.QueryAsync("SELECT Id FROM Opportunity", headers: ("Sforce-Query-Options", "batchSize=200"));
        var next = first.Body!["nextRecordsUrl"]!.GetValue<string>();

        var bogus = await host.GetAsync(SfTestHost.Data("query/01gXXXXXXXXXXXXXXX-200"));
        Assert.Equal(HttpStatusCode.BadRequest, bogus.Status);
        Assert.Equal("INVALID_QUERY_LOCATOR", bogus.ErrorCode);

        clock.Advance(TimeSpan.FromMinutes(16));
        var expired = await host.GetAsync(next);
        Assert.Equal(HttpStatusCode.BadRequest, expired.Status);
        Assert.Equal("INVALID_QUERY_LOCATOR", expired.ErrorCode);
    }

    [Fact]
    public async Task QueryResults_AreSnapshotsOfTheTimeOfTheQuery()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        Seed(host.Org, 300, DateTimeOffset.UtcNow);
        var first = await host.QueryAsync("SELECT Id, Name FROM Opportunity ORDER BY Name", headers: ("Sforce-Query-Options", "batchSize=200"));
        var last = host.Org.List("Opportunity")[^1];
        host.Org.Update("Opportunity", (string)last["Id"]!, new Dictionary<string, object?> { ["Name"] = "Changed" });
        var second = await host.GetAsync(first.Body!["nextRecordsUrl"]!.GetValue<string>());
        Assert.Equal("Opp 00299", second.Body!["records"]![99]!["Name"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetUpdated_ReturnsIdsInTheWindow_WithLatestDateCoveredTruncatedToTheMinute()
    {
        var now = new DateTimeOffset(2026, 5, 10, 12, 30, 45, TimeSpan.Zero);
        var clock = new FakeTimeProvider(now);
        await using var host = await SfTestHost.StartAsync(o => o.TimeProvider = clock);
        var early = host.Opportunity("Early");
        host.Org.SetSystemModstamp("Opportunity", early, now.AddHours(-5));
        var inside = host.Opportunity("Inside");
        host.Org.SetSystemModstamp("Opportunity", inside, now.AddHours(-2));
        var recent = host.Opportunity("Recent");
        host.Org.SetSystemModstamp("Opportunity", recent, now.AddSeconds(-10));

        var start = Uri.EscapeDataString(now.AddHours(-3).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture));
        var end = Uri.EscapeDataString(now.AddHours(1).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture));
        var response = await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/updated/?start={start}&end={end}"));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal([inside, recent], response.Body!["ids"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal("2026-05-10T12:30:00.000+0000", response.Body!["latestDateCovered"]!.GetValue<string>());

        var closed = await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/updated/?start={start}&end={Uri.EscapeDataString("2026-05-10T12:00:00Z")}"));
        Assert.Equal([inside], closed.Body!["ids"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal("2026-05-10T12:00:00.000+0000", closed.Body!["latestDateCovered"]!.GetValue<string>());

        clock.Advance(TimeSpan.FromMinutes(1));
        var later = await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/updated/?start={Uri.EscapeDataString("2026-05-10T12:30:00.000+0000")}&end={end}"));
        Assert.Equal([recent], later.Body!["ids"]!.AsArray().Select(i => i!.GetValue<string>()));
    }

    [Fact]
    public async Task GetDeleted_ReturnsDeletionsInTheWindow_WithEarliestDateAvailable()
    {
        var now = new DateTimeOffset(2026, 5, 10, 12, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(now);
        await using var host = await SfTestHost.StartAsync(o =>
        {
            o.TimeProvider = clock;
            o.AccessTokenLifetime = TimeSpan.FromDays(30);
        });
        var id = host.Opportunity("Doomed");
        var task = host.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = id, ["Subject"] = "Follow up" });
        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(HttpStatusCode.NoContent, (await host.DeleteAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"))).Status);
        clock.Advance(TimeSpan.FromMinutes(2));

        var response = await host.GetAsync(SfTestHost.Data("sobjects/Opportunity/deleted/?start=2026-05-10T00:00:00Z&end=2026-05-11T00:00:00Z"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        var deleted = Assert.Single(response.Body!["deletedRecords"]!.AsArray());
        Assert.Equal(id, deleted!["id"]!.GetValue<string>());
        Assert.Equal("2026-05-10T12:03:00.000+0000", deleted["deletedDate"]!.GetValue<string>());
        Assert.Equal("2026-04-25T12:05:00.000+0000", response.Body!["earliestDateAvailable"]!.GetValue<string>());
        Assert.Equal("2026-05-10T12:05:00.000+0000", response.Body!["latestDateCovered"]!.GetValue<string>());

        var tasks = await host.GetAsync(SfTestHost.Data("sobjects/Task/deleted/?start=2026-05-10T00:00:00Z&end=2026-05-11T00:00:00Z"));
        Assert.Equal(task, tasks.Body!["deletedRecords"]![0]!["id"]!.GetValue<string>());

        // After the recycle bin retention the deletion is purged.
        clock.Advance(TimeSpan.FromDays(16));
        var purged = await host.QueryAsync($"SELECT Id FROM Opportunity WHERE Id = '{id}'", all: true);
        Assert.Equal(0, purged.Body!["totalSize"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("sobjects/Opportunity/updated/?start=2026-05-10T00:00:00Z", "MISSING_ARGUMENT")]
    [InlineData("sobjects/Opportunity/updated/?start=yesterday&end=2026-05-10T00:00:00Z", "INVALID_REPLICATION_DATE")]
    [InlineData("sobjects/Opportunity/updated/?start=2026-05-10T00:00:00Z&end=2026-05-09T00:00:00Z", "INVALID_REPLICATION_DATE")]
    [InlineData("sobjects/Opportunity/updated/?start=2026-04-01T00:00:00Z&end=2026-05-09T00:00:00Z", "INVALID_REPLICATION_DATE")]
    [InlineData("sobjects/Opportunity/deleted/?start=2026-04-20T00:00:00Z&end=2026-05-09T00:00:00Z", "INVALID_REPLICATION_DATE")]
    [InlineData("sobjects/ContentNote/updated/?start=2026-05-09T00:00:00Z&end=2026-05-10T00:00:00Z", "CANNOT_REPLICATE")]
    public async Task ReplicationWindows_RejectBadRanges(string path, string code)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 10, 12, 0, 0, TimeSpan.Zero));
        await using var host = await SfTestHost.StartAsync(o => o.TimeProvider = clock, loopback: false);
        var response = await host.GetAsync(SfTestHost.Data(path));
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(code, response.ErrorCode);
    }
}
