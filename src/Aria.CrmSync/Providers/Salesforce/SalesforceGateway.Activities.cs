using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.Providers.Salesforce;

/// <content>
/// Activities: Tasks and Events related to an opportunity (<c>WhatId</c>), and notes attached to it (classic Notes by
/// <c>ParentId</c>, ContentNotes through their links) as <c>note</c> activities.
/// </content>
internal sealed partial class SalesforceGateway
{
    private const string TaskFields = "Id, WhatId, WhoId, OwnerId, Subject, Description, Status, Priority, ActivityDate, TaskSubtype, Type, CallType, CallDurationInSeconds, CallDisposition, CompletedDateTime, CreatedDate, SystemModstamp";
    private const string EventFields = "Id, WhatId, WhoId, OwnerId, Subject, Description, Location, StartDateTime, EndDateTime, ActivityDateTime, ActivityDate, DurationInMinutes, IsAllDayEvent, Type, EventSubtype, CreatedDate, SystemModstamp";
    private const string NoteFields = "Id, ParentId, OwnerId, Title, Body, CreatedDate, SystemModstamp";
    private const string ContentNoteLinkFields = "ContentDocumentId, ContentDocument.Title, ContentDocument.OwnerId, ContentDocument.CreatedDate, ContentDocument.SystemModstamp";

    /// <summary>
    /// Reads the opportunity's Tasks, Events, classic Notes and linked ContentNotes in one Composite call of four
    /// queries (further pages, if any, follow their <c>nextRecordsUrl</c>). ContentNotes are found through their links
    /// (ContentDocumentLink cannot be a semi-join's inner select); the text previews of notes not written by ARIA come
    /// from one more query, only when there are such notes.
    /// </summary>
    public async IAsyncEnumerable<CrmActivity> GetActivitiesAsync(CrmConnection connection, string crmId, DateTimeOffset? since = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var id = Soql.Quote(SalesforceIds.Require(crmId, nameof(crmId)));
        var call = Begin(connection);
        var after = since is { } s ? $" AND SystemModstamp > {Soql.DateTime(s)}" : string.Empty;
        var queries = new (string Ref, string Soql)[]
        {
            ("tasks", $"SELECT {TaskFields} FROM Task WHERE WhatId = {id}{after} ORDER BY SystemModstamp ASC, Id ASC"),
            ("events", $"SELECT {EventFields} FROM Event WHERE WhatId = {id}{after} ORDER BY SystemModstamp ASC, Id ASC"),
            ("notes", $"SELECT {NoteFields} FROM Note WHERE ParentId = {id}{after} ORDER BY SystemModstamp ASC, Id ASC"),
            ("contentNotes", $"SELECT {ContentNoteLinkFields} FROM ContentDocumentLink WHERE LinkedEntityId = {id} AND ContentDocument.FileType = 'SNOTE'{(since is { } d ? $" AND ContentDocument.SystemModstamp > {Soql.DateTime(d)}" : string.Empty)}"),
        };
        var results = await CompositeQueriesAsync(call, queries, (reference, row, endpoint) => reference switch
        {
            "tasks" => ToTaskActivity(row, endpoint),
            "events" => ToEventActivity(row, endpoint),
            "notes" => ToNoteActivity(row, endpoint),
            _ => ToContentNoteActivity(row, endpoint, crmId),
        }, cancellationToken).ConfigureAwait(false);

        var others = results["contentNotes"].Where(n => !(n.Subject ?? string.Empty).StartsWith("[ARIA]", StringComparison.Ordinal)).Select(n => n.ExternalId).Distinct(StringComparer.Ordinal).ToList();
        if (others.Count > 0)
        {
            var previews = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var chunk in others.Chunk(200))
            {
                foreach (var (noteId, preview) in await QueryAllRowsAsync(call, $"SELECT Id, TextPreview FROM ContentNote WHERE Id IN {Soql.IdList(chunk)}", (row, endpoint) => (SalesforceJson.RequiredId(row, "Id", endpoint), SalesforceJson.String(row, "TextPreview", endpoint)), cancellationToken).ConfigureAwait(false))
                {
                    previews[noteId] = preview;
                }
            }

            results["contentNotes"] = results["contentNotes"].Select(n => previews.TryGetValue(n.ExternalId, out var body) ? n with { Body = body } : n).ToList();
        }

        foreach (var activity in results.Values.SelectMany(a => a).DistinctBy(a => a.ExternalId).OrderBy(a => a.OccurredAt).ThenBy(a => a.ExternalId, StringComparer.Ordinal))
        {
            yield return activity;
        }
    }

    /// <summary>
    /// Lists Tasks, Events and classic Notes of every opportunity (<c>What.Type</c>/<c>Parent.Type = 'Opportunity'</c>)
    /// changed after <paramref name="since"/>: three (<c>SystemModstamp</c>, <c>Id</c>)-ordered queries with the compound
    /// cursor, merged into one order, in pages of <see cref="SalesforceOptions.QueryBatchSize"/>.
    /// </summary>
    public async IAsyncEnumerable<CrmActivityPage> GetActivityChangesAsync(CrmConnection connection, CrmCursor? since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var call = Begin(connection);
        var position = since;
        if (position is { LastId: null } && call.Options.OverlapWindow > TimeSpan.Zero)
        {
            position = position with { Timestamp = position.Timestamp - call.Options.OverlapWindow };
        }

        var cursor = position is null ? string.Empty : " AND " + Soql.After("SystemModstamp", position.Timestamp, position.LastId);
        var streams = new[]
        {
            new OrderedQuery<CrmActivity>(this, call, $"SELECT {TaskFields} FROM Task WHERE What.Type = 'Opportunity'{cursor} ORDER BY SystemModstamp ASC, Id ASC", ToTaskActivity),
            new OrderedQuery<CrmActivity>(this, call, $"SELECT {EventFields} FROM Event WHERE What.Type = 'Opportunity'{cursor} ORDER BY SystemModstamp ASC, Id ASC", ToEventActivity),
            new OrderedQuery<CrmActivity>(this, call, $"SELECT {NoteFields} FROM Note WHERE Parent.Type = 'Opportunity'{cursor} ORDER BY SystemModstamp ASC, Id ASC", ToNoteActivity),
        };

        var pageSize = call.Options.QueryBatchSize;
        var page = new List<CrmActivity>(pageSize);
        while (true)
        {
            OrderedQuery<CrmActivity>? head = null;
            foreach (var stream in streams)
            {
                await stream.FillAsync(cancellationToken).ConfigureAwait(false);
                if (stream.Peek is { } candidate && (head?.Peek is not { } best || Compare(candidate, best) < 0))
                {
                    head = stream;
                }
            }

            if (head is null)
            {
                break;
            }

            page.Add(head.Take());
            if (page.Count >= pageSize)
            {
                yield return Page(page);
                page = new List<CrmActivity>(pageSize);
            }
        }

        if (page.Count > 0)
        {
            yield return Page(page);
        }

        static CrmActivityPage Page(List<CrmActivity> activities)
            => new(activities, new CrmCursor(activities[^1].LastModifiedAt!.Value, activities[^1].ExternalId));

        static int Compare(CrmActivity a, CrmActivity b)
        {
            var byTime = a.LastModifiedAt!.Value.CompareTo(b.LastModifiedAt!.Value);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.ExternalId, b.ExternalId);
        }
    }

    /// <summary>Runs up to five queries in one Composite call (reads only: safe to retry), following further pages.</summary>
    private async Task<Dictionary<string, List<T>>> CompositeQueriesAsync<T>(SalesforceCall call, IReadOnlyList<(string Ref, string Soql)> queries, Func<string, JsonElement, string, T> map, CancellationToken cancellationToken)
    {
        var requests = new JsonArray();
        foreach (var (reference, soql) in queries)
        {
            requests.Add(new JsonObject { ["method"] = "GET", ["url"] = call.DataPath("query?q=" + Uri.EscapeDataString(soql)), ["referenceId"] = reference });
        }

        var response = await SendJsonAsync(call, HttpMethod.Post, call.Data("composite"), new JsonObject { ["allOrNone"] = false, ["compositeRequest"] = requests }, Endpoints.CompositeRead, idempotent: true, cancellationToken).ConfigureAwait(false);
        var replies = ReadComposite(response, Endpoints.CompositeRead);
        var results = new Dictionary<string, List<T>>(StringComparer.Ordinal);
        foreach (var (reference, _) in queries)
        {
            if (!replies.TryGetValue(reference, out var reply))
            {
                throw SalesforceJson.Unexpected(Endpoints.CompositeRead, $"no result for subrequest '{reference}'");
            }

            var endpoint = $"{Endpoints.CompositeRead}.{reference}";
            if (reply.Status >= 400)
            {
                var error = SalesforceError.ReadAll(reply.Body).FirstOrDefault() ?? new SalesforceError("UNKNOWN_ERROR", "unreadable subrequest error", []);
                throw new SalesforceApiException(endpoint, reply.Status, error);
            }

            var page = ReadQueryPage(reply.Body, endpoint, (row, e) => map(reference, row, e));
            var rows = page.Rows;
            while (page.Next is not null)
            {
                page = await QueryMoreAsync(call, page.Next, (row, e) => map(reference, row, e), cancellationToken).ConfigureAwait(false);
                rows.AddRange(page.Rows);
            }

            results[reference] = rows;
        }

        return results;
    }

    private static CrmActivity ToTaskActivity(JsonElement row, string endpoint)
    {
        var subtype = SalesforceJson.String(row, "TaskSubtype", endpoint);
        var type = SalesforceJson.String(row, "Type", endpoint);
        var activityType = subtype switch
        {
            "Call" => "call",
            "Email" or "ListEmail" or "List Email" => "email",
            _ => type switch
            {
                "Call" => "call",
                "Email" => "email",
                "Meeting" => "meeting",
                _ => "task",
            },
        };
        var modstamp = SalesforceJson.DateTime(row, "SystemModstamp", endpoint) ?? throw SalesforceJson.Unexpected(endpoint, "'SystemModstamp' is missing");
        var due = SalesforceJson.Date(row, "ActivityDate", endpoint);
        return new CrmActivity
        {
            ExternalId = SalesforceJson.RequiredId(row, "Id", endpoint),
            ActivityType = activityType,
            CrmRecordId = SalesforceJson.String(row, "WhatId", endpoint),
            Subject = SalesforceJson.String(row, "Subject", endpoint),
            Body = SalesforceJson.String(row, "Description", endpoint),
            Status = SalesforceJson.String(row, "Status", endpoint),
            Direction = SalesforceJson.String(row, "CallType", endpoint) switch
            {
                "Inbound" => "inbound",
                "Outbound" => "outbound",
                _ => null,
            },
            OccurredAt = SalesforceJson.DateTime(row, "CompletedDateTime", endpoint)
                ?? (due is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : (DateTimeOffset?)null)
                ?? SalesforceJson.DateTime(row, "CreatedDate", endpoint)
                ?? modstamp,
            LastModifiedAt = modstamp,
            Metadata = Metadata(row, endpoint, "Task", ("task_subtype", "TaskSubtype"), ("type", "Type"), ("priority", "Priority"), ("due_date", "ActivityDate"), ("call_duration_seconds", "CallDurationInSeconds"), ("call_disposition", "CallDisposition"), ("who_id", "WhoId"), ("owner_id", "OwnerId")),
        };
    }

    private static CrmActivity ToEventActivity(JsonElement row, string endpoint)
    {
        var modstamp = SalesforceJson.DateTime(row, "SystemModstamp", endpoint) ?? throw SalesforceJson.Unexpected(endpoint, "'SystemModstamp' is missing");
        var day = SalesforceJson.Date(row, "ActivityDate", endpoint);
        return new CrmActivity
        {
            ExternalId = SalesforceJson.RequiredId(row, "Id", endpoint),
            ActivityType = SalesforceJson.String(row, "Type", endpoint) switch
            {
                "Call" => "call",
                "Email" => "email",
                "Other" => "event",
                _ => "meeting",
            },
            CrmRecordId = SalesforceJson.String(row, "WhatId", endpoint),
            Subject = SalesforceJson.String(row, "Subject", endpoint),
            Body = SalesforceJson.String(row, "Description", endpoint),
            OccurredAt = SalesforceJson.DateTime(row, "StartDateTime", endpoint)
                ?? SalesforceJson.DateTime(row, "ActivityDateTime", endpoint)
                ?? (day is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : (DateTimeOffset?)null)
                ?? SalesforceJson.DateTime(row, "CreatedDate", endpoint)
                ?? modstamp,
            LastModifiedAt = modstamp,
            Metadata = Metadata(row, endpoint, "Event", ("type", "Type"), ("location", "Location"), ("end", "EndDateTime"), ("duration_minutes", "DurationInMinutes"), ("all_day", "IsAllDayEvent"), ("who_id", "WhoId"), ("owner_id", "OwnerId")),
        };
    }

    private static CrmActivity ToNoteActivity(JsonElement row, string endpoint)
    {
        var modstamp = SalesforceJson.DateTime(row, "SystemModstamp", endpoint) ?? throw SalesforceJson.Unexpected(endpoint, "'SystemModstamp' is missing");
        return new CrmActivity
        {
            ExternalId = SalesforceJson.RequiredId(row, "Id", endpoint),
            ActivityType = "note",
            CrmRecordId = SalesforceJson.String(row, "ParentId", endpoint),
            Subject = SalesforceJson.String(row, "Title", endpoint),
            Body = SalesforceJson.String(row, "Body", endpoint),
            OccurredAt = SalesforceJson.DateTime(row, "CreatedDate", endpoint) ?? modstamp,
            LastModifiedAt = modstamp,
            Metadata = Metadata(row, endpoint, "Note", ("owner_id", "OwnerId")),
        };
    }

    /// <summary>A ContentNote seen through its link (title and dates from the ContentDocument; the text preview is added later).</summary>
    private static CrmActivity ToContentNoteActivity(JsonElement row, string endpoint, string crmId)
    {
        var document = SalesforceJson.TryProperty(row, "ContentDocument", out var value) ? SalesforceJson.Object(value, endpoint, "'ContentDocument'") : throw SalesforceJson.Unexpected(endpoint, "'ContentDocument' is missing");
        var modstamp = SalesforceJson.DateTime(document, "SystemModstamp", endpoint) ?? throw SalesforceJson.Unexpected(endpoint, "'ContentDocument.SystemModstamp' is missing");
        return new CrmActivity
        {
            ExternalId = SalesforceJson.RequiredId(row, "ContentDocumentId", endpoint),
            ActivityType = "note",
            CrmRecordId = crmId,
            Subject = SalesforceJson.String(document, "Title", endpoint),
            OccurredAt = SalesforceJson.DateTime(document, "CreatedDate", endpoint) ?? modstamp,
            LastModifiedAt = modstamp,
            Metadata = Metadata(document, endpoint, "ContentNote", ("owner_id", "OwnerId")),
        };
    }

    private static Dictionary<string, string?> Metadata(JsonElement row, string endpoint, string sobject, params (string Key, string Field)[] fields)
    {
        var metadata = new Dictionary<string, string?>(StringComparer.Ordinal) { ["sobject"] = sobject };
        foreach (var (key, field) in fields)
        {
            if (SalesforceJson.String(row, field, endpoint) is { } value)
            {
                metadata[key] = value;
            }
        }

        return metadata;
    }
}
