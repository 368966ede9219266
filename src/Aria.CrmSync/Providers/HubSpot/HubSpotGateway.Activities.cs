using System.Runtime.CompilerServices;

namespace Aria.CrmSync.Providers.HubSpot;

/// <content>
/// Activities: calls, emails, meetings, tasks and notes, read through v4 associations and batch reads (one deal) or
/// through a merged search stream of the five engagement types (a whole connection).
/// </content>
internal sealed partial class HubSpotGateway
{
    private static readonly EngagementType[] Engagements =
    [
        new("calls", "call", ["hs_timestamp", "hs_call_title", "hs_call_body", "hs_call_direction", "hs_call_status", "hs_call_duration", "hs_call_disposition"]),
        new("emails", "email", ["hs_timestamp", "hs_email_subject", "hs_email_text", "hs_email_html", "hs_email_direction", "hs_email_status"]),
        new("meetings", "meeting", ["hs_timestamp", "hs_meeting_title", "hs_meeting_body", "hs_meeting_outcome", "hs_meeting_start_time", "hs_meeting_end_time", "hs_meeting_location"]),
        new("tasks", "task", ["hs_timestamp", "hs_task_subject", "hs_task_body", "hs_task_status", "hs_task_priority", "hs_task_type"]),
        new("notes", "note", ["hs_timestamp", "hs_note_body"]),
    ];

    public async IAsyncEnumerable<CrmActivity> GetActivitiesAsync(CrmConnection connection, string crmId, DateTimeOffset? since = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        RequireId(crmId, nameof(crmId));
        foreach (var type in Engagements)
        {
            var ids = await ListAssociatedIdsAsync(connection, "deals", crmId, type.Name, cancellationToken).ConfigureAwait(false);
            if (ids.Count == 0)
            {
                continue;
            }

            var items = await BatchReadAsync(connection, type.Name, ids.Distinct(StringComparer.Ordinal).ToList(), [.. type.Properties, "hs_lastmodifieddate", "hs_createdate"], cancellationToken).ConfigureAwait(false);
            foreach (var item in items.OrderBy(i => i.LastModified).ThenBy(i => i.Id, StringComparer.Ordinal))
            {
                var activity = ToActivity(type, item, crmId);
                if (since is null || (activity.LastModifiedAt ?? activity.OccurredAt) > since)
                {
                    yield return activity;
                }
            }
        }
    }

    public async IAsyncEnumerable<CrmActivityPage> GetActivityChangesAsync(CrmConnection connection, CrmCursor? since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var streams = Engagements.Select(t => new TypeStream(t, StreamAsync(connection, t.Name, [.. t.Properties, "hs_lastmodifieddate", "hs_createdate"], since, cancellationToken).GetAsyncEnumerator(cancellationToken))).ToList();
        try
        {
            while (true)
            {
                // k-way merge of the five ordered streams into pages ordered by (modification time, id).
                var batch = new List<(EngagementType Type, HubSpotObjectData Data, DateTimeOffset Modified)>(SearchPageSize);
                while (batch.Count < SearchPageSize)
                {
                    TypeStream? best = null;
                    foreach (var stream in streams)
                    {
                        if (await stream.FillAsync().ConfigureAwait(false) && (best is null || Compare(stream.Head, best.Head) < 0))
                        {
                            best = stream;
                        }
                    }

                    if (best is null)
                    {
                        break;
                    }

                    var head = best.Take();
                    batch.Add((best.Type, head.Data, head.Modified));
                }

                if (batch.Count == 0)
                {
                    yield break;
                }

                var activities = new List<CrmActivity>(batch.Count);
                var deals = new Dictionary<(string Type, string Id), List<string>>();
                // ARIA's own notes come back in the stream too; they need no deal lookup (the engine never stores
                // them), which saves one association read per 100 notes ARIA wrote.
                foreach (var group in batch.Where(b => !IsWrittenByAria(b.Type, b.Data)).GroupBy(b => b.Type.Name, StringComparer.Ordinal))
                {
                    var links = await AssociatedIdsAsync(connection, group.Key, "deals", group.Select(g => g.Data.Id).Distinct(StringComparer.Ordinal).ToList(), cancellationToken).ConfigureAwait(false);
                    foreach (var (id, dealIds) in links)
                    {
                        deals[(group.Key, id)] = dealIds;
                    }
                }

                foreach (var (type, data, _) in batch)
                {
                    foreach (var dealId in deals.GetValueOrDefault((type.Name, data.Id)) ?? [])
                    {
                        activities.Add(ToActivity(type, data, dealId)); // only activities of deals; one per deal it belongs to
                    }
                }

                var last = batch[^1];
                yield return new CrmActivityPage(activities, new CrmCursor(last.Modified, last.Data.Id));
            }
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether an engagement is a note ARIA wrote: it carries ARIA's marker and its text starts with <c>[ARIA]</c>.</summary>
    private static bool IsWrittenByAria(EngagementType type, HubSpotObjectData data)
    {
        if (type.Singular != "note" || data["hs_note_body"] is not { } body)
        {
            return false;
        }

        var stripped = StripNoteMarker(body);
        return !ReferenceEquals(stripped, body)
            && (HubSpotText.ToPlainText(stripped)?.TrimStart().StartsWith("[ARIA]", StringComparison.Ordinal) ?? false);
    }

    private static int Compare((HubSpotObjectData Data, DateTimeOffset Modified) a, (HubSpotObjectData Data, DateTimeOffset Modified) b)
        => a.Modified != b.Modified ? a.Modified.CompareTo(b.Modified) : string.CompareOrdinal(a.Data.Id, b.Data.Id);

    /// <summary>Maps an engagement to an activity: plain-text bodies, direction, occurred-at from <c>hs_timestamp</c>.</summary>
    private static CrmActivity ToActivity(EngagementType type, HubSpotObjectData item, string dealId)
    {
        var occurred = HubSpotJson.ParseTime(item["hs_timestamp"]) ?? HubSpotJson.ParseTime(item["hs_createdate"]) ?? item.LastModified ?? DateTimeOffset.UnixEpoch;
        var metadata = new Dictionary<string, string?>(StringComparer.Ordinal) { ["object_type"] = type.Name };
        string? subject = null, body = null, status = null, direction = null;
        switch (type.Singular)
        {
            case "call":
                subject = item["hs_call_title"];
                body = HubSpotText.ToPlainText(item["hs_call_body"]);
                status = item["hs_call_status"];
                direction = item["hs_call_direction"] switch { "INBOUND" => "inbound", "OUTBOUND" => "outbound", _ => null };
                metadata["duration_ms"] = item["hs_call_duration"];
                metadata["disposition"] = item["hs_call_disposition"];
                break;
            case "email":
                subject = item["hs_email_subject"];
                body = HubSpotText.ToPlainText(item["hs_email_text"] is { Length: > 0 } text ? text : item["hs_email_html"]);
                status = item["hs_email_status"];
                direction = item["hs_email_direction"] switch { "INCOMING_EMAIL" => "inbound", "EMAIL" or "FORWARDED_EMAIL" => "outbound", _ => null };
                break;
            case "meeting":
                subject = item["hs_meeting_title"];
                body = HubSpotText.ToPlainText(item["hs_meeting_body"]);
                status = item["hs_meeting_outcome"];
                metadata["start_time"] = item["hs_meeting_start_time"];
                metadata["end_time"] = item["hs_meeting_end_time"];
                metadata["location"] = item["hs_meeting_location"];
                break;
            case "task":
                subject = item["hs_task_subject"];
                body = HubSpotText.ToPlainText(item["hs_task_body"]);
                status = item["hs_task_status"];
                metadata["priority"] = item["hs_task_priority"];
                metadata["task_type"] = item["hs_task_type"];
                break;
            default:
                body = HubSpotText.ToPlainText(StripNoteMarker(item["hs_note_body"]));
                break;
        }

        foreach (var key in metadata.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            metadata.Remove(key);
        }

        return new CrmActivity
        {
            ExternalId = item.Id,
            ActivityType = type.Singular,
            CrmRecordId = dealId,
            Subject = string.IsNullOrWhiteSpace(subject) ? null : subject.Trim(),
            Body = string.IsNullOrEmpty(body) ? null : body,
            Status = status,
            Direction = direction,
            OccurredAt = occurred,
            LastModifiedAt = item.LastModified,
            Metadata = metadata,
        };
    }

    private sealed record EngagementType(string Name, string Singular, string[] Properties);

    /// <summary>One engagement type's ordered stream with a look-ahead buffer.</summary>
    private sealed class TypeStream(EngagementType type, IAsyncEnumerator<(List<HubSpotObjectData> Items, CrmCursor Cursor)> pages) : IAsyncDisposable
    {
        private readonly Queue<(HubSpotObjectData Data, DateTimeOffset Modified)> _buffer = new();
        private bool _done;

        public EngagementType Type { get; } = type;

        public (HubSpotObjectData Data, DateTimeOffset Modified) Head => _buffer.Peek();

        public async ValueTask<bool> FillAsync()
        {
            while (_buffer.Count == 0 && !_done)
            {
                if (await pages.MoveNextAsync().ConfigureAwait(false))
                {
                    foreach (var item in pages.Current.Items)
                    {
                        _buffer.Enqueue((item, item.LastModified!.Value));
                    }
                }
                else
                {
                    _done = true;
                }
            }

            return _buffer.Count > 0;
        }

        public (HubSpotObjectData Data, DateTimeOffset Modified) Take() => _buffer.Dequeue();

        public ValueTask DisposeAsync() => pages.DisposeAsync();
    }
}
