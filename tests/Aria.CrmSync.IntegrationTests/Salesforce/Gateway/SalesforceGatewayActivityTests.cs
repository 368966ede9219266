using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

public class SalesforceGatewayActivityTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    private static async Task<List<CrmActivity>> ActivitiesAsync(SfGatewayHost host, string crmId, DateTimeOffset? since = null)
    {
        var list = new List<CrmActivity>();
        await foreach (var activity in host.Gateway.GetActivitiesAsync(host.Connection, crmId, since))
        {
            list.Add(activity);
        }

        return list;
    }

    private static async Task<List<CrmActivityPage>> ActivityPagesAsync(SfGatewayHost host, CrmCursor? since = null)
    {
        var pages = new List<CrmActivityPage>();
        await foreach (var page in host.Gateway.GetActivityChangesAsync(host.Connection, since))
        {
            pages.Add(page);
        }

        return pages;
    }

    [Fact]
    public async Task RecordActivities_MapTasksEventsAndNotes_InOneCompositeCall()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opp = host.Seed(2)[0];
        var other = host.Org.List("Opportunity").Select(o => (string)o["Id"]!).Single(id => id != opp);
        var call = host.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = opp, ["Subject"] = "Discovery call", ["TaskSubtype"] = "Call", ["CallType"] = "Outbound", ["Status"] = "Completed", ["ActivityDate"] = new DateOnly(2026, 2, 3), ["CallDurationInSeconds"] = 420L });
        var email = host.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = opp, ["Subject"] = "Email: proposal", ["TaskSubtype"] = "Email", ["Description"] = "Sent the proposal" });
        var todo = host.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = opp, ["Subject"] = "Prepare contract", ["Status"] = "Not Started", ["ActivityDate"] = new DateOnly(2026, 2, 10) });
        var meeting = host.Org.Insert("Event", new Dictionary<string, object?> { ["WhatId"] = opp, ["Subject"] = "Demo", ["StartDateTime"] = new DateTimeOffset(2026, 2, 5, 15, 0, 0, TimeSpan.Zero), ["EndDateTime"] = new DateTimeOffset(2026, 2, 5, 16, 0, 0, TimeSpan.Zero), ["DurationInMinutes"] = 60L, ["Location"] = "Zoom" });
        var classic = host.Org.Insert("Note", new Dictionary<string, object?> { ["ParentId"] = opp, ["Title"] = "Rep note", ["Body"] = "Champion is the CTO" });
        var enhanced = host.Org.Insert("ContentNote", new Dictionary<string, object?> { ["Title"] = "Lightning note", ["Content"] = "<p>Budget approved</p>" });
        host.Org.Insert("ContentDocumentLink", new Dictionary<string, object?> { ["ContentDocumentId"] = enhanced, ["LinkedEntityId"] = opp, ["ShareType"] = "V" });
        host.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = other, ["Subject"] = "Not this deal" });
        host.Emulator.Calls.Reset();

        var activities = (await ActivitiesAsync(host, opp)).ToDictionary(a => a.ExternalId);

        Assert.Equal(6, activities.Count);
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.Composite));
        Assert.Equal(1, host.Emulator.Calls.Count(SalesforceEndpoints.Query)); // the text preview of the rep's Lightning note
        Assert.Equal(2, host.Emulator.Calls.ApiCalls);
        Assert.Equal("call", activities[call].ActivityType);
        Assert.Equal("outbound", activities[call].Direction);
        Assert.Equal("Completed", activities[call].Status);
        Assert.Equal("420", activities[call].Metadata["call_duration_seconds"]);
        Assert.Equal(opp, activities[call].CrmRecordId);
        Assert.Equal("email", activities[email].ActivityType);
        Assert.Equal("Sent the proposal", activities[email].Body);
        Assert.Equal("task", activities[todo].ActivityType);
        Assert.Equal(new DateTimeOffset(2026, 2, 10, 0, 0, 0, TimeSpan.Zero), activities[todo].OccurredAt);
        Assert.Equal("meeting", activities[meeting].ActivityType);
        Assert.Equal(new DateTimeOffset(2026, 2, 5, 15, 0, 0, TimeSpan.Zero), activities[meeting].OccurredAt);
        Assert.Equal("Zoom", activities[meeting].Metadata["location"]);
        Assert.Equal("note", activities[classic].ActivityType);
        Assert.Equal("Champion is the CTO", activities[classic].Body);
        Assert.Equal("note", activities[enhanced].ActivityType);
        Assert.Equal("Lightning note", activities[enhanced].Subject);
        Assert.Equal("Budget approved", activities[enhanced].Body);
        Assert.All(activities.Values, a => Assert.NotNull(a.LastModifiedAt));
    }

    [Fact]
    public async Task RecordActivities_WithOnlyAriasOwnNotes_CostOneCall()
    {
        await using var host = await SfGatewayHost.StartAsync(loopback: false, transport: Transport);
        var opp = host.Seed(1)[0];
        await host.Gateway.CreateNotesAsync(host.Connection, [new CrmNoteRequest { IdempotencyKey = "k", CrmId = opp, Text = "[ARIA] summary" }]);
        host.Emulator.Calls.Reset();

        var activities = await ActivitiesAsync(host, opp);

        var note = Assert.Single(activities);
        Assert.Equal("note", note.ActivityType);
        Assert.StartsWith("[ARIA] summary", note.Subject);
        Assert.Equal(1, host.Emulator.Calls.ApiCalls);
    }

    [Fact]
    public async Task RecordActivities_Since_ReturnsOnlyActivitiesModifiedAfterIt()
    {
        await using var host = await SfGatewayHost.StartAsync(loopback: false, transport: Transport);
        var opp = host.Seed(1)[0];
        var old = host.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = opp, ["Subject"] = "old" });
        var recent = host.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = opp, ["Subject"] = "recent" });
        var t = new DateTimeOffset(2026, 1, 10, 0, 0, 0, TimeSpan.Zero);
        host.Org.SetSystemModstamp("Task", old, t);
        host.Org.SetSystemModstamp("Task", recent, t.AddSeconds(1));

        var since = await ActivitiesAsync(host, opp, t);

        Assert.Equal([recent], since.Select(a => a.ExternalId));
    }

    [Fact]
    public async Task ActivityChanges_MergeTasksEventsAndNotesOfOpportunities_InModstampIdOrder_AcrossPages()
    {
        await using var host = await SfGatewayHost.StartAsync(options: o => o.QueryBatchSize = 200, transport: Transport);
        var opps = host.Seed(50);
        var account = host.Org.Insert("Account", new Dictionary<string, object?> { ["Name"] = "Acme" });
        var stamp = new DateTimeOffset(2026, 1, 20, 8, 0, 0, TimeSpan.Zero);
        var expected = new List<(string Id, DateTimeOffset Stamp)>();
        for (var i = 0; i < 600; i++)
        {
            var type = (i % 3) switch { 0 => "Task", 1 => "Event", _ => "Note" };
            var fields = type switch
            {
                "Task" => new Dictionary<string, object?> { ["WhatId"] = opps[i % 50], ["Subject"] = $"t{i}" },
                "Event" => new Dictionary<string, object?> { ["WhatId"] = opps[i % 50], ["Subject"] = $"e{i}", ["StartDateTime"] = stamp, ["EndDateTime"] = stamp.AddHours(1), ["DurationInMinutes"] = 60L },
                _ => new Dictionary<string, object?> { ["ParentId"] = opps[i % 50], ["Title"] = $"n{i}" },
            };
            var id = host.Org.Insert(type, fields);
            var at = i < 300 ? stamp : stamp.AddSeconds(i % 7); // half share one timestamp across three objects
            host.Org.SetSystemModstamp(type, id, at);
            expected.Add((id, at));
        }

        host.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = account, ["Subject"] = "account task" }); // not an opportunity's
        host.Org.Insert("Event", new Dictionary<string, object?> { ["WhatId"] = account, ["Subject"] = "account event", ["StartDateTime"] = stamp, ["EndDateTime"] = stamp, ["DurationInMinutes"] = 0L });
        var order = expected.OrderBy(e => e.Stamp).ThenBy(e => e.Id, StringComparer.Ordinal).Select(e => e.Id).ToList();

        var pages = await ActivityPagesAsync(host);

        Assert.Equal([200, 200, 200], pages.Select(p => p.Activities.Count));
        Assert.Equal(order, pages.SelectMany(p => p.Activities).Select(a => a.ExternalId));
        Assert.All(pages.SelectMany(p => p.Activities), a => Assert.StartsWith("006", a.CrmRecordId));
        Assert.All(pages, p => Assert.Equal(new CrmCursor(p.Activities[^1].LastModifiedAt!.Value, p.Activities[^1].ExternalId), p.Cursor));

        var resumed = await ActivityPagesAsync(host, pages[0].Activities[150] is var mid ? new CrmCursor(mid.LastModifiedAt!.Value, mid.ExternalId) : null);
        Assert.Equal(order.Skip(151), resumed.SelectMany(p => p.Activities).Select(a => a.ExternalId));
        Assert.Empty(await ActivityPagesAsync(host, pages[^1].Cursor));
    }
}
