using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.Providers.Salesforce;

/// <content>Opportunity reads: one, many (Collections retrieve), and the change stream (queryAll with a compound cursor).</content>
internal sealed partial class SalesforceGateway
{
    /// <summary>The Opportunity fields the gateway reads (IsClosed/IsWon come with the record: no OpportunityStage lookup needed).</summary>
    internal static readonly string[] OpportunityFields =
        ["Id", "Name", "StageName", "Amount", "CloseDate", "IsClosed", "IsWon", "Probability", "ForecastCategoryName", "AccountId", "OwnerId", "LastModifiedDate", "SystemModstamp", "IsDeleted"];

    public async Task<CrmRecord?> GetRecordAsync(CrmConnection connection, string crmId, CancellationToken cancellationToken = default)
    {
        var id = SalesforceIds.Require(crmId, nameof(crmId));
        var custom = RecordFieldsOf(connection);
        var call = Begin(connection);
        var relative = $"sobjects/Opportunity/{id}?fields={string.Join(',', ReadFields(custom))}";
        RequireUriFits(connection, relative, custom.Count);
        var response = await GetAsync(call, call.Data(relative), Endpoints.SObjectGet, cancellationToken, HttpStatusCode.NotFound).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            return null;
        }

        using var document = response.Json(Salesforce);
        var record = ToRecord(SalesforceJson.Object(document.RootElement, Endpoints.SObjectGet, "the record"), Endpoints.SObjectGet, custom);
        return record.IsDeleted ? null : record;
    }

    /// <summary>
    /// Reads many opportunities with sObject Collections retrieve in its request-body form (<c>POST
    /// /composite/sobjects/Opportunity</c>): up to 2,000 ids per call, in order, <c>null</c> for missing ids. The GET
    /// form stops near 800 ids (16 KB URI) and a SOQL <c>Id IN (…)</c> of 2,000 ids would be a ~45 KB URI.
    /// </summary>
    public async Task<IReadOnlyList<CrmRecord>> GetRecordsAsync(CrmConnection connection, IReadOnlyList<string> crmIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(crmIds);
        var ids = new List<string>(crmIds.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < crmIds.Count; i++)
        {
            var id = SalesforceIds.Require(crmIds[i], $"crmIds[{i}]");
            if (seen.Add(id))
            {
                ids.Add(id);
            }
        }

        if (ids.Count == 0)
        {
            return [];
        }

        var custom = RecordFieldsOf(connection);
        var fields = ReadFields(custom);
        var call = Begin(connection);
        var records = new List<CrmRecord>(ids.Count);
        foreach (var chunk in ids.Chunk(CollectionsReadLimit))
        {
            await RetrieveAsync(call, chunk, fields, (_, row) =>
            {
                if (row is { } value && ToRecord(value, Endpoints.CollectionsRetrieve, custom) is { IsDeleted: false } record)
                {
                    records.Add(record);
                }
            }, cancellationToken).ConfigureAwait(false);
        }

        return records;
    }

    /// <summary>
    /// Collections retrieve (request-body form, a read: safe to retry): <paramref name="visit"/> sees each id's row (its
    /// index in <paramref name="ids"/>, and the row or <see langword="null"/>), in order, while the response is parsed —
    /// the rows are not copied out of it (a copy of 2,000 rows is a few megabytes held beside the batch they are read for).
    /// A body with more or fewer rows than ids is a <see cref="CrmSyncDataException"/> once read (what was visited is
    /// then to be discarded).
    /// </summary>
    private async Task RetrieveAsync(SalesforceCall call, IReadOnlyList<string> ids, IReadOnlyList<string> fields, Action<int, JsonElement?> visit, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["ids"] = new JsonArray([.. ids.Select(id => (JsonNode?)JsonValue.Create(id))]),
            ["fields"] = new JsonArray([.. fields.Select(f => (JsonNode?)JsonValue.Create(f))]),
        };
        var response = await SendJsonAsync(call, HttpMethod.Post, call.Data("composite/sobjects/Opportunity"), body, Endpoints.CollectionsRetrieve, idempotent: true, cancellationToken).ConfigureAwait(false);
        // Rows are read one at a time (CrmHttpResponse.TryReadRows): 2,000 rows are about a megabyte of body.
        var index = 0;
        if (!response.TryReadRows(Salesforce, rowsProperty: null, item =>
        {
            if (index >= ids.Count)
            {
                throw SalesforceJson.Unexpected(Endpoints.CollectionsRetrieve, $"more rows than the {ids.Count} ids");
            }

            visit(index++, item.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.Object => item,
                _ => throw SalesforceJson.Unexpected(Endpoints.CollectionsRetrieve, "a row is not an object"),
            });
        }))
        {
            using var document = response.Json(Salesforce);
            SalesforceJson.Array(document.RootElement, Endpoints.CollectionsRetrieve, "the retrieve result"); // throws: not an array
        }

        if (index != ids.Count)
        {
            throw SalesforceJson.Unexpected(Endpoints.CollectionsRetrieve, $"{index} rows for {ids.Count} ids");
        }
    }

    /// <summary>
    /// Lists opportunities changed after <paramref name="since"/> with <c>queryAll</c> (deleted rows included, reported in
    /// <see cref="CrmChangePage.DeletedIds"/>), ordered by (<c>SystemModstamp</c>, <c>Id</c>) and filtered by the compound
    /// cursor, so thousands of records sharing one timestamp are neither skipped nor repeated across pages or runs. One
    /// page per Salesforce batch; an expired query locator is replaced by a new query from the last page's cursor.
    /// </summary>
    public async IAsyncEnumerable<CrmChangePage> GetChangesAsync(CrmConnection connection, CrmCursor? since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var custom = RecordFieldsOf(connection);
        var select = $"SELECT {string.Join(", ", ReadFields(custom))} FROM Opportunity";
        ChangeRow Map(JsonElement row, string endpoint) => ToChangeRow(row, endpoint, custom);
        var call = Begin(connection);
        var position = since;
        if (position is { LastId: null } && call.Options.OverlapWindow > TimeSpan.Zero)
        {
            position = position with { Timestamp = position.Timestamp - call.Options.OverlapWindow };
        }

        if (position?.LastId is { } lastId)
        {
            SalesforceIds.Require(lastId, "since.LastId");
        }

        string? next = null;
        var restarts = 0;
        while (true)
        {
            QueryPage<ChangeRow>? page;
            if (next is null)
            {
                var soql = select
                    + (position is null ? string.Empty : " WHERE " + Soql.After("SystemModstamp", position.Timestamp, position.LastId))
                    + " ORDER BY SystemModstamp ASC, Id ASC";
                RequireUriFits(connection, "queryAll?q=" + Uri.EscapeDataString(soql), custom.Count);
                page = await QueryAsync(call, soql, all: true, Map, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                page = await TryQueryMoreAsync(call, next, Map, cancellationToken).ConfigureAwait(false);
                if (page is null)
                {
                    if (++restarts > 3)
                    {
                        throw new CrmConnectionException(Salesforce, "Salesforce query locators kept expiring while reading changes");
                    }

                    next = null; // re-query from the last yielded position
                    continue;
                }
            }

            if (page.Rows.Count > 0)
            {
                var last = page.Rows[^1];
                position = new CrmCursor(last.Modstamp, last.Record.CrmId);
                restarts = 0;
                yield return new CrmChangePage(
                    page.Rows.Where(r => !r.Record.IsDeleted).Select(r => r.Record).ToList(),
                    position,
                    page.Rows.Where(r => r.Record.IsDeleted).Select(r => r.Record.CrmId).ToList());
            }

            if (page.Next is null)
            {
                yield break;
            }

            next = page.Next;
        }
    }

    private async Task<QueryPage<T>?> TryQueryMoreAsync<T>(SalesforceCall call, string next, Func<JsonElement, string, T> map, CancellationToken cancellationToken)
    {
        try
        {
            return await QueryMoreAsync(call, next, map, cancellationToken).ConfigureAwait(false);
        }
        catch (SalesforceApiException ex) when (ex.ErrorCode is "INVALID_QUERY_LOCATOR" or "QUERY_LOCATOR_EXPIRED")
        {
            SalesforceLog.QueryRestarted(_logger, call.Connection.ConnectionKey, ex.ErrorCode);
            return null;
        }
    }

    private static ChangeRow ToChangeRow(JsonElement row, string endpoint, IReadOnlyList<string> custom)
    {
        var record = ToRecord(row, endpoint, custom);
        return new ChangeRow(record, record.LastModifiedAt ?? throw SalesforceJson.Unexpected(endpoint, "'SystemModstamp' is missing"));
    }

    /// <summary>Maps an Opportunity row, with the values of the <paramref name="custom"/> fields in <see cref="CrmRecord.Fields"/>.</summary>
    internal static CrmRecord ToRecord(JsonElement row, string endpoint, IReadOnlyList<string> custom)
    {
        var metadata = new Dictionary<string, string?>(StringComparer.Ordinal);
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                metadata[key] = value;
            }
        }

        Add("probability", Serialization.CanonicalValue.FromDecimal(SalesforceJson.Decimal(row, "Probability", endpoint)));
        Add("forecast_category", SalesforceJson.String(row, "ForecastCategoryName", endpoint));
        Add("account_id", SalesforceJson.String(row, "AccountId", endpoint));
        Add("owner_id", SalesforceJson.String(row, "OwnerId", endpoint));
        Add("last_modified_date", SalesforceJson.DateTime(row, "LastModifiedDate", endpoint)?.ToString("O", System.Globalization.CultureInfo.InvariantCulture));

        return new CrmRecord
        {
            CrmId = SalesforceJson.RequiredId(row, "Id", endpoint),
            Provider = Salesforce,
            Name = SalesforceJson.String(row, "Name", endpoint) ?? string.Empty,
            Stage = SalesforceJson.String(row, "StageName", endpoint),
            Amount = SalesforceJson.Decimal(row, "Amount", endpoint),
            CloseDate = SalesforceJson.Date(row, "CloseDate", endpoint),
            IsClosed = SalesforceJson.Bool(row, "IsClosed", endpoint),
            IsWon = SalesforceJson.Bool(row, "IsWon", endpoint),
            LastModifiedAt = SalesforceJson.DateTime(row, "SystemModstamp", endpoint),
            IsDeleted = SalesforceJson.Bool(row, "IsDeleted", endpoint) ?? false,
            Fields = custom.Count == 0 ? EmptyFields : ReadRecordFields(row, custom, endpoint),
            Metadata = metadata,
        };
    }

    private static readonly IReadOnlyDictionary<string, string?> EmptyFields = new Dictionary<string, string?>();

    private sealed record ChangeRow(CrmRecord Record, DateTimeOffset Modstamp);
}
