using System.Net;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Emulator;

public sealed class SalesforceOrgDataTests
{
    [Fact]
    public async Task ManyRecordsSharingOneSystemModstamp_AreReadOnceWithACompoundCursor()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var stamp = new DateTimeOffset(2026, 2, 2, 2, 2, 2, TimeSpan.Zero);
        var ids = new List<string>();
        for (var i = 0; i < 450; i++)
        {
            var id = host.Opportunity($"Same {i}");
            host.Org.SetSystemModstamp("Opportunity", id, stamp);
            ids.Add(id);
        }

        var seen = new List<string>();
        string? lastId = null;
        while (true)
        {
            var filter = lastId is null
                ? "SystemModstamp >= 2026-02-02T02:02:02Z"
                : $"(SystemModstamp > 2026-02-02T02:02:02Z OR (SystemModstamp = 2026-02-02T02:02:02Z AND Id > '{lastId}'))";
            var page = await host.QueryAsync($"SELECT Id, SystemModstamp FROM Opportunity WHERE {filter} ORDER BY SystemModstamp, Id LIMIT 200");
            var records = page.Body!["records"]!.AsArray();
            if (records.Count == 0)
            {
                break;
            }

            Assert.All(records, r => Assert.Equal("2026-02-02T02:02:02.000+0000", r!["SystemModstamp"]!.GetValue<string>()));
            seen.AddRange(records.Select(r => r!["Id"]!.GetValue<string>()));
            lastId = seen[^1];
        }

        Assert.Equal(ids.OrderBy(i => i, StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task DirectAccess_IsNotCounted_AndReturnsTypedValues()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var id = host.Org.Insert("Opportunity", new Dictionary<string, object?>
        {
            ["Name"] = "Typed",
            ["StageName"] = "Closed Won",
            ["CloseDate"] = new DateOnly(2026, 1, 2),
            ["Amount"] = 10,
        });
        var values = host.Org.Get("Opportunity", id)!;
        Assert.Equal(true, values["IsWon"]);
        Assert.Equal(10m, values["Amount"]);
        Assert.Equal(new DateOnly(2026, 1, 2), values["CloseDate"]);
        Assert.IsType<DateTimeOffset>(values["SystemModstamp"]);
        Assert.Equal(2026L, values["FiscalYear"]);
        Assert.Equal(0, host.Emulator.Calls.Total);

        var note = host.Org.Insert("ContentNote", new Dictionary<string, object?> { ["Title"] = "T", ["Content"] = "plain text" });
        Assert.Equal("plain text", host.Org.Get("ContentNote", note)!["Content"]);
        Assert.Equal("plain text", host.Org.Get("ContentNote", note)!["TextPreview"]);
        Assert.Equal("T", host.Org.Get("ContentDocument", note)!["Title"]);
    }

    [Fact]
    public async Task DirectAccess_ValidatesLikeSalesforce()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var missing = Assert.Throws<InvalidOperationException>(() => host.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "x" }));
        Assert.StartsWith("REQUIRED_FIELD_MISSING", missing.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => host.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Nope"] = "x" }));
        Assert.Throws<ArgumentException>(() => host.Org.Insert("Widget", new Dictionary<string, object?>()));
        Assert.Throws<KeyNotFoundException>(() => host.Org.Update("Opportunity", "006000000000000AAA", new Dictionary<string, object?> { ["Name"] = "x" }));
    }

    [Fact]
    public async Task CustomStages_DriveOpportunityDerivedFields()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        host.Org.Insert("OpportunityStage", new Dictionary<string, object?>
        {
            ["MasterLabel"] = "Signed",
            ["ApiName"] = "Signed",
            ["IsActive"] = true,
            ["SortOrder"] = 11,
            ["IsClosed"] = true,
            ["IsWon"] = true,
            ["DefaultProbability"] = 100,
            ["ForecastCategoryName"] = "Closed",
            ["ForecastCategory"] = "Closed",
        });
        var id = await host.CreateAsync("Opportunity", new { Name = "Custom", StageName = "Signed", CloseDate = "2026-01-01" });
        var values = host.Org.Get("Opportunity", id)!;
        Assert.Equal(true, values["IsWon"]);
        Assert.Equal("Closed", values["ForecastCategoryName"]);
    }

    [Fact]
    public async Task DeleteUndeleteAndListing_MaintainTheRecycleBin()
    {
        await using var host = await SfTestHost.StartAsync(loopback: false);
        var id = host.Opportunity("Bin");
        Assert.True(host.Org.Delete("Opportunity", id));
        Assert.False(host.Org.Delete("Opportunity", id));
        Assert.Equal(0, host.Org.Count("Opportunity"));
        Assert.Equal(1, host.Org.Count("Opportunity", includeDeleted: true));
        Assert.Equal(true, host.Org.Get("Opportunity", id, includeDeleted: true)!["IsDeleted"]);
        Assert.True(host.Org.Undelete("Opportunity", id));
        Assert.Single(host.Org.List("Opportunity"));
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync(SfTestHost.Data($"sobjects/Opportunity/{id}"))).Status);
        Assert.Contains("Opportunity", host.Org.ObjectNames);
    }
}
