using Aria.CrmSync.Tests.TestSupport;

namespace Aria.CrmSync.Tests.Sync;

/// <summary>Whole-connection sync against the test gateway: batching, checkpoints, leases, per-record failures.</summary>
public class ConnectionSyncTests
{
    private const string User = SyncHarness.UserId;

    [Fact]
    public async Task SyncConnectionAsync_MixedWorkload_ConvergesBothSides()
    {
        await using var h = new SyncHarness();
        var ids = await SeedAsync(h, 60);
        var first = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);
        Assert.True(first.Completed, first.Reason);
        Assert.Equal(60, first.LeadsCompared);

        // 10 change in the CRM, 10 in ARIA, 5 on both sides of the same field, 5 notes queued.
        for (var i = 0; i < 10; i++)
        {
            h.Salesforce.Edit(CrmId(i), r => r with { Amount = 5000m + i });
        }

        for (var i = 10; i < 20; i++)
        {
            await h.EditLeadAsync(ids[i], l => l with { ExpectedCloseDate = new DateOnly(2027, 3, i) });
        }

        for (var i = 20; i < 25; i++)
        {
            await h.EditLeadAsync(ids[i], l => l with { ExpectedValue = 1m });
            h.Salesforce.Edit(CrmId(i), r => r with { Amount = 2m });
        }

        h.Salesforce.FailNext(new HttpRequestException("down"), "notes", times: 5);
        for (var i = 25; i < 30; i++)
        {
            await h.Sync.PushSummaryAsync(User, ids[i], "note " + i);
        }

        var updatesBefore = h.Salesforce.Calls.GetValueOrDefault("update");
        var progress = new List<ConnectionSyncProgress>();
        var result = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce, progress: new SyncProgress(progress));

        Assert.True(result.Completed, result.Reason);
        Assert.Equal(15, result.LeadsUpdated);
        Assert.Equal(10, result.CrmRecordsUpdated);
        Assert.Equal(5, result.ConflictsResolved);
        Assert.Equal(5, result.NotesPushed);
        Assert.Empty(result.Failures);
        Assert.Equal(5, h.Salesforce.Notes.Count);
        Assert.Equal(1, h.Salesforce.Calls["update"] - updatesBefore); // ten CRM writes, one batched call
        Assert.Equal(ConnectionSyncPhase.Done, progress[^1].Phase);

        for (var i = 0; i < 60; i++)
        {
            var lead = await h.GetLeadAsync(ids[i]);
            var record = h.Salesforce.Get(CrmId(i));
            Assert.Equal(record.Amount, lead.ExpectedValue);
            Assert.Equal(record.CloseDate, lead.ExpectedCloseDate);
            Assert.Equal(SyncStatus.Synced, (await h.States.GetAsync(ids[i]))!.Status);
        }

        Assert.Equal(2m, (await h.GetLeadAsync(ids[22])).ExpectedValue); // CRM wins the conflicts
        Assert.True((await h.Audit.VerifyAsync(User)).IsValid);

        // Nothing changed since: a second run writes nothing and reads only the overlap window.
        var again = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);
        Assert.Equal(0, again.LeadsUpdated);
        Assert.Equal(0, again.CrmRecordsUpdated);
        Assert.Equal(0, again.NotesPushed);
    }

    [Fact]
    public async Task SyncConnectionAsync_CheckpointsEveryPage_AndResumesAfterCancellation()
    {
        await using var h = new SyncHarness();
        h.Salesforce.PageSize = 10;
        var ids = await SeedAsync(h, 50);
        using var cts = new CancellationTokenSource();
        var pages = 0;
        var progress = new SyncProgress([], p =>
        {
            if (p.Phase == ConnectionSyncPhase.CrmChanges && ++pages == 3)
            {
                cts.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce, new ConnectionSyncOptions { OverlapWindow = TimeSpan.Zero }, progress, cts.Token));

        var checkpoint = await h.States.GetCursorAsync("salesforce:" + User, "records");
        Assert.NotNull(checkpoint);
        Assert.Equal(CrmId(29), checkpoint.Cursor.LastId);
        Assert.Equal(30, (await h.States.QueryAsync(new SyncStateQuery()).ToListAsync()).Count);

        var resumed = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce, new ConnectionSyncOptions { OverlapWindow = TimeSpan.Zero });

        Assert.True(resumed.Completed);
        Assert.Equal(21, resumed.RecordsRead); // from the checkpoint (inclusive of its timestamp) to the end
        Assert.Equal(50, (await h.States.QueryAsync(new SyncStateQuery()).ToListAsync()).Count);
        // Read to the end: the checkpoint moved past the last record, to now minus the overlap window (zero here).
        var final = (await h.States.GetCursorAsync("salesforce:" + User, "records"))!.Cursor;
        Assert.True(final.Timestamp >= h.Salesforce.Get(CrmId(49)).LastModifiedAt);
        Assert.Equal(h.Time.GetUtcNow(), final.Timestamp);
        Assert.All(ids, id => Assert.NotNull(h.States.GetAsync(id).AsTask().Result));
    }

    [Fact]
    public async Task SyncConnectionAsync_QuietCrm_CheckpointSlidesForwardSoTheOverlapIsNotReReadForever()
    {
        await using var h = new SyncHarness();
        await SeedAsync(h, 40); // a bulk import: every record within one overlap window
        var options = new ConnectionSyncOptions { OverlapWindow = TimeSpan.FromMinutes(2) };
        await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce, options);

        h.Time.Advance(TimeSpan.FromMinutes(1));
        var soon = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce, options);
        h.Time.Advance(TimeSpan.FromHours(1));
        var later = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce, options);
        var quiet = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce, options);

        Assert.Equal(40, soon.RecordsRead); // still inside the overlap of the import: re-read, harmlessly
        Assert.Equal(40, later.RecordsRead); // the checkpoint then slides to now - overlap...
        Assert.Equal(0, quiet.RecordsRead); // ...so a quiet CRM is not re-read run after run
        Assert.Equal(h.Time.GetUtcNow() - TimeSpan.FromMinutes(2), (await h.States.GetCursorAsync("salesforce:" + User, "records"))!.Cursor.Timestamp);
    }

    [Fact]
    public async Task SyncConnectionAsync_ManyRecordsShareOneTimestamp_NoneMissedAcrossPages()
    {
        await using var h = new SyncHarness();
        h.Salesforce.PageSize = 7;
        var ids = await SeedAsync(h, 30, sameTimestamp: true);

        var result = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce, new ConnectionSyncOptions { OverlapWindow = TimeSpan.Zero });

        Assert.Equal(30, result.LeadsCompared);
        Assert.Equal(30, result.RecordsRead);
        Assert.All(ids, id => Assert.Equal(LifecycleStages.Opportunity, h.GetLeadAsync(id).Result.LifecycleStage));
    }

    [Fact]
    public async Task SyncConnectionAsync_OneRejectedRecord_IsDeadLetteredAndNeverBlocksTheRest()
    {
        await using var h = new SyncHarness();
        var ids = await SeedAsync(h, 10);
        await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);
        for (var i = 0; i < 10; i++)
        {
            await h.EditLeadAsync(ids[i], l => l with { ExpectedValue = -1m * (i + 1) });
        }

        h.Salesforce.RejectUpdatesFor.Add(CrmId(4));

        var result = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);

        Assert.True(result.Completed);
        var failure = Assert.Single(result.Failures);
        Assert.Equal(ids[4], failure.LeadMemoryId);
        Assert.Contains("FIELD_CUSTOM_VALIDATION_EXCEPTION", failure.Error);
        Assert.Equal(9, result.CrmRecordsUpdated);
        Assert.Equal(SyncStatus.Error, (await h.States.GetAsync(ids[4]))!.Status);
        Assert.Equal(-5m, (await h.GetLeadAsync(ids[4])).ExpectedValue); // nothing lost
        Assert.Equal(-6m, h.Salesforce.Get(CrmId(5)).Amount);
        Assert.Contains(await h.AuditOfAsync(ids[4]), e => e.Operation == CrmAuditOperation.Error);
    }

    [Fact]
    public async Task SyncConnectionAsync_AnotherWorkerHoldsTheLease_DoesNothing()
    {
        await using var h = new SyncHarness();
        await SeedAsync(h, 3);
        var lease = await h.States.TryAcquireLeaseAsync("sync:salesforce:" + User, "other-worker", TimeSpan.FromMinutes(5));
        Assert.NotNull(lease);

        var result = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);

        Assert.False(result.Completed);
        Assert.Equal("Another worker is syncing this connection", result.Reason);
        Assert.Equal(0, h.Salesforce.Calls.GetValueOrDefault("changes"));
    }

    [Fact]
    public async Task SyncConnectionAsync_DailyQuotaExhausted_PausesAndResumesLater()
    {
        await using var h = new SyncHarness();
        h.Salesforce.PageSize = 5;
        await SeedAsync(h, 20);
        await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);
        var ids = (await h.Leads.ListLinkedAsync(User, CrmProvider.Salesforce).ToListAsync()).Select(l => l.Id).ToList();
        await h.EditLeadAsync(ids[0], l => l with { ExpectedValue = 7m });
        h.Salesforce.FailNext(new CrmRateLimitedException(CrmProvider.Salesforce, TimeSpan.FromHours(2), CrmRateLimitScope.Daily), "update");

        var paused = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);

        Assert.False(paused.Completed);
        Assert.Equal(h.Time.GetUtcNow().AddHours(2), paused.PausedUntil);
        Assert.Equal(7m, (await h.GetLeadAsync(ids[0])).ExpectedValue);

        var later = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);
        Assert.True(later.Completed);
        Assert.Equal(7m, h.Salesforce.Get(CrmId(0)).Amount);
    }

    [Fact]
    public async Task SyncConnectionAsync_ActivitiesAreAddedOnceAcrossRuns()
    {
        await using var h = new SyncHarness();
        var ids = await SeedAsync(h, 5);
        var t = h.Time.GetUtcNow();
        h.Salesforce.AddActivity(CrmId(1), new CrmActivity { ExternalId = "00T1", ActivityType = "call", Subject = "c1", OccurredAt = t, LastModifiedAt = t });
        h.Salesforce.AddActivity(CrmId(2), new CrmActivity { ExternalId = "00T2", ActivityType = "task", Subject = "t2", OccurredAt = t, LastModifiedAt = t });

        var first = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);
        h.Time.Advance(TimeSpan.FromMinutes(1));
        h.Salesforce.AddActivity(CrmId(2), new CrmActivity { ExternalId = "00U3", ActivityType = "event", Subject = "e3", OccurredAt = h.Time.GetUtcNow(), LastModifiedAt = h.Time.GetUtcNow() });
        var second = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);

        Assert.Equal(2, first.ActivitiesAdded);
        Assert.Equal(1, second.ActivitiesAdded);
        Assert.Equal(["t2", "e3"], (await h.Leads.GetEventsAsync(User, ids[2]).ToListAsync()).Select(e => e.Subject));
    }

    [Fact]
    public async Task SyncConnectionAsync_FullReconciliation_RepairsDriftTheCursorMissed()
    {
        await using var h = new SyncHarness();
        var ids = await SeedAsync(h, 5);
        await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);

        // A change the cursor cannot see: the record changed with a modification time before the checkpoint.
        var record = h.Salesforce.Get(CrmId(3));
        h.Salesforce.Put(CrmId(3), record.Stage!, 999m, record.CloseDate);
        var checkpoint = (await h.States.GetCursorAsync("salesforce:" + User, "records"))!;
        await h.States.SaveCursorAsync(checkpoint with { Cursor = checkpoint.Cursor with { Timestamp = checkpoint.Cursor.Timestamp.AddDays(1) } });

        var incremental = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);
        Assert.Equal(0, incremental.LeadsUpdated);

        var reconciled = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce, new ConnectionSyncOptions { FullReconciliation = true });
        Assert.Equal(1, reconciled.LeadsUpdated);
        Assert.Equal(999m, (await h.GetLeadAsync(ids[3])).ExpectedValue);
    }

    [Fact]
    public async Task QueueSummaryAsync_NotesAreDeliveredTogetherByTheNextConnectionSync()
    {
        await using var h = new SyncHarness();
        var ids = await SeedAsync(h, 30);
        await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);
        foreach (var id in ids)
        {
            var state = await h.Sync.QueueSummaryAsync(User, id, "Quarterly review done for " + id);
            Assert.Equal(SyncStatus.Pending, state.Status);
            Assert.Equal(OutboxItemStatus.Pending, Assert.Single(state.Outbox).Status);
        }

        await h.Sync.QueueSummaryAsync(User, ids[0], "Quarterly review done for " + ids[0]); // same note again: still one
        Assert.Empty(h.Salesforce.Notes);

        var result = await h.Sync.SyncConnectionAsync(User, CrmProvider.Salesforce);

        Assert.Equal(30, result.NotesPushed);
        Assert.Equal(30, h.Salesforce.Notes.Count);
        Assert.Equal(1, h.Salesforce.Calls["notes"]);
        Assert.All(ids, id => Assert.Equal(SyncStatus.Synced, h.States.GetAsync(id).AsTask().Result!.Status));
        Assert.Equal(30, (await h.Audit.QueryAuditLogAsync(new AuditQuery { Operation = CrmAuditOperation.Push, Limit = null })).Count);
    }

    [Fact]
    public async Task QueueSummaryAsync_UnlinkedOrUnknownLead_Throws()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("free", unlinked: true);
        await Assert.ThrowsAsync<CrmSyncValidationException>(() => h.Sync.QueueSummaryAsync(User, "free", "x"));
        await Assert.ThrowsAsync<CrmSyncNotFoundException>(() => h.Sync.QueueSummaryAsync(User, "nope", "x"));
    }

    [Fact]
    public async Task SyncConnectionAsync_InvalidArguments_Throw()
    {
        await using var h = new SyncHarness();
        Assert.Equal("userId", (await Assert.ThrowsAnyAsync<ArgumentException>(() => h.Sync.SyncConnectionAsync("", CrmProvider.HubSpot))).ParamName);
        Assert.Equal("provider", (await Assert.ThrowsAnyAsync<ArgumentException>(() => h.Sync.SyncConnectionAsync(User, default(CrmProvider)))).ParamName);
        Assert.Equal("BatchSize", (await Assert.ThrowsAnyAsync<ArgumentException>(() => h.Sync.SyncConnectionAsync(User, CrmProvider.HubSpot, new ConnectionSyncOptions { BatchSize = 0 }))).ParamName);
    }

    private static string CrmId(int i) => $"006{i:D12}AAA";

    private static async Task<List<string>> SeedAsync(SyncHarness h, int count, bool sameTimestamp = false)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = $"lead-{i:D4}";
            ids.Add(id);
            await h.AddLeadAsync(id, crmId: CrmId(i), stage: LifecycleStages.Lead, value: 100m + i, closeDate: new DateOnly(2026, 6, 1));
            h.Salesforce.Put(CrmId(i), "Proposal/Price Quote", 100m + i, new DateOnly(2026, 6, 1));
            if (!sameTimestamp)
            {
                h.Time.Advance(TimeSpan.FromMilliseconds(5));
            }
        }

        return ids;
    }

    private sealed class SyncProgress(List<ConnectionSyncProgress> sink, Action<ConnectionSyncProgress>? onReport = null) : IProgress<ConnectionSyncProgress>
    {
        public void Report(ConnectionSyncProgress value)
        {
            sink.Add(value);
            onReport?.Invoke(value);
        }
    }
}
