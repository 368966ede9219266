using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Aria.CrmSync.Testing.Salesforce;

/// <summary>A deleted record in the delete log (what <c>getDeleted</c> reads).</summary>
internal sealed record SfDeletion(string Type, string Id, DateTimeOffset DeletedAt);

/// <summary>How a write is checked.</summary>
internal enum SfWriteMode
{
    /// <summary>Through the API: field-level security, read-only types and system fields apply.</summary>
    Api,

    /// <summary>Direct seeding by a test: any field of any type may be set.</summary>
    Trusted,
}

/// <summary>
/// The org's records, with Salesforce's DML semantics (defaults, derived fields, validation, cascade delete) and an undo
/// journal for all-or-none operations. Not thread-safe: callers hold the emulator's lock.
/// </summary>
internal sealed partial class SfStore
{
    private readonly Dictionary<string, SfRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, SfRecord>> _byType = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<SfDeletion> _deletions = [];
    private readonly List<(SfRecord Record, SfRecord? Before)> _journal = [];
    private readonly Dictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly Func<DateTimeOffset> _clock;
    private DateTimeOffset? _pinnedNow;
    private readonly string _pod;
    private readonly long _counterBase;
    private long _sequence;
    private int _depth;

    public SfStore(SfSchema schema, int seed, Func<DateTimeOffset> clock)
    {
        Schema = schema;
        _clock = clock;
        var random = new Random(seed);
        _pod = new string([SfIds.Digit(random.Next(1, 10)), SfIds.Digit(random.Next(10, 62))]);
        _counterBase = random.Next(100_000, 9_000_000);
    }

    public SfSchema Schema { get; }

    public string CurrentUserId { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the granularity of audit timestamps: whole seconds, as in Salesforce (regular dateTime fields have a
    /// precision of one second — Object Reference, Primitive Data Types:
    /// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/primitive_data_types.htm),
    /// or coarser so that many writes share one <c>SystemModstamp</c> as a bulk job's do.
    /// </summary>
    public TimeSpan ModstampResolution { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the current audit time: the clock floored to <see cref="ModstampResolution"/> (or the pinned time of a bulk write).</summary>
    public DateTimeOffset Now => _pinnedNow ?? SfWire.Floor(_clock(), ModstampResolution);

    /// <summary>Runs <paramref name="action"/> with one audit time for every write in it (a bulk update's single transaction).</summary>
    public void WithPinnedNow(Action action)
    {
        _pinnedNow = Now;
        try
        {
            action();
        }
        finally
        {
            _pinnedNow = null;
        }
    }

    public IReadOnlyList<SfDeletion> Deletions => _deletions;

    public int Count => _records.Count;

    /// <summary>Returns a new 18-character id with the given key prefix.</summary>
    public string NewId(string prefix)
    {
        var next = _counters.GetValueOrDefault(prefix, _counterBase) + 1;
        _counters[prefix] = next;
        return SfIds.Create(prefix, _pod, next);
    }

    public SfRecord? Find(string? id)
    {
        var normalized = SfIds.Normalize(id);
        return normalized is null ? null : _records.GetValueOrDefault(normalized);
    }

    /// <summary>Returns the records of a storage type in insertion order.</summary>
    public IEnumerable<SfRecord> All(string storageType)
        => _byType.TryGetValue(storageType, out var map) ? map.Values.OrderBy(r => r.Sequence) : [];

    /// <summary>Starts an all-or-none scope; returns the mark to end it with.</summary>
    public (int Journal, int Deletions) Begin()
    {
        _depth++;
        MarkChanges();
        return (_journal.Count, _deletions.Count);
    }

    /// <summary>Ends an all-or-none scope, undoing its writes when <paramref name="rollback"/>.</summary>
    public void End((int Journal, int Deletions) mark, bool rollback)
    {
        if (rollback)
        {
            for (var i = _journal.Count - 1; i >= mark.Journal; i--)
            {
                var (record, before) = _journal[i];
                if (before is null)
                {
                    _records.Remove(record.Id);
                    _byType[record.Type].Remove(record.Id);
                }
                else
                {
                    record.RestoreFrom(before);
                }
            }

            _journal.RemoveRange(mark.Journal, _journal.Count - mark.Journal);
            _deletions.RemoveRange(mark.Deletions, _deletions.Count - mark.Deletions);
        }

        _depth--;
        EndChanges(rollback);
        if (_depth == 0)
        {
            _journal.Clear();
        }
    }

    /// <summary>Removes recycle-bin rows and delete-log entries older than <paramref name="retention"/>.</summary>
    public void Purge(TimeSpan retention)
    {
        if (_depth > 0)
        {
            return;
        }

        var cutoff = Now - retention;
        foreach (var record in _records.Values.Where(r => r.DeletedAt < cutoff).ToList())
        {
            _records.Remove(record.Id);
            _byType[record.Type].Remove(record.Id);
        }

        _deletions.RemoveAll(d => d.DeletedAt < cutoff);
    }

    /// <summary>Inserts a record without validation (stage rows, the org's user).</summary>
    public SfRecord InsertRaw(SfObject obj, string id, IReadOnlyDictionary<string, object?> values)
    {
        var record = new SfRecord(id, obj.StorageName, ++_sequence);
        foreach (var (name, value) in values)
        {
            record.Values[obj.Field(name)?.Name ?? name] = value;
        }

        Add(record);
        return record;
    }

    /// <summary>Creates a record.</summary>
    public SfSaveResult Create(SfObject obj, IReadOnlyDictionary<string, object?> input, SfWriteMode mode)
    {
        if (mode == SfWriteMode.Api && !obj.Createable)
        {
            return SfSaveResult.Fail(new SfError("INVALID_TYPE_FOR_OPERATION", $"entity type cannot be inserted: {obj.Label}"));
        }

        if (obj.StorageOf is not null)
        {
            return SfSaveResult.Fail(new SfError("INVALID_TYPE_FOR_OPERATION", $"entity type cannot be inserted: {obj.Label}"));
        }

        if (mode == SfWriteMode.Api && FieldSecurity(obj, input.Keys, create: true) is { } fls)
        {
            return SfSaveResult.Fail(fls);
        }

        var now = Now;
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var field in obj.Fields.Where(f => f.DefaultedOnCreate && f.DefaultValue is not null))
        {
            values[field.Name] = field.DefaultValue;
        }

        if (obj.Field("OwnerId") is not null)
        {
            values["OwnerId"] = CurrentUserId;
        }

        foreach (var (name, value) in input)
        {
            values[obj.Field(name)!.Name] = value;
        }

        var derived = Derive(obj, null, values, input, now);
        if (derived is not null)
        {
            return SfSaveResult.Fail(derived);
        }

        var missing = obj.Fields.Where(f => f.RequiredOnCreate && IsBlank(values.GetValueOrDefault(f.Name))).Select(f => f.Name).ToList();
        if (missing.Count > 0)
        {
            return SfSaveResult.Fail(new SfError("REQUIRED_FIELD_MISSING", $"Required fields are missing: [{string.Join(", ", missing)}]", missing));
        }

        if (Validate(obj, null, values, input.Keys, mode) is { } invalid)
        {
            return SfSaveResult.Fail(invalid);
        }

        var id = mode == SfWriteMode.Trusted && values.TryGetValue("Id", out var given) && given is string gid ? SfIds.Normalize(gid)! : NewId(obj.KeyPrefix);
        var record = new SfRecord(id, obj.StorageName, ++_sequence);
        foreach (var (name, value) in values)
        {
            record.Values[name] = value;
        }

        record.Values["Id"] = id;
        SetIfAbsent(obj, record, "IsDeleted", false, input);
        SetIfAbsent(obj, record, "CreatedDate", now, input);
        SetIfAbsent(obj, record, "CreatedById", CurrentUserId, input);
        SetIfAbsent(obj, record, "LastModifiedDate", now, input);
        SetIfAbsent(obj, record, "LastModifiedById", CurrentUserId, input);
        SetIfAbsent(obj, record, "SystemModstamp", now, input);
        if (obj.Name == "ContentNote")
        {
            SetIfAbsent(obj, record, "ContentModifiedDate", now, input);
        }

        WholeSecondAuditFields(record);
        Add(record);
        Journal(record, null);
        CaptureChange(SfChangeKind.Create, record, null);
        return new SfSaveResult { Id = id, Created = true };
    }

    /// <summary>Updates a record.</summary>
    public SfSaveResult Update(SfObject obj, SfRecord record, IReadOnlyDictionary<string, object?> input, SfWriteMode mode)
    {
        if (record.IsDeleted)
        {
            return SfSaveResult.Fail(new SfError("ENTITY_IS_DELETED", "entity is deleted"));
        }

        if (mode == SfWriteMode.Api && !obj.Updateable)
        {
            return SfSaveResult.Fail(new SfError("INVALID_TYPE_FOR_OPERATION", $"entity type cannot be updated: {obj.Label}"));
        }

        if (mode == SfWriteMode.Api && FieldSecurity(obj, input.Keys, create: false) is { } fls)
        {
            return SfSaveResult.Fail(fls);
        }

        var now = Now;
        var values = new Dictionary<string, object?>(record.Values, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in input)
        {
            values[obj.Field(name)!.Name] = value;
        }

        var derived = Derive(obj, record, values, input, now);
        if (derived is not null)
        {
            return SfSaveResult.Fail(derived);
        }

        var cleared = input.Keys.Select(k => obj.Field(k)!).Where(f => !f.Nillable && f.Type != SfFieldType.Boolean && IsBlank(values.GetValueOrDefault(f.Name))).Select(f => f.Name).ToList();
        if (cleared.Count > 0)
        {
            return SfSaveResult.Fail(new SfError("REQUIRED_FIELD_MISSING", $"Required fields are missing: [{string.Join(", ", cleared)}]", cleared));
        }

        if (Validate(obj, record, values, input.Keys, mode) is { } invalid)
        {
            return SfSaveResult.Fail(invalid, null);
        }

        var before = record.Clone();
        Journal(record, before);
        foreach (var (name, value) in values)
        {
            record.Values[name] = value;
        }

        SetUnlessGiven(obj, record, "LastModifiedDate", now, input);
        SetUnlessGiven(obj, record, "LastModifiedById", CurrentUserId, input);
        SetUnlessGiven(obj, record, "SystemModstamp", now, input);
        if (obj.StorageName == "ContentNote" && input.Keys.Any(k => k.Equals("Content", StringComparison.OrdinalIgnoreCase)))
        {
            SetUnlessGiven(obj, record, "ContentModifiedDate", now, input);
        }

        WholeSecondAuditFields(record);
        CaptureChange(SfChangeKind.Update, record, before);
        return new SfSaveResult { Id = record.Id };
    }

    /// <summary>Deletes a record (to the recycle bin) and the records that cascade from it.</summary>
    public SfSaveResult Delete(SfObject obj, SfRecord record, SfWriteMode mode)
    {
        if (record.IsDeleted)
        {
            return SfSaveResult.Fail(new SfError("ENTITY_IS_DELETED", "entity is deleted"));
        }

        if (mode == SfWriteMode.Api && !obj.Deletable)
        {
            return SfSaveResult.Fail(new SfError("INVALID_TYPE_FOR_OPERATION", $"entity type cannot be deleted: {obj.Label}"));
        }

        var now = Now;
        var pending = new Queue<SfRecord>();
        pending.Enqueue(record);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var current = pending.Dequeue();
            if (!seen.Add(current.Id) || current.IsDeleted)
            {
                continue;
            }

            Journal(current, current.Clone());
            current.DeletedAt = now;
            current.Values["IsDeleted"] = true;
            current.Values["SystemModstamp"] = now;
            _deletions.Add(new SfDeletion(current.Type, current.Id, now));
            CaptureChange(SfChangeKind.Delete, current, null);
            foreach (var child in CascadeChildren(current.Id))
            {
                pending.Enqueue(child);
            }
        }

        return new SfSaveResult { Id = record.Id };
    }

    /// <summary>Restores a deleted record (and nothing else).</summary>
    public bool Undelete(SfRecord record)
    {
        if (!record.IsDeleted)
        {
            return false;
        }

        Journal(record, record.Clone());
        var now = Now;
        record.DeletedAt = null;
        record.Values["IsDeleted"] = false;
        record.Values["SystemModstamp"] = now;
        if (record.Values.ContainsKey("LastModifiedDate"))
        {
            record.Values["LastModifiedDate"] = now;
        }

        _deletions.RemoveAll(d => d.Id == record.Id);
        CaptureChange(SfChangeKind.Undelete, record, null);
        return true;
    }

    /// <summary>Sets audit timestamps directly (test seeding).</summary>
    public void SetTimestamps(SfRecord record, DateTimeOffset? systemModstamp, DateTimeOffset? lastModifiedDate, DateTimeOffset? createdDate)
    {
        Journal(record, record.Clone());
        if (systemModstamp is { } sm)
        {
            record.Values["SystemModstamp"] = SfWire.TruncateToSeconds(sm);
        }

        if (lastModifiedDate is { } lm && record.Values.ContainsKey("LastModifiedDate"))
        {
            record.Values["LastModifiedDate"] = SfWire.TruncateToSeconds(lm);
        }

        if (createdDate is { } cd && record.Values.ContainsKey("CreatedDate"))
        {
            record.Values["CreatedDate"] = SfWire.TruncateToSeconds(cd);
        }
    }

    /// <summary>Returns the object definition a record shows as, for a requested type.</summary>
    public SfObject ObjectOf(SfRecord record) => Schema.Find(record.Type)!;

    /// <summary>Checks an id given for a record path or a write: MALFORMED_ID when it cannot denote a record of <paramref name="obj"/>.</summary>
    public static SfError? CheckId(SfObject obj, string? id, string field = "Id")
    {
        var normalized = SfIds.Normalize(id);
        if (normalized is null || !string.Equals(normalized[..3], obj.KeyPrefix, StringComparison.Ordinal))
        {
            return new SfError("MALFORMED_ID", $"{obj.Label} ID: id value of incorrect type: {id}", [field]);
        }

        return null;
    }

    private static bool IsBlank(object? value) => value is null || (value is string s && s.Length == 0);

    /// <summary>Audit times given explicitly (trusted seeding) keep whole seconds too.</summary>
    private static void WholeSecondAuditFields(SfRecord record)
    {
        foreach (var field in (ReadOnlySpan<string>)["CreatedDate", "LastModifiedDate", "SystemModstamp"])
        {
            if (record.Values.TryGetValue(field, out var value) && value is DateTimeOffset time)
            {
                record.Values[field] = SfWire.TruncateToSeconds(time);
            }
        }
    }

    private static void SetIfAbsent(SfObject obj, SfRecord record, string field, object value, IReadOnlyDictionary<string, object?> input)
    {
        if (obj.Field(field) is null)
        {
            return;
        }

        if (!input.Keys.Any(k => k.Equals(field, StringComparison.OrdinalIgnoreCase)) || input.First(p => p.Key.Equals(field, StringComparison.OrdinalIgnoreCase)).Value is null)
        {
            record.Values[field] = value;
        }
    }

    private static void SetUnlessGiven(SfObject obj, SfRecord record, string field, object value, IReadOnlyDictionary<string, object?> input)
    {
        if (obj.Field(field) is not null && !input.Keys.Any(k => k.Equals(field, StringComparison.OrdinalIgnoreCase)))
        {
            record.Values[field] = value;
        }
    }

    private static SfError? FieldSecurity(SfObject obj, IEnumerable<string> names, bool create)
    {
        var denied = names.Select(n => obj.Field(n)!).Where(f => create ? !f.Createable : !f.Updateable).Select(f => f.Name).ToList();
        return denied.Count == 0
            ? null
            : new SfError("INVALID_FIELD_FOR_INSERT_UPDATE", $"Unable to create/update fields: {string.Join(", ", denied)}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", denied);
    }

    private void Add(SfRecord record)
    {
        _records[record.Id] = record;
        if (!_byType.TryGetValue(record.Type, out var map))
        {
            map = new Dictionary<string, SfRecord>(StringComparer.Ordinal);
            _byType[record.Type] = map;
        }

        map[record.Id] = record;
    }

    private void Journal(SfRecord record, SfRecord? before)
    {
        if (_depth > 0)
        {
            _journal.Add((record, before));
        }
    }

    private IEnumerable<SfRecord> CascadeChildren(string parentId)
    {
        foreach (var obj in Schema.Objects.Where(o => o.StorageOf is null))
        {
            var cascading = obj.Fields.Where(f => f.CascadeDelete).ToList();
            if (cascading.Count == 0)
            {
                continue;
            }

            foreach (var record in All(obj.Name))
            {
                if (!record.IsDeleted && cascading.Any(f => record.Get(f.Name) is string v && string.Equals(v, parentId, StringComparison.Ordinal)))
                {
                    yield return record;
                }
            }
        }
    }

    private SfError? Validate(SfObject obj, SfRecord? existing, Dictionary<string, object?> values, IEnumerable<string> changedNames, SfWriteMode mode)
    {
        var changed = changedNames.Select(n => obj.Field(n)!).ToList();
        foreach (var field in changed)
        {
            var value = values.GetValueOrDefault(field.Name);
            if (value is string s && field.Length > 0 && field.IsText && s.Length > field.Length)
            {
                return new SfError("STRING_TOO_LONG", $"{field.Label}: data value too large: {Truncate(s)} (max length={field.Length})", [field.Name]);
            }

            if (value is string p && field.Type == SfFieldType.Picklist && field.RestrictedPicklist && field.Name != "StageName" && !field.PicklistValues.Contains(p, StringComparer.Ordinal))
            {
                return new SfError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", $"{field.Label}: bad value for restricted picklist field: {p}", [field.Name]);
            }

            // A multi-select picklist holds ';'-separated values; a restricted one refuses any value not in its list.
            if (value is string m && field.Type == SfFieldType.MultiPicklist && field.RestrictedPicklist
                && m.Split(';').FirstOrDefault(v => !field.PicklistValues.Contains(v, StringComparer.Ordinal)) is { } bad)
            {
                return new SfError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", $"{field.Label}: bad value for restricted picklist field: {bad}", [field.Name]);
            }

            // Number fields hold precision - scale digits before the point, and store the value rounded to the scale.
            // Error shape as Salesforce answers it: "<Label>: value outside of valid range on numeric field: 100.0".
            if (value is decimal number && field.Custom && field.Type is SfFieldType.Double or SfFieldType.Currency or SfFieldType.Percent && field.Precision > 0)
            {
                var rounded = decimal.Round(number, Math.Min(field.Scale, 28), MidpointRounding.AwayFromZero);
                if (Math.Abs(decimal.Truncate(rounded)).ToString(System.Globalization.CultureInfo.InvariantCulture).TrimStart('0').Length > field.Precision - field.Scale)
                {
                    return new SfError("NUMBER_OUTSIDE_VALID_RANGE", $"{field.Label}: value outside of valid range on numeric field: {number.ToString(System.Globalization.CultureInfo.InvariantCulture)}", [field.Name]);
                }

                values[field.Name] = rounded;
            }

            if (value is string email && field.Type == SfFieldType.Email && !EmailPattern().IsMatch(email))
            {
                return new SfError("INVALID_EMAIL_ADDRESS", $"{field.Label}: invalid email address: {email}", [field.Name]);
            }

            if (field.Type == SfFieldType.Reference && value is string reference && (mode == SfWriteMode.Api || field.Name is not ("CreatedById" or "LastModifiedById")))
            {
                if (CheckReference(field, reference) is { } referenceError)
                {
                    return referenceError;
                }

                values[field.Name] = SfIds.Normalize(reference);
            }

            if (value is not null && field.Unique && field.Custom)
            {
                var clash = All(obj.StorageName).FirstOrDefault(r => !r.IsDeleted && r.Id != existing?.Id && r.Get(field.Name) is { } other && SfValues.Compare(field, other, value) == 0);
                if (clash is not null)
                {
                    return new SfError("DUPLICATE_VALUE", $"duplicate value found: {field.Name} duplicates value on record with id: {clash.Id}", [field.Name]);
                }
            }
        }

        if (obj.Name == "ContentDocumentLink" && existing is null)
        {
            var doc = values.GetValueOrDefault("ContentDocumentId") as string;
            var entity = values.GetValueOrDefault("LinkedEntityId") as string;
            if (All("ContentDocumentLink").Any(r => !r.IsDeleted && Equals(r.Get("ContentDocumentId"), doc) && Equals(r.Get("LinkedEntityId"), entity)))
            {
                return new SfError("DUPLICATE_VALUE", $"Document with ID: {doc} is already linked with the entity with ID: {entity}", ["LinkedEntityId"]);
            }
        }

        return null;
    }

    private SfError? CheckReference(SfField field, string reference)
    {
        var normalized = SfIds.Normalize(reference);
        var targets = field.ReferenceTo.Select(t => Schema.Find(t)).Where(t => t is not null).Select(t => t!).ToList();
        if (normalized is null || (targets.Count > 0 && !targets.Any(t => t.KeyPrefix == normalized[..3])))
        {
            var label = targets.Count == 1 ? targets[0].Label : field.Label.Replace(" ID", string.Empty, StringComparison.Ordinal);
            return new SfError("MALFORMED_ID", $"{label} ID: id value of incorrect type: {reference}", [field.Name]);
        }

        var target = _records.GetValueOrDefault(normalized);
        if (target is null)
        {
            return new SfError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [field.Name]);
        }

        if (target.IsDeleted)
        {
            return new SfError("ENTITY_IS_DELETED", "entity is deleted", [field.Name]);
        }

        return null;
    }

    private static string Truncate(string s) => s.Length > 60 ? s[..60] : s;

    private SfError? Derive(SfObject obj, SfRecord? existing, Dictionary<string, object?> values, IReadOnlyDictionary<string, object?> input, DateTimeOffset now)
    {
        bool Given(string name) => input.Keys.Any(k => k.Equals(name, StringComparison.OrdinalIgnoreCase));

        switch (obj.Name)
        {
            case "Opportunity":
                return DeriveOpportunity(existing, values, Given, now);
            case "Task":
                var status = values.GetValueOrDefault("Status") as string;
                var closed = status is not null && string.Equals(status, "Completed", StringComparison.OrdinalIgnoreCase);
                var wasClosed = existing?.Get("IsClosed") is true;
                values["IsClosed"] = closed;
                if (closed && !wasClosed && !Given("CompletedDateTime"))
                {
                    values["CompletedDateTime"] = now;
                }
                else if (!closed)
                {
                    values["CompletedDateTime"] = null;
                }

                values["IsHighPriority"] = string.Equals(values.GetValueOrDefault("Priority") as string, "High", StringComparison.OrdinalIgnoreCase);
                values["IsArchived"] = false;
                values["AccountId"] = AccountOf(values);
                return null;
            case "Event":
                return DeriveEvent(existing, values, Given);
            case "ContentNote":
                if (Given("Content") || existing is null)
                {
                    var bytes = values.GetValueOrDefault("Content") as byte[] ?? [];
                    values["Content"] = bytes;
                    values["ContentSize"] = (decimal)bytes.Length;
                    values["TextPreview"] = Preview(Encoding.UTF8.GetString(bytes));
                    var version = NewId("068");
                    values["LatestPublishedVersionId"] = version;
                    values["LatestContentId"] = version;
                }

                values["FileType"] = "SNOTE";
                values["FileExtension"] = "snote";
                values["SharingPrivacy"] = "N";
                values["IsReadOnly"] = false;
                values["IsArchived"] = false;
                return null;
            default:
                return null;
        }
    }

    private SfError? DeriveOpportunity(SfRecord? existing, Dictionary<string, object?> values, Func<string, bool> given, DateTimeOffset now)
    {
        if (existing is null || given("StageName"))
        {
            var stageName = values.GetValueOrDefault("StageName") as string;
            if (string.IsNullOrEmpty(stageName))
            {
                return null; // reported as REQUIRED_FIELD_MISSING
            }

            var stage = FindStage(stageName);
            if (stage is null)
            {
                return new SfError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", $"Stage: bad value for restricted picklist field: {stageName}", ["StageName"]);
            }

            values["StageName"] = stage.Get("ApiName");
            values["IsClosed"] = stage.Get("IsClosed") is true;
            values["IsWon"] = stage.Get("IsWon") is true;
            if (!given("Probability"))
            {
                values["Probability"] = stage.Get("DefaultProbability");
            }

            if (!given("ForecastCategoryName"))
            {
                values["ForecastCategoryName"] = stage.Get("ForecastCategoryName");
            }

            if (existing is not null && !string.Equals(existing.Get("StageName") as string, stage.Get("ApiName") as string, StringComparison.Ordinal))
            {
                values["LastStageChangeDate"] = now;
            }
        }

        if (values.GetValueOrDefault("ForecastCategoryName") is string forecastName)
        {
            var index = Array.FindIndex(SfSchema.StageForecastCategories, c => string.Equals(c, forecastName, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                return new SfError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", $"Forecast Category: bad value for restricted picklist field: {forecastName}", ["ForecastCategoryName"]);
            }

            values["ForecastCategoryName"] = SfSchema.StageForecastCategories[index];
            values["ForecastCategory"] = new[] { "Omitted", "Pipeline", "BestCase", "Forecast", "Closed" }[index];
        }

        if (values.GetValueOrDefault("CloseDate") is DateOnly close)
        {
            var quarter = ((close.Month - 1) / 3) + 1;
            values["FiscalYear"] = (decimal)close.Year;
            values["FiscalQuarter"] = (decimal)quarter;
            values["Fiscal"] = string.Create(CultureInfo.InvariantCulture, $"{close.Year} {quarter}");
        }

        values["HasOpportunityLineItem"] = false;
        return null;
    }

    private SfError? DeriveEvent(SfRecord? existing, Dictionary<string, object?> values, Func<string, bool> given)
    {
        if (given("StartDateTime") && !given("ActivityDateTime"))
        {
            values["ActivityDateTime"] = values.GetValueOrDefault("StartDateTime");
        }
        else if (given("ActivityDateTime") || existing is null)
        {
            values["StartDateTime"] = values.GetValueOrDefault("ActivityDateTime");
        }

        var allDay = values.GetValueOrDefault("IsAllDayEvent") is true;
        if (allDay)
        {
            if (values.GetValueOrDefault("ActivityDate") is not DateOnly day)
            {
                if (values.GetValueOrDefault("StartDateTime") is DateTimeOffset startOfDay)
                {
                    day = DateOnly.FromDateTime(startOfDay.UtcDateTime);
                }
                else
                {
                    return new SfError("REQUIRED_FIELD_MISSING", "Required fields are missing: [ActivityDate]", ["ActivityDate"]);
                }
            }

            var midnight = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            values["ActivityDate"] = day;
            values["ActivityDateTime"] = midnight;
            values["StartDateTime"] = midnight;
            values["DurationInMinutes"] ??= 1440m;
        }

        if (values.GetValueOrDefault("StartDateTime") is not DateTimeOffset start)
        {
            return new SfError("REQUIRED_FIELD_MISSING", "Required fields are missing: [ActivityDateTime]", ["ActivityDateTime"]);
        }

        if (given("DurationInMinutes") || (existing is null && values.GetValueOrDefault("DurationInMinutes") is decimal && !given("EndDateTime")))
        {
            if (values.GetValueOrDefault("DurationInMinutes") is decimal minutes)
            {
                values["EndDateTime"] = start.AddMinutes((double)minutes);
            }
        }
        else if (values.GetValueOrDefault("EndDateTime") is DateTimeOffset end && (given("EndDateTime") || existing is null))
        {
            if (end < start)
            {
                return new SfError("FIELD_INTEGRITY_EXCEPTION", "End Date Time: End Date Time cannot be earlier than Start Date Time", ["EndDateTime"]);
            }

            values["DurationInMinutes"] = (decimal)(end - start).TotalMinutes;
        }
        else if (values.GetValueOrDefault("DurationInMinutes") is decimal keep)
        {
            values["EndDateTime"] = start.AddMinutes((double)keep);
        }

        if (values.GetValueOrDefault("DurationInMinutes") is null)
        {
            return new SfError("REQUIRED_FIELD_MISSING", "Required fields are missing: [DurationInMinutes]", ["DurationInMinutes"]);
        }

        if (!allDay)
        {
            values["ActivityDate"] = DateOnly.FromDateTime(start.UtcDateTime);
        }

        values["AccountId"] = AccountOf(values);
        values["IsChild"] = false;
        values["IsGroupEvent"] = false;
        values["IsArchived"] = false;
        return null;
    }

    private object? AccountOf(Dictionary<string, object?> values)
    {
        var what = Find(values.GetValueOrDefault("WhatId") as string);
        if (what is not null)
        {
            return what.Type == "Account" ? what.Id : what.Get("AccountId");
        }

        var who = Find(values.GetValueOrDefault("WhoId") as string);
        return who?.Type == "Contact" ? who.Get("AccountId") : null;
    }

    /// <summary>Finds an active stage by API name or label.</summary>
    public SfRecord? FindStage(string name)
    {
        var stages = All("OpportunityStage").Where(s => s.Get("IsActive") is true).ToList();
        return stages.FirstOrDefault(s => string.Equals(s.Get("ApiName") as string, name, StringComparison.Ordinal))
            ?? stages.FirstOrDefault(s => string.Equals(s.Get("MasterLabel") as string, name, StringComparison.Ordinal))
            ?? stages.FirstOrDefault(s => string.Equals(s.Get("ApiName") as string, name, StringComparison.OrdinalIgnoreCase));
    }

    private static string Preview(string content)
    {
        var text = TagPattern().Replace(content, " ");
        text = WebUtility.HtmlDecode(text);
        text = SpacePattern().Replace(text, " ").Trim();
        return text.Length > 255 ? text[..255] : text;
    }

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpacePattern();
}
