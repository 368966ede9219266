using Aria.CrmSync.Fields;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Storage;

/// <summary>
/// What every store (in-memory, SQLite, PostgreSQL) accepts, checked before anything is written so that all three
/// behave the same: ids by <see cref="StorableText.RequireId"/>, text and JSON by <see cref="StorableText.RequireText"/>.
/// A value that breaks the rule is a <see cref="CrmSyncValidationException"/> naming the field, never a driver error.
/// </summary>
/// <remarks>Shared source: compiled into the engine package and each store package.</remarks>
internal static class StoreInput
{
    public static void Check(CrmSyncState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Id(state.Id, "state.Id", optional: false);
        Id(state.LeadMemoryId, "state.LeadMemoryId", optional: false);
        Id(state.UserId, "state.UserId", optional: true);
        Id(state.CrmId, "state.CrmId", optional: true);
        StorableText.RequireText(state.ErrorMessage, "state.ErrorMessage");
        // System.Text.Json would quietly write a lone surrogate as U+FFFD: the models' text is checked before serializing.
        foreach (var p in state.PendingChanges)
        {
            Texts("state.PendingChanges", p.Field, p.Value, p.LeadValueBefore, p.CrmValueBefore);
            Texts("state.PendingChanges", p.Extra?.Keys.ToArray() ?? []);
        }

        foreach (var c in state.ConflictLog)
        {
            Texts("state.ConflictLog", c.Field, c.AriaValue, c.CrmValue, c.BaseValue, c.ResolvedValue);
        }

        Texts("state.BaseSnapshot", state.BaseSnapshot);
        foreach (var o in state.Outbox)
        {
            Texts("state.Outbox", o.IdempotencyKey, o.Kind, o.Text, o.CrmObjectId, o.LastError);
        }

        StorableText.RequireJson(Serialize(state.PendingChanges, "state.PendingChanges"), "state.PendingChanges");
        StorableText.RequireJson(Serialize(state.ConflictLog, "state.ConflictLog"), "state.ConflictLog");
        StorableText.RequireJson(Serialize(state.BaseSnapshot, "state.BaseSnapshot"), "state.BaseSnapshot");
        StorableText.RequireJson(Serialize(state.Outbox, "state.Outbox"), "state.Outbox");
    }

    public static void Check(LeadMemory lead)
    {
        ArgumentNullException.ThrowIfNull(lead);
        Id(lead.Id, "lead.Id", optional: false);
        Id(lead.UserId, "lead.UserId", optional: false);
        Id(lead.CrmId, "lead.CrmId", optional: true);
        StorableText.RequireText(lead.CompanyName, "lead.CompanyName");
        StorableText.RequireText(lead.LifecycleStage, "lead.LifecycleStage", StorableText.MaxIdLength);
        StorableText.RequireText(lead.Status, "lead.Status", StorableText.MaxIdLength);
        Texts("lead.Metadata", lead.Metadata);
        StorableText.RequireJson(Serialize(lead.Metadata, "lead.Metadata"), "lead.Metadata");
        ArgumentNullException.ThrowIfNull(lead.Stakeholders, "lead.Stakeholders");
        for (var i = 0; i < lead.Stakeholders.Count; i++)
        {
            var contact = lead.Stakeholders[i] ?? throw new ArgumentException("lead.Stakeholders must not contain null.", nameof(lead));
            var field = $"lead.Stakeholders[{i}]";
            Id(contact.Id, field + ".Id", optional: false);
            Texts(field, contact.Name, contact.Email, contact.Title, contact.Role);
        }

        StorableText.RequireJson(Serialize(lead.Stakeholders, "lead.Stakeholders"), "lead.Stakeholders");
        CustomFields(lead.CustomFields);
    }

    public static void Check(IReadOnlyList<LeadEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i] ?? throw new ArgumentException("Events must not contain null.", nameof(events));
            var field = $"events[{i}]";
            Id(e.Id, field + ".Id", optional: false);
            Id(e.UserId, field + ".UserId", optional: false);
            Id(e.LeadMemoryId, field + ".LeadMemoryId", optional: false);
            Id(e.ExternalId, field + ".ExternalId", optional: true);
            StorableText.RequireText(e.EventType, field + ".EventType", StorableText.MaxIdLength);
            StorableText.RequireText(e.Direction, field + ".Direction", StorableText.MaxIdLength);
            StorableText.RequireText(e.Subject, field + ".Subject");
            StorableText.RequireText(e.Content, field + ".Content");
            Texts(field + ".Metadata", e.Metadata);
            StorableText.RequireJson(Serialize(e.Metadata, field + ".Metadata"), field + ".Metadata");
        }
    }

    public static void Check(SyncCursorRecord cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        Id(cursor.ConnectionKey, "cursor.ConnectionKey", optional: false);
        Id(cursor.Stream, "cursor.Stream", optional: false);
        Id(cursor.Cursor?.LastId, "cursor.Cursor.LastId", optional: true);
    }

    /// <summary>Checks the ids of entries about to be sealed (details and messages are checked by the audit service's strict rules).</summary>
    public static void CheckDrafts(IReadOnlyList<CrmAuditEntry> drafts)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < drafts.Count; i++)
        {
            var d = drafts[i] ?? throw new ArgumentException("Drafts must not contain null.", nameof(drafts));
            var field = $"drafts[{i}]";
            Id(d.Id, field + ".Id", optional: false);
            Id(d.UserId, field + ".UserId", optional: false);
            Id(d.LeadMemoryId, field + ".LeadMemoryId", optional: true);
            StorableText.RequireText(d.ErrorMessage, field + ".ErrorMessage");
            StorableText.RequireText(d.Details.ValueKind == System.Text.Json.JsonValueKind.Undefined ? null : d.Details.GetRawText(), field + ".Details", StorableText.MaxJsonLength);
            if (!ids.Add(d.Id))
            {
                throw new CrmSyncValidationException($"{field}.Id '{d.Id}' appears twice in the batch.", field + ".Id");
            }
        }
    }

    /// <summary>
    /// Checks an id: null or empty is an <see cref="ArgumentException"/> for the record's parameter (as the stores always
    /// threw), anything else that breaks <see cref="StorableText.IdProblem"/> a <see cref="CrmSyncValidationException"/>.
    /// </summary>
    private static void Id(string? value, string field, bool optional)
    {
        if (value is null && optional)
        {
            return;
        }

        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"{field} must not be null or empty.", field[..field.IndexOfAny(['.', '['])]);
        }

        StorableText.RequireId(value, field);
    }

    private static void Texts(string field, params string?[] values)
    {
        foreach (var value in values)
        {
            StorableText.RequireText(value, field, StorableText.MaxJsonLength);
        }
    }

    private static void Texts(string field, IReadOnlyDictionary<string, string?> values)
    {
        foreach (var (key, value) in values)
        {
            StorableText.RequireText(key, field, StorableText.MaxJsonLength);
            StorableText.RequireText(value, field, StorableText.MaxJsonLength);
        }
    }

    /// <summary>
    /// Checks <see cref="LeadMemory.CustomFields"/>: each key a catalogue lead field name (<see cref="LeadFieldRules.IsName"/>),
    /// each value <see langword="null"/> (blank) or storable text of at most <see cref="LeadFieldRules.MaxValueLength"/>.
    /// </summary>
    private static void CustomFields(IReadOnlyDictionary<string, string?> fields)
    {
        ArgumentNullException.ThrowIfNull(fields, "lead.CustomFields");
        foreach (var (key, value) in fields)
        {
            if (!LeadFieldRules.IsName(key))
            {
                var shown = key is null ? "null" : key.Length > LeadFieldRules.MaxNameLength ? $"of {key.Length} characters" : $"'{Printable(key)}'";
                throw new CrmSyncValidationException($"lead.CustomFields key {shown} is not a lead field name (1 to {LeadFieldRules.MaxNameLength} characters: a lowercase letter, then lowercase letters, digits or '_').", "lead.CustomFields");
            }

            StorableText.RequireText(value, $"lead.CustomFields[{key}]", LeadFieldRules.MaxValueLength);
        }

        StorableText.RequireJson(Serialize(fields, "lead.CustomFields"), "lead.CustomFields");
    }

    /// <summary>A key as shown in an error: control characters and lone surrogates as <c>\uXXXX</c>, so the message itself is storable text.</summary>
    private static string Printable(string key)
        => string.Concat(key.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString()));

    private static string Serialize<T>(T value, string field)
    {
        try
        {
            return CrmSyncJson.Serialize(value);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.Text.Json.JsonException or NotSupportedException)
        {
            throw new CrmSyncValidationException($"{field} cannot be written as JSON: {ex.Message}", field);
        }
    }
}
