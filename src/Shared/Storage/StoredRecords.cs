using System.Data.Common;
using System.Text;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Storage;

/// <summary>
/// The tables, column lists and row mappings shared by the relational stores. Every <c>SELECT</c> lists the columns in
/// the order of the <c>*Columns</c> constant; every write binds parameters named <c>@column</c>.
/// </summary>
internal static class StoredRecords
{
    public const string SyncStateTable = "lead_memory_crm_sync";
    public const string AuditTable = "crm_audit_log";
    public const string CursorTable = "crm_sync_cursors";
    public const string LeaseTable = "crm_sync_leases";
    public const string LeadTable = "crm_sync_lead_memories";
    public const string EventTable = "crm_sync_lead_events";
    public const string MigrationTable = "crm_sync_migrations";

    public const string SyncStateColumns = "id, lead_memory_id, user_id, provider, crm_id, status, sync_direction, last_sync_at, last_push_at, last_pull_at, pending_changes, conflict_log, error_message, retry_count, next_attempt_at, base_snapshot, outbox, version, created_at, updated_at, crm_last_modified_at";

    /// <summary>The parameters of <see cref="SyncStateColumns"/> except <c>version</c>, which each statement sets itself.</summary>
    public const string SyncStateValues = "@id, @lead_memory_id, @user_id, @provider, @crm_id, @status, @sync_direction, @last_sync_at, @last_push_at, @last_pull_at, @pending_changes, @conflict_log, @error_message, @retry_count, @next_attempt_at, @base_snapshot, @outbox";

    public const string SyncStateAssignments = "id = @id, user_id = @user_id, provider = @provider, crm_id = @crm_id, status = @status, sync_direction = @sync_direction, last_sync_at = @last_sync_at, last_push_at = @last_push_at, last_pull_at = @last_pull_at, pending_changes = @pending_changes, conflict_log = @conflict_log, error_message = @error_message, retry_count = @retry_count, next_attempt_at = @next_attempt_at, base_snapshot = @base_snapshot, outbox = @outbox, created_at = @created_at, updated_at = @updated_at, crm_last_modified_at = @crm_last_modified_at";

    public const string LeadColumns = "id, user_id, company_name, crm_provider, crm_id, lifecycle_stage, status, expected_value, expected_close_date, health_score, metadata, first_touch_at, last_activity_at, created_at, updated_at, stakeholders, custom_fields, version";

    /// <summary>The parameters of <see cref="LeadColumns"/> except <c>version</c>.</summary>
    public const string LeadValues = "@id, @user_id, @company_name, @crm_provider, @crm_id, @lifecycle_stage, @status, @expected_value, @expected_close_date, @health_score, @metadata, @first_touch_at, @last_activity_at, @created_at, @updated_at, @stakeholders, @custom_fields";

    public const string LeadAssignments = "company_name = @company_name, crm_provider = @crm_provider, crm_id = @crm_id, lifecycle_stage = @lifecycle_stage, status = @status, expected_value = @expected_value, expected_close_date = @expected_close_date, health_score = @health_score, metadata = @metadata, first_touch_at = @first_touch_at, last_activity_at = @last_activity_at, created_at = @created_at, updated_at = @updated_at, stakeholders = @stakeholders, custom_fields = @custom_fields";

    public const string EventColumns = "id, user_id, lead_memory_id, event_type, direction, subject, content, occurred_at, source, external_id, metadata, created_at";

    public const string AuditColumns = "id, user_id, lead_memory_id, operation, provider, success, details, error_message, created_at, sequence, previous_hash, hash";

    public const string CursorColumns = "connection_key, stream, cursor_timestamp, cursor_last_id, updated_at";

    public static CrmSyncState ReadSyncState(DbDataReader reader, StoreDialect dialect)
    {
        var row = StoredRow.Of(reader, dialect, SyncStateTable);
        return new CrmSyncState
        {
            Id = row.Text(0),
            LeadMemoryId = row.Text(1),
            UserId = row.NullableText(2),
            Provider = row.NullableProvider(3),
            CrmId = row.NullableText(4),
            Status = row.Enum<SyncStatus>(5),
            SyncDirection = row.NullableEnum<SyncDirection>(6),
            LastSyncAt = row.NullableTime(7),
            LastPushAt = row.NullableTime(8),
            LastPullAt = row.NullableTime(9),
            PendingChanges = row.JsonList<PendingChange>(10),
            ConflictLog = row.JsonList<SyncConflict>(11),
            ErrorMessage = row.NullableText(12),
            RetryCount = row.NullableInt32(13) ?? 0,
            NextAttemptAt = row.NullableTime(14),
            BaseSnapshot = row.JsonDictionary(15),
            Outbox = row.JsonList<OutboxItem>(16),
            Version = row.Int64(17),
            CreatedAt = row.Time(18),
            UpdatedAt = row.Time(19),
            CrmLastModifiedAt = row.NullableTime(20),
        };
    }

    public static void BindSyncState(DbCommand command, CrmSyncState state, StoreDialect dialect)
    {
        StoreDialect.Add(command, "@id", state.Id);
        StoreDialect.Add(command, "@lead_memory_id", state.LeadMemoryId);
        StoreDialect.Add(command, "@user_id", state.UserId);
        StoreDialect.Add(command, "@provider", Wire(state.Provider));
        StoreDialect.Add(command, "@crm_id", state.CrmId);
        StoreDialect.Add(command, "@status", WireValue.Format(state.Status));
        StoreDialect.Add(command, "@sync_direction", Wire(state.SyncDirection));
        dialect.AddTime(command, "@last_sync_at", state.LastSyncAt);
        dialect.AddTime(command, "@last_push_at", state.LastPushAt);
        dialect.AddTime(command, "@last_pull_at", state.LastPullAt);
        dialect.AddJson(command, "@pending_changes", CrmSyncJson.Serialize(state.PendingChanges));
        dialect.AddJson(command, "@conflict_log", CrmSyncJson.Serialize(state.ConflictLog));
        StoreDialect.Add(command, "@error_message", state.ErrorMessage);
        StoreDialect.Add(command, "@retry_count", state.RetryCount);
        dialect.AddTime(command, "@next_attempt_at", state.NextAttemptAt);
        dialect.AddJson(command, "@base_snapshot", CrmSyncJson.Serialize(state.BaseSnapshot));
        dialect.AddJson(command, "@outbox", CrmSyncJson.Serialize(state.Outbox));
        dialect.AddTime(command, "@created_at", state.CreatedAt);
        dialect.AddTime(command, "@updated_at", state.UpdatedAt);
        dialect.AddTime(command, "@crm_last_modified_at", state.CrmLastModifiedAt);
    }

    public static LeadMemory ReadLead(DbDataReader reader, StoreDialect dialect)
    {
        var row = StoredRow.Of(reader, dialect, LeadTable);
        return new LeadMemory
        {
            Id = row.Text(0),
            UserId = row.Text(1),
            CompanyName = row.Text(2),
            CrmProvider = row.NullableProvider(3),
            CrmId = row.NullableText(4),
            LifecycleStage = row.Text(5),
            Status = row.Text(6),
            ExpectedValue = row.NullableDecimal(7),
            ExpectedCloseDate = row.NullableDate(8),
            HealthScore = row.NullableInt32(9),
            Metadata = row.JsonDictionary(10),
            FirstTouchAt = row.NullableTime(11),
            LastActivityAt = row.NullableTime(12),
            CreatedAt = row.Time(13),
            UpdatedAt = row.Time(14),
            Stakeholders = row.JsonList<CrmContact>(15),
            CustomFields = row.JsonDictionary(16),
            Version = row.Int64(17),
        };
    }

    public static void BindLead(DbCommand command, LeadMemory lead, StoreDialect dialect)
    {
        StoreDialect.Add(command, "@id", lead.Id);
        StoreDialect.Add(command, "@user_id", lead.UserId);
        StoreDialect.Add(command, "@company_name", lead.CompanyName);
        StoreDialect.Add(command, "@crm_provider", Wire(lead.CrmProvider));
        StoreDialect.Add(command, "@crm_id", lead.CrmId);
        StoreDialect.Add(command, "@lifecycle_stage", lead.LifecycleStage);
        StoreDialect.Add(command, "@status", lead.Status);
        dialect.AddDecimal(command, "@expected_value", lead.ExpectedValue);
        dialect.AddDate(command, "@expected_close_date", lead.ExpectedCloseDate);
        StoreDialect.Add(command, "@health_score", lead.HealthScore);
        dialect.AddJson(command, "@metadata", CrmSyncJson.Serialize(lead.Metadata));
        dialect.AddTime(command, "@first_touch_at", lead.FirstTouchAt);
        dialect.AddTime(command, "@last_activity_at", lead.LastActivityAt);
        dialect.AddTime(command, "@created_at", lead.CreatedAt);
        dialect.AddTime(command, "@updated_at", lead.UpdatedAt);
        dialect.AddJson(command, "@stakeholders", CrmSyncJson.Serialize(lead.Stakeholders));
        dialect.AddJson(command, "@custom_fields", CrmSyncJson.Serialize(lead.CustomFields));
    }

    public static LeadEvent ReadEvent(DbDataReader reader, StoreDialect dialect)
    {
        var row = StoredRow.Of(reader, dialect, EventTable);
        return new LeadEvent
        {
            Id = row.Text(0),
            UserId = row.Text(1),
            LeadMemoryId = row.Text(2),
            EventType = row.Text(3),
            Direction = row.NullableText(4),
            Subject = row.NullableText(5),
            Content = row.NullableText(6),
            OccurredAt = row.Time(7),
            Source = row.NullableProvider(8),
            ExternalId = row.NullableText(9),
            Metadata = row.JsonDictionary(10),
            CreatedAt = row.Time(11),
        };
    }

    public static CrmAuditEntry ReadAuditEntry(DbDataReader reader, StoreDialect dialect)
    {
        var row = StoredRow.Of(reader, dialect, AuditTable);
        return new CrmAuditEntry
        {
            Id = row.Text(0),
            UserId = row.Text(1),
            LeadMemoryId = row.NullableText(2),
            Operation = row.Enum<CrmAuditOperation>(3),
            Provider = row.Provider(4),
            Success = row.Boolean(5),
            Details = row.JsonElement(6, CrmAuditEntry.EmptyDetails),
            ErrorMessage = row.NullableText(7),
            CreatedAt = row.Time(8),
            Sequence = row.Int64(9),
            PreviousHash = row.NullableText(10),
            Hash = row.Text(11),
        };
    }

    public static SyncCursorRecord ReadCursor(DbDataReader reader, StoreDialect dialect)
    {
        var row = new StoredRow(reader, dialect, CursorTable, $"{reader.GetString(0)}/{reader.GetString(1)}");
        return new SyncCursorRecord(row.Text(0), row.Text(1), new CrmCursor(row.Time(2), row.NullableText(3)), row.Time(4));
    }

    /// <summary>Binds the filters of <paramref name="query"/> and returns the matching <c>WHERE</c> clause.</summary>
    public static string SyncStateFilter(DbCommand command, SyncStateQuery query, StoreDialect dialect)
    {
        var sql = new StringBuilder(" WHERE 1 = 1");
        if (query.UserId is not null)
        {
            sql.Append(" AND user_id = @user_id");
            StoreDialect.Add(command, "@user_id", query.UserId);
        }

        if (query.Provider is { } provider)
        {
            sql.Append(" AND provider = @provider");
            StoreDialect.Add(command, "@provider", WireValue.Format(provider));
        }

        if (query.Statuses.Count > 0)
        {
            sql.Append(" AND ").Append(dialect.AnyOf(command, "status", "@statuses", query.Statuses.Select(WireValue.Format)));
        }

        if (query.DueBefore is { } due)
        {
            sql.Append(" AND next_attempt_at IS NOT NULL AND next_attempt_at <= @due");
            dialect.AddTime(command, "@due", due);
        }

        if (query.RetryCountBelow is { } below)
        {
            sql.Append(" AND retry_count < @retry_below");
            StoreDialect.Add(command, "@retry_below", below);
        }

        return sql.ToString();
    }

    /// <summary>Binds the filters of <paramref name="query"/> (not limit and offset) and returns the matching <c>WHERE</c> clause.</summary>
    public static string AuditFilter(DbCommand command, AuditQuery query, StoreDialect dialect)
    {
        var sql = new StringBuilder(" WHERE 1 = 1");
        if (query.UserId is not null)
        {
            sql.Append(" AND user_id = @user_id");
            StoreDialect.Add(command, "@user_id", query.UserId);
        }

        if (query.LeadMemoryId is not null)
        {
            sql.Append(" AND lead_memory_id = @lead_memory_id");
            StoreDialect.Add(command, "@lead_memory_id", query.LeadMemoryId);
        }

        if (query.Operation is { } operation)
        {
            sql.Append(" AND operation = @operation");
            StoreDialect.Add(command, "@operation", WireValue.Format(operation));
        }

        if (query.Provider is { } provider)
        {
            sql.Append(" AND provider = @provider");
            StoreDialect.Add(command, "@provider", WireValue.Format(provider));
        }

        if (query.Success is { } success)
        {
            sql.Append(" AND success = @success");
            StoreDialect.Add(command, "@success", success);
        }

        if (query.DateStart is { } start)
        {
            sql.Append(" AND created_at >= @date_start");
            dialect.AddTime(command, "@date_start", start);
        }

        if (query.DateEnd is { } end)
        {
            sql.Append(" AND created_at <= @date_end");
            dialect.AddTime(command, "@date_end", end);
        }

        return sql.ToString();
    }

    /// <summary>The text stored for an audit entry's details: its JSON as given (a missing value is JSON <c>null</c>, as the hash treats it).</summary>
    public static string DetailsText(CrmAuditEntry entry)
        => entry.Details.ValueKind == System.Text.Json.JsonValueKind.Undefined ? "null" : entry.Details.GetRawText();

    public static string? Wire(CrmProvider? value) => value is { } v ? WireValue.Format(v) : null;

    public static string? Wire<TEnum>(TEnum? value)
        where TEnum : struct, Enum
        => value is { } v ? WireValue.Format(v) : null;

    /// <summary>Throws when an event cannot be stored (checked for the whole batch before anything is written).</summary>
    public static void ValidateEvents(IReadOnlyList<LeadEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            if (e is null || string.IsNullOrEmpty(e.Id) || string.IsNullOrEmpty(e.LeadMemoryId) || string.IsNullOrEmpty(e.UserId))
            {
                throw new ArgumentException("Events must be non-null with an id, a user id and a lead memory id.", nameof(events));
            }
        }
    }

    /// <summary>Throws when drafts cannot be appended (checked for the whole batch before anything is written).</summary>
    public static void ValidateDrafts(IReadOnlyList<CrmAuditEntry> drafts, IAuditChainSealer sealer)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        ArgumentNullException.ThrowIfNull(sealer);
        foreach (var draft in drafts)
        {
            if (draft is null || string.IsNullOrEmpty(draft.UserId))
            {
                throw new ArgumentException("Drafts must be non-null with a user id.", nameof(drafts));
            }
        }
    }

    /// <summary>Throws when a new record does not carry version 0.</summary>
    public static void ValidateNew(long version, string paramName, string what)
    {
        if (version != 0)
        {
            throw new ArgumentException($"A new {what} must have version 0.", paramName);
        }
    }
}
