using System.Globalization;
using System.Text.Json;
using Aria.CrmSync.Serialization;
using Aria.CrmSync.Sync;
using Aria.CrmSync.Tests.TestSupport;

namespace Aria.CrmSync.Tests.Sync;

public class SyncStateRetentionTests
{
    private const string OppId = "006000000000001AAA";

    [Fact]
    public async Task ThousandNotesAndHundredResolvedConflicts_StateStaysUnder4KB_AuditKeepsEverything()
    {
        await using var h = new SyncHarness(o => o.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.Manual);
        await h.AddLeadAsync("lead-1", stage: LifecycleStages.Opportunity, value: 100m);
        h.Salesforce.Put(OppId, "Proposal", 100m);
        Assert.True((await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1")).Success);

        for (var i = 0; i < 1_000; i++)
        {
            var pushed = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", $"Call {i}: " + new string('x', 2_000));
            Assert.True(pushed.Success, pushed.Error);
        }

        for (var i = 0; i < 100; i++)
        {
            await h.EditLeadAsync("lead-1", l => l with { ExpectedValue = 1_000m + (2 * i) });
            h.Salesforce.Edit(OppId, r => r with { Amount = 1_001m + (2 * i) });
            var synced = await h.Sync.TriggerManualSyncAsync(SyncHarness.UserId, "lead-1");
            Assert.True(Assert.Single(synced.Conflicts).IsOpen);
            Assert.True((await h.Sync.ResolveConflictAsync(SyncHarness.UserId, "lead-1", LeadFields.ExpectedValue, ConflictResolution.CrmWins)).Success);
        }

        var state = (await h.States.GetAsync("lead-1"))!;
        var size = JsonSerializer.SerializeToUtf8Bytes(state, CrmSyncJson.Options).Length;
        Assert.True(size < 4_096, $"the serialised state has {size} bytes");
        Assert.Equal(8, state.Outbox.Count);
        Assert.All(state.Outbox, o => Assert.Equal((OutboxItemStatus.Done, string.Empty), (o.Status, o.Text)));
        Assert.Equal(5, state.ConflictLog.Count);
        Assert.Equal(1_000, h.Salesforce.Notes.Count);
        var audit = await h.AuditOfAsync("lead-1");
        Assert.Equal(1_000, audit.Count(e => e.Operation == CrmAuditOperation.Push && e.Details.TryGetProperty("note_id", out _)));
        Assert.Equal(100, audit.Count(e => e.Operation == CrmAuditOperation.ConflictResolved));
    }

    [Fact]
    public async Task PushAgain_KeyOfAKeptDelivery_AnsweredFromState_PrunedKey_LooksInTheCrmFirst()
    {
        await using var h = new SyncHarness(o => o.DeliveredNotesKept = 2);
        await h.AddLeadAsync("lead-1");
        h.Salesforce.Put(OppId, "Proposal");
        foreach (var key in new[] { "k-1", "k-2", "k-3" })
        {
            Assert.True((await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", "Note " + key, key)).Success);
        }

        var state = (await h.States.GetAsync("lead-1"))!;
        Assert.Equal(["k-2", "k-3"], state.Outbox.Select(o => o.IdempotencyKey).Order());

        var kept = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", "Note k-3", "k-3");
        var pruned = await h.Sync.PushSummaryAsync(SyncHarness.UserId, "lead-1", "Note k-1", "k-1");

        Assert.True(kept.Success && pruned.Success);
        Assert.Equal(3, h.Salesforce.Notes.Count); // neither was written twice
        Assert.Equal(h.Salesforce.Notes.Single(n => n.Key == "k-1").Id, pruned.NoteId);
    }

    [Fact]
    public void StoredStateOfTheCurrentRelease_LoadsAndIsCompactedOnItsNextWrite()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var outbox = string.Join(",", Enumerable.Range(0, 40).Select(i => $$"""{"idempotency_key":"k-{{i}}","kind":"note","text":"[ARIA] {{new string('n', 500)}}","status":"done","attempts":1,"crm_object_id":"note-{{i}}","last_error":null,"created_at":"{{t0.AddMinutes(i).ToString("O", CultureInfo.InvariantCulture)}}","last_attempt_at":"{{t0.AddMinutes(i).ToString("O", CultureInfo.InvariantCulture)}}"}"""));
        var conflicts = string.Join(",", Enumerable.Range(0, 30).Select(i => $$"""{"field":"expected_value","aria_value":"{{i}}","crm_value":"{{i + 1}}","base_value":null,"resolution":"crm_wins","resolved_value":"{{i + 1}}","detected_at":"{{t0.AddMinutes(i).ToString("O", CultureInfo.InvariantCulture)}}","resolved_at":"{{t0.AddMinutes(i).ToString("O", CultureInfo.InvariantCulture)}}"}"""));
        var json = $$"""{"id":"s-1","lead_memory_id":"lead-1","status":"synced","conflict_log":[{{conflicts}}],"outbox":[{{outbox}}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}""";

        var stored = JsonSerializer.Deserialize<CrmSyncState>(json, CrmSyncJson.Options)!;
        var compacted = stored with
        {
            Outbox = SyncStateRetention.CompactOutbox(stored.Outbox, 8),
            ConflictLog = SyncStateRetention.CompactConflictLog(stored.ConflictLog, 5),
        };

        Assert.Equal(40, stored.Outbox.Count);
        Assert.Equal(Enumerable.Range(32, 8).Select(i => $"k-{i}"), compacted.Outbox.Select(o => o.IdempotencyKey));
        Assert.All(compacted.Outbox, o => Assert.Empty(o.Text));
        Assert.Equal(["25", "26", "27", "28", "29"], compacted.ConflictLog.Select(c => c.AriaValue));
        Assert.DoesNotContain("may_exist", JsonSerializer.Serialize(compacted, CrmSyncJson.Options), StringComparison.Ordinal);
    }

    [Fact]
    public void CompactConflictLog_KeepsEveryOpenConflict()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var log = Enumerable.Range(0, 10).Select(i => new SyncConflict
        {
            Field = "f" + i,
            Resolution = ConflictResolution.Manual,
            DetectedAt = t0.AddMinutes(i),
            ResolvedAt = i % 2 == 0 ? t0.AddMinutes(i + 1) : null,
        }).ToList();

        var kept = SyncStateRetention.CompactConflictLog(log, 1);

        Assert.Equal(["f1", "f3", "f5", "f7", "f8", "f9"], kept.Select(c => c.Field));
    }
}
