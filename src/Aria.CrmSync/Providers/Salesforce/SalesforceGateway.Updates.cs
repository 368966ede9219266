using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aria.CrmSync.Fields;
using Aria.CrmSync.Gateways.Http;

namespace Aria.CrmSync.Providers.Salesforce;

/// <content>Opportunity updates: sObject Collections PATCH, 200 per call, with a precondition check on the modstamp and the values read.</content>
internal sealed partial class SalesforceGateway
{
    /// <summary>
    /// Writes field changes with sObject Collections (<c>PATCH /composite/sobjects</c>, <c>allOrNone=false</c>, 200
    /// per call, per-record results in order). Collections has no per-record precondition, so updates carrying
    /// <see cref="CrmRecordUpdate.IfUnmodifiedSince"/> are checked first against the records' current
    /// <c>SystemModstamp</c> and, because that is whole seconds, the current values of the fields about to be written
    /// against <see cref="CrmRecordUpdate.ExpectedValues"/> (one Collections retrieve per 2,000 ids, system changes
    /// included); changed or missing records are refused with <see cref="CrmWriteResult.PreconditionFailed"/> /
    /// <c>NOT_FOUND</c> and not written. (Per-record <c>If-Unmodified-Since</c> headers in Composite would cost one call
    /// per 25 records and compare <c>LastModifiedDate</c> at second granularity.)
    /// </summary>
    public async Task<IReadOnlyList<CrmWriteResult>> UpdateRecordsAsync(CrmConnection connection, IReadOnlyList<CrmRecordUpdate> updates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(updates);
        if (updates.Count == 0)
        {
            return [];
        }

        var custom = RecordFieldsOf(connection);
        for (var i = 0; i < updates.Count; i++)
        {
            var update = updates[i] ?? throw new CrmSyncValidationException($"updates[{i}] is null.", $"updates[{i}]", Salesforce);
            RequireWritable(update, i, custom);
        }

        var call = Begin(connection);
        var results = new CrmWriteResult?[updates.Count];

        // 1. Custom fields' metadata (cached: their types decide the JSON values) and the preconditions: refuse records
        //    changed since they were read. A failure here wrote nothing.
        CrmObjectMetadata? metadata = null;
        try
        {
            var used = CustomFieldsUsed(updates, custom);
            if (used.Count > 0)
            {
                metadata = await _recordFields.MetadataAsync(connection, used, cancellationToken).ConfigureAwait(false);
            }

            await CheckPreconditionsAsync(call, updates, custom, metadata, results, cancellationToken).ConfigureAwait(false);
        }
        catch (CrmSyncException ex)
        {
            throw CrmWriteFailure.RethrowNothingWritten(ex);
        }

        // A value that is not of its field's type fails that record here (Salesforce would fail the whole request). The
        // bodies are built again per call below: a batch's bodies are not all held at once (2,000 JSON trees).
        for (var i = 0; i < updates.Count; i++)
        {
            if (results[i] is null)
            {
                try
                {
                    _ = ToPatchRecord(updates[i], i, custom, metadata);
                }
                catch (CrmSyncFieldValueException ex)
                {
                    results[i] = new CrmWriteResult { CrmId = updates[i].CrmId, Success = false, ErrorCode = CrmSyncFieldValueException.ErrorCode, ErrorMessage = ex.Message };
                }
            }
        }

        // 2. The writes, 200 per call; each record succeeds or fails on its own.
        var pending = Enumerable.Range(0, updates.Count).Where(i => results[i] is null).ToList();
        var sent = 0;
        foreach (var chunk in pending.Chunk(CollectionsWriteLimit))
        {
            var body = new JsonObject
            {
                ["allOrNone"] = false,
                ["records"] = new JsonArray([.. chunk.Select(i => (JsonNode?)ToPatchRecord(updates[i], i, custom, metadata))]),
            };

            // A PATCH of fixed values can be repeated safely: the resilience pipeline may retry it.
            CrmHttpResponse response;
            try
            {
                response = await SendJsonAsync(call, HttpMethod.Patch, call.Data("composite/sobjects"), body, Endpoints.CollectionsUpdate, idempotent: true, cancellationToken).ConfigureAwait(false);
            }
            catch (CrmSyncException ex) when (CrmWriteFailure.NotProcessed(ex))
            {
                // Refused unprocessed (e.g. the daily request limit): this and later records were not written.
                if (sent == 0)
                {
                    throw; // carries NothingWritten: no write of the call went out
                }

                CrmWriteFailure.FailUnwritten(updates, results, ex);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                CrmWriteFailure.KeepKnownResults(ex, results); // refused by the precondition check, or answered by an earlier call
                throw;
            }

            sent++;
            using var document = response.Json(Salesforce);
            var saves = SalesforceJson.Array(document.RootElement, Endpoints.CollectionsUpdate, "the update result");
            if (saves.GetArrayLength() != chunk.Length)
            {
                throw SalesforceJson.Unexpected(Endpoints.CollectionsUpdate, $"{saves.GetArrayLength()} results for {chunk.Length} records");
            }

            var k = 0;
            foreach (var save in saves.EnumerateArray())
            {
                var i = chunk[k++];
                results[i] = ToWriteResult(updates[i].CrmId, save, Endpoints.CollectionsUpdate);
                if (results[i] is { Success: false, ErrorCode: { } code } && IsFieldMetadataError(code))
                {
                    _recordFields.Invalidate(connection); // the org's fields are not what the cached describe said
                }
            }
        }

        return results.Select(r => r!).ToList();
    }

    /// <summary>
    /// Refuses the updates whose records changed after <see cref="CrmRecordUpdate.IfUnmodifiedSince"/> (or are gone).
    /// <c>SystemModstamp</c> is whole seconds in a real org ("Regular dateTime fields are full timestamps with a
    /// precision of one second": Object Reference, Primitive Data Types,
    /// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/primitive_data_types.htm),
    /// so an edit in the same second after the engine's read leaves it unchanged. The same retrieve therefore also reads
    /// the fields about to be written and compares them with <see cref="CrmRecordUpdate.ExpectedValues"/>, the values
    /// the merge saw: any difference refuses the write. (<c>If-Unmodified-Since</c> is weak validation against
    /// <c>LastModifiedDate</c> in whole-second HTTP dates, and <c>If-Match</c> ETags exist only for Account rows —
    /// REST API Developer Guide, Conditional Request Headers,
    /// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api/intro_rest_conditional_requests.htm.)
    /// </summary>
    private async Task CheckPreconditionsAsync(SalesforceCall call, IReadOnlyList<CrmRecordUpdate> updates, IReadOnlyList<string> custom, CrmObjectMetadata? metadata, CrmWriteResult?[] results, CancellationToken cancellationToken)
    {
        var conditional = Enumerable.Range(0, updates.Count).Where(i => updates[i].IfUnmodifiedSince is not null).ToList();
        var columns = new List<string> { "Id", "SystemModstamp" };
        foreach (var i in conditional)
        {
            foreach (var field in updates[i].ExpectedValues?.Keys ?? [])
            {
                if (ColumnOf(field, custom) is { } column && !columns.Contains(column, StringComparer.OrdinalIgnoreCase))
                {
                    columns.Add(column);
                }
            }
        }

        foreach (var chunk in conditional.Chunk(CollectionsReadLimit))
        {
            // Each row is checked while the response is parsed, against every update of its record.
            var byId = chunk.ToLookup(i => updates[i].CrmId, StringComparer.Ordinal);
            var ids = byId.Select(g => g.Key).ToList();
            await RetrieveAsync(call, ids, columns, (r, row) =>
            {
                foreach (var i in byId[ids[r]])
                {
                    if (Precondition(updates[i], row, custom, metadata) is { } refused)
                    {
                        results[i] = refused;
                    }
                }
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The refusal of <paramref name="update"/> given its record's current row, or <see langword="null"/> when its precondition holds.</summary>
    private CrmWriteResult? Precondition(CrmRecordUpdate update, JsonElement? current, IReadOnlyList<string> custom, CrmObjectMetadata? metadata)
    {
        if (current is not { } row)
        {
            return new CrmWriteResult { CrmId = update.CrmId, Success = false, ErrorCode = "NOT_FOUND", ErrorMessage = "The opportunity does not exist or was deleted." };
        }

        var modstamp = SalesforceJson.DateTime(row, "SystemModstamp", Endpoints.CollectionsRetrieve) ?? DateTimeOffset.MaxValue;
        var changedField = TruncateToMilliseconds(modstamp) > TruncateToMilliseconds(update.IfUnmodifiedSince!.Value)
            ? "SystemModstamp"
            : ChangedField(row, update.ExpectedValues, custom, metadata);
        if (changedField is null)
        {
            return null;
        }

        SalesforceLog.PreconditionFailed(_logger, update.CrmId);
        return new CrmWriteResult
        {
            CrmId = update.CrmId,
            Success = false,
            ErrorCode = CrmWriteResult.PreconditionFailed,
            ErrorMessage = changedField == "SystemModstamp"
                ? "The opportunity was modified after the time given in IfUnmodifiedSince; nothing was written."
                : $"The opportunity's {changedField} no longer holds the value read (changed in the same second as the read); nothing was written.",
            LastModifiedAt = modstamp,
        };
    }

    /// <summary>
    /// The first written field whose current value differs from the value the engine read, or <see langword="null"/>.
    /// Custom fields compare in canonical form by their describe type (<see cref="CrmRecordFields.SameValue"/>).
    /// </summary>
    private static string? ChangedField(JsonElement row, IReadOnlyDictionary<string, string?>? expected, IReadOnlyList<string> custom, CrmObjectMetadata? metadata)
    {
        if (expected is null)
        {
            return null;
        }

        foreach (var (field, value) in expected)
        {
            if (custom.Contains(field, StringComparer.Ordinal))
            {
                var current = FieldText(row, field, Endpoints.CollectionsRetrieve);
                if (!CrmRecordFields.SameValue(Salesforce, field, metadata is null ? null : CrmRecordFields.Find(metadata, field), value, current))
                {
                    return field;
                }

                continue;
            }

            var now = field switch
            {
                CrmFields.Stage => SalesforceJson.String(row, "StageName", Endpoints.CollectionsRetrieve),
                CrmFields.Name => SalesforceJson.String(row, "Name", Endpoints.CollectionsRetrieve) ?? string.Empty,
                CrmFields.Amount => Serialization.CanonicalValue.FromDecimal(SalesforceJson.Decimal(row, "Amount", Endpoints.CollectionsRetrieve)),
                CrmFields.CloseDate => Serialization.CanonicalValue.FromDate(SalesforceJson.Date(row, "CloseDate", Endpoints.CollectionsRetrieve)),
                _ => value, // not a column the gateway writes: nothing to compare
            };
            if (!string.Equals(now, value, StringComparison.Ordinal))
            {
                return ColumnOf(field, custom);
            }
        }

        return null;
    }

    private static string? ColumnOf(string field, IReadOnlyList<string> custom) => field switch
    {
        CrmFields.Stage => "StageName",
        CrmFields.Name => "Name",
        CrmFields.Amount => "Amount",
        CrmFields.CloseDate => "CloseDate",
        _ when custom.Contains(field, StringComparer.Ordinal) => field,
        _ => null,
    };

    /// <summary>The custom fields the updates write, or compare in a precondition.</summary>
    private static List<string> CustomFieldsUsed(IReadOnlyList<CrmRecordUpdate> updates, IReadOnlyList<string> custom)
        => custom.Count == 0
            ? []
            : custom.Where(c => updates.Any(u => u.Fields.ContainsKey(c) || (u.IfUnmodifiedSince is not null && u.ExpectedValues?.ContainsKey(c) == true))).ToList();

    /// <summary>Refuses, before any call, an update without an id or fields, or with a field that is neither a <see cref="CrmFields"/> name nor one of the connection's custom fields.</summary>
    private static void RequireWritable(CrmRecordUpdate update, int index, IReadOnlyList<string> custom)
    {
        SalesforceIds.Require(update.CrmId, $"updates[{index}].CrmId");
        if (update.Fields is null || update.Fields.Count == 0)
        {
            throw new CrmSyncValidationException($"updates[{index}] has no fields to write.", $"updates[{index}].Fields", Salesforce);
        }

        var standard = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (field, value) in update.Fields)
        {
            if (!custom.Contains(field, StringComparer.Ordinal))
            {
                standard[field] = value;
            }
        }

        WriteFields(new JsonObject(), standard, $"updates[{index}].Fields"); // the standard fields' checks, before any call
    }

    /// <exception cref="CrmSyncFieldValueException">A custom field's value is not of the field's type.</exception>
    private static JsonObject ToPatchRecord(CrmRecordUpdate update, int index, IReadOnlyList<string> custom, CrmObjectMetadata? metadata)
    {
        var record = new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Opportunity" }, ["id"] = update.CrmId };
        var standard = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (field, value) in update.Fields)
        {
            if (custom.Contains(field, StringComparer.Ordinal))
            {
                record[field] = ToJson(field, metadata is null ? null : CrmRecordFields.Find(metadata, field), value);
            }
            else
            {
                standard[field] = value;
            }
        }

        WriteFields(record, standard, $"updates[{index}].Fields");
        return record;
    }

    /// <summary>Sets Opportunity fields from <see cref="CrmFields"/> values, validating each.</summary>
    private static void WriteFields(JsonObject record, IReadOnlyDictionary<string, string?> fields, string pathPrefix)
    {
        foreach (var (field, value) in fields)
        {
            var path = $"{pathPrefix}[{field}]";
            switch (field)
            {
                case CrmFields.Stage:
                    record["StageName"] = value;
                    break;
                case CrmFields.Name:
                    record["Name"] = value;
                    break;
                case CrmFields.Amount:
                    record["Amount"] = value is null ? null
                        : decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount) ? JsonValue.Create(amount)
                        : throw new CrmSyncValidationException($"{path} is not a decimal number.", path, Salesforce);
                    break;
                case CrmFields.CloseDate:
                    record["CloseDate"] = value is null ? null
                        : DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? value
                        : throw new CrmSyncValidationException($"{path} is not a yyyy-MM-dd date.", path, Salesforce);
                    break;
                default:
                    throw new CrmSyncValidationException($"{path}: the Salesforce gateway writes stage, amount, close_date, name and the connection's RecordFields.", path, Salesforce);
            }
        }
    }

    private static CrmWriteResult ToWriteResult(string crmId, JsonElement save, string endpoint)
    {
        SalesforceJson.Object(save, endpoint, "a save result");
        if (SalesforceJson.Bool(save, "success", endpoint) == true)
        {
            return new CrmWriteResult { CrmId = crmId, Success = true };
        }

        var errors = save.TryGetProperty("errors", out var list) ? SalesforceError.ReadAll(list) : [];
        var error = errors.FirstOrDefault() ?? new SalesforceError("UNKNOWN_ERROR", "Salesforce reported a failure without an error.", []);
        return new CrmWriteResult
        {
            CrmId = crmId,
            Success = false,
            ErrorCode = error.Code,
            ErrorMessage = error.Fields.Count > 0 ? $"{error.Message} [{string.Join(", ", error.Fields)}]" : error.Message,
            IsTransient = error.IsTransient,
        };
    }

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value)
        => new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
