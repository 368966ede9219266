using System.Globalization;
using System.Net;
using System.Text.Json;
using Aria.CrmSync.Gateways.Http;

namespace Aria.CrmSync.Providers.HubSpot;

/// <content>
/// Batch updates. HubSpot has no conditional update (no ETag, no version): for updates carrying
/// <see cref="CrmRecordUpdate.IfUnmodifiedSince"/> the gateway reads <c>hs_lastmodifieddate</c> of the batch's deals
/// in one batch read just before the write and reports <see cref="CrmWriteResult.PreconditionFailed"/> for deals
/// changed since — one extra call per 100 updates, which narrows the lost-update window from the length of a sync
/// run to the gap between two requests. The same read gives each deal's pipeline for stage translation. The batches are
/// written one after another, in order; each batch's read goes out beside the previous batch's write (unless the two
/// batches share a deal), so a large write keeps two calls in flight and its window is at most one write call wider.
/// </content>
internal sealed partial class HubSpotGateway
{
    private static readonly string[] PreconditionProperties = ["hs_lastmodifieddate", "pipeline", "dealstage"];

    public async Task<IReadOnlyList<CrmWriteResult>> UpdateRecordsAsync(CrmConnection connection, IReadOnlyList<CrmRecordUpdate> updates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(updates);
        var custom = RecordFieldsOf(connection);
        var prepared = new List<(int Index, CrmRecordUpdate Update, Dictionary<string, string> Properties)>(updates.Count);
        for (var i = 0; i < updates.Count; i++)
        {
            var update = updates[i] ?? throw new CrmSyncValidationException($"Update {i} is null.", nameof(updates), CrmProvider.HubSpot);
            RequireId(update.CrmId, nameof(CrmRecordUpdate.CrmId));
            prepared.Add((i, update, ToProperties(update, custom)));
        }

        // Preconditions on custom properties compare by the properties' types (cached property metadata).
        var compared = custom.Where(c => updates.Any(u => u.IfUnmodifiedSince is not null && u.ExpectedValues?.ContainsKey(c) == true)).ToList();
        Fields.CrmObjectMetadata? metadata = null;
        if (compared.Count > 0)
        {
            try
            {
                metadata = await _recordFields.MetadataAsync(connection, compared, cancellationToken).ConfigureAwait(false);
            }
            catch (CrmSyncException ex)
            {
                throw CrmWriteFailure.RethrowNothingWritten(ex);
            }
        }

        var results = new CrmWriteResult?[updates.Count];
        var done = 0;
        var chunks = ChunkDistinct(prepared).ToList();
        var properties = new ComparedProperties(compared, metadata);
        using var ahead = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<PreWriteRead>? next = null;
        try
        {
            for (var k = 0; k < chunks.Count; k++)
            {
                var chunk = chunks[k];
                try
                {
                    PreWriteRead read;
                    try
                    {
                        read = await (next ?? ReadBeforeWriteAsync(connection, chunk, compared, ahead.Token)).ConfigureAwait(false);
                    }
                    catch (CrmSyncException ex) when (done == 0)
                    {
                        throw CrmWriteFailure.RethrowNothingWritten(ex); // the reads before the first write failed: no deal was written
                    }

                    // The next batch's read goes out beside this batch's write, unless it holds a deal this one writes.
                    next = k + 1 < chunks.Count && !SharesADeal(chunk, chunks[k + 1])
                        ? ReadBeforeWriteAsync(connection, chunks[k + 1], compared, ahead.Token)
                        : null;
                    await UpdateChunkAsync(connection, chunk, read, results, properties, cancellationToken).ConfigureAwait(false);
                    done += chunk.Count;
                }
                catch (CrmSyncException ex) when (done > 0 && CrmWriteFailure.NotProcessed(ex))
                {
                    // Earlier batches were written and this one was refused unprocessed (e.g. rate-limited): report the
                    // written ones, and this and later updates as retryable. A failure that may have written propagates.
                    CrmWriteFailure.FailUnwritten(updates, results, ex);
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            CrmWriteFailure.KeepKnownResults(ex, results); // refused before sending, or answered by an earlier batch
            throw;
        }
        finally
        {
            await AbandonAsync(next, ahead).ConfigureAwait(false);
        }

        return results.Select((r, i) => r ?? new CrmWriteResult { CrmId = updates[i].CrmId, Success = false, ErrorCode = "NO_RESULT", ErrorMessage = "HubSpot returned no result for the update", IsTransient = true, Outcome = CrmWriteOutcome.Unknown }).ToList();
    }

    /// <summary>A batch's pre-write read: its deals by id (null when no update needs them) and the pipelines of its stages.</summary>
    private sealed record PreWriteRead(Dictionary<string, HubSpotObjectData>? Current, HubSpotPipelineSet? Pipelines);

    /// <summary>
    /// Reads what a batch's write checks: the deals' modification times, pipelines and compared properties when an update
    /// carries a precondition or a stage, and the pipelines of its stages.
    /// </summary>
    private async Task<PreWriteRead> ReadBeforeWriteAsync(CrmConnection connection, List<(int Index, CrmRecordUpdate Update, Dictionary<string, string> Properties)> chunk, IReadOnlyList<string> compared, CancellationToken cancellationToken)
    {
        var needsStage = chunk.Exists(c => c.Properties.ContainsKey("dealstage"));
        Dictionary<string, HubSpotObjectData>? current = null;
        HubSpotPipelineSet? pipelines = null;
        if (needsStage || chunk.Exists(c => c.Update.IfUnmodifiedSince is not null))
        {
            IReadOnlyList<string> properties = compared.Count == 0 ? PreconditionProperties : [.. PreconditionProperties.Union(compared, StringComparer.Ordinal)];
            var read = await BatchReadAsync(connection, "deals", chunk.Select(c => c.Update.CrmId).ToList(), properties, cancellationToken).ConfigureAwait(false);
            current = read.ToDictionary(d => d.Id, StringComparer.Ordinal);
        }

        if (needsStage)
        {
            pipelines = await PipelinesAsync(connection, [.. chunk.Where(c => c.Properties.ContainsKey("dealstage")).Select(c => ((string?)null, c.Properties["dealstage"]))], cancellationToken).ConfigureAwait(false);
        }

        return new PreWriteRead(current, pipelines);
    }

    /// <summary>Whether a batch holds a deal the batch before it writes (its read must then wait for that write).</summary>
    private static bool SharesADeal(List<(int Index, CrmRecordUpdate Update, Dictionary<string, string> Properties)> written, List<(int Index, CrmRecordUpdate Update, Dictionary<string, string> Properties)> next)
    {
        var ids = written.Select(w => w.Update.CrmId).ToHashSet(StringComparer.Ordinal);
        return next.Exists(n => ids.Contains(n.Update.CrmId));
    }

    /// <summary>Stops a pre-write read no batch will use (a write failed or was refused) and observes its end.</summary>
    private static async Task AbandonAsync(Task<PreWriteRead>? read, CancellationTokenSource ahead)
    {
        if (read is null)
        {
            return;
        }

        await ahead.CancelAsync().ConfigureAwait(false);
        try
        {
            await read.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or CrmSyncException)
        {
            // Nothing was written on its account; the updates it was for are reported by the loop.
        }
    }

    private async Task UpdateChunkAsync(CrmConnection connection, List<(int Index, CrmRecordUpdate Update, Dictionary<string, string> Properties)> chunk, PreWriteRead read, CrmWriteResult?[] results, ComparedProperties compared, CancellationToken cancellationToken)
    {
        var (current, pipelines) = read;
        var inputs = new List<(int Index, CrmRecordUpdate Update, Dictionary<string, string> Properties)>(chunk.Count);
        foreach (var (index, update, properties) in chunk)
        {
            HubSpotObjectData? deal = null;
            if (current is not null && !current.TryGetValue(update.CrmId, out deal))
            {
                results[index] = Failed(update.CrmId, "OBJECT_NOT_FOUND", $"HubSpot deal {update.CrmId} does not exist (deleted or merged)", transient: false);
                continue;
            }

            if (update.IfUnmodifiedSince is { } since && deal?.LastModified is { } modified && modified > since)
            {
                results[index] = Failed(update.CrmId, CrmWriteResult.PreconditionFailed,
                    $"HubSpot deal {update.CrmId} was modified at {HubSpotJson.FormatTime(modified)}, after {HubSpotJson.FormatTime(since)}", transient: false) with
                { LastModifiedAt = modified };
                continue;
            }

            if (update.IfUnmodifiedSince is not null && deal is not null && ChangedProperty(deal, update.ExpectedValues, compared.Names, compared.Metadata) is { } changed)
            {
                results[index] = Failed(update.CrmId, CrmWriteResult.PreconditionFailed,
                    $"HubSpot deal {update.CrmId}: the property {changed} no longer holds the value read; nothing was written", transient: false) with
                { LastModifiedAt = deal.LastModified };
                continue;
            }

            if (pipelines is not null && properties.TryGetValue("dealstage", out var stage))
            {
                var (translated, error) = pipelines.Translate(stage, deal?["pipeline"]);
                if (translated is null)
                {
                    results[index] = Failed(update.CrmId, "STAGE_NOT_MAPPED", $"HubSpot deal {update.CrmId}: {error}", transient: false);
                    continue;
                }

                properties["dealstage"] = translated;
            }

            inputs.Add((index, update, properties));
        }

        if (inputs.Count == 0)
        {
            return;
        }

        // Refused unprocessed, the write fails with CrmWriteOutcome.NothingWritten: the call's outcome when it is the first
        // batch; after earlier batches UpdateRecordsAsync reports it per record instead.
        var response = await SendUpdateAsync(connection, inputs, cancellationToken).ConfigureAwait(false);
        ReadBatchOutcome(response, inputs.Select(i => (i.Index, i.Update.CrmId)).ToList(), results);
    }

    private Task<CrmHttpResponse> SendUpdateAsync(CrmConnection connection, List<(int Index, CrmRecordUpdate Update, Dictionary<string, string> Properties)> inputs, CancellationToken cancellationToken)
        => CallAsync(
            connection,
            HttpMethod.Post,
            Paths(connection).Batch("deals", "update"),
            w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("inputs");
                foreach (var (index, update, properties) in inputs)
                {
                    w.WriteStartObject();
                    w.WriteString("id", update.CrmId);
                    w.WriteString("objectWriteTraceId", index.ToString(CultureInfo.InvariantCulture));
                    w.WriteStartObject("properties");
                    foreach (var (name, value) in properties)
                    {
                        w.WriteString(name, value);
                    }

                    w.WriteEndObject();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            },
            "deals.batch.update",
            idempotent: true, // fixed values: repeating the write after a lost response changes nothing more
            search: false,
            cancellationToken,
            HttpStatusCode.MultiStatus);

    /// <summary>Reads a batch write's 200/207 body: results by id, errors by <c>objectWriteTraceId</c> (or by ids).</summary>
    private static void ReadBatchOutcome(CrmHttpResponse response, IReadOnlyList<(int Index, string CrmId)> inputs, CrmWriteResult?[] results)
    {
        using var document = response.Json(CrmProvider.HubSpot);
        var root = HubSpotJson.RootObject(document, response);
        var byId = inputs.ToDictionary(i => i.CrmId, i => i.Index, StringComparer.Ordinal);
        var byTrace = inputs.ToDictionary(i => i.Index.ToString(CultureInfo.InvariantCulture), i => i, StringComparer.Ordinal);
        foreach (var item in HubSpotJson.Array(root, "results", response))
        {
            var deal = HubSpotJson.Object(item, response);
            if (byId.TryGetValue(deal.Id, out var index))
            {
                results[index] = new CrmWriteResult { CrmId = deal.Id, Success = true, LastModifiedAt = deal.LastModified };
            }
        }

        foreach (var error in HubSpotJson.Array(root, "errors", response))
        {
            var category = HubSpotJson.Text(error, "category") ?? "ERROR";
            var message = HubSpotJson.Text(error, "message") ?? category;
            var transient = category is "RATE_LIMITS" or "INTERNAL_ERROR" or "SERVICE_UNAVAILABLE" or "LOCKED" or "BAD_GATEWAY";
            var context = HubSpotJson.Child(error, "context");
            foreach (var trace in ContextValues(context, "objectWriteTraceId"))
            {
                if (byTrace.TryGetValue(trace, out var input) && results[input.Index] is null)
                {
                    results[input.Index] = Failed(input.CrmId, category, message, transient);
                }
            }

            foreach (var id in ContextValues(context, "ids"))
            {
                if (byId.TryGetValue(id, out var index) && results[index] is null)
                {
                    results[index] = Failed(id, category, message, transient);
                }
            }
        }
    }

    private static IEnumerable<string> ContextValues(JsonElement? context, string name)
        => context is { } c && HubSpotJson.Child(c, name) is { ValueKind: JsonValueKind.Array } values
            ? values.EnumerateArray().Select(HubSpotJson.Text).OfType<string>().ToList()
            : [];

    /// <summary>The custom properties compared in preconditions, and their metadata.</summary>
    private sealed record ComparedProperties(IReadOnlyList<string> Names, Fields.CrmObjectMetadata? Metadata);

    private static CrmWriteResult Failed(string crmId, string code, string message, bool transient)
        => new() { CrmId = crmId, Success = false, ErrorCode = code, ErrorMessage = message, IsTransient = transient };

    /// <summary>Splits updates into batches of at most 100 with no deal twice in one batch (HubSpot refuses duplicate ids).</summary>
    private static IEnumerable<List<(int Index, CrmRecordUpdate Update, Dictionary<string, string> Properties)>> ChunkDistinct(List<(int Index, CrmRecordUpdate Update, Dictionary<string, string> Properties)> prepared)
    {
        var chunk = new List<(int, CrmRecordUpdate, Dictionary<string, string>)>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in prepared)
        {
            if (chunk.Count == BatchLimit || !ids.Add(item.Update.CrmId))
            {
                yield return chunk;
                chunk = [];
                ids.Clear();
                ids.Add(item.Update.CrmId);
            }

            chunk.Add(item);
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    /// <summary>Translates <see cref="CrmFields"/> and the connection's custom properties to deal properties (an empty string clears a property).</summary>
    private static Dictionary<string, string> ToProperties(CrmRecordUpdate update, IReadOnlyList<string> custom)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, value) in update.Fields ?? throw new CrmSyncValidationException($"The update of {update.CrmId} has no fields.", nameof(CrmRecordUpdate.Fields), CrmProvider.HubSpot))
        {
            switch (field)
            {
                case CrmFields.Name:
                    properties["dealname"] = value ?? string.Empty;
                    break;
                case CrmFields.Stage:
                    if (string.IsNullOrWhiteSpace(value))
                    {
                        throw new CrmSyncValidationException($"The stage of deal {update.CrmId} cannot be cleared.", field, CrmProvider.HubSpot);
                    }

                    properties["dealstage"] = value.Trim();
                    break;
                case CrmFields.Amount:
                    if (value is not null && !decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
                    {
                        throw new CrmSyncValidationException($"'{value}' is not a decimal amount.", field, CrmProvider.HubSpot);
                    }

                    properties["amount"] = value ?? string.Empty;
                    break;
                case CrmFields.CloseDate:
                    if (value is null)
                    {
                        properties["closedate"] = string.Empty;
                    }
                    else if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                    {
                        properties["closedate"] = HubSpotJson.FormatTime(new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)); // midnight UTC
                    }
                    else
                    {
                        throw new CrmSyncValidationException($"'{value}' is not a yyyy-MM-dd close date.", field, CrmProvider.HubSpot);
                    }

                    break;
                case var property when custom.Contains(property, StringComparer.Ordinal):
                    properties[property] = value ?? string.Empty; // the engine's wire text (CrmFieldValues.FormatCrm); "" clears
                    break;
                default:
                    throw new CrmSyncValidationException($"'{field}' is not a field the HubSpot gateway writes (use CrmFields names or the connection's RecordFields).", field, CrmProvider.HubSpot);
            }
        }

        return properties;
    }
}
