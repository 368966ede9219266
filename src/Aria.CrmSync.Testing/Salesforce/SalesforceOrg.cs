using Aria.CrmSync.Testing.Salesforce;

namespace Aria.CrmSync.Testing;

/// <summary>
/// Direct access to the emulated org's data for seeding and assertions: bypasses HTTP, authentication, field-level
/// security and API accounting, but keeps Salesforce's defaults, derived fields (e.g. Opportunity <c>IsClosed</c> from
/// <c>StageName</c>) and validation. Values are plain CLR values: <see cref="string"/>, <see cref="bool"/>,
/// <see cref="decimal"/> (integers as <see cref="long"/>), <see cref="DateOnly"/> (dates), <see cref="DateTimeOffset"/>
/// (date-times); ContentNote <c>Content</c> is text (UTF-8), not base64. Thread-safe.
/// </summary>
public sealed class SalesforceOrg
{
    private readonly Lock _gate;
    private readonly SfStore _store;

    internal SalesforceOrg(Lock gate, SfStore store, string organizationId, string userId)
    {
        _gate = gate;
        _store = store;
        OrganizationId = organizationId;
        UserId = userId;
    }

    /// <summary>Gets the 18-character org id (<c>00D…</c>).</summary>
    public string OrganizationId { get; }

    /// <summary>Gets the 18-character id of the API user (<c>005…</c>), owner and author of API writes.</summary>
    public string UserId { get; }

    /// <summary>Gets the names of the supported sObject types.</summary>
    public IReadOnlyList<string> ObjectNames
    {
        get
        {
            lock (_gate)
            {
                return _store.Schema.Objects.Select(o => o.Name).ToList();
            }
        }
    }

    /// <summary>Inserts a record of any supported type (read-only types and system fields included; an <c>Id</c> may be given).</summary>
    /// <param name="objectName">The sObject type, e.g. <c>Opportunity</c>.</param>
    /// <param name="fields">The field values by API name.</param>
    /// <returns>The new record's 18-character id.</returns>
    /// <exception cref="ArgumentException">The type or a field is unknown, or a value has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">Salesforce validation failed (message starts with the error code).</exception>
    public string Insert(string objectName, IReadOnlyDictionary<string, object?> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        lock (_gate)
        {
            var obj = Object(objectName);
            var values = Convert(obj, fields);
            if (values.TryGetValue("Id", out var id) && (id is not string text || SfIds.Normalize(text) is not { } normalized || normalized[..3] != obj.KeyPrefix || _store.Find(text) is not null))
            {
                throw new ArgumentException($"The Id '{id}' is not a free {obj.Name} id.", nameof(fields));
            }

            var result = _store.Create(obj, values, SfWriteMode.Trusted);
            return result.Success ? result.Id! : throw Failure(result);
        }
    }

    /// <summary>Updates a record; <c>LastModifiedDate</c> and <c>SystemModstamp</c> move to now unless given.</summary>
    /// <param name="objectName">The sObject type.</param>
    /// <param name="id">The record id (15 or 18 characters).</param>
    /// <param name="fields">The field values to set.</param>
    /// <exception cref="KeyNotFoundException">No such (undeleted) record.</exception>
    /// <exception cref="InvalidOperationException">Salesforce validation failed.</exception>
    public void Update(string objectName, string id, IReadOnlyDictionary<string, object?> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        lock (_gate)
        {
            var obj = Object(objectName);
            var record = Record(obj, id, includeDeleted: false);
            var result = _store.Update(obj, record, Convert(obj, fields), SfWriteMode.Trusted);
            if (!result.Success)
            {
                throw Failure(result);
            }
        }
    }

    /// <summary>
    /// Updates many records in one transaction, as a bulk update, a flow or a data load does: every record gets the
    /// same <c>LastModifiedDate</c> and <c>SystemModstamp</c>. All or nothing: a record that fails validation leaves
    /// every record unchanged.
    /// </summary>
    /// <param name="objectName">The sObject type.</param>
    /// <param name="ids">The record ids.</param>
    /// <param name="fields">Gives the field values to set on each record, by its position in <paramref name="ids"/>.</param>
    /// <returns>The <c>SystemModstamp</c> the records now share.</returns>
    /// <exception cref="KeyNotFoundException">No such (undeleted) record.</exception>
    /// <exception cref="InvalidOperationException">Salesforce validation failed for a record.</exception>
    public DateTimeOffset BulkUpdate(string objectName, IReadOnlyList<string> ids, Func<int, IReadOnlyDictionary<string, object?>> fields)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(fields);
        lock (_gate)
        {
            var obj = Object(objectName);
            var records = ids.Select(id => Record(obj, id, includeDeleted: false)).ToList();
            var before = records.Select(r => r.Clone()).ToList();
            var stamp = _store.Now;
            _store.WithPinnedNow(() =>
            {
                stamp = _store.Now;
                for (var i = 0; i < records.Count; i++)
                {
                    var result = _store.Update(obj, records[i], Convert(obj, fields(i)), SfWriteMode.Trusted);
                    if (!result.Success)
                    {
                        for (var k = 0; k < i; k++)
                        {
                            records[k].RestoreFrom(before[k]);
                        }

                        throw Failure(result);
                    }
                }
            });
            return stamp;
        }
    }

    /// <summary>Deletes a record to the recycle bin (cascading like Salesforce), recording it for <c>getDeleted</c>.</summary>
    /// <param name="objectName">The sObject type.</param>
    /// <param name="id">The record id.</param>
    /// <returns><see langword="false"/> when there was no such undeleted record.</returns>
    public bool Delete(string objectName, string id)
    {
        lock (_gate)
        {
            var obj = Object(objectName);
            var record = _store.Find(id);
            if (record is null || record.Type != obj.StorageName || record.IsDeleted)
            {
                return false;
            }

            return _store.Delete(obj, record, SfWriteMode.Trusted).Success;
        }
    }

    /// <summary>Restores a record from the recycle bin.</summary>
    /// <param name="objectName">The sObject type.</param>
    /// <param name="id">The record id.</param>
    /// <returns><see langword="false"/> when there was no such deleted record.</returns>
    public bool Undelete(string objectName, string id)
    {
        lock (_gate)
        {
            var obj = Object(objectName);
            var record = _store.Find(id);
            return record is not null && record.Type == obj.StorageName && _store.Undelete(record);
        }
    }

    /// <summary>Gets a record's field values (computed fields included), or <see langword="null"/>.</summary>
    /// <param name="objectName">The sObject type.</param>
    /// <param name="id">The record id.</param>
    /// <param name="includeDeleted">Whether a record in the recycle bin is returned.</param>
    /// <returns>The values by API name, or <see langword="null"/>.</returns>
    public IReadOnlyDictionary<string, object?>? Get(string objectName, string id, bool includeDeleted = false)
    {
        lock (_gate)
        {
            var obj = Object(objectName);
            var record = _store.Find(id);
            return record is null || record.Type != obj.StorageName || (record.IsDeleted && !includeDeleted) ? null : Values(obj, record);
        }
    }

    /// <summary>Lists the records of a type in creation order.</summary>
    /// <param name="objectName">The sObject type.</param>
    /// <param name="includeDeleted">Whether records in the recycle bin are listed.</param>
    /// <returns>The records' values.</returns>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> List(string objectName, bool includeDeleted = false)
    {
        lock (_gate)
        {
            var obj = Object(objectName);
            return _store.All(obj.StorageName).Where(r => includeDeleted || !r.IsDeleted).Select(r => Values(obj, r)).ToList();
        }
    }

    /// <summary>Counts the records of a type.</summary>
    /// <param name="objectName">The sObject type.</param>
    /// <param name="includeDeleted">Whether records in the recycle bin count.</param>
    /// <returns>The count.</returns>
    public int Count(string objectName, bool includeDeleted = false)
    {
        lock (_gate)
        {
            var obj = Object(objectName);
            return _store.All(obj.StorageName).Count(r => includeDeleted || !r.IsDeleted);
        }
    }

    /// <summary>Sets a record's <c>SystemModstamp</c> (e.g. to give many records one timestamp); nothing else changes.</summary>
    /// <param name="objectName">The sObject type.</param>
    /// <param name="id">The record id.</param>
    /// <param name="systemModstamp">The new value (kept to the millisecond).</param>
    public void SetSystemModstamp(string objectName, string id, DateTimeOffset systemModstamp)
        => SetTimestamps(objectName, id, systemModstamp);

    /// <summary>Sets a record's audit timestamps; <see langword="null"/> leaves one unchanged.</summary>
    /// <param name="objectName">The sObject type.</param>
    /// <param name="id">The record id.</param>
    /// <param name="systemModstamp">The new <c>SystemModstamp</c>.</param>
    /// <param name="lastModifiedDate">The new <c>LastModifiedDate</c>.</param>
    /// <param name="createdDate">The new <c>CreatedDate</c>.</param>
    public void SetTimestamps(string objectName, string id, DateTimeOffset? systemModstamp = null, DateTimeOffset? lastModifiedDate = null, DateTimeOffset? createdDate = null)
    {
        lock (_gate)
        {
            var obj = Object(objectName);
            _store.SetTimestamps(Record(obj, id, includeDeleted: true), systemModstamp, lastModifiedDate, createdDate);
        }
    }

    /// <summary>Adds a custom field (API name ending in <c>__c</c>), e.g. an external id used for upserts.</summary>
    /// <param name="objectName">The sObject type.</param>
    /// <param name="fieldName">The field's API name, ending in <c>__c</c>.</param>
    /// <param name="type">The type: <c>string</c>, <c>textarea</c>, <c>email</c>, <c>phone</c>, <c>url</c>, <c>picklist</c>, <c>boolean</c>, <c>double</c>, <c>currency</c>, <c>percent</c>, <c>int</c>, <c>date</c> or <c>datetime</c>.</param>
    /// <param name="externalId">Whether the field is an external id (usable in <c>/sobjects/{Type}/{field}/{value}</c>).</param>
    /// <param name="unique">Whether values must be unique.</param>
    /// <param name="length">The length of a text field (default 255).</param>
    public void DefineCustomField(string objectName, string fieldName, string type = "string", bool externalId = false, bool unique = false, int? length = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(fieldName);
        ArgumentException.ThrowIfNullOrEmpty(type);
        lock (_gate)
        {
            _store.Schema.AddCustomField(objectName, fieldName, type, externalId, unique, length);
        }
    }

    /// <summary>Adds a custom field with its full description (picklist values, restriction, precision, scale, updateability).</summary>
    /// <param name="field">The field.</param>
    public void DefineCustomField(SalesforceCustomField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        lock (_gate)
        {
            _store.Schema.AddCustomField(field);
        }
    }

    private static InvalidOperationException Failure(SfSaveResult result)
        => new(string.Join("; ", result.Errors.Select(e => $"{e.Code}: {e.Message}" + (e.Fields.Count > 0 ? $" [{string.Join(", ", e.Fields)}]" : string.Empty))));

    private static Dictionary<string, object?> Values(SfObject obj, SfRecord record)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var field in obj.Fields)
        {
            values[field.Name] = SfValues.ToClr(field, field.Compute is { } compute ? compute(record) : record.Get(field.Name));
        }

        return values;
    }

    private static Dictionary<string, object?> Convert(SfObject obj, IReadOnlyDictionary<string, object?> fields)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, raw) in fields)
        {
            var field = obj.Field(name) ?? throw new ArgumentException($"No such column '{name}' on sobject of type {obj.Name}", nameof(fields));
            if (field.Calculated)
            {
                throw new ArgumentException($"Field '{field.Name}' of {obj.Name} is calculated and cannot be set.", nameof(fields));
            }

            if (!SfValues.TryCoerce(field, raw, fromJson: false, out var value, out var error))
            {
                throw new ArgumentException(error, nameof(fields));
            }

            values[field.Name] = value;
        }

        return values;
    }

    private SfObject Object(string objectName)
    {
        ArgumentException.ThrowIfNullOrEmpty(objectName);
        return _store.Schema.Find(objectName) ?? throw new ArgumentException($"sObject type '{objectName}' is not supported.", nameof(objectName));
    }

    private SfRecord Record(SfObject obj, string id, bool includeDeleted)
    {
        var record = _store.Find(id);
        if (record is null || record.Type != obj.StorageName || (record.IsDeleted && !includeDeleted))
        {
            throw new KeyNotFoundException($"No {obj.Name} record with id '{id}'.");
        }

        return record;
    }
}
