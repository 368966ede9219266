using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Gateways.Http;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.ThirdPartyGateway.Tests.Dealbook;

/// <summary>
/// The Dealbook gateway, written against the public toolkit only (<see cref="CrmHttpGateway"/>, <see cref="CrmRateGate"/>,
/// <see cref="CrmWriteFailure"/>): reads, keyset change pages, batched conditional updates, notes found again by their
/// client reference, activities, and Dealbook's error bodies mapped to the library's typed exceptions.
/// </summary>
public sealed class DealbookGateway : CrmHttpGateway, ICrmGateway
{
    private readonly IOptionsMonitor<DealbookOptions> _options;

    public DealbookGateway(IHttpClientFactory clients, IOptionsMonitor<DealbookOptions> options, TimeProvider time, CrmSyncTelemetry telemetry)
        : base(() => clients.CreateClient(DealbookOptions.HttpClientName), new CrmRateGate(DealbookBuilderExtensions.Dealbook, _ => options.CurrentValue.RateLimits, time), time, telemetry)
        => _options = options;

    public CrmProvider Provider => DealbookBuilderExtensions.Dealbook;

    public int MaxUpdateBatchSize => DealbookServer.MaxBatch;

    protected override CrmProvider ProviderKind => Provider;

    public async Task<CrmRecord?> GetRecordAsync(CrmConnection connection, string crmId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(crmId);
        var response = await GetAsync(connection, $"v1/deals/{Uri.EscapeDataString(crmId)}", "dealbook.deals.get", cancellationToken, HttpStatusCode.NotFound).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            return null;
        }

        using var json = response.Json(Provider);
        return ToRecord(Data(json, response));
    }

    public async Task<IReadOnlyList<CrmRecord>> GetRecordsAsync(CrmConnection connection, IReadOnlyList<string> crmIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(crmIds);
        var records = new List<CrmRecord>(crmIds.Count);
        foreach (var chunk in crmIds.Distinct(StringComparer.Ordinal).Chunk(DealbookServer.MaxBatch))
        {
            var response = await GetAsync(connection, "v1/deals?ids=" + string.Join(',', chunk.Select(Uri.EscapeDataString)), "dealbook.deals.list", cancellationToken).ConfigureAwait(false);
            using var json = response.Json(Provider);
            records.AddRange(Data(json, response).EnumerateArray().Select(ToRecord));
        }

        return records;
    }

    public IAsyncEnumerable<CrmChangePage> GetChangesAsync(CrmConnection connection, CrmCursor? since, CancellationToken cancellationToken = default)
        => PagesAsync(connection, "v1/deals/changes", "dealbook.deals.changes", since, ToRecord, (records, cursor) => new CrmChangePage(records, cursor, []), cancellationToken);

    public IAsyncEnumerable<CrmActivityPage> GetActivityChangesAsync(CrmConnection connection, CrmCursor? since, CancellationToken cancellationToken = default)
        => PagesAsync(connection, "v1/activities/changes", "dealbook.activities.changes", since, ToActivity, (activities, cursor) => new CrmActivityPage(activities, cursor), cancellationToken);

    public async IAsyncEnumerable<CrmActivity> GetActivitiesAsync(CrmConnection connection, string crmId, DateTimeOffset? since = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(crmId);
        var path = $"v1/deals/{Uri.EscapeDataString(crmId)}/activities" + (since is { } s ? "?since=" + Uri.EscapeDataString(Format(s)) : string.Empty);
        var response = await GetAsync(connection, path, "dealbook.deals.activities", cancellationToken, HttpStatusCode.NotFound).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            yield break;
        }

        List<CrmActivity> activities;
        using (var json = response.Json(Provider))
        {
            activities = Data(json, response).EnumerateArray().Select(ToActivity).ToList();
        }

        foreach (var activity in activities)
        {
            yield return activity;
        }
    }

    public async Task<IReadOnlyList<CrmWriteResult>> UpdateRecordsAsync(CrmConnection connection, IReadOnlyList<CrmRecordUpdate> updates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updates);
        foreach (var update in updates)
        {
            foreach (var field in update.Fields.Keys)
            {
                if (field is not (CrmFields.Name or CrmFields.Stage or CrmFields.Amount or CrmFields.CloseDate))
                {
                    throw new CrmSyncValidationException($"Dealbook deals have no field '{field}'.", field, Provider);
                }
            }
        }

        var results = new CrmWriteResult?[updates.Count];
        for (var start = 0; start < updates.Count; start += DealbookServer.MaxBatch)
        {
            var chunk = updates.Skip(start).Take(DealbookServer.MaxBatch).ToList();
            CrmHttpResponse response;
            try
            {
                response = await SendWithRateLimitRetriesAsync(connection, HttpMethod.Post, Address("v1/deals/batch-update"), () => BatchBody(chunk), "dealbook.deals.batch_update", idempotent: true, _options.CurrentValue.MaxRateLimitRetries, cancellationToken).ConfigureAwait(false);
            }
            catch (CrmSyncException ex) when (start > 0)
            {
                if (CrmWriteFailure.NothingWritten(ex))
                {
                    CrmWriteFailure.FailUnwritten(updates, results, ex); // this batch and the later ones were not written
                    return results!;
                }

                CrmWriteFailure.KeepKnownResults(ex, results); // the earlier batches' results stand; this one is unknown
                throw;
            }

            using var json = response.Json(Provider);
            var answered = Data(json, response).EnumerateArray().ToDictionary(r => Text(r, "id") ?? string.Empty, StringComparer.Ordinal);
            for (var i = 0; i < chunk.Count; i++)
            {
                results[start + i] = answered.TryGetValue(chunk[i].CrmId, out var item)
                    ? ToWriteResult(chunk[i].CrmId, item)
                    : new CrmWriteResult { CrmId = chunk[i].CrmId, Success = false, ErrorCode = "NO_RESULT", ErrorMessage = "Dealbook returned no result for the deal", IsTransient = true, Outcome = CrmWriteOutcome.Unknown };
            }
        }

        return results!;
    }

    public async Task<IReadOnlyList<CrmNoteResult>> CreateNotesAsync(CrmConnection connection, IReadOnlyList<CrmNoteRequest> notes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notes);
        var results = new List<CrmNoteResult>(notes.Count);
        foreach (var note in notes)
        {
            if (note.MayExist && await FindNoteAsync(connection, note, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                results.Add(new CrmNoteResult { IdempotencyKey = note.IdempotencyKey, Success = true, NoteId = existing, AlreadyExisted = true });
                continue;
            }

            try
            {
                var body = new JsonObject { ["deal_id"] = note.CrmId, ["content"] = note.Text, ["client_ref"] = note.IdempotencyKey };
                var response = await SendWithRateLimitRetriesAsync(connection, HttpMethod.Post, Address("v1/notes"), () => JsonContent(body), "dealbook.notes.create", idempotent: false, _options.CurrentValue.MaxRateLimitRetries, cancellationToken).ConfigureAwait(false);
                using var json = response.Json(Provider);
                results.Add(new CrmNoteResult { IdempotencyKey = note.IdempotencyKey, Success = true, NoteId = Text(Data(json, response), "id") });
            }
            catch (CrmRequestException ex)
            {
                // Refused (the deal is gone): a value, not an exception, so the other notes of the call still go out.
                results.Add(new CrmNoteResult { IdempotencyKey = note.IdempotencyKey, Success = false, ErrorCode = ex.ProviderErrorCode, ErrorMessage = ex.Message, IsTransient = ex.WriteOutcome != CrmWriteOutcome.NothingWritten });
            }
        }

        return results;
    }

    protected override void ObserveLimits(CrmConnection connection, CrmHttpResponse response)
    {
        if (int.TryParse(response.Header("X-RateLimit-Remaining"), CultureInfo.InvariantCulture, out var remaining)
            && int.TryParse(response.Header("X-RateLimit-Limit"), CultureInfo.InvariantCulture, out var limit))
        {
            RateGate.Observe(connection, new RateObservation(remaining, limit, null, null));
        }
    }

    protected override CrmSyncException MapError(CrmConnection connection, CrmHttpResponse response)
    {
        string? code = null;
        string? message = null;
        try
        {
            using var json = JsonDocument.Parse(response.Body);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                code = Text(json.RootElement, "error_code");
                message = Text(json.RootElement, "error");
            }
        }
        catch (JsonException)
        {
            // not Dealbook's error body (a proxy's page): described by the status alone
        }

        var status = (int)response.Status;
        return response.Status switch
        {
            HttpStatusCode.Unauthorized => new CrmConnectionException(Provider, $"Dealbook rejected the credentials of connection '{connection.ConnectionKey}' ({code ?? "HTTP 401"}); the user must connect again", requiresReauthorization: true),
            HttpStatusCode.TooManyRequests => new CrmRateLimitedException(Provider, response.RetryAfter(Time.GetUtcNow()), CrmRateLimitScope.Burst, $"Dealbook rate limit reached ({response.Endpoint})"),
            _ when status >= 500 => new CrmConnectionException(Provider, $"Dealbook {response.Endpoint} failed with HTTP {status} {code}"),
            _ => new CrmRequestException(Provider, response.Endpoint, status, code, $"Dealbook {response.Endpoint} failed with HTTP {status} {code}: {message}"),
        };
    }

    private async Task<string?> FindNoteAsync(CrmConnection connection, CrmNoteRequest note, CancellationToken cancellationToken)
    {
        var response = await GetAsync(connection, $"v1/notes?deal_id={Uri.EscapeDataString(note.CrmId)}&client_ref={Uri.EscapeDataString(note.IdempotencyKey)}", "dealbook.notes.find", cancellationToken).ConfigureAwait(false);
        using var json = response.Json(Provider);
        return Data(json, response).EnumerateArray().Select(n => Text(n, "id")).FirstOrDefault();
    }

    private async IAsyncEnumerable<TPage> PagesAsync<TItem, TPage>(
        CrmConnection connection,
        string path,
        string endpoint,
        CrmCursor? since,
        Func<JsonElement, TItem> map,
        Func<IReadOnlyList<TItem>, CrmCursor?, TPage> page,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursor = since;
        while (true)
        {
            var query = $"{path}?limit=100" + (cursor is null ? string.Empty : $"&since={Uri.EscapeDataString(Format(cursor.Timestamp))}" + (cursor.LastId is null ? string.Empty : $"&after_id={Uri.EscapeDataString(cursor.LastId)}"));
            var response = await GetAsync(connection, query, endpoint, cancellationToken).ConfigureAwait(false);
            List<TItem> items;
            bool more;
            using (var json = response.Json(Provider))
            {
                items = Data(json, response).EnumerateArray().Select(map).ToList();
                var extra = json.RootElement.GetProperty("additional_data");
                more = extra.GetProperty("more_items").GetBoolean();
                if (Text(extra, "next_since") is { } next)
                {
                    cursor = new CrmCursor(ParseTime(next, response), Text(extra, "next_after_id"));
                }
            }

            if (items.Count > 0)
            {
                yield return page(items, cursor);
            }

            if (!more || items.Count == 0)
            {
                yield break;
            }
        }
    }

    private Task<CrmHttpResponse> GetAsync(CrmConnection connection, string pathAndQuery, string endpoint, CancellationToken cancellationToken, params HttpStatusCode[] accept)
        => SendWithRateLimitRetriesAsync(connection, HttpMethod.Get, Address(pathAndQuery), () => null, endpoint, idempotent: true, _options.CurrentValue.MaxRateLimitRetries, cancellationToken, accept);

    private Uri Address(string pathAndQuery) => new(_options.CurrentValue.BaseAddress, pathAndQuery);

    private static HttpContent BatchBody(IReadOnlyList<CrmRecordUpdate> chunk)
    {
        var items = new JsonArray();
        foreach (var update in chunk)
        {
            var fields = new JsonObject();
            foreach (var (name, value) in update.Fields)
            {
                switch (name)
                {
                    case CrmFields.Name: fields["title"] = value; break;
                    case CrmFields.Stage: fields["stage"] = value; break;
                    case CrmFields.Amount: fields["value"] = value is null ? null : decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture); break;
                    case CrmFields.CloseDate: fields["expected_close"] = value; break;
                }
            }

            var item = new JsonObject { ["id"] = update.CrmId, ["fields"] = fields };
            if (update.IfUnmodifiedSince is { } since)
            {
                item["if_update_time"] = Format(since); // Dealbook keeps milliseconds: the time read is the precondition
            }

            items.Add(item);
        }

        return JsonContent(new JsonObject { ["items"] = items });
    }

    private static StringContent JsonContent(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private CrmWriteResult ToWriteResult(string crmId, JsonElement item)
    {
        if (Text(item, "status") == "updated")
        {
            return new CrmWriteResult { CrmId = crmId, Success = true, LastModifiedAt = Text(item, "update_time") is { } t ? DateTimeOffset.Parse(t, CultureInfo.InvariantCulture) : null };
        }

        var code = Text(item, "error_code");
        return new CrmWriteResult
        {
            CrmId = crmId,
            Success = false,
            ErrorCode = code == "STALE" ? CrmWriteResult.PreconditionFailed : code,
            ErrorMessage = Text(item, "error"),
            Outcome = CrmWriteOutcome.NothingWritten, // Dealbook applies each item or refuses it
        };
    }

    private CrmRecord ToRecord(JsonElement deal) => new()
    {
        CrmId = Text(deal, "id") ?? throw new CrmSyncDataException("Dealbook returned a deal without an id", "dealbook.deals", Provider),
        Provider = Provider,
        Name = Text(deal, "title") ?? string.Empty,
        Stage = Text(deal, "stage"),
        Amount = deal.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDecimal() : null,
        CloseDate = Text(deal, "expected_close") is { } close ? DateOnly.ParseExact(close, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
        IsClosed = Text(deal, "status") is "won" or "lost",
        IsWon = Text(deal, "status") == "won",
        LastModifiedAt = Text(deal, "update_time") is { } time ? DateTimeOffset.Parse(time, CultureInfo.InvariantCulture) : null,
    };

    private static CrmActivity ToActivity(JsonElement activity) => new()
    {
        ExternalId = Text(activity, "id")!,
        ActivityType = Text(activity, "type") ?? "task",
        CrmRecordId = Text(activity, "deal_id"),
        Subject = Text(activity, "subject"),
        OccurredAt = DateTimeOffset.Parse(Text(activity, "due_time")!, CultureInfo.InvariantCulture),
        LastModifiedAt = DateTimeOffset.Parse(Text(activity, "update_time")!, CultureInfo.InvariantCulture),
    };

    private JsonElement Data(JsonDocument json, CrmHttpResponse response)
        => json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("data", out var data)
            ? data
            : throw new CrmSyncDataException("Dealbook returned a body without data", response.Endpoint, Provider);

    private DateTimeOffset ParseTime(string text, CrmHttpResponse response)
        => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new CrmSyncDataException($"Dealbook returned an unreadable time '{text}'", response.Endpoint, Provider);

    private static string? Text(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
