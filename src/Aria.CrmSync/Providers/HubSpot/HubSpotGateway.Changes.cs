using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Aria.CrmSync.Gateways.Http;

namespace Aria.CrmSync.Providers.HubSpot;

/// <content>
/// The change stream: CRM search on <c>hs_lastmodifieddate</c> (ascending, 200 per call), read as keyset pages —
/// every call is a fresh query from the last complete timestamp, so no query ever pages towards the 10,000-result cap
/// and records modified while the stream runs cannot shift an offset past unread records.
/// </content>
internal sealed partial class HubSpotGateway
{
    private const string LastModified = "hs_lastmodifieddate";
    private const string ObjectId = "hs_object_id";

    public async IAsyncEnumerable<CrmChangePage> GetChangesAsync(CrmConnection connection, CrmCursor? since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var properties = ReadProperties(RecordFieldsOf(connection));
        await foreach (var (items, cursor) in StreamAsync(connection, "deals", properties, since, cancellationToken).ConfigureAwait(false))
        {
            var records = await ToRecordsAsync(connection, items, cancellationToken).ConfigureAwait(false);
            yield return new CrmChangePage(records, cursor, []) { MayLag = true }; // search sees writes late
        }
    }

    /// <summary>
    /// Streams the objects of a type modified after <paramref name="since"/> in (modification time, ordinal id) order,
    /// as pages with the cursor after each. A full page is split at its last timestamp: the records before it are
    /// complete and emitted, the next query starts at that timestamp (records at or before the cursor are skipped per
    /// <see cref="CrmCursor.IsBefore"/>). A page whose records all share one timestamp (a bulk update) switches to
    /// reading that timestamp's group by <c>hs_object_id</c> ranges (<see cref="CollectGroupAsync"/>), then continues
    /// strictly after it. <paramref name="modifiedProperty"/> is the type's searchable modification time
    /// (<c>hs_lastmodifieddate</c>; contacts: <c>lastmodifieddate</c>).
    /// </summary>
    internal async IAsyncEnumerable<(List<HubSpotObjectData> Items, CrmCursor Cursor)> StreamAsync(
        CrmConnection connection,
        string type,
        IReadOnlyList<string> properties,
        CrmCursor? since,
        [EnumeratorCancellation] CancellationToken cancellationToken,
        string modifiedProperty = LastModified)
    {
        var lower = since?.Timestamp;
        var inclusive = true;
        var cursor = since;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<SearchFilter> filters = lower is { } from ? [new(modifiedProperty, inclusive ? "GTE" : "GT", HubSpotJson.EpochMs(from))] : [];
            var page = await SearchAsync(connection, type, properties, filters, modifiedProperty, cancellationToken).ConfigureAwait(false);
            var items = Ordered(page.Results, page.Response);
            if (items.Count == 0)
            {
                yield break;
            }

            var first = items[0].Modified;
            var last = items[^1].Modified;
            if (!page.HasMore || first < last)
            {
                // Without more pages everything is complete; otherwise only the records before the last timestamp.
                var fresh = items
                    .Where(i => (!page.HasMore || i.Modified < last) && (cursor?.IsBefore(i.Modified, i.Data.Id) ?? true))
                    .ToList();
                if (fresh.Count > 0)
                {
                    cursor = new CrmCursor(fresh[^1].Modified, fresh[^1].Data.Id);
                    yield return (fresh.Select(i => i.Data).ToList(), cursor);
                }

                if (!page.HasMore)
                {
                    yield break;
                }

                lower = last;
                inclusive = true;
                continue;
            }

            // More than a page of records share one timestamp.
            HubSpotLog.EqualTimestampGroup(_logger, type, last);
            var group = await CollectGroupAsync(connection, type, properties, last, modifiedProperty, cancellationToken).ConfigureAwait(false);
            var unread = group.Where(o => cursor?.IsBefore(last, o.Id) ?? true).ToList();
            foreach (var chunk in unread.Chunk(SearchPageSize))
            {
                cursor = new CrmCursor(last, chunk[^1].Id);
                yield return (chunk.ToList(), cursor);
            }

            lower = last;
            inclusive = false;
        }
    }

    /// <summary>
    /// Reads every object whose <c>hs_lastmodifieddate</c> equals <paramref name="timestamp"/>, however many (also past
    /// 10,000), without depending on how HubSpot sorts or compares <c>hs_object_id</c> (lexicographically when sorting):
    /// windows of numeric ids (X, M] are read with one unpaged query each and accepted only when HubSpot reports no
    /// further page for the window — M is the largest id of a first probe and is halved until the window fits. The
    /// group is returned in ordinal id order, the order <see cref="CrmCursor.IsBefore"/> compares.
    /// </summary>
    private async Task<List<HubSpotObjectData>> CollectGroupAsync(CrmConnection connection, string type, IReadOnlyList<string> properties, DateTimeOffset timestamp, string modifiedProperty, CancellationToken cancellationToken)
    {
        var at = new SearchFilter(modifiedProperty, "EQ", HubSpotJson.EpochMs(timestamp));
        var all = new Dictionary<string, HubSpotObjectData>(StringComparer.Ordinal);
        decimal? low = null;
        var queries = 0;
        while (true)
        {
            List<SearchFilter> probeFilters = low is { } l ? [at, new(ObjectId, "GT", Number(l))] : [at];
            var probe = await SearchAsync(connection, type, properties, probeFilters, ObjectId, cancellationToken).ConfigureAwait(false);
            queries++;
            foreach (var item in probe.Results)
            {
                all[item.Id] = item;
            }

            if (!probe.HasMore)
            {
                break;
            }

            var high = probe.Results.Select(o => NumericId(o.Id, probe.Response)).DefaultIfEmpty(0m).Max();
            var floor = low ?? 0m;
            while (true)
            {
                if (high <= floor)
                {
                    throw HubSpotJson.Unexpected(probe.Response, $"search for {type} at {HubSpotJson.FormatTime(timestamp)} kept reporting more results for an empty id range");
                }

                List<SearchFilter> window = low is { } w ? [at, new(ObjectId, "GT", Number(w)), new(ObjectId, "LTE", Number(high))] : [at, new(ObjectId, "LTE", Number(high))];
                var range = await SearchAsync(connection, type, properties, window, ObjectId, cancellationToken).ConfigureAwait(false);
                queries++;
                if (!range.HasMore)
                {
                    foreach (var item in range.Results)
                    {
                        all[item.Id] = item;
                    }

                    break;
                }

                high = Math.Floor((floor + high) / 2);
            }

            low = high;
        }

        HubSpotLog.EqualTimestampGroupRead(_logger, type, timestamp, all.Count, queries);
        return all.Values
            .Where(o => o.LastModified == timestamp) // a record modified again meanwhile is read later at its new time
            .OrderBy(o => o.Id, StringComparer.Ordinal)
            .ToList();
    }

    private static List<(HubSpotObjectData Data, DateTimeOffset Modified)> Ordered(List<HubSpotObjectData> results, CrmHttpResponse response)
    {
        var items = new List<(HubSpotObjectData Data, DateTimeOffset Modified)>(results.Count);
        foreach (var result in results)
        {
            var modified = result.LastModified ?? throw HubSpotJson.Unexpected(response, $"object {result.Id} has no hs_lastmodifieddate");
            items.Add((result, modified));
        }

        items.Sort(static (a, b) => a.Modified != b.Modified ? a.Modified.CompareTo(b.Modified) : string.CompareOrdinal(a.Data.Id, b.Data.Id));
        return items;
    }

    private static decimal NumericId(string id, CrmHttpResponse response)
        => decimal.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw HubSpotJson.Unexpected(response, $"object id '{id}' is not numeric");

    private static string Number(decimal value) => value.ToString("0", CultureInfo.InvariantCulture);

    /// <summary>One CRM search call: filters ANDed in one group, one ascending sort, 200 results, no offset.</summary>
    internal async Task<SearchPage> SearchAsync(CrmConnection connection, string type, IReadOnlyList<string> properties, IReadOnlyList<SearchFilter> filters, string sortBy, CancellationToken cancellationToken)
    {
        var response = await CallAsync(
            connection,
            HttpMethod.Post,
            Paths(connection).Search(type),
            w => WriteSearch(w, properties, filters, sortBy),
            $"{type}.search",
            idempotent: true,
            search: true,
            cancellationToken).ConfigureAwait(false);
        if (response.Status != HttpStatusCode.OK)
        {
            throw HubSpotJson.Unexpected(response, "search answered without results");
        }

        using var document = response.Json(CrmProvider.HubSpot);
        var root = HubSpotJson.RootObject(document, response);
        var results = new List<HubSpotObjectData>();
        foreach (var item in HubSpotJson.Array(root, "results", response))
        {
            results.Add(HubSpotJson.Object(item, response));
        }

        return new SearchPage(results, HubSpotJson.NextAfter(root) is not null, response);
    }

    private static void WriteSearch(Utf8JsonWriter w, IReadOnlyList<string> properties, IReadOnlyList<SearchFilter> filters, string sortBy)
    {
        w.WriteStartObject();
        if (filters.Count > 0)
        {
            w.WriteStartArray("filterGroups");
            w.WriteStartObject();
            w.WriteStartArray("filters");
            foreach (var filter in filters)
            {
                w.WriteStartObject();
                w.WriteString("propertyName", filter.Property);
                w.WriteString("operator", filter.Operator);
                w.WriteString("value", filter.Value);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteStartArray("sorts");
        w.WriteStartObject();
        w.WriteString("propertyName", sortBy);
        w.WriteString("direction", "ASCENDING");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray("properties");
        foreach (var property in properties)
        {
            w.WriteStringValue(property);
        }

        w.WriteEndArray();
        w.WriteNumber("limit", SearchPageSize);
        w.WriteEndObject();
    }

    /// <summary>A search filter; its value is always written as a JSON string value.</summary>
    internal readonly record struct SearchFilter(string Property, string Operator, string Value);

    /// <summary>One search response.</summary>
    internal sealed record SearchPage(List<HubSpotObjectData> Results, bool HasMore, CrmHttpResponse Response);
}
