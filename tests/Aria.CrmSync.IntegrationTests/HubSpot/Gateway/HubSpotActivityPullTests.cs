namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

public sealed class HubSpotActivityPullTests
{
    [Fact]
    public async Task ActivityPull_ReadsUpToTheRunsStart_WhatWasModifiedSinceComesInTheNextRuns_EachOnce()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(o => o.SearchRequestsPerSecond = 100, inProcess: true);
        var deal = h.InsertDeal("Acme");
        await h.AddLeadAsync("lead-1", deal);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 150; i++)
        {
            HubSpotActivityTests.Engage(h, "notes", deal, 214, now.AddHours(-2), new() { ["hs_note_body"] = $"Before {i}" }, lastModified: now.AddHours(-1).AddSeconds(i));
        }

        // Modified after the run starts (as the notes the run itself writes are, and activities logged meanwhile).
        for (var i = 0; i < 250; i++)
        {
            HubSpotActivityTests.Engage(h, "notes", deal, 214, now.AddHours(-2), new() { ["hs_note_body"] = $"During {i}" }, lastModified: now.AddHours(1).AddSeconds(i));
        }

        var first = await h.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot);

        Assert.True(first.Completed, first.Reason);
        Assert.Equal(200, first.ActivitiesAdded); // the first page (150 before the start, 50 after it), then the pull stopped
        var added = first.ActivitiesAdded;
        for (var run = 0; run < 5 && added < 400; run++)
        {
            var next = await h.Sync.SyncConnectionAsync(HubSpotGatewayHost.UserId, CrmProvider.HubSpot);
            Assert.True(next.Completed, next.Reason);
            Assert.True(next.ActivitiesAdded > 0, "a run made no progress");
            added += next.ActivitiesAdded;
        }

        var events = await h.Leads.GetEventsAsync(HubSpotGatewayHost.UserId, "lead-1").ToListAsync();
        Assert.Equal(400, added);
        Assert.Equal(400, events.Count);
        Assert.Equal(400, events.Select(e => e.Content).Distinct(StringComparer.Ordinal).Count());
    }
}
