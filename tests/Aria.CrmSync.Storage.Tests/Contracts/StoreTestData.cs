using System.Text.Json;

namespace Aria.CrmSync.Storage.Tests.Contracts;

/// <summary>Builders of realistic records for the store contract suites.</summary>
public static class StoreTestData
{
    public static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 2, 4, 9, 0, 0, 123, TimeSpan.Zero).AddTicks(4560);

    public static CrmSyncState State(string leadId, string userId = "user-1", SyncStatus status = SyncStatus.Synced) => new()
    {
        Id = "sync-" + leadId,
        LeadMemoryId = leadId,
        UserId = userId,
        Provider = CrmProvider.Salesforce,
        CrmId = "006000000000001AAA",
        Status = status,
        CreatedAt = T0,
        UpdatedAt = T0,
    };

    public static CrmSyncState Rich(string leadId) => State(leadId) with
    {
        Status = SyncStatus.Conflict,
        SyncDirection = SyncDirection.Bidirectional,
        LastSyncAt = T0.AddMinutes(1),
        LastPushAt = T0.AddMinutes(2),
        LastPullAt = T0.AddMinutes(3),
        PendingChanges = [new PendingChange { Field = "expected_value", Value = "120000.5", ChangedAt = T0 }],
        ConflictLog =
        [
            new SyncConflict { Field = "lifecycle_stage", AriaValue = "opportunity", CrmValue = "lead", BaseValue = null, Resolution = ConflictResolution.Manual, DetectedAt = T0 },
            new SyncConflict { Field = "expected_value", AriaValue = "1", CrmValue = "2", BaseValue = "0", Resolution = ConflictResolution.CrmWins, ResolvedValue = "2", DetectedAt = T0, ResolvedAt = T0.AddSeconds(1) },
        ],
        ErrorMessage = "Ünïcödé 😀 'quotes' \"double\"",
        RetryCount = 3,
        NextAttemptAt = T0.AddMinutes(10),
        CrmLastModifiedAt = T0.AddSeconds(7).AddMilliseconds(123),
        BaseSnapshot = new Dictionary<string, string?> { ["expected_value"] = "100000", ["status"] = "active", ["expected_close_date"] = null },
        Outbox = [new OutboxItem { IdempotencyKey = "aria-abc", Text = "[ARIA] Budget confirmed", Status = OutboxItemStatus.InFlight, Attempts = 2, CreatedAt = T0, LastAttemptAt = T0.AddSeconds(5), LastError = "timeout" }],
    };

    public static CrmAuditEntry Draft(string userId, string? leadId = "lead-1", CrmAuditOperation operation = CrmAuditOperation.Pull, CrmProvider? provider = null, bool success = true, DateTimeOffset? at = null, string? error = null, string detailsJson = """{"fields_updated":["lifecycle_stage"],"n":1}""")
        => new()
        {
            Id = Guid.NewGuid().ToString(),
            UserId = userId,
            LeadMemoryId = leadId,
            Operation = operation,
            Provider = provider ?? CrmProvider.Salesforce,
            Success = success,
            Details = JsonDocument.Parse(detailsJson).RootElement.Clone(),
            ErrorMessage = error,
            CreatedAt = at ?? T0,
        };

    public static LeadMemory Lead(string id, string userId = "user-1", CrmProvider? provider = null, string? crmId = "12345", bool unlinked = false) => new()
    {
        Id = id,
        UserId = userId,
        CompanyName = "Acme, Inc. — ÆØÅ",
        CrmProvider = unlinked ? null : provider ?? CrmProvider.HubSpot,
        CrmId = crmId,
        LifecycleStage = LifecycleStages.Opportunity,
        Status = LeadStatuses.Active,
        ExpectedValue = 250000.75m,
        ExpectedCloseDate = new DateOnly(2026, 6, 30),
        HealthScore = 72,
        Metadata = new Dictionary<string, string?> { ["trigger"] = "manual", ["empty"] = null },
        Stakeholders =
        [
            new CrmContact { Id = "003000000000001AAA", Name = "Zoë Ñúñez", Email = "zoe@example.com", Title = "CFO", Role = "Economic Buyer", IsPrimary = true },
            new CrmContact { Id = "003000000000002AAA" },
        ],
        CustomFields = new Dictionary<string, string?> { ["region"] = "EMEA", ["seats"] = "250", ["next_step"] = null },
        FirstTouchAt = T0,
        LastActivityAt = T0.AddDays(1),
        CreatedAt = T0,
        UpdatedAt = T0,
    };

    public static LeadEvent Event(string leadId, string externalId, DateTimeOffset occurredAt, string userId = "user-1", CrmProvider? source = null) => new()
    {
        Id = $"evt-{leadId}-{source ?? CrmProvider.HubSpot}-{externalId}",
        UserId = userId,
        LeadMemoryId = leadId,
        EventType = "call",
        Direction = "outbound",
        Subject = "Discovery call",
        Content = "Talked about budget",
        OccurredAt = occurredAt,
        Source = source ?? CrmProvider.HubSpot,
        ExternalId = externalId,
        Metadata = new Dictionary<string, string?> { ["status"] = "COMPLETED" },
        CreatedAt = T0,
    };

    public static string Json<T>(T value) => Serialization.CrmSyncJson.Serialize(value);
}
