namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

public class HubSpotActivityTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    private static readonly DateTimeOffset Base = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetActivities_MapsEveryEngagementType_PlainText_Direction_OccurredAt()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(transport: Transport);
        var deal = h.InsertDeal("D");
        var other = h.InsertDeal("Other");
        Engage(h, "calls", deal, 206, Base.AddHours(-5), new() { ["hs_call_title"] = "Intro call", ["hs_call_body"] = "<p>Discussed <b>pricing</b></p><p>Next&nbsp;steps</p>", ["hs_call_direction"] = "INBOUND", ["hs_call_status"] = "COMPLETED", ["hs_call_duration"] = "60000" });
        Engage(h, "emails", deal, 210, Base.AddHours(-4), new() { ["hs_email_subject"] = "Proposal", ["hs_email_html"] = "<div>See attached&amp;signed</div>", ["hs_email_direction"] = "EMAIL", ["hs_email_status"] = "SENT" });
        Engage(h, "meetings", deal, 212, Base.AddHours(-3), new() { ["hs_meeting_title"] = "Demo", ["hs_meeting_body"] = "Agenda<br>1. Demo", ["hs_meeting_outcome"] = "COMPLETED" });
        Engage(h, "tasks", deal, 216, Base.AddHours(-2), new() { ["hs_task_subject"] = "Follow up", ["hs_task_body"] = "Send contract", ["hs_task_status"] = "NOT_STARTED", ["hs_task_priority"] = "HIGH" });
        Engage(h, "notes", deal, 214, Base.AddHours(-1), new() { ["hs_note_body"] = "<p>Budget approved</p>" });
        Engage(h, "notes", other, 214, Base, new() { ["hs_note_body"] = "not this deal" });

        var activities = await h.CrmGateway.GetActivitiesAsync(h.Connection, deal).ToListAsync();

        Assert.Equal(["call", "email", "meeting", "task", "note"], activities.Select(a => a.ActivityType));
        Assert.All(activities, a => Assert.Equal(deal, a.CrmRecordId));
        var call = activities[0];
        Assert.Equal("Intro call", call.Subject);
        Assert.Equal("Discussed pricing\nNext steps", call.Body);
        Assert.Equal("inbound", call.Direction);
        Assert.Equal("COMPLETED", call.Status);
        Assert.Equal(Base.AddHours(-5), call.OccurredAt);
        Assert.Equal("60000", call.Metadata["duration_ms"]);
        Assert.Equal("See attached&signed", activities[1].Body);
        Assert.Equal("outbound", activities[1].Direction);
        Assert.Equal("Agenda\n1. Demo", activities[2].Body);
        Assert.Equal("HIGH", activities[3].Metadata["priority"]);
        Assert.Equal("Budget approved", activities[4].Body);
        Assert.Equal(Base.AddHours(-1), activities[4].OccurredAt);

        var none = await h.CrmGateway.GetActivitiesAsync(h.Connection, deal, since: DateTimeOffset.UtcNow.AddMinutes(5)).ToListAsync();
        Assert.Empty(none);
    }

    [Fact]
    public async Task GetActivityChanges_AcrossThePortal_OnlyDealActivities_Ordered_Resumable()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(o => o.SearchRequestsPerSecond = 100, inProcess: true, transport: Transport);
        var deals = Enumerable.Range(0, 20).Select(i => h.InsertDeal($"D{i}")).ToList();
        var types = new[] { ("calls", 206), ("emails", 210), ("meetings", 212), ("tasks", 216), ("notes", 214) };
        var expected = new List<(string Id, string Deal)>();
        for (var i = 0; i < 260; i++)
        {
            var (type, assoc) = types[i % types.Length];
            var id = Engage(h, type, deals[i % deals.Count], assoc, Base.AddMinutes(i), [], lastModified: Base.AddSeconds(i / 3)); // three share each timestamp
            expected.Add((id, deals[i % deals.Count]));
        }

        // An engagement linked to a contact only is not a deal activity.
        var contact = h.Emulator.InsertObject("contacts", new Dictionary<string, string?> { ["email"] = "x@example.com" }).Id;
        var orphan = h.Emulator.InsertObject("calls", new Dictionary<string, string?> { ["hs_timestamp"] = "2026-03-02T09:00:00Z" }, lastModified: Base.AddSeconds(30)).Id;
        h.Emulator.Associate("calls", orphan, "contacts", contact);

        var pages = await h.CrmGateway.GetActivityChangesAsync(h.Connection, null).ToListAsync();
        var read = pages.SelectMany(p => p.Activities).ToList();

        Assert.Equal(expected.Select(e => e.Id).Order(StringComparer.Ordinal), read.Select(a => a.ExternalId).Order(StringComparer.Ordinal));
        Assert.All(read, a => Assert.Equal(expected.Single(e => e.Id == a.ExternalId).Deal, a.CrmRecordId));
        Assert.DoesNotContain(read, a => a.ExternalId == orphan);
        for (var i = 1; i < read.Count; i++)
        {
            Assert.True((read[i - 1].LastModifiedAt, read[i - 1].ExternalId).CompareTo((read[i].LastModifiedAt, read[i].ExternalId)) < 0 || string.CompareOrdinal(read[i - 1].ExternalId, read[i].ExternalId) < 0 || read[i - 1].LastModifiedAt < read[i].LastModifiedAt);
        }

        var resumed = (await h.CrmGateway.GetActivityChangesAsync(h.Connection, pages[0].Cursor).ToListAsync()).SelectMany(p => p.Activities).Select(a => a.ExternalId).ToList();
        Assert.Equal(read.Skip(pages[0].Activities.Count).Select(a => a.ExternalId), resumed);
    }

    internal static string Engage(HubSpotGatewayHost h, string type, string deal, int associationType, DateTimeOffset occurredAt, Dictionary<string, string?> properties, DateTimeOffset? lastModified = null)
    {
        properties["hs_timestamp"] = occurredAt.ToUnixTimeMilliseconds().ToString();
        var id = h.Emulator.InsertObject(type, properties, lastModified: lastModified).Id;
        h.Emulator.Associate(type, id, "deals", deal, associationType);
        if (lastModified is { } modified)
        {
            h.Emulator.SetLastModified(type, id, modified); // associating touches the record
        }

        return id;
    }
}
