using Aria.CrmSync.Tests.TestSupport;

namespace Aria.CrmSync.Tests.Sync;

/// <summary><see cref="ICrmSyncService.PushSummaryAsync"/> says whether the note is in the CRM or queued, and when a queued one is tried again.</summary>
public class NoteDeliveryResultTests
{
    private const string OppId = "006000000000001AAA";

    [Fact]
    public async Task Delivered_IsConfirmed_WithTheNoteId_AndAgainWhenPushedTwice()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");
        h.Salesforce.Put(OppId, "Proposal");

        var first = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", "Budget confirmed.");
        var again = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", "Budget confirmed.");

        var note = Assert.Single(h.Salesforce.Notes);
        Assert.Equal((true, NoteDelivery.Confirmed, note.Id), (first.Success, first.NoteDelivery, first.NoteId));
        Assert.Equal((true, NoteDelivery.Confirmed, note.Id), (again.Success, again.NoteDelivery, again.NoteId));
    }

    [Fact]
    public async Task HeldByAnotherSender_IsQueuedUntilTheClaimEnds_NotSuccessWithoutANote_ThenConfirmed()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");
        h.Salesforce.Put(OppId, "Proposal");

        // Another process claimed the note (in flight) and has not finished: e.g. it crashed after the claim.
        await h.Sync.QueueSummaryAsync(SyncHarness.UserId, "lead-1", "Budget confirmed.", "key-1");
        var claimedUntil = h.Time.GetUtcNow().AddSeconds(30);
        var state = (await h.States.GetAsync("lead-1"))!;
        await h.States.UpdateAsync(state with
        {
            Outbox = [state.Outbox[0] with { Status = OutboxItemStatus.InFlight, Attempts = 1, ClaimedUntil = claimedUntil }],
        });

        var queued = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", "Budget confirmed.", "key-1");

        Assert.Empty(h.Salesforce.Notes);
        Assert.Equal((NoteDelivery.Queued, (string?)null, claimedUntil), (queued.NoteDelivery, queued.NoteId, queued.NextAttemptAt));

        h.Time.Advance(TimeSpan.FromSeconds(31)); // the claim ended: the next push takes the note over
        var confirmed = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", "Budget confirmed.", "key-1");

        var note = Assert.Single(h.Salesforce.Notes);
        Assert.Equal((true, NoteDelivery.Confirmed, note.Id), (confirmed.Success, confirmed.NoteDelivery, confirmed.NoteId));
    }

    [Fact]
    public async Task FailedAttempt_IsQueuedWithTheNextAutomaticAttempt_AndTheRetryDeliversIt()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");
        h.Salesforce.Put(OppId, "Proposal");
        h.Salesforce.FailNext(new HttpRequestException("down"), "notes", times: 1);

        var failed = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", "Budget confirmed.");

        var state = (await h.States.GetAsync("lead-1"))!;
        Assert.False(failed.Success);
        Assert.Equal(NoteDelivery.Queued, failed.NoteDelivery);
        Assert.Null(failed.NoteId);
        Assert.NotNull(state.NextAttemptAt);
        Assert.Equal(state.NextAttemptAt, failed.NextAttemptAt);
        Assert.True(failed.NextAttemptAt > h.Time.GetUtcNow());

        h.Time.SetUtcNow(state.NextAttemptAt!.Value);
        await h.Sync.ProcessDueRetriesAsync(10);
        Assert.Single(h.Salesforce.Notes);
    }
}
