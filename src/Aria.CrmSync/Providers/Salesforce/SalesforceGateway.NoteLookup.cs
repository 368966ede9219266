
namespace Aria.CrmSync.Providers.Salesforce;

/// <content>Notes: finding the notes an earlier attempt may have written, by the idempotency marker in their titles.</content>
internal sealed partial class SalesforceGateway
{
    private async Task<Dictionary<int, ExistingNote>> LookUpNotesAsync(SalesforceCall call, IReadOnlyList<CrmNoteRequest> notes, List<int> indices, bool classic, CancellationToken cancellationToken)
    {
        var found = new Dictionary<int, ExistingNote>();
        foreach (var chunk in indices.Chunk(LookupChunk))
        {
            var markers = chunk.ToDictionary(i => i, i => NoteMarker(notes[i].IdempotencyKey));
            var titleFilter = "(" + string.Join(" OR ", markers.Values.Distinct(StringComparer.Ordinal).Select(m => "{0} LIKE " + Soql.LikeContains(m))) + ")";
            var parents = Soql.IdList(chunk.Select(i => notes[i].CrmId).Distinct(StringComparer.Ordinal));
            if (classic)
            {
                var soql = $"SELECT Id, ParentId, Title FROM Note WHERE ParentId IN {parents} AND {string.Format(System.Globalization.CultureInfo.InvariantCulture, titleFilter, "Title")}";
                var rows = await QueryAllRowsAsync(call, soql, (row, endpoint) => (
                    Id: SalesforceJson.RequiredId(row, "Id", endpoint),
                    Parent: SalesforceJson.String(row, "ParentId", endpoint) ?? string.Empty,
                    Title: SalesforceJson.String(row, "Title", endpoint) ?? string.Empty), cancellationToken).ConfigureAwait(false);
                foreach (var i in chunk)
                {
                    var match = rows.FirstOrDefault(r => SalesforceIds.SameRecord(r.Parent, notes[i].CrmId) && r.Title.Contains(markers[i], StringComparison.Ordinal));
                    if (match.Id is not null)
                    {
                        found[i] = new ExistingNote(match.Id, Linked: true);
                    }
                }

                continue;
            }

            // One Composite call (reads only: safe to retry): the links of the records whose document carries a marker,
            // and ContentNotes carrying a marker at all (an unlinked note is linked rather than written twice).
            var queries = new (string Ref, string Soql)[]
            {
                ("links", $"SELECT ContentDocumentId, LinkedEntityId, ContentDocument.Title FROM ContentDocumentLink WHERE LinkedEntityId IN {parents} AND {string.Format(System.Globalization.CultureInfo.InvariantCulture, titleFilter, "ContentDocument.Title")}"),
                ("notes", $"SELECT Id, Title FROM ContentNote WHERE {string.Format(System.Globalization.CultureInfo.InvariantCulture, titleFilter, "Title")}"),
            };
            var results = await CompositeQueriesAsync(call, queries, (reference, row, endpoint) => reference == "links"
                ? (Id: SalesforceJson.RequiredId(row, "ContentDocumentId", endpoint),
                    Parent: SalesforceJson.String(row, "LinkedEntityId", endpoint) ?? string.Empty,
                    Title: SalesforceJson.TryProperty(row, "ContentDocument", out var document) ? SalesforceJson.String(document, "Title", endpoint) ?? string.Empty : string.Empty)
                : (Id: SalesforceJson.RequiredId(row, "Id", endpoint), Parent: string.Empty, Title: SalesforceJson.String(row, "Title", endpoint) ?? string.Empty), cancellationToken).ConfigureAwait(false);
            var candidates = new Dictionary<int, string>();
            foreach (var i in chunk)
            {
                var link = results["links"].FirstOrDefault(r => SalesforceIds.SameRecord(r.Parent, notes[i].CrmId) && r.Title.Contains(markers[i], StringComparison.Ordinal));
                if (link.Id is not null)
                {
                    found[i] = new ExistingNote(link.Id, Linked: true);
                }
                else if (results["notes"].FirstOrDefault(r => r.Title.Contains(markers[i], StringComparison.Ordinal)) is { Id: not null } candidate)
                {
                    candidates[i] = candidate.Id;
                }
            }

            // A note with the key but no link to this record is only adopted when no record links it (its link was
            // lost); one linked to another record is a key reused elsewhere, and this record gets its own note.
            if (candidates.Count > 0)
            {
                var soql = $"SELECT ContentDocumentId, LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId IN {Soql.IdList(candidates.Values.Distinct(StringComparer.Ordinal))}";
                var links = await QueryAllRowsAsync(call, soql, (row, endpoint) => (
                    Document: SalesforceJson.RequiredId(row, "ContentDocumentId", endpoint),
                    Entity: SalesforceJson.String(row, "LinkedEntityId", endpoint) ?? string.Empty), cancellationToken).ConfigureAwait(false);
                foreach (var (i, noteId) in candidates)
                {
                    if (!links.Any(l => SalesforceIds.SameRecord(l.Document, noteId) && !l.Entity.StartsWith(UserPrefix, StringComparison.Ordinal)))
                    {
                        found[i] = new ExistingNote(noteId, Linked: false);
                    }
                }
            }
        }

        return found;
    }
}
