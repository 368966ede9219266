using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aria.CrmSync.Gateways.Http;

namespace Aria.CrmSync.Providers.Salesforce;

/// <content>
/// Notes: a ContentNote and its ContentDocumentLink in one all-or-none Composite call (12 notes per call; more notes go
/// through Composite Graph, one graph per note, 75 notes per call), or classic
/// Notes through sObject Collections. The idempotency key is recorded in the title as a short hash marker
/// (<c>… (aria:1a2b…)</c>) so a retry with <see cref="CrmNoteRequest.MayExist"/> finds the note before writing again.
/// </content>
internal sealed partial class SalesforceGateway
{
    /// <summary>ContentNote titles hold 255 characters, classic Note titles 80.</summary>
    internal const int ContentNoteTitleLength = 255;

    internal const int NoteTitleLength = 80;

    /// <summary>The key prefix of users: every ContentNote is also linked to its owner.</summary>
    private const string UserPrefix = "005";

    /// <summary>Notes per lookup query (keeps the SOQL and its URL small).</summary>
    private const int LookupChunk = 50;

    public async Task<IReadOnlyList<CrmNoteResult>> CreateNotesAsync(CrmConnection connection, IReadOnlyList<CrmNoteRequest> notes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notes);
        for (var i = 0; i < notes.Count; i++)
        {
            var note = notes[i] ?? throw new CrmSyncValidationException($"notes[{i}] is null.", $"notes[{i}]", Salesforce);
            SalesforceIds.Require(note.CrmId, $"notes[{i}].CrmId");
            if (string.IsNullOrEmpty(note.IdempotencyKey))
            {
                throw new CrmSyncValidationException($"notes[{i}].IdempotencyKey is empty.", $"notes[{i}].IdempotencyKey", Salesforce);
            }

            if (string.IsNullOrWhiteSpace(note.Text))
            {
                throw new CrmSyncValidationException($"notes[{i}].Text is empty.", $"notes[{i}].Text", Salesforce);
            }
        }

        if (notes.Count == 0)
        {
            return [];
        }

        var call = Begin(connection);
        var classic = call.Options.NotesAs == SalesforceNoteKind.Note;
        var results = new CrmNoteResult?[notes.Count];
        var work = new List<NoteWork>();

        // 1. Notes an earlier attempt may have written are looked up first.
        var maybe = Enumerable.Range(0, notes.Count).Where(i => notes[i].MayExist).ToList();
        var found = maybe.Count == 0 ? [] : await LookUpNotesAsync(call, notes, maybe, classic, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < notes.Count; i++)
        {
            if (found.TryGetValue(i, out var existing) && existing.Linked)
            {
                SalesforceLog.NoteFound(_logger, notes[i].IdempotencyKey, existing.NoteId);
                results[i] = new CrmNoteResult { IdempotencyKey = notes[i].IdempotencyKey, Success = true, NoteId = existing.NoteId, AlreadyExisted = true };
            }
            else
            {
                work.Add(new NoteWork(i, found.TryGetValue(i, out var orphan) ? orphan.NoteId : null));
            }
        }

        // 2. The rest are written.
        if (work.Count > 0)
        {
            if (classic)
            {
                await WriteClassicNotesAsync(call, notes, work, results, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await WriteContentNotesAsync(call, notes, work, results, cancellationToken).ConfigureAwait(false);
            }
        }

        return results.Select(r => r!).ToList();
    }

    /// <summary>A short, deterministic marker of an idempotency key (any key fits a title; no SOQL-special characters).</summary>
    internal static string NoteMarker(string idempotencyKey)
        => "aria:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..20];

    /// <summary>The readable title: the note's first line (shortened to fit) followed by the marker.</summary>
    internal static string NoteTitle(string text, string idempotencyKey, int maxLength)
    {
        var marker = $" ({NoteMarker(idempotencyKey)})";
        var firstLine = text.Trim().Split('\n', 2)[0];
        var builder = new StringBuilder(firstLine.Length);
        foreach (var c in firstLine)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                if (builder.Length > 0 && builder[^1] != ' ')
                {
                    builder.Append(' ');
                }
            }
            else
            {
                builder.Append(c);
            }
        }

        var line = builder.ToString().TrimEnd();
        var room = maxLength - marker.Length;
        if (line.Length > room)
        {
            var cut = room - 1;
            if (cut > 0 && char.IsHighSurrogate(line[cut - 1]))
            {
                cut--;
            }

            line = line[..cut].TrimEnd() + "…";
        }

        return line + marker;
    }

    /// <summary>The ContentNote body: HTML-escaped text, one paragraph per line (Salesforce strips raw newlines).</summary>
    internal static string NoteHtml(string text)
    {
        var builder = new StringBuilder(text.Length + 16);
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            builder.Append("<p>").Append(line.Length == 0 ? "<br>" : WebUtility.HtmlEncode(line)).Append("</p>");
        }

        return builder.ToString();
    }

    /// <summary>
    /// Writes ContentNotes: per note a ContentNote and its ContentDocumentLink (<c>@{noteN.id}</c>), up to 12 notes per
    /// all-or-none Composite call (24 of 25 subrequests). When one note fails, Salesforce rolls the call back: that
    /// note gets its error and the others are sent again. A call whose outcome is unknown (connection lost, response
    /// cut or unreadable) leaves its notes uncertain: transient results, looked up on retry.
    /// </summary>
    private async Task WriteContentNotesAsync(SalesforceCall call, IReadOnlyList<CrmNoteRequest> notes, List<NoteWork> work, CrmNoteResult?[] results, CancellationToken cancellationToken)
    {
        if (work.Count > CompositeSubrequestLimit / 2)
        {
            await WriteContentNoteGraphsAsync(call, notes, work, results, cancellationToken).ConfigureAwait(false);
            return;
        }

        var queue = new Queue<NoteWork>(work);
        var perCall = CompositeSubrequestLimit / 2;
        while (queue.Count > 0)
        {
            var batch = new List<NoteWork>(perCall);
            while (batch.Count < perCall && queue.Count > 0)
            {
                batch.Add(queue.Dequeue());
            }

            var requests = new JsonArray();
            foreach (var item in batch)
            {
                foreach (var subrequest in NoteSubrequests(call, notes[item.Index], item).ToList())
                {
                    requests.Add(subrequest!.DeepClone());
                }
            }

            Dictionary<string, (int Status, JsonElement Body)> replies;
            try
            {
                var response = await SendJsonAsync(call, HttpMethod.Post, call.Data("composite"), new JsonObject { ["allOrNone"] = true, ["compositeRequest"] = requests }, Endpoints.CompositeNotes, idempotent: false, cancellationToken).ConfigureAwait(false);
                replies = ReadComposite(response, Endpoints.CompositeNotes);
                if (replies.Count != requests.Count)
                {
                    throw SalesforceJson.Unexpected(Endpoints.CompositeNotes, $"{replies.Count} subrequest results for {requests.Count} subrequests");
                }
            }
            catch (Exception ex) when (ex is CrmConnectionException { RequiresReauthorization: false } or CrmSyncDataException)
            {
                Uncertain(call, notes, batch.Concat(queue).ToList(), results, ex);
                return;
            }

            // Success: every subrequest created its record.
            if (replies.Values.All(r => r.Status is >= 200 and < 300))
            {
                foreach (var item in batch)
                {
                    var noteId = item.ExistingNoteId ?? CreatedId(replies, $"note{item.Index}");
                    results[item.Index] = new CrmNoteResult { IdempotencyKey = notes[item.Index].IdempotencyKey, Success = true, NoteId = noteId, AlreadyExisted = item.ExistingNoteId is not null };
                }

                continue;
            }

            // Rolled back: the first real failure belongs to one note; the others were not written and go again.
            var culprit = replies.Where(r => r.Value.Status >= 400)
                .Select(r => (Reference: r.Key, Error: SalesforceError.ReadAll(r.Value.Body).FirstOrDefault()))
                .FirstOrDefault(r => r.Error is not null && r.Error.Code != "PROCESSING_HALTED");
            if (culprit.Error is null || IndexOf(culprit.Reference) is not { } failedIndex || batch.All(b => b.Index != failedIndex))
            {
                foreach (var item in batch)
                {
                    results[item.Index] = Failure(notes[item.Index], new SalesforceError("PROCESSING_HALTED", "Salesforce rolled the note back without naming the failure.", []), transient: true);
                }

                continue;
            }

            results[failedIndex] = Failure(notes[failedIndex], culprit.Error, culprit.Error.IsTransient);
            var retry = batch.Where(b => b.Index != failedIndex).ToList();
            foreach (var item in queue)
            {
                retry.Add(item);
            }

            queue = new Queue<NoteWork>(retry);
        }
    }

    /// <summary>
    /// Writes many ContentNotes with Composite Graph: one graph per note (the ContentNote and its link, all or none),
    /// up to 75 graphs per call, each graph succeeding or failing on its own — 75 notes per API call instead of 12.
    /// A call whose outcome is unknown leaves its notes uncertain, as in <see cref="WriteContentNotesAsync"/>.
    /// </summary>
    private async Task WriteContentNoteGraphsAsync(SalesforceCall call, IReadOnlyList<CrmNoteRequest> notes, List<NoteWork> work, CrmNoteResult?[] results, CancellationToken cancellationToken)
    {
        var chunks = work.Chunk(GraphLimit).ToList();
        for (var c = 0; c < chunks.Count; c++)
        {
            var chunk = chunks[c];
            var graphs = new JsonArray();
            foreach (var item in chunk)
            {
                graphs.Add(new JsonObject { ["graphId"] = $"g{item.Index}", ["compositeRequest"] = NoteSubrequests(call, notes[item.Index], item) });
            }

            JsonElement[] replies;
            try
            {
                var response = await SendJsonAsync(call, HttpMethod.Post, call.Data("composite/graph"), new JsonObject { ["graphs"] = graphs }, Endpoints.GraphNotes, idempotent: false, cancellationToken).ConfigureAwait(false);
                using var document = response.Json(Salesforce);
                var items = SalesforceJson.Array(SalesforceJson.Property(SalesforceJson.Object(document.RootElement, Endpoints.GraphNotes, "the graph result"), "graphs", Endpoints.GraphNotes), Endpoints.GraphNotes, "'graphs'");
                replies = [.. items.EnumerateArray().Select(e => e.Clone())];
                if (replies.Length != chunk.Length)
                {
                    throw SalesforceJson.Unexpected(Endpoints.GraphNotes, $"{replies.Length} graph results for {chunk.Length} graphs");
                }
            }
            catch (Exception ex) when (ex is CrmConnectionException { RequiresReauthorization: false } or CrmSyncDataException)
            {
                Uncertain(call, notes, chunks.Skip(c).SelectMany(x => x).ToList(), results, ex);
                return;
            }

            var byGraph = replies.ToDictionary(r => SalesforceJson.RequiredString(r, "graphId", Endpoints.GraphNotes), StringComparer.Ordinal);
            foreach (var item in chunk)
            {
                var note = notes[item.Index];
                if (!byGraph.TryGetValue($"g{item.Index}", out var graph))
                {
                    results[item.Index] = Failure(note, new SalesforceError("PROCESSING_HALTED", "Salesforce returned no result for the note's graph.", []), transient: true);
                    continue;
                }

                var nodes = new Dictionary<string, (int Status, JsonElement Body)>(StringComparer.Ordinal);
                if (SalesforceJson.TryProperty(graph, "graphResponse", out var graphResponse) && SalesforceJson.TryProperty(graphResponse, "compositeResponse", out var composite) && composite.ValueKind == JsonValueKind.Array)
                {
                    foreach (var node in composite.EnumerateArray())
                    {
                        var reference = SalesforceJson.RequiredString(node, "referenceId", Endpoints.GraphNotes);
                        nodes[reference] = ((int)(SalesforceJson.Long(node, "httpStatusCode", Endpoints.GraphNotes) ?? 0), node.TryGetProperty("body", out var body) ? body : default);
                    }
                }

                var successful = graph.TryGetProperty("isSuccessful", out var flag) && flag.ValueKind == JsonValueKind.True;
                if (successful)
                {
                    var noteId = item.ExistingNoteId ?? CreatedId(nodes, $"note{item.Index}");
                    results[item.Index] = new CrmNoteResult { IdempotencyKey = note.IdempotencyKey, Success = true, NoteId = noteId, AlreadyExisted = item.ExistingNoteId is not null };
                    continue;
                }

                var error = nodes.Values.Where(n => n.Status >= 400)
                    .Select(n => SalesforceError.ReadAll(n.Body).FirstOrDefault())
                    .FirstOrDefault(e => e is not null && e.Code != "PROCESSING_HALTED");
                results[item.Index] = error is null
                    ? Failure(note, new SalesforceError("PROCESSING_HALTED", "Salesforce rolled the note back without naming the failure.", []), transient: true)
                    : Failure(note, error, error.IsTransient);
            }
        }
    }

    /// <summary>The subrequests writing one note: its ContentNote (unless an earlier attempt left one) and its link.</summary>
    private static JsonArray NoteSubrequests(SalesforceCall call, CrmNoteRequest note, NoteWork item)
    {
        var requests = new JsonArray();
        if (item.ExistingNoteId is null)
        {
            requests.Add(new JsonObject
            {
                ["method"] = "POST",
                ["url"] = call.DataPath("sobjects/ContentNote"),
                ["referenceId"] = $"note{item.Index}",
                ["body"] = new JsonObject
                {
                    ["Title"] = NoteTitle(note.Text, note.IdempotencyKey, ContentNoteTitleLength),
                    ["Content"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(NoteHtml(note.Text))),
                },
            });
        }

        requests.Add(new JsonObject
        {
            ["method"] = "POST",
            ["url"] = call.DataPath("sobjects/ContentDocumentLink"),
            ["referenceId"] = $"link{item.Index}",
            ["body"] = new JsonObject
            {
                ["ContentDocumentId"] = item.ExistingNoteId ?? $"@{{note{item.Index}.id}}",
                ["LinkedEntityId"] = note.CrmId,
                ["ShareType"] = "I",
                ["Visibility"] = "AllUsers",
            },
        });
        return requests;
    }

    /// <summary>Writes classic Notes with sObject Collections (200 per call, each note on its own).</summary>
    private async Task WriteClassicNotesAsync(SalesforceCall call, IReadOnlyList<CrmNoteRequest> notes, List<NoteWork> work, CrmNoteResult?[] results, CancellationToken cancellationToken)
    {
        var chunks = work.Chunk(CollectionsWriteLimit).ToList();
        for (var c = 0; c < chunks.Count; c++)
        {
            var chunk = chunks[c];
            var body = new JsonObject
            {
                ["allOrNone"] = false,
                ["records"] = new JsonArray([.. chunk.Select(item => (JsonNode?)new JsonObject
                {
                    ["attributes"] = new JsonObject { ["type"] = "Note" },
                    ["ParentId"] = notes[item.Index].CrmId,
                    ["Title"] = NoteTitle(notes[item.Index].Text, notes[item.Index].IdempotencyKey, NoteTitleLength),
                    ["Body"] = notes[item.Index].Text,
                })]),
            };

            try
            {
                var response = await SendJsonAsync(call, HttpMethod.Post, call.Data("composite/sobjects"), body, Endpoints.CollectionsCreate, idempotent: false, cancellationToken).ConfigureAwait(false);
                using var document = response.Json(Salesforce);
                var saves = SalesforceJson.Array(document.RootElement, Endpoints.CollectionsCreate, "the create result");
                if (saves.GetArrayLength() != chunk.Length)
                {
                    throw SalesforceJson.Unexpected(Endpoints.CollectionsCreate, $"{saves.GetArrayLength()} results for {chunk.Length} notes");
                }

                var k = 0;
                foreach (var save in saves.EnumerateArray())
                {
                    var index = chunk[k++].Index;
                    var written = ToWriteResult(notes[index].CrmId, save, Endpoints.CollectionsCreate);
                    results[index] = written.Success
                        ? new CrmNoteResult { IdempotencyKey = notes[index].IdempotencyKey, Success = true, NoteId = SalesforceJson.String(save, "id", Endpoints.CollectionsCreate) }
                        : new CrmNoteResult { IdempotencyKey = notes[index].IdempotencyKey, Success = false, ErrorCode = written.ErrorCode, ErrorMessage = written.ErrorMessage, IsTransient = written.IsTransient };
                }
            }
            catch (Exception ex) when (ex is CrmConnectionException { RequiresReauthorization: false } or CrmSyncDataException)
            {
                Uncertain(call, notes, chunks.Skip(c).SelectMany(x => x).ToList(), results, ex);
                return;
            }
        }
    }

    /// <summary>
    /// The outcome of a write is unknown: when nothing succeeded in this call, the whole call failed (rethrown);
    /// otherwise the unknown notes are transient failures, to be retried with <see cref="CrmNoteRequest.MayExist"/>.
    /// </summary>
    private void Uncertain(SalesforceCall call, IReadOnlyList<CrmNoteRequest> notes, List<NoteWork> unknown, CrmNoteResult?[] results, Exception exception)
    {
        if (!results.Any(r => r is { Success: true }))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception).Throw();
        }

        SalesforceLog.NoteBatchUncertain(_logger, call.Connection.ConnectionKey, unknown.Count);
        var error = new SalesforceError(exception is CrmSyncException crm ? crm.Code : "CRM_CONNECTION_ERROR", exception.Message, []);
        foreach (var item in unknown)
        {
            results[item.Index] = Failure(notes[item.Index], error, transient: true);
        }
    }

    private static CrmNoteResult Failure(CrmNoteRequest note, SalesforceError error, bool transient)
        => new() { IdempotencyKey = note.IdempotencyKey, Success = false, ErrorCode = error.Code, ErrorMessage = error.Message, IsTransient = transient };

    private static int? IndexOf(string referenceId)
    {
        var digits = referenceId.StartsWith("note", StringComparison.Ordinal) || referenceId.StartsWith("link", StringComparison.Ordinal) ? referenceId[4..] : null;
        return int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) ? index : null;
    }

    private static string CreatedId(Dictionary<string, (int Status, JsonElement Body)> replies, string referenceId)
        => replies.TryGetValue(referenceId, out var reply) && SalesforceJson.String(reply.Body, "id", Endpoints.CompositeNotes) is { } id && SalesforceIds.IsValid(id)
            ? id
            : throw SalesforceJson.Unexpected(Endpoints.CompositeNotes, $"no id for subrequest '{referenceId}'");

    /// <summary>Reads a Composite response into status and (cloned) body per reference id.</summary>
    private static Dictionary<string, (int Status, JsonElement Body)> ReadComposite(CrmHttpResponse response, string endpoint)
    {
        using var document = response.Json(Salesforce);
        var items = SalesforceJson.Array(SalesforceJson.Property(SalesforceJson.Object(document.RootElement, endpoint, "the composite result"), "compositeResponse", endpoint), endpoint, "'compositeResponse'");
        var replies = new Dictionary<string, (int, JsonElement)>(StringComparer.Ordinal);
        foreach (var item in items.EnumerateArray())
        {
            SalesforceJson.Object(item, endpoint, "a subrequest result");
            var reference = SalesforceJson.RequiredString(item, "referenceId", endpoint);
            var status = (int)(SalesforceJson.Long(item, "httpStatusCode", endpoint) ?? throw SalesforceJson.Unexpected(endpoint, "'httpStatusCode' is missing"));
            replies[reference] = (status, item.TryGetProperty("body", out var body) ? body.Clone() : default);
        }

        return replies;
    }

    private sealed record NoteWork(int Index, string? ExistingNoteId);

    private sealed record ExistingNote(string NoteId, bool Linked);
}
