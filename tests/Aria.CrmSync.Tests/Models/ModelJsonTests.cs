using System.Text.Json;
using System.Text.Json.Nodes;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Tests.Models;

/// <summary>Seed plan: test_crm_sync_models.py, plus JSON compatibility with the seed's to_dict/from_dict.</summary>
public class ModelJsonTests
{
    private static readonly DateTimeOffset Now = new(2026, 2, 4, 10, 30, 15, 123, TimeSpan.Zero);

    [Fact]
    public void CrmSyncState_Initialization_KeepsValues()
    {
        var state = new CrmSyncState { Id = "sync-123", LeadMemoryId = "lead-456", Status = SyncStatus.Synced, LastSyncAt = Now, CreatedAt = Now, UpdatedAt = Now };

        Assert.Equal("sync-123", state.Id);
        Assert.Equal("lead-456", state.LeadMemoryId);
        Assert.Equal(SyncStatus.Synced, state.Status);
        Assert.Equal(0, state.RetryCount);
        Assert.Empty(state.PendingChanges);
        Assert.Empty(state.ConflictLog);
    }

    [Fact]
    public void CrmSyncState_ToJson_HasSeedNamesAndValues()
    {
        var state = new CrmSyncState
        {
            Id = "sync-123",
            LeadMemoryId = "lead-456",
            Status = SyncStatus.Pending,
            LastSyncAt = Now,
            PendingChanges = [new PendingChange { Field = "stage", Value = "opportunity" }],
            CreatedAt = Now,
            UpdatedAt = Now,
        };

        var json = JsonNode.Parse(CrmSyncJson.Serialize(state))!.AsObject();

        Assert.Equal("sync-123", (string?)json["id"]);
        Assert.Equal("pending", (string?)json["status"]);
        Assert.Single(json["pending_changes"]!.AsArray());
        Assert.Equal("opportunity", (string?)json["pending_changes"]![0]!["value"]);
        foreach (var seedKey in new[] { "id", "lead_memory_id", "status", "sync_direction", "last_sync_at", "last_push_at", "last_pull_at", "pending_changes", "conflict_log", "error_message", "retry_count", "created_at", "updated_at" })
        {
            Assert.True(json.ContainsKey(seedKey), $"missing seed key {seedKey}");
        }

        Assert.Equal(Now, DateTimeOffset.Parse((string)json["last_sync_at"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void CrmSyncState_FromSeedJson_ParsesPythonIsoformatAndDefaultsMissingFields()
    {
        // What the seed's CRMSyncState.to_dict() produces (Python isoformat, microseconds, +00:00).
        const string seedJson = """
            {"id": "sync-123", "lead_memory_id": "lead-456", "status": "error", "sync_direction": "bidirectional",
             "last_sync_at": "2026-02-04T10:30:15.123456+00:00", "last_push_at": null, "last_pull_at": null,
             "pending_changes": [{"field": "stage", "new_value": "opportunity"}], "conflict_log": [],
             "error_message": "API rate limit exceeded", "retry_count": 2,
             "created_at": "2026-02-04T10:30:15.123456+00:00", "updated_at": "2026-02-04T10:30:15.123456+00:00"}
            """;

        var state = CrmSyncJson.Deserialize<CrmSyncState>(seedJson);

        Assert.Equal(SyncStatus.Error, state.Status);
        Assert.Equal(SyncDirection.Bidirectional, state.SyncDirection);
        Assert.Equal(2, state.RetryCount);
        Assert.Equal("API rate limit exceeded", state.ErrorMessage);
        Assert.Equal(new DateTimeOffset(2026, 2, 4, 10, 30, 15, TimeSpan.Zero).AddTicks(1234560), state.LastSyncAt);
        Assert.Equal("stage", state.PendingChanges[0].Field);
        Assert.Equal("opportunity", state.PendingChanges[0].Extra!["new_value"].GetString());
        Assert.Null(state.UserId);
        Assert.Equal(0, state.Version);
        Assert.Empty(state.Outbox);

        // ...and writes the unknown key back unchanged.
        var again = JsonNode.Parse(CrmSyncJson.Serialize(state))!;
        Assert.Equal("opportunity", (string?)again["pending_changes"]![0]!["new_value"]);
    }

    [Fact]
    public void CrmSyncState_MinimalSeedRow_Parses()
    {
        // The seed's insert response for create_sync_state (no lists, no retry_count).
        var state = CrmSyncJson.Deserialize<CrmSyncState>("""{"id":"sync-new","lead_memory_id":"lead-789","status":"synced","created_at":"2026-02-04T10:30:15+00:00","updated_at":"2026-02-04T10:30:15+00:00"}""");
        Assert.Equal("lead-789", state.LeadMemoryId);
        Assert.Equal(SyncStatus.Synced, state.Status);
        Assert.Empty(state.PendingChanges);
    }

    [Fact]
    public void CrmSyncState_RoundTrip_PreservesEveryField()
    {
        var state = new CrmSyncState
        {
            Id = "s1",
            LeadMemoryId = "l1",
            UserId = "u1",
            Provider = CrmProvider.HubSpot,
            CrmId = "123",
            Status = SyncStatus.Conflict,
            SyncDirection = SyncDirection.Pull,
            LastSyncAt = Now,
            LastPushAt = Now.AddMinutes(-1),
            LastPullAt = Now,
            ConflictLog = [new SyncConflict { Field = "expected_value", AriaValue = "100000", CrmValue = "150000", Resolution = ConflictResolution.Manual, DetectedAt = Now }],
            ErrorMessage = "x",
            RetryCount = 3,
            NextAttemptAt = Now.AddMinutes(5),
            Version = 7,
            BaseSnapshot = new Dictionary<string, string?> { ["expected_value"] = "90000", ["status"] = null },
            Outbox = [new OutboxItem { IdempotencyKey = "k", Text = "[ARIA] hi", Status = OutboxItemStatus.InFlight, Attempts = 2, CreatedAt = Now }],
            CreatedAt = Now,
            UpdatedAt = Now,
        };

        var copy = CrmSyncJson.Deserialize<CrmSyncState>(CrmSyncJson.Serialize(state));

        Assert.Equal(CrmSyncJson.Serialize(state), CrmSyncJson.Serialize(copy));
        Assert.Equal(state.BaseSnapshot, copy.BaseSnapshot);
        Assert.Equal(OutboxItemStatus.InFlight, copy.Outbox[0].Status);
        Assert.Equal(ConflictResolution.Manual, copy.ConflictLog[0].Resolution);
        Assert.True(copy.ConflictLog[0].IsOpen);
        Assert.Equal(7, copy.Version);
    }

    [Fact]
    public void CrmSyncState_UnknownStatus_IsRejectedWithClearError()
    {
        var ex = Assert.Throws<JsonException>(() => CrmSyncJson.Deserialize<CrmSyncState>("""{"id":"s","lead_memory_id":"l","status":"archived","created_at":"2026-02-04T10:30:15+00:00","updated_at":"2026-02-04T10:30:15+00:00"}"""));
        Assert.Contains("'archived' is not a valid SyncStatus", ex.Message);
    }

    [Fact]
    public void CrmSyncState_MissingRequiredMember_IsRejected()
        => Assert.Throws<JsonException>(() => CrmSyncJson.Deserialize<CrmSyncState>("""{"id":"s","status":"synced","created_at":"2026-02-04T10:30:15+00:00","updated_at":"2026-02-04T10:30:15+00:00"}"""));

    [Fact]
    public void SyncConflict_Initialization_AndSeedDictShape()
    {
        var conflict = new SyncConflict { Field = "lifecycle_stage", AriaValue = "opportunity", CrmValue = "prospect", Resolution = ConflictResolution.CrmWins, ResolvedValue = "prospect", DetectedAt = Now };
        Assert.Equal("lifecycle_stage", conflict.Field);
        Assert.Equal(ConflictResolution.CrmWins, conflict.Resolution);

        var json = JsonNode.Parse(CrmSyncJson.Serialize(conflict))!.AsObject();
        Assert.Equal("crm_wins", (string?)json["resolution"]);
        Assert.Null(json["resolved_at"]);
        Assert.True(json.ContainsKey("resolved_at"));
        Assert.Equal(["field", "aria_value", "crm_value", "base_value", "resolution", "resolved_value", "detected_at", "resolved_at"], json.Select(p => p.Key));
    }

    [Fact]
    public void SyncConflict_FromSeedJsonWithNumbers_ReadsCanonicalText()
    {
        var conflict = CrmSyncJson.Deserialize<SyncConflict>("""{"field":"expected_value","aria_value":100000,"crm_value":150000.50,"resolution":"crm_wins","resolved_value":150000.5,"detected_at":"2026-02-04T10:30:15+00:00","resolved_at":null}""");
        Assert.Equal("100000", conflict.AriaValue);
        Assert.Equal("150000.5", conflict.CrmValue);
        Assert.Equal("150000.5", conflict.ResolvedValue);
    }

    [Fact]
    public void CrmRecord_Initialization_AndSeedDictShape()
    {
        var record = new CrmRecord
        {
            CrmId = "sf-opp-123",
            Provider = CrmProvider.Salesforce,
            Name = "Acme Corp",
            Stage = "Proposal",
            Amount = 250000.0m,
            CloseDate = new DateOnly(2026, 6, 30),
            Notes = ["[ARIA] Previous meeting went well"],
        };

        Assert.Equal("sf-opp-123", record.CrmId);
        Assert.Equal(CrmProvider.Salesforce, record.Provider);
        Assert.Contains("[ARIA]", record.Notes[0]);

        var json = JsonNode.Parse(CrmSyncJson.Serialize(record))!.AsObject();
        Assert.Equal("salesforce", (string?)json["provider"]);
        Assert.Equal("2026-06-30", (string?)json["close_date"]);
        Assert.Equal(250000.0m, json["amount"]!.GetValue<decimal>());
        foreach (var seedKey in new[] { "crm_id", "provider", "name", "stage", "amount", "close_date", "notes", "activities", "contacts", "metadata" })
        {
            Assert.True(json.ContainsKey(seedKey), $"missing seed key {seedKey}");
        }
    }

    [Fact]
    public void CrmRecord_FromSeedJson_WithContactsAndMetadata()
    {
        var record = CrmSyncJson.Deserialize<CrmRecord>("""{"crm_id":"1","provider":"hubspot","name":"n","stage":"closedwon","amount":1.5,"close_date":"2026-06-30","notes":[],"activities":[],"contacts":[{"email":"a@b.c","score":3}],"metadata":{"pipeline":"default","probability":0.9}}""");
        Assert.Equal(CrmProvider.HubSpot, record.Provider);
        Assert.Equal("3", record.Contacts[0]["score"]);
        Assert.Equal("0.9", record.Metadata["probability"]);
    }

    [Fact]
    public void CrmAuditEntry_Initialization_AndJsonShape()
    {
        var entry = new CrmAuditEntry
        {
            Id = "a1",
            UserId = "user-123",
            LeadMemoryId = "lead-456",
            Operation = CrmAuditOperation.ConflictDetected,
            Provider = CrmProvider.HubSpot,
            Success = false,
            Details = JsonDocument.Parse("""{"conflicting_field":"stage"}""").RootElement,
            CreatedAt = Now,
        };

        Assert.Equal("user-123", entry.UserId);
        Assert.Equal(CrmAuditOperation.ConflictDetected, entry.Operation);
        Assert.False(entry.Success);

        var json = JsonNode.Parse(CrmSyncJson.Serialize(entry))!.AsObject();
        Assert.Equal("conflict_detected", (string?)json["operation"]);
        Assert.Equal("hubspot", (string?)json["provider"]);
        Assert.False((bool)json["success"]!);
        Assert.Equal("stage", (string?)json["details"]!["conflicting_field"]);
    }

    [Fact]
    public void LeadMemory_FromSeedRow_RoundTrips()
    {
        const string seedLead = """
            {"id": "lead-456", "user_id": "user-123", "company_name": "Acme Corp", "crm_id": "sf-opp-789", "crm_provider": "salesforce",
             "lifecycle_stage": "lead", "status": "active", "health_score": 50, "metadata": {"trigger": "manual"},
             "first_touch_at": "2026-02-04T10:30:15+00:00", "last_activity_at": "2026-02-04T10:30:15+00:00",
             "created_at": "2026-02-04T10:30:15+00:00", "updated_at": "2026-02-04T10:30:15+00:00"}
            """;

        var lead = CrmSyncJson.Deserialize<LeadMemory>(seedLead);

        Assert.Equal(CrmProvider.Salesforce, lead.CrmProvider);
        Assert.True(lead.IsLinked);
        Assert.Equal(50, lead.HealthScore);
        Assert.Equal("manual", lead.Metadata["trigger"]);
        var again = CrmSyncJson.Deserialize<LeadMemory>(CrmSyncJson.Serialize(lead));
        Assert.Equal(CrmSyncJson.Serialize(lead), CrmSyncJson.Serialize(again));
    }

    [Fact]
    public void LeadEvent_RoundTrips()
    {
        var e = new LeadEvent { Id = "e1", UserId = "u", LeadMemoryId = "l", EventType = "call", Subject = "Discovery call", OccurredAt = Now, Source = CrmProvider.HubSpot, ExternalId = "987", CreatedAt = Now };
        var copy = CrmSyncJson.Deserialize<LeadEvent>(CrmSyncJson.Serialize(e));
        Assert.Equal(e.ExternalId, copy.ExternalId);
        Assert.Equal(CrmProvider.HubSpot, copy.Source);
        Assert.Equal(Now, copy.OccurredAt);
    }
}
