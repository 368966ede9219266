using System.Globalization;
using System.Net;

namespace Aria.CrmSync.Providers.HubSpot;

/// <content>
/// Notes. HubSpot has no idempotency keys, so the key travels in the note itself: the body ends with the marker
/// <c>[aria-ref:{key}]</c>. A request with <see cref="CrmNoteRequest.MayExist"/> first reads the deal's notes (one v4
/// association batch read for all deals, then batch reads of the notes) and reuses a note carrying the marker.
/// Creation (<c>batch/create</c>, 100 per call, association type 214 note → deal) is never retried by the HTTP
/// pipeline; a failure whose outcome is unknown is reported as transient, and the engine retries with MayExist.
/// </content>
internal sealed partial class HubSpotGateway
{
    internal const int NoteToDealAssociationType = 214;
    private const int MaxNoteBody = 65_536;

    /// <summary>Returns the marker that carries an idempotency key in a note body.</summary>
    internal static string NoteMarker(string key) => $"[aria-ref:{key}]";

    /// <summary>Removes ARIA's idempotency marker from a note body.</summary>
    internal static string? StripNoteMarker(string? body)
    {
        if (body is null)
        {
            return null;
        }

        var at = body.LastIndexOf("[aria-ref:", StringComparison.Ordinal);
        return at >= 0 && body.IndexOf(']', at) is var end && end > at ? (body[..at] + body[(end + 1)..]).TrimEnd() : body;
    }

    public async Task<IReadOnlyList<CrmNoteResult>> CreateNotesAsync(CrmConnection connection, IReadOnlyList<CrmNoteRequest> notes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(notes);
        foreach (var note in notes)
        {
            ArgumentNullException.ThrowIfNull(note, nameof(notes));
            RequireId(note.CrmId, nameof(CrmNoteRequest.CrmId));
            if (string.IsNullOrWhiteSpace(note.IdempotencyKey) || note.IdempotencyKey.Contains(']', StringComparison.Ordinal) || note.IdempotencyKey.Length > 200)
            {
                throw new CrmSyncValidationException("A note idempotency key must be 1 to 200 characters without ']'.", nameof(CrmNoteRequest.IdempotencyKey), CrmProvider.HubSpot);
            }

            if (string.IsNullOrEmpty(note.Text))
            {
                throw new CrmSyncValidationException($"Note {note.IdempotencyKey} has no text.", nameof(CrmNoteRequest.Text), CrmProvider.HubSpot);
            }
        }

        var outcome = new Dictionary<string, CrmNoteResult>(StringComparer.Ordinal);
        var distinct = notes.GroupBy(n => n.IdempotencyKey, StringComparer.Ordinal).Select(g => g.First()).ToList();

        var lookups = distinct.Where(n => n.MayExist).ToList();
        if (lookups.Count > 0)
        {
            try
            {
                var existing = await FindNotesAsync(connection, lookups, cancellationToken).ConfigureAwait(false);
                foreach (var (key, noteId) in existing)
                {
                    outcome[key] = new CrmNoteResult { IdempotencyKey = key, Success = true, NoteId = noteId, AlreadyExisted = true };
                }
            }
            catch (CrmSyncException ex) when (ex is CrmConnectionException or CrmRateLimitedException)
            {
                return notes.Select(n => Transient(n.IdempotencyKey, ex)).ToList(); // cannot know; nothing was written
            }
        }

        var pending = distinct.Where(n => !outcome.ContainsKey(n.IdempotencyKey)).ToList();
        foreach (var note in pending.Where(n => n.Text.Length + NoteMarker(n.IdempotencyKey).Length + 2 > MaxNoteBody))
        {
            outcome[note.IdempotencyKey] = new CrmNoteResult
            {
                IdempotencyKey = note.IdempotencyKey,
                Success = false,
                ErrorCode = "NOTE_TOO_LONG",
                ErrorMessage = $"HubSpot notes hold at most {MaxNoteBody} characters; this one has {note.Text.Length}.",
            };
        }

        CrmSyncException? stopped = null;
        foreach (var chunk in pending.Where(n => !outcome.ContainsKey(n.IdempotencyKey)).Chunk(BatchLimit))
        {
            if (stopped is not null)
            {
                foreach (var note in chunk)
                {
                    outcome[note.IdempotencyKey] = Transient(note.IdempotencyKey, stopped);
                }

                continue;
            }

            try
            {
                await CreateChunkAsync(connection, chunk, outcome, cancellationToken).ConfigureAwait(false);
            }
            catch (CrmSyncException ex) when (ex is CrmConnectionException or CrmRateLimitedException or CrmSyncDataException)
            {
                // A dropped connection, a lost or garbled response: the notes may or may not exist now.
                stopped = ex;
                foreach (var note in chunk)
                {
                    outcome[note.IdempotencyKey] = Transient(note.IdempotencyKey, ex);
                }
            }
        }

        return notes.Select(n => outcome.GetValueOrDefault(n.IdempotencyKey)
            ?? new CrmNoteResult { IdempotencyKey = n.IdempotencyKey, Success = false, ErrorCode = "NO_RESULT", ErrorMessage = "HubSpot returned no result for the note", IsTransient = true }).ToList();
    }

    private static CrmNoteResult Transient(string key, CrmSyncException ex)
        => new() { IdempotencyKey = key, Success = false, ErrorCode = ex.Code, ErrorMessage = ex.Message, IsTransient = true };

    private async Task CreateChunkAsync(CrmConnection connection, CrmNoteRequest[] chunk, Dictionary<string, CrmNoteResult> outcome, CancellationToken cancellationToken)
    {
        var timestamp = HubSpotJson.FormatTime(Time.GetUtcNow());
        var response = await CallAsync(
            connection,
            HttpMethod.Post,
            Paths(connection).Batch("notes", "create"),
            w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("inputs");
                for (var i = 0; i < chunk.Length; i++)
                {
                    var note = chunk[i];
                    w.WriteStartObject();
                    w.WriteStartObject("properties");
                    w.WriteString("hs_note_body", note.Text + "\n\n" + NoteMarker(note.IdempotencyKey));
                    w.WriteString("hs_timestamp", timestamp);
                    w.WriteEndObject();
                    w.WriteStartArray("associations");
                    w.WriteStartObject();
                    w.WriteStartObject("to");
                    w.WriteString("id", note.CrmId);
                    w.WriteEndObject();
                    w.WriteStartArray("types");
                    w.WriteStartObject();
                    w.WriteString("associationCategory", "HUBSPOT_DEFINED");
                    w.WriteNumber("associationTypeId", NoteToDealAssociationType);
                    w.WriteEndObject();
                    w.WriteEndArray();
                    w.WriteEndObject();
                    w.WriteEndArray();
                    w.WriteString("objectWriteTraceId", i.ToString(CultureInfo.InvariantCulture));
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            },
            "notes.batch.create",
            idempotent: false, // a repeat could create the note twice: the engine retries with a lookup instead
            search: false,
            cancellationToken,
            HttpStatusCode.MultiStatus).ConfigureAwait(false);

        using var document = response.Json(CrmProvider.HubSpot);
        var root = HubSpotJson.RootObject(document, response);
        var keys = chunk.Select(n => n.IdempotencyKey).ToList();
        foreach (var item in HubSpotJson.Array(root, "results", response))
        {
            var note = HubSpotJson.Object(item, response);
            var key = keys.FirstOrDefault(k => note["hs_note_body"]?.Contains(NoteMarker(k), StringComparison.Ordinal) == true);
            if (key is not null)
            {
                outcome[key] = new CrmNoteResult { IdempotencyKey = key, Success = true, NoteId = note.Id };
            }
        }

        foreach (var error in HubSpotJson.Array(root, "errors", response))
        {
            var category = HubSpotJson.Text(error, "category") ?? "ERROR";
            var message = HubSpotJson.Text(error, "message") ?? category;
            foreach (var trace in ContextValues(HubSpotJson.Child(error, "context"), "objectWriteTraceId"))
            {
                if (int.TryParse(trace, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < chunk.Length && !outcome.ContainsKey(chunk[i].IdempotencyKey))
                {
                    outcome[chunk[i].IdempotencyKey] = new CrmNoteResult
                    {
                        IdempotencyKey = chunk[i].IdempotencyKey,
                        Success = false,
                        ErrorCode = category,
                        ErrorMessage = message,
                        IsTransient = category is "RATE_LIMITS" or "INTERNAL_ERROR" or "SERVICE_UNAVAILABLE" or "LOCKED",
                    };
                }
            }
        }
    }

    /// <summary>Finds notes carrying the requests' markers among the notes associated with their deals: key → note id.</summary>
    private async Task<Dictionary<string, string>> FindNotesAsync(CrmConnection connection, IReadOnlyList<CrmNoteRequest> requests, CancellationToken cancellationToken)
    {
        var dealIds = requests.Select(r => r.CrmId).Distinct(StringComparer.Ordinal).ToList();
        var notesByDeal = await AssociatedIdsAsync(connection, "deals", "notes", dealIds, cancellationToken).ConfigureAwait(false);
        var noteIds = notesByDeal.Values.SelectMany(v => v).Distinct(StringComparer.Ordinal).ToList();
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (noteIds.Count == 0)
        {
            return found;
        }

        var notes = (await BatchReadAsync(connection, "notes", noteIds, ["hs_note_body"], cancellationToken).ConfigureAwait(false))
            .ToDictionary(n => n.Id, StringComparer.Ordinal);
        foreach (var request in requests)
        {
            var marker = NoteMarker(request.IdempotencyKey);
            var match = notesByDeal.GetValueOrDefault(request.CrmId)?
                .Select(id => notes.GetValueOrDefault(id))
                .Where(n => n?["hs_note_body"]?.Contains(marker, StringComparison.Ordinal) == true)
                .Select(n => n!.Id)
                .Order(StringComparer.Ordinal)
                .FirstOrDefault();
            if (match is not null)
            {
                found[request.IdempotencyKey] = match;
            }
        }

        return found;
    }

    /// <summary>Lists one record's associated ids of a type (v4, 500 per page).</summary>
    internal async Task<List<string>> ListAssociatedIdsAsync(CrmConnection connection, string fromType, string fromId, string toType, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        string? after = null;
        do
        {
            var path = Paths(connection).AssociationList(fromType, fromId, toType) + "?limit=500" + (after is null ? string.Empty : "&after=" + Uri.EscapeDataString(after));
            var response = await CallAsync(connection, HttpMethod.Get, path, null, "associations.list", idempotent: true, search: false, cancellationToken, HttpStatusCode.NotFound).ConfigureAwait(false);
            if (response.Status == HttpStatusCode.NotFound)
            {
                return ids;
            }

            using var document = response.Json(CrmProvider.HubSpot);
            var root = HubSpotJson.RootObject(document, response);
            foreach (var item in HubSpotJson.Array(root, "results", response))
            {
                ids.Add(HubSpotJson.Text(item, "toObjectId") ?? throw HubSpotJson.Unexpected(response, "an association has no toObjectId"));
            }

            after = HubSpotJson.NextAfter(root);
        }
        while (after is not null);

        return ids;
    }
}
