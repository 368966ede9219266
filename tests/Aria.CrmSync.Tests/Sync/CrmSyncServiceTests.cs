using Aria.CrmSync.Tests.TestSupport;

namespace Aria.CrmSync.Tests.Sync;

/// <summary>Seed plan: test_crm_sync.py, against the real engine, in-memory stores and a test gateway.</summary>
public class CrmSyncServiceTests
{
    private const string OppId = "006000000000001AAA";

    [Fact]
    public async Task GetSyncStateAsync_Existing_ReturnsState()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        await h.Sync.CreateSyncStateAsync(SyncHarness.UserId, "lead-456");

        var state = await h.Sync.GetSyncStateAsync("lead-456");

        Assert.NotNull(state);
        Assert.Equal("lead-456", state.LeadMemoryId);
        Assert.Equal(SyncStatus.Synced, state.Status);
    }

    [Fact]
    public async Task GetSyncStateAsync_Missing_ReturnsNull()
    {
        await using var h = new SyncHarness();
        Assert.Null(await h.Sync.GetSyncStateAsync("nonexistent"));
    }

    [Fact]
    public async Task CreateSyncStateAsync_NewLead_CreatesSyncedStateOnce()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-789");

        var state = await h.Sync.CreateSyncStateAsync(SyncHarness.UserId, "lead-789");
        var again = await h.Sync.CreateSyncStateAsync(SyncHarness.UserId, "lead-789");

        Assert.Equal("lead-789", state.LeadMemoryId);
        Assert.Equal(SyncStatus.Synced, state.Status);
        Assert.Equal(state.Id, again.Id);
        Assert.Equal(CrmProvider.Salesforce, state.Provider);
        Assert.Equal(OppId, state.CrmId);
    }

    [Fact]
    public async Task CreateSyncStateAsync_UnknownLead_ThrowsNotFound()
    {
        await using var h = new SyncHarness();
        var ex = await Assert.ThrowsAsync<CrmSyncNotFoundException>(() => h.Sync.CreateSyncStateAsync(SyncHarness.UserId, "nope"));
        Assert.Contains("nope", ex.Message);
    }

    [Fact]
    public async Task UpdateSyncStatusAsync_ToPending_RecordsPendingChanges()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        await h.Sync.CreateSyncStateAsync(SyncHarness.UserId, "lead-456");

        var state = await h.Sync.UpdateSyncStatusAsync("lead-456", SyncStatus.Pending, new SyncStatusUpdate
        {
            PendingChanges = [new PendingChange { Field = "stage", Value = "opportunity" }],
        });

        Assert.Equal(SyncStatus.Pending, state.Status);
        Assert.Equal("stage", Assert.Single(state.PendingChanges).Field);
        Assert.Equal(SyncStatus.Pending, (await h.States.GetAsync("lead-456"))!.Status);
    }

    [Fact]
    public async Task UpdateSyncStatusAsync_ToError_RecordsMessage()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        await h.Sync.CreateSyncStateAsync(SyncHarness.UserId, "lead-456");
        await h.Sync.UpdateSyncStatusAsync("lead-456", SyncStatus.Pending);

        var state = await h.Sync.UpdateSyncStatusAsync("lead-456", SyncStatus.Error, new SyncStatusUpdate { ErrorMessage = "API rate limit exceeded" });

        Assert.Equal(SyncStatus.Error, state.Status);
        Assert.Equal("API rate limit exceeded", state.ErrorMessage);
    }

    [Fact]
    public async Task UpdateSyncStatusAsync_Direction_SetsTimestamps()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        await h.Sync.CreateSyncStateAsync(SyncHarness.UserId, "lead-456");
        await h.Sync.UpdateSyncStatusAsync("lead-456", SyncStatus.Pending);

        var state = await h.Sync.UpdateSyncStatusAsync("lead-456", SyncStatus.Synced, new SyncStatusUpdate { Direction = SyncDirection.Pull });

        Assert.Equal(SyncDirection.Pull, state.SyncDirection);
        Assert.Equal(h.Time.GetUtcNow(), state.LastPullAt);
        Assert.Equal(h.Time.GetUtcNow(), state.LastSyncAt);
        Assert.Null(state.LastPushAt);
    }

    [Theory]
    [InlineData(SyncStatus.Conflict)]
    [InlineData(SyncStatus.Error)]
    public async Task UpdateSyncStatusAsync_IllegalTransitionFromSynced_ThrowsAndWritesNothing(SyncStatus target)
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        var before = await h.Sync.CreateSyncStateAsync(SyncHarness.UserId, "lead-456");

        var ex = await Assert.ThrowsAsync<CrmSyncStateTransitionException>(() => h.Sync.UpdateSyncStatusAsync("lead-456", target));

        Assert.Equal(SyncStatus.Synced, ex.From);
        Assert.Equal(before.Version, (await h.States.GetAsync("lead-456"))!.Version);
    }

    [Fact]
    public async Task UpdateSyncStatusAsync_NoState_ThrowsNotFound()
    {
        await using var h = new SyncHarness();
        await Assert.ThrowsAsync<CrmSyncNotFoundException>(() => h.Sync.UpdateSyncStatusAsync("lead-x", SyncStatus.Pending));
    }

    [Fact]
    public async Task PushSummaryAsync_TagsNoteWithAriaPrefix()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        h.Salesforce.Put(OppId, "Proposal");

        var result = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-456", "Meeting went well. Budget confirmed.");

        Assert.True(result.Success, result.Error);
        var note = Assert.Single(h.Salesforce.Notes);
        Assert.Equal("[ARIA] Meeting went well. Budget confirmed.", note.Text);
        Assert.Equal(OppId, note.CrmId);
        Assert.Equal(note.Id, result.NoteId);
        Assert.Equal(SyncStatus.Synced, result.Status);
    }

    [Fact]
    public async Task PushSummaryAsync_AlreadyTagged_IsNotTaggedTwice()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        h.Salesforce.Put(OppId, "Proposal");

        await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-456", "[ARIA] Already tagged");

        Assert.Equal("[ARIA] Already tagged", Assert.Single(h.Salesforce.Notes).Text);
    }

    [Fact]
    public async Task PushSummaryAsync_LogsOnePushAuditEntry()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        h.Salesforce.Put(OppId, "Proposal");

        await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-456", "Test summary");

        var entry = Assert.Single(await h.AuditOfAsync("lead-456"));
        Assert.Equal(CrmAuditOperation.Push, entry.Operation);
        Assert.Equal(CrmProvider.Salesforce, entry.Provider);
        Assert.True(entry.Success);
        Assert.Equal(12, entry.Details.GetProperty("summary_length").GetInt32() - "[ARIA] ".Length);
    }

    [Fact]
    public async Task PushSummaryAsync_SameSummaryTwice_WritesOneNote()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        h.Salesforce.Put(OppId, "Proposal");

        var first = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-456", "Budget confirmed");
        var second = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-456", "Budget confirmed");

        Assert.Single(h.Salesforce.Notes);
        Assert.Equal(first.NoteId, second.NoteId);
        Assert.Equal(1, h.Salesforce.Calls["notes"]);
    }

    [Fact]
    public async Task PushSummaryAsync_ResponseLostThenRetried_NeverWritesASecondNote()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        h.Salesforce.Put(OppId, "Proposal");
        h.Salesforce.LoseNextNoteResponses = 1; // the CRM stores the note, the response never arrives

        var failed = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-456", "Pricing agreed");

        Assert.False(failed.Success);
        Assert.Equal(SyncStatus.Error, failed.Status);
        Assert.Single(h.Salesforce.Notes);
        var state = (await h.States.GetAsync("lead-456"))!;
        Assert.Equal(OutboxItemStatus.InFlight, Assert.Single(state.Outbox).Status);

        h.Time.Advance(TimeSpan.FromMinutes(2));
        var run = await h.Sync.ProcessDueRetriesAsync();

        Assert.Equal(1, run.Succeeded);
        var note = Assert.Single(h.Salesforce.Notes);
        state = (await h.States.GetAsync("lead-456"))!;
        var item = Assert.Single(state.Outbox);
        Assert.Equal(OutboxItemStatus.Done, item.Status);
        Assert.Equal(note.Id, item.CrmObjectId);
        Assert.Equal(2, item.Attempts);
        Assert.Equal(SyncStatus.Synced, state.Status);
        var push = (await h.AuditOfAsync("lead-456")).Single(e => e.Operation == CrmAuditOperation.Push);
        Assert.True(push.Details.GetProperty("already_existed").GetBoolean());
    }

    [Fact]
    public async Task PushSummaryAsync_CrmDown_RecordsErrorAndQueuesNote()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        h.Salesforce.Put(OppId, "Proposal");
        h.Salesforce.FailNext(new CrmConnectionException(CrmProvider.Salesforce), "notes");

        var result = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-456", "Call recap");

        Assert.False(result.Success);
        Assert.Equal("CRM_CONNECTION_ERROR", result.ErrorCode);
        Assert.Equal("Failed to connect to salesforce", result.Error);
        Assert.Empty(h.Salesforce.Notes);
        var state = (await h.States.GetAsync("lead-456"))!;
        Assert.Equal(SyncStatus.Error, state.Status);
        Assert.Equal("Failed to connect to salesforce", state.ErrorMessage);
        Assert.NotNull(state.NextAttemptAt);
        var error = Assert.Single(await h.AuditOfAsync("lead-456"));
        Assert.Equal(CrmAuditOperation.Error, error.Operation);
        Assert.False(error.Success);
        Assert.Equal("Failed to connect to salesforce", error.ErrorMessage);
    }

    [Fact]
    public async Task PushSummaryAsync_UnlinkedLead_FailsWithSeedMessage()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", unlinked: true);

        var result = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", "x");

        Assert.False(result.Success);
        Assert.Equal("Lead not linked to CRM", result.Error);

        // Never linked, never synced: the failure is still audited, naming the seed plan's fallback CRM "unknown".
        var error = Assert.Single(await h.AuditOfAsync("lead-1"));
        Assert.Equal((CrmAuditOperation.Error, false, "Lead not linked to CRM", "unknown"), (error.Operation, error.Success, error.ErrorMessage, error.Provider.Value));
        Assert.Equal(("push_note", CrmSyncException.DefaultCode), (error.Details.GetProperty("operation").GetString(), error.Details.GetProperty("code").GetString()));
        Assert.Null(await h.States.GetAsync("lead-1"));
    }

    [Theory]
    [InlineData("manual_sync")]
    [InlineData("pull")]
    [InlineData("pull_activities")]
    [InlineData("resolve_conflict")]
    public async Task Operations_OnAMissingLeadWithNoSyncState_AreAuditedAsErrors(string operation)
    {
        await using var h = new SyncHarness();

        var result = operation switch
        {
            "manual_sync" => await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-none"),
            "pull" => await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-none"),
            "pull_activities" => await h.Sync.PullActivitiesAsync(SyncHarness.UserId, "lead-none"),
            _ => await h.Sync.ResolveConflictAsync(SyncHarness.UserId, "lead-none", LeadFields.LifecycleStage, ConflictResolution.AriaWins),
        };

        Assert.Equal((false, CrmSyncNotFoundException.ErrorCode), (result.Success, result.ErrorCode));
        var error = Assert.Single(await h.AuditOfAsync("lead-none"));
        Assert.Equal((CrmAuditOperation.Error, false, "unknown", SyncHarness.UserId), (error.Operation, error.Success, error.Provider.Value, error.UserId));
        Assert.Equal((operation, CrmSyncNotFoundException.ErrorCode), (error.Details.GetProperty("operation").GetString(), error.Details.GetProperty("code").GetString()));
        Assert.Equal(result.Error, error.ErrorMessage);
        Assert.Null(await h.States.GetAsync("lead-none"));
        Assert.True((await h.Audit.VerifyAsync(SyncHarness.UserId)).IsValid);
    }

    [Fact]
    public async Task PushSummaryAsync_TooLong_ThrowsValidationWithoutWriting()
    {
        await using var h = new SyncHarness(o => o.MaxNoteLength = 10);
        await h.AddLeadAsync("lead-1");

        var ex = await Assert.ThrowsAsync<CrmSyncValidationException>(() => h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", new string('x', 11)));

        Assert.Equal("summary", ex.Field);
        Assert.Null(await h.States.GetAsync("lead-1"));
    }

    [Fact]
    public async Task PullStageChangesAsync_CrmChangedStage_UpdatesLead()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456", stage: LifecycleStages.Lead);
        h.Salesforce.Put(OppId, "Proposal", 250000m, new DateOnly(2026, 6, 30));

        var result = await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-456");

        Assert.True(result.Success, result.Error);
        var lead = await h.GetLeadAsync("lead-456");
        Assert.Equal(LifecycleStages.Opportunity, lead.LifecycleStage);
        Assert.Equal(250000m, lead.ExpectedValue);
        Assert.Equal(new DateOnly(2026, 6, 30), lead.ExpectedCloseDate);
        Assert.Equal("opportunity", result.Changes[LeadFields.LifecycleStage]);
        Assert.Equal(SyncStatus.Synced, result.Status);
        var state = (await h.States.GetAsync("lead-456"))!;
        Assert.Equal("opportunity", state.BaseSnapshot[LeadFields.LifecycleStage]);
        Assert.Equal("250000", state.BaseSnapshot[LeadFields.ExpectedValue]);

        var pull = Assert.Single(await h.AuditOfAsync("lead-456"), e => e.Operation == CrmAuditOperation.Pull);
        Assert.Contains("lifecycle_stage", pull.Details.GetProperty("fields_updated").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task PullStageChangesAsync_FirstSyncWithDifferentValues_CrmWinsAndConflictIsLogged()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456", stage: LifecycleStages.Lead, value: 100000m);
        h.Salesforce.Put(OppId, "Proposal", 150000m);

        var result = await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-456");

        Assert.True(result.Success);
        Assert.Equal(150000m, (await h.GetLeadAsync("lead-456")).ExpectedValue);
        var conflicts = (await h.AuditOfAsync("lead-456")).Where(e => e.Operation == CrmAuditOperation.ConflictResolved).ToList();
        Assert.Equal(2, conflicts.Count);
        var value = conflicts.Single(c => c.Details.GetProperty("field").GetString() == LeadFields.ExpectedValue);
        Assert.Equal("100000", value.Details.GetProperty("aria_value").GetString());
        Assert.Equal("150000", value.Details.GetProperty("crm_value").GetString());
        Assert.Equal("crm_wins", value.Details.GetProperty("resolution").GetString());
        Assert.Equal("150000", value.Details.GetProperty("resolved_value").GetString());
    }

    [Fact]
    public async Task PullStageChangesAsync_LeadOnlyChange_IsNotOverwrittenAndStaysPending()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", stage: LifecycleStages.Opportunity, value: 100m);
        h.Salesforce.Put(OppId, "Proposal", 100m);
        await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-1");
        await h.EditLeadAsync("lead-1", l => l with { ExpectedValue = 120m });

        var result = await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-1");

        Assert.True(result.Success);
        Assert.Equal(120m, (await h.GetLeadAsync("lead-1")).ExpectedValue);
        Assert.Equal(100m, h.Salesforce.Get(OppId).Amount);
        Assert.Equal(SyncStatus.Pending, result.Status);
        var state = (await h.States.GetAsync("lead-1"))!;
        Assert.Equal("expected_value", Assert.Single(state.PendingChanges).Field);
        Assert.Equal("100", state.BaseSnapshot[LeadFields.ExpectedValue]);
    }

    [Fact]
    public async Task TriggerManualSyncAsync_LeadOnlyChange_FlowsToCrm()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", stage: LifecycleStages.Opportunity, value: 100m);
        h.Salesforce.Put(OppId, "Proposal", 100m);
        await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");
        await h.EditLeadAsync("lead-1", l => l with { ExpectedValue = 120m, ExpectedCloseDate = new DateOnly(2026, 9, 1) });

        var result = await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");

        Assert.True(result.Success, result.Error);
        Assert.Equal(120m, h.Salesforce.Get(OppId).Amount);
        Assert.Equal(new DateOnly(2026, 9, 1), h.Salesforce.Get(OppId).CloseDate);
        Assert.Equal(["expected_close_date", "expected_value"], result.Pushed.Keys.Order());
        Assert.Empty(result.Changes);
        Assert.Equal(SyncStatus.Synced, result.Status);
        Assert.Contains(await h.AuditOfAsync("lead-1"), e => e.Operation == CrmAuditOperation.Push && e.Details.GetProperty("fields_pushed").GetArrayLength() == 2);
    }

    [Fact]
    public async Task TriggerManualSyncAsync_ChangesOnBothSidesOfDifferentFields_BothFlow()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", stage: LifecycleStages.Opportunity, value: 100m, closeDate: new DateOnly(2026, 6, 30));
        h.Salesforce.Put(OppId, "Proposal", 100m, new DateOnly(2026, 6, 30));
        await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");
        await h.EditLeadAsync("lead-1", l => l with { ExpectedValue = 130m });
        h.Salesforce.Edit(OppId, r => r with { CloseDate = new DateOnly(2026, 7, 15) });

        var result = await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");

        Assert.True(result.Success);
        Assert.Equal(130m, h.Salesforce.Get(OppId).Amount);
        Assert.Equal(new DateOnly(2026, 7, 15), (await h.GetLeadAsync("lead-1")).ExpectedCloseDate);
        Assert.Empty(result.Conflicts);
    }

    [Fact]
    public async Task TriggerManualSyncAsync_BothChangedSameField_CrmWinsByDefault()
    {
        await using var h = new SyncHarness();
        await BothSidesChangeTheValueAsync(h);

        var result = await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");

        Assert.True(result.Success);
        Assert.Equal(90m, (await h.GetLeadAsync("lead-1")).ExpectedValue);
        Assert.Equal(90m, h.Salesforce.Get(OppId).Amount);
        var conflict = Assert.Single(result.Conflicts);
        Assert.Equal(ConflictResolution.CrmWins, conflict.Resolution);
        Assert.Equal("110", conflict.AriaValue);
        Assert.Equal("90", conflict.CrmValue);
        Assert.Equal("100", conflict.BaseValue);
    }

    [Fact]
    public async Task TriggerManualSyncAsync_AriaWinsRule_PushesLeadValue()
    {
        await using var h = new SyncHarness(o => o.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.AriaWins);
        await BothSidesChangeTheValueAsync(h);

        var result = await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");

        Assert.True(result.Success);
        Assert.Equal(110m, h.Salesforce.Get(OppId).Amount);
        Assert.Equal(110m, (await h.GetLeadAsync("lead-1")).ExpectedValue);
        Assert.Equal(ConflictResolution.AriaWins, Assert.Single(result.Conflicts).Resolution);
    }

    [Fact]
    public async Task ManualRule_ConflictWaitsForAPerson_ThenResolveConflictAsyncSettlesIt()
    {
        await using var h = new SyncHarness(o => o.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.Manual);
        await BothSidesChangeTheValueAsync(h);

        var result = await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");

        Assert.Equal(SyncStatus.Conflict, (await h.States.GetAsync("lead-1"))!.Status);
        Assert.Equal(110m, (await h.GetLeadAsync("lead-1")).ExpectedValue);
        Assert.Equal(90m, h.Salesforce.Get(OppId).Amount);
        Assert.True(Assert.Single(result.Conflicts).IsOpen);
        Assert.Contains(await h.AuditOfAsync("lead-1"), e => e.Operation == CrmAuditOperation.ConflictDetected);

        // A further sync is refused with the seed's conflict error until a person decides.
        var blocked = await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-1");
        Assert.False(blocked.Success);
        Assert.Equal("CRM_SYNC_CONFLICT", blocked.ErrorCode);
        Assert.Contains("expected_value", blocked.Error);

        var resolved = await h.Sync.ResolveConflictAsync(SyncHarness.UserId, "lead-1", LeadFields.ExpectedValue, ConflictResolution.AriaWins);

        Assert.True(resolved.Success, resolved.Error);
        Assert.Equal(SyncStatus.Synced, resolved.Status);
        Assert.Equal(110m, h.Salesforce.Get(OppId).Amount);
        var state = (await h.States.GetAsync("lead-1"))!;
        Assert.Empty(state.OpenConflicts);
        Assert.Equal("110", state.BaseSnapshot[LeadFields.ExpectedValue]);
        var audit = (await h.AuditOfAsync("lead-1")).First(e => e.Operation == CrmAuditOperation.ConflictResolved);
        Assert.True(audit.Details.GetProperty("manual").GetBoolean());
        Assert.Equal("aria_wins", audit.Details.GetProperty("resolution").GetString());
        Assert.Equal("110", audit.Details.GetProperty("resolved_value").GetString());

        var next = await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");
        Assert.True(next.Success);
        Assert.Empty(next.Changes);
        Assert.Empty(next.Pushed);
    }

    [Fact]
    public async Task ResolveConflictAsync_NoOpenConflict_ReturnsAValidationFailure()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");
        h.Salesforce.Put(OppId, "Proposal");
        await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");

        var result = await h.Sync.ResolveConflictAsync(SyncHarness.UserId, "lead-1", LeadFields.ExpectedValue, ConflictResolution.CrmWins);
        Assert.False(result.Success);
        Assert.Equal(CrmSyncValidationException.ErrorCode, result.ErrorCode);
    }

    [Fact]
    public async Task PullStageChangesAsync_UnknownCrmStage_KeepsLeadStageAndSucceeds()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", stage: LifecycleStages.Opportunity);
        h.Salesforce.Put(OppId, "Custom Stage Nobody Mapped", 500m);

        var result = await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-1");

        Assert.True(result.Success, result.Error);
        var lead = await h.GetLeadAsync("lead-1");
        Assert.Equal(LifecycleStages.Opportunity, lead.LifecycleStage);
        Assert.Equal(500m, lead.ExpectedValue);
        Assert.False((await h.States.GetAsync("lead-1"))!.BaseSnapshot.ContainsKey(LeadFields.LifecycleStage));
    }

    [Fact]
    public async Task PullStageChangesAsync_ClosedWonInCrm_MarksLeadAccountAndWon()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", provider: CrmProvider.HubSpot, crmId: "9876", stage: LifecycleStages.Opportunity);
        h.HubSpot.Put("9876", "closedwon", 1000m, isClosed: true, isWon: true);

        var result = await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-1");

        Assert.True(result.Success);
        var lead = await h.GetLeadAsync("lead-1");
        Assert.Equal(LifecycleStages.Account, lead.LifecycleStage);
        Assert.Equal(LeadStatuses.Won, lead.Status);
    }

    [Fact]
    public async Task TriggerManualSyncAsync_LeadMarkedLost_PushesLostStage()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", provider: CrmProvider.HubSpot, crmId: "9876", stage: LifecycleStages.Opportunity);
        h.HubSpot.Put("9876", "presentationscheduled");
        await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");
        await h.EditLeadAsync("lead-1", l => l with { Status = LeadStatuses.Lost });

        var result = await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");

        Assert.True(result.Success, result.Error);
        Assert.Equal("closedlost", h.HubSpot.Get("9876").Stage);
    }

    [Fact]
    public async Task SyncFields_CrmChangedBetweenReadAndWrite_ReReadsAndMergesAgain()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", stage: LifecycleStages.Opportunity, value: 100m);
        h.Salesforce.Put(OppId, "Proposal", 100m);
        await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");
        await h.EditLeadAsync("lead-1", l => l with { ExpectedValue = 120m });

        // A CRM user edits the close date right after the engine read the record: the conditional update is
        // refused, the engine reads again and now carries both changes.
        var once = 0;
        h.Salesforce.AfterGet = id =>
        {
            if (Interlocked.Increment(ref once) == 1)
            {
                h.Salesforce.Edit(id, r => r with { CloseDate = new DateOnly(2027, 1, 31) });
            }
        };

        var result = await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");

        Assert.True(result.Success, result.Error);
        Assert.Equal(120m, h.Salesforce.Get(OppId).Amount);
        Assert.Equal(new DateOnly(2027, 1, 31), (await h.GetLeadAsync("lead-1")).ExpectedCloseDate);
        Assert.Equal(2, h.Salesforce.Updates.Count(u => u.Fields.ContainsKey(CrmFields.Amount)));
    }

    [Fact]
    public async Task SyncFields_HostEditsLeadDuringSync_HostEditIsKept()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", stage: LifecycleStages.Opportunity, value: 100m);
        h.Salesforce.Put(OppId, "Proposal", 100m);
        await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");
        h.Salesforce.Edit(OppId, r => r with { Amount = 150m });

        // The host writes the lead's close date while the engine is between its read and its write.
        var once = 0;
        h.Salesforce.AfterGet = _ =>
        {
            if (Interlocked.Increment(ref once) == 1)
            {
                h.EditLeadAsync("lead-1", l => l with { ExpectedCloseDate = new DateOnly(2026, 12, 24) }).GetAwaiter().GetResult();
            }
        };

        var result = await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");

        Assert.True(result.Success, result.Error);
        var lead = await h.GetLeadAsync("lead-1");
        Assert.Equal(150m, lead.ExpectedValue);
        Assert.Equal(new DateOnly(2026, 12, 24), lead.ExpectedCloseDate);
        Assert.Equal(new DateOnly(2026, 12, 24), h.Salesforce.Get(OppId).CloseDate);
    }

    [Fact]
    public async Task PullActivitiesAsync_CreatesLeadEventsOnce()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        h.Salesforce.Put(OppId, "Proposal");
        var when = h.Time.GetUtcNow();
        h.Salesforce.AddActivity(OppId, new CrmActivity { ExternalId = "00T1", ActivityType = "email", Subject = "Follow up", OccurredAt = when.AddDays(-3) });
        h.Salesforce.AddActivity(OppId, new CrmActivity { ExternalId = "00U1", ActivityType = "call", Subject = "Discovery call", OccurredAt = when.AddDays(-2) });

        var result = await h.Sync.PullActivitiesAsync(SyncHarness.UserId, "lead-456");
        var again = await h.Sync.PullActivitiesAsync(SyncHarness.UserId, "lead-456");

        Assert.True(result.Success);
        Assert.Equal(2, result.ActivitiesSynced);
        Assert.Equal(0, again.ActivitiesSynced);
        var events = await h.Leads.GetEventsAsync(SyncHarness.UserId, "lead-456").ToListAsync();
        Assert.Equal(["Follow up", "Discovery call"], events.Select(e => e.Subject));
        Assert.All(events, e => Assert.Equal(CrmProvider.Salesforce, e.Source));
        Assert.Equal(when.AddDays(-2), (await h.GetLeadAsync("lead-456")).LastActivityAt);
        var pulls = (await h.AuditOfAsync("lead-456")).Where(e => e.Operation == CrmAuditOperation.Pull).ToList();
        Assert.Equal(2, pulls.Count);
        Assert.Equal(2, pulls[^1].Details.GetProperty("activities_new").GetInt32());
    }

    [Fact]
    public async Task PullActivitiesAsync_SkipsAriasOwnNotes()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");
        h.Salesforce.Put(OppId, "Proposal");
        h.Salesforce.AddActivity(OppId, new CrmActivity { ExternalId = "069A", ActivityType = "note", Body = "[ARIA] our own summary", OccurredAt = h.Time.GetUtcNow() });
        h.Salesforce.AddActivity(OppId, new CrmActivity { ExternalId = "069B", ActivityType = "note", Body = "Customer mentioned budget concerns", OccurredAt = h.Time.GetUtcNow() });

        var result = await h.Sync.PullActivitiesAsync(SyncHarness.UserId, "lead-1");

        Assert.Equal(1, result.ActivitiesSynced);
        Assert.Equal("Customer mentioned budget concerns", Assert.Single(await h.Leads.GetEventsAsync(SyncHarness.UserId, "lead-1").ToListAsync()).Content);
    }

    [Fact]
    public async Task TriggerManualSyncAsync_ProcessesPendingNotesAndPulls()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456", stage: LifecycleStages.Opportunity);
        h.Salesforce.Put(OppId, "Proposal");
        h.Salesforce.FailNext(new HttpRequestException("connection reset"), "notes");
        await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-456", "Queued note");
        Assert.Empty(h.Salesforce.Notes);

        var result = await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-456");

        Assert.True(result.Success, result.Error);
        Assert.Equal("[ARIA] Queued note", Assert.Single(h.Salesforce.Notes).Text);
        Assert.Equal(SyncStatus.Synced, result.Status);
    }

    [Fact]
    public async Task ScheduleRetryAsync_AfterRateLimit_IncrementsRetryCountAndGoesPending()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-456");
        h.Salesforce.Put(OppId, "Proposal");
        h.Salesforce.FailNext(new CrmRateLimitedException(CrmProvider.Salesforce, TimeSpan.FromMinutes(10)), "get");
        await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-456");
        await SetRetryCountAsync(h, "lead-456", 2);

        var result = await h.Sync.ScheduleRetryAsync("lead-456", TimeSpan.FromMinutes(10));

        Assert.True(result.Success);
        Assert.Equal(3, result.RetryCount);
        Assert.Equal(SyncStatus.Pending, result.Status);
        Assert.True(result.NextAttemptAt >= h.Time.GetUtcNow().AddMinutes(10));
        Assert.Contains(await h.AuditOfAsync("lead-456"), e => e.Operation == CrmAuditOperation.Retry && e.Details.GetProperty("retry_count").GetInt32() == 3);
    }

    [Fact]
    public async Task ScheduleRetryAsync_LeadNotInError_IsRefusedAndNothingCounted()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");
        h.Salesforce.Put(OppId, "Proposal");
        Assert.True((await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1")).Success);

        var result = await h.Sync.ScheduleRetryAsync("lead-1");

        Assert.False(result.Success);
        Assert.Equal(SyncStatus.Synced, result.Status);
        var state = (await h.States.GetAsync("lead-1"))!;
        Assert.Equal((SyncStatus.Synced, 0, (DateTimeOffset?)null), (state.Status, state.RetryCount, state.NextAttemptAt));
        Assert.DoesNotContain(await h.AuditOfAsync("lead-1"), e => e.Operation == CrmAuditOperation.Retry);
    }

    [Fact]
    public async Task Operations_OnAnUnlinkedOrDeletedLead_AreAuditedAsErrors()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");
        h.Salesforce.Put(OppId, "Proposal");
        Assert.True((await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1")).Success);
        await h.EditLeadAsync("lead-1", l => l with { CrmId = null });

        var unlinked = await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-1");

        Assert.Equal("Lead not linked to CRM", unlinked.Error);
        var error = Assert.Single(await h.AuditOfAsync("lead-1"), e => e.Operation == CrmAuditOperation.Error);
        Assert.Equal((false, "Lead not linked to CRM", CrmProvider.Salesforce), (error.Success, error.ErrorMessage, error.Provider));
        Assert.Equal("pull", error.Details.GetProperty("operation").GetString());

        // A lead the host deleted: its sync state still names the CRM it was linked to.
        await h.States.InsertAsync(new CrmSyncState { Id = "s-gone", LeadMemoryId = "lead-gone", UserId = SyncHarness.UserId, Provider = CrmProvider.HubSpot, CrmId = "123", Status = SyncStatus.Synced, CreatedAt = h.Time.GetUtcNow(), UpdatedAt = h.Time.GetUtcNow() });
        var missing = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-gone", "Call went well");

        Assert.Equal(CrmSyncNotFoundException.ErrorCode, missing.ErrorCode);
        var gone = Assert.Single(await h.AuditOfAsync("lead-gone"));
        Assert.Equal((CrmAuditOperation.Error, CrmProvider.HubSpot, "push_note"), (gone.Operation, gone.Provider, gone.Details.GetProperty("operation").GetString()));
        Assert.True((await h.Audit.VerifyAsync(SyncHarness.UserId)).IsValid);
    }

    [Fact]
    public async Task ScheduleRetryAsync_NoState_FailsWithSeedMessage()
    {
        await using var h = new SyncHarness();
        var result = await h.Sync.ScheduleRetryAsync("lead-x");
        Assert.False(result.Success);
        Assert.Equal("No sync state found", result.Error);
    }

    [Fact]
    public async Task ScheduleRetryAsync_AtMaxRetries_IsRefused()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");
        h.Salesforce.Put(OppId, "Proposal");
        h.Salesforce.FailNext(new HttpRequestException("down"), "get");
        await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-1");
        await SetRetryCountAsync(h, "lead-1", 5);

        var result = await h.Sync.ScheduleRetryAsync("lead-1");

        Assert.False(result.Success);
        Assert.Equal("Max retries exceeded", result.Error);
        Assert.Equal(5, result.RetryCount);
        Assert.Equal(SyncStatus.Error, (await h.States.GetAsync("lead-1"))!.Status);
    }

    [Fact]
    public void ShouldRetry_RespectsMaxRetries()
    {
        var policy = new Aria.CrmSync.Sync.RetryPolicy(new CrmSyncOptions());
        Assert.False(policy.ShouldRetry(5));
        Assert.True(policy.ShouldRetry(2));
        Assert.True(policy.ShouldRetry(4));
    }

    [Fact]
    public async Task ProcessDueRetriesAsync_PersistentOutage_StopsAfterFiveRetriesAndReportsDeadLetter()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");
        await h.AddLeadAsync("lead-2", crmId: "006000000000002AAA");
        h.Salesforce.Put(OppId, "Proposal");
        h.Salesforce.Put("006000000000002AAA", "Proposal");
        h.Salesforce.FailNext(new HttpRequestException("503 Service Unavailable"), "get", times: 100);

        var first = await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-1");
        Assert.False(first.Success);
        var delays = new List<TimeSpan>();
        for (var i = 0; i < 10; i++)
        {
            var state = (await h.States.GetAsync("lead-1"))!;
            if (state.NextAttemptAt is null)
            {
                break;
            }

            delays.Add(state.NextAttemptAt.Value - h.Time.GetUtcNow());
            h.Time.SetUtcNow(state.NextAttemptAt.Value);
            await h.Sync.ProcessDueRetriesAsync();
        }

        var final = (await h.States.GetAsync("lead-1"))!;
        Assert.Equal(SyncStatus.Error, final.Status);
        Assert.Equal(5, final.RetryCount);
        Assert.Null(final.NextAttemptAt);
        Assert.Equal(5, delays.Count);
        Assert.Equal([30, 60, 120, 240, 480], delays.Select(d => (int)d.TotalSeconds));
        var audit = await h.AuditOfAsync("lead-1");
        Assert.Equal(5, audit.Count(e => e.Operation == CrmAuditOperation.Retry));
        Assert.Equal(6, audit.Count(e => e.Operation == CrmAuditOperation.Error));
        Assert.True(audit.First(e => e.Operation == CrmAuditOperation.Error).Details.GetProperty("dead_lettered").GetBoolean());

        // Nothing is retried automatically any more...
        h.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, (await h.Sync.ProcessDueRetriesAsync()).Attempted);

        // ...and the other lead was never blocked.
        var other = await h.Sync.ScheduleRetryAsync("lead-2");
        Assert.False(other.Success); // it never failed: no error state to retry
    }

    [Fact]
    public async Task TriggerManualSyncAsync_DeadLetteredLead_IsRetriedByAPerson()
    {
        await using var h = new SyncHarness(o => o.MaxRetries = 1);
        await h.AddLeadAsync("lead-1");
        h.Salesforce.Put(OppId, "Proposal");
        h.Salesforce.FailNext(new HttpRequestException("down"), "get", times: 2);
        await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-1");
        h.Time.Advance(TimeSpan.FromHours(1));
        await h.Sync.ProcessDueRetriesAsync();
        Assert.Null((await h.States.GetAsync("lead-1"))!.NextAttemptAt);

        var result = await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");

        Assert.True(result.Success, result.Error);
        Assert.Equal(SyncStatus.Synced, result.Status);
        Assert.Equal(0, result.RetryCount);
    }

    [Fact]
    public async Task RateLimited_RetryAfterIsHonoured()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");
        h.Salesforce.Put(OppId, "Proposal");
        h.Salesforce.FailNext(new CrmRateLimitedException(CrmProvider.Salesforce, TimeSpan.FromHours(3), CrmRateLimitScope.Daily), "get");

        var result = await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-1");

        Assert.Equal("CRM_RATE_LIMITED", result.ErrorCode);
        Assert.Equal(h.Time.GetUtcNow().AddHours(3), result.NextAttemptAt);
    }

    [Fact]
    public async Task MarkLeadChangedAsync_SyncedLead_GoesPendingWithTheFields()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", value: 10m);

        var state = await h.Sync.MarkLeadChangedAsync(SyncHarness.UserId, "lead-1", [LeadFields.ExpectedValue]);

        Assert.Equal(SyncStatus.Pending, state.Status);
        var change = Assert.Single(state.PendingChanges);
        Assert.Equal("10", change.Value);
    }

    [Fact]
    public async Task ConnectionMissing_FailsAsConnectionErrorAndIsAudited()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", userId: "someone-else");

        var result = await h.Sync.PullStageChangesAsync("someone-else", "lead-1");

        Assert.False(result.Success);
        Assert.Equal("CRM_CONNECTION_ERROR", result.ErrorCode);
        var entry = Assert.Single(await h.Audit.QueryAuditLogAsync(new AuditQuery { UserId = "someone-else" }));
        Assert.Equal(CrmAuditOperation.Error, entry.Operation);
    }

    [Fact]
    public async Task LeadOfAnotherUser_IsNotFound()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");

        var result = await h.Sync.PullStageChangesAsync("intruder", "lead-1");

        Assert.False(result.Success);
        Assert.Equal("NOT_FOUND", result.ErrorCode);
    }

    [Fact]
    public async Task CrmRecordDeleted_FailsWithNotFound()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1");

        var result = await h.Sync.PullStageChangesAsync(SyncHarness.UserId, "lead-1");

        Assert.False(result.Success);
        Assert.Equal("NOT_FOUND", result.ErrorCode);
        Assert.Equal(SyncStatus.Error, result.Status);
    }

    private static async Task SetRetryCountAsync(SyncHarness h, string leadId, int count)
    {
        var state = (await h.States.GetAsync(leadId))!;
        await h.States.UpdateAsync(state with { RetryCount = count });
    }

    /// <summary>A linked lead agreed at 100; then the lead says 110 and the opportunity 90 (a conflict on the value).</summary>
    private static async Task BothSidesChangeTheValueAsync(SyncHarness h)
    {
        await h.AddLeadAsync("lead-1", stage: LifecycleStages.Opportunity, value: 100m);
        h.Salesforce.Put(OppId, "Proposal", 100m);
        await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");
        await h.EditLeadAsync("lead-1", l => l with { ExpectedValue = 110m });
        h.Salesforce.Edit(OppId, r => r with { Amount = 90m });
    }
}
