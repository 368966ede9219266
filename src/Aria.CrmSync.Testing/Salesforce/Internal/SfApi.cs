using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Aria.CrmSync.Testing.Salesforce.Soql;

namespace Aria.CrmSync.Testing.Salesforce;

/// <summary>A REST call inside <c>/services/data/vXX.X/</c> (top-level or a composite subrequest).</summary>
internal sealed record SfCall(
    string Method,
    string Version,
    IReadOnlyList<string> Segments,
    IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body,
    bool InComposite = false,
    bool OuterAllOrNone = false)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>The reply to an <see cref="SfCall"/>.</summary>
internal sealed class SfReply
{
    public SfReply(int status, JsonNode? body = null)
    {
        Status = status;
        Body = body;
    }

    public int Status { get; }

    public JsonNode? Body { get; }

    public byte[]? Raw { get; init; }

    public string? ContentType { get; init; }

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static SfReply Error(int status, string code, string message) => new(status, SfJson.ErrorArray(code, message));

    public static SfReply Errors(int status, IEnumerable<SfError> errors) => new(status, SfJson.ErrorArray(errors));

    public SfReply With(string header, string value)
    {
        Headers[header] = value;
        return this;
    }
}

/// <summary>
/// The REST resources of <c>/services/data/vXX.X/</c>: sObject rows, describe, SOQL query with cursors, getUpdated and
/// getDeleted, limits, sObject Collections and the composite resources. Callers hold the emulator's lock.
/// </summary>
internal sealed partial class SfApi
{
    public const string NotFoundMessage = "The requested resource does not exist";

    private readonly SfStore _store;
    private readonly SalesforceEmulatorOptions _options;
    private readonly SfOAuth _oauth;
    private readonly Func<(long Used, long Max)> _usage;
    private readonly Dictionary<string, QueryCursor> _cursors = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _schemaModified;

    public SfApi(SfStore store, SalesforceEmulatorOptions options, SfOAuth oauth, Func<(long Used, long Max)> usage)
    {
        _store = store;
        _options = options;
        _oauth = oauth;
        _usage = usage;
        _schemaModified = SfWire.TruncateToSeconds(store.Now);
    }

    private SfSchema Schema => _store.Schema;

    /// <summary>Names the endpoint of a call for accounting and fault rules.</summary>
    public static string Classify(string method, IReadOnlyList<string> s, IReadOnlyDictionary<string, string> query)
    {
        if (method == "POST" && query.TryGetValue("_HttpMethod", out var overridden))
        {
            method = overridden.ToUpperInvariant();
        }

        string Seg(int i) => i < s.Count ? s[i] : string.Empty;
        if (s.Count == 0)
        {
            return SalesforceEndpoints.Resources;
        }

        switch (Seg(0).ToLowerInvariant())
        {
            case "limits":
                return SalesforceEndpoints.Limits;
            case "query":
                return s.Count > 1 ? SalesforceEndpoints.QueryMore : SalesforceEndpoints.Query;
            case "queryall":
                return s.Count > 1 ? SalesforceEndpoints.QueryMore : SalesforceEndpoints.QueryAll;
            case "sobjects":
                if (s.Count == 1)
                {
                    return SalesforceEndpoints.DescribeGlobal;
                }

                if (s.Count == 2)
                {
                    return method == "POST" ? SalesforceEndpoints.SObjectCreate : SalesforceEndpoints.SObjectInfo;
                }

                var third = Seg(2);
                if (s.Count == 3)
                {
                    if (third.Equals("describe", StringComparison.OrdinalIgnoreCase))
                    {
                        return SalesforceEndpoints.Describe;
                    }

                    if (third.Equals("updated", StringComparison.OrdinalIgnoreCase))
                    {
                        return SalesforceEndpoints.Updated;
                    }

                    if (third.Equals("deleted", StringComparison.OrdinalIgnoreCase))
                    {
                        return SalesforceEndpoints.Deleted;
                    }

                    if (!SfIds.HasIdShape(third) && method == "POST")
                    {
                        return SalesforceEndpoints.SObjectUpsert;
                    }
                }

                if (s.Count == 4 && SfIds.HasIdShape(third))
                {
                    return SalesforceEndpoints.SObjectBlob;
                }

                if (s.Count == 4 && method is "PATCH" or "POST")
                {
                    return SalesforceEndpoints.SObjectUpsert;
                }

                return method switch
                {
                    "PATCH" => SalesforceEndpoints.SObjectPatch,
                    "DELETE" => SalesforceEndpoints.SObjectDelete,
                    _ => SalesforceEndpoints.SObjectGet,
                };
            case "composite":
                if (s.Count == 1)
                {
                    return SalesforceEndpoints.Composite;
                }

                switch (Seg(1).ToLowerInvariant())
                {
                    case "batch":
                        return SalesforceEndpoints.CompositeBatch;
                    case "tree":
                        return SalesforceEndpoints.CompositeTree;
                    case "graph":
                        return SalesforceEndpoints.CompositeGraph;
                    case "sobjects" when s.Count > 2:
                        return SalesforceEndpoints.CollectionsGet;
                    case "sobjects":
                        return method switch
                        {
                            "POST" => SalesforceEndpoints.CollectionsCreate,
                            "PATCH" => SalesforceEndpoints.CollectionsUpdate,
                            "DELETE" => SalesforceEndpoints.CollectionsDelete,
                            _ => SalesforceEndpoints.CollectionsCreate,
                        };
                }

                break;
        }

        return SalesforceEndpoints.Unknown;
    }

    /// <summary>Serves a call. Never throws for client errors: they become Salesforce error replies.</summary>
    public SfReply Dispatch(SfCall call)
    {
        try
        {
            return Route(call);
        }
        catch (SfRequestException ex)
        {
            return SfReply.Errors(ex.Status, ex.Errors);
        }
    }

    /// <summary>Drops idle query cursors.</summary>
    public void ExpireCursors()
    {
        var now = _store.Now;
        foreach (var key in _cursors.Where(c => now - c.Value.LastAccess > _options.QueryCursorLifetime).Select(c => c.Key).ToList())
        {
            _cursors.Remove(key);
        }
    }

    private static SfReply NotFound() => SfReply.Error(404, "NOT_FOUND", NotFoundMessage);

    private static SfReply MethodNotAllowed(string method, string allowed)
        => SfReply.Error(405, "METHOD_NOT_ALLOWED", $"HTTP Method '{method}' not allowed. Allowed are {allowed}");

    private SfReply Route(SfCall call)
    {
        var s = call.Segments;
        var method = call.Method;
        if (method == "POST" && call.Query.TryGetValue("_HttpMethod", out var overridden))
        {
            method = overridden.ToUpperInvariant();
        }

        if (method == "HEAD")
        {
            method = "GET";
        }

        if (s.Count == 0)
        {
            return method == "GET" ? Resources(call) : MethodNotAllowed(call.Method, "GET,HEAD");
        }

        switch (s[0].ToLowerInvariant())
        {
            case "limits" when s.Count == 1:
                return method == "GET" ? Limits() : MethodNotAllowed(call.Method, "GET,HEAD");
            case "query" or "queryall":
                if (method != "GET")
                {
                    return MethodNotAllowed(call.Method, "GET,HEAD");
                }

                return s.Count switch
                {
                    1 => Query(call, s[0].Equals("queryAll", StringComparison.OrdinalIgnoreCase)),
                    2 => QueryMore(call, s[1]),
                    _ => NotFound(),
                };
            case "sobjects":
                return SObjects(call, method);
            case "composite":
                return Composite(call, method);
            default:
                return NotFound();
        }
    }

    private SfReply SObjects(SfCall call, string method)
    {
        var s = call.Segments;
        if (s.Count == 1)
        {
            return method == "GET" ? DescribeGlobal(call) : MethodNotAllowed(call.Method, "GET,HEAD");
        }

        var obj = Schema.Find(s[1]);
        if (obj is null)
        {
            return NotFound();
        }

        if (s.Count == 2)
        {
            return method switch
            {
                "GET" => BasicInfo(call, obj),
                "POST" => Create(call, obj),
                _ => MethodNotAllowed(call.Method, "GET,HEAD,POST"),
            };
        }

        var third = s[2];
        if (s.Count == 3)
        {
            if (third.Equals("describe", StringComparison.OrdinalIgnoreCase))
            {
                return method == "GET" ? Describe(call, obj) : MethodNotAllowed(call.Method, "GET,HEAD");
            }

            if (third.Equals("updated", StringComparison.OrdinalIgnoreCase) || third.Equals("deleted", StringComparison.OrdinalIgnoreCase))
            {
                return method == "GET" ? Replication(call, obj, third.Equals("updated", StringComparison.OrdinalIgnoreCase)) : MethodNotAllowed(call.Method, "GET,HEAD");
            }

            if (SfIds.HasIdShape(third))
            {
                return method switch
                {
                    "GET" => Retrieve(call, obj, third),
                    "PATCH" => Update(call, obj, third),
                    "DELETE" => Delete(obj, third),
                    _ => MethodNotAllowed(call.Method, "GET,PATCH,HEAD,DELETE"),
                };
            }

            if (method == "POST" && obj.Field(third) is { } idField && (idField.ExternalId || idField.Name == "Id"))
            {
                return Upsert(call, obj, idField, null);
            }

            return SfReply.Error(404, "NOT_FOUND", $"Provided external ID field does not exist or is not accessible: {third}");
        }

        if (s.Count == 4)
        {
            if (SfIds.HasIdShape(third) && method == "GET")
            {
                return Blob(obj, third, s[3]);
            }

            var field = obj.Field(third);
            if (field is null || !(field.ExternalId || field.Name == "Id"))
            {
                return SfReply.Error(404, "NOT_FOUND", $"Provided external ID field does not exist or is not accessible: {third}");
            }

            return method switch
            {
                "PATCH" or "POST" => Upsert(call, obj, field, s[3]),
                "GET" => ByExternalId(call, obj, field, s[3], delete: false),
                "DELETE" => ByExternalId(call, obj, field, s[3], delete: true),
                _ => MethodNotAllowed(call.Method, "GET,PATCH,HEAD,DELETE"),
            };
        }

        return NotFound();
    }

    // ---- sObject rows ----------------------------------------------------------------------------------------------

    private SfReply Create(SfCall call, SfObject obj)
    {
        var body = SfJson.ParseObject(call.Body, obj.Name);
        var (values, _, hasId, error) = SfJson.BindRecord(obj, body);
        if (error is not null)
        {
            return SfReply.Errors(400, [error]);
        }

        if (hasId)
        {
            return SfReply.Error(400, "INVALID_FIELD", "The Id field should not be specified in the sobject data.");
        }

        var result = _store.Create(obj, values, SfWriteMode.Api);
        if (!result.Success)
        {
            return SfReply.Errors(400, result.Errors);
        }

        return new SfReply(201, new JsonObject { ["id"] = result.Id, ["success"] = true, ["errors"] = new JsonArray() })
            .With("Location", $"/services/data/v{call.Version}/sobjects/{obj.Name}/{result.Id}");
    }

    private (SfRecord? Record, SfReply? Error) Locate(SfObject obj, string id, bool allowDeleted = false)
    {
        if (SfStore.CheckId(obj, id) is { } malformed)
        {
            return (null, SfReply.Errors(400, [malformed]));
        }

        var record = _store.Find(id);
        if (record is null || !string.Equals(record.Type, obj.StorageName, StringComparison.Ordinal))
        {
            return (null, NotFound());
        }

        if (record.IsDeleted && !allowDeleted)
        {
            return (null, NotFound());
        }

        return (record, null);
    }

    private SfReply Retrieve(SfCall call, SfObject obj, string id)
    {
        var (record, error) = Locate(obj, id);
        if (error is not null)
        {
            return error;
        }

        if (call.Header("If-Modified-Since") is { } since && SfWire.TryParseHttpDate(since, out var sinceDate)
            && LastModified(record!) is { } modified && SfWire.TruncateToSeconds(modified) <= sinceDate)
        {
            return new SfReply(304);
        }

        IReadOnlyList<SfField> fields = obj.Fields;
        if (call.Query.TryGetValue("fields", out var list) && !string.IsNullOrWhiteSpace(list))
        {
            var selected = new List<SfField>();
            foreach (var name in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var field = obj.Field(name);
                if (field is null)
                {
                    return SfReply.Error(400, "INVALID_FIELD", $"No such column '{name}' on entity '{obj.Name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.");
                }

                if (!selected.Contains(field))
                {
                    selected.Add(field);
                }
            }

            fields = selected;
        }

        var reply = new SfReply(200, RecordJson(record!, obj, fields, call.Version, includeIdWhenSelected: call.Query.ContainsKey("fields")));
        if (LastModified(record!) is { } lastModified)
        {
            reply.With("Last-Modified", SfWire.FormatHttpDate(lastModified));
        }

        return reply;
    }

    private static DateTimeOffset? LastModified(SfRecord record)
        => record.Get("LastModifiedDate") as DateTimeOffset? ?? record.Get("SystemModstamp") as DateTimeOffset?;

    /// <summary>Renders a record as <c>GET /sobjects/{Type}/{id}</c> does.</summary>
    public JsonObject RecordJson(SfRecord record, SfObject view, IReadOnlyList<SfField> fields, string version, bool includeIdWhenSelected)
    {
        var node = new JsonObject
        {
            ["attributes"] = new JsonObject { ["type"] = view.Name, ["url"] = $"/services/data/v{version}/sobjects/{view.Name}/{record.Id}" },
        };
        foreach (var field in fields)
        {
            var value = field.Compute is { } compute ? compute(record) : record.Get(field.Name);
            node[field.Name] = field.Type == SfFieldType.Base64
                ? (value is null ? null : $"/services/data/v{version}/sobjects/{view.Name}/{record.Id}/{field.Name}")
                : SfValues.ToJson(field, value);
        }

        if (includeIdWhenSelected && !node.ContainsKey("Id"))
        {
            node["Id"] = record.Id;
        }

        return node;
    }

    private SfReply Update(SfCall call, SfObject obj, string id)
    {
        if (SfStore.CheckId(obj, id) is { } malformed)
        {
            return SfReply.Errors(400, [malformed]);
        }

        var record = _store.Find(id);
        if (record is null || !string.Equals(record.Type, obj.StorageName, StringComparison.Ordinal))
        {
            return NotFound();
        }

        if (record.IsDeleted)
        {
            return SfReply.Error(404, "ENTITY_IS_DELETED", "entity is deleted");
        }

        if (call.Header("If-Unmodified-Since") is { } header)
        {
            if (!SfWire.TryParseHttpDate(header, out var limit))
            {
                return SfReply.Error(400, "INVALID_HEADER_VALUE", $"If-Unmodified-Since header value is not a valid HTTP date: {header}");
            }

            if (LastModified(record) is { } modified && SfWire.TruncateToSeconds(modified) > limit)
            {
                return SfReply.Error(412, "PRECONDITION_FAILED", "The requested resource has been modified since the date in the If-Unmodified-Since header.");
            }
        }

        var body = SfJson.ParseObject(call.Body, obj.Name);
        var (values, bodyId, hasId, error) = SfJson.BindRecord(obj, body);
        if (error is not null)
        {
            return SfReply.Errors(400, [error]);
        }

        if (hasId && SfIds.Normalize(bodyId) != record.Id)
        {
            return SfReply.Error(400, "INVALID_FIELD", "The Id field should not be specified in the sobject data.");
        }

        var result = _store.Update(obj, record, values, SfWriteMode.Api);
        return result.Success ? new SfReply(204) : SfReply.Errors(400, result.Errors);
    }

    private SfReply Delete(SfObject obj, string id)
    {
        if (SfStore.CheckId(obj, id) is { } malformed)
        {
            return SfReply.Errors(400, [malformed]);
        }

        var record = _store.Find(id);
        if (record is null || !string.Equals(record.Type, obj.StorageName, StringComparison.Ordinal))
        {
            return NotFound();
        }

        if (record.IsDeleted)
        {
            return SfReply.Error(404, "ENTITY_IS_DELETED", "entity is deleted");
        }

        var result = _store.Delete(obj, record, SfWriteMode.Api);
        return result.Success ? new SfReply(204) : SfReply.Errors(400, result.Errors);
    }

    private SfReply Blob(SfObject obj, string id, string fieldName)
    {
        var (record, error) = Locate(obj, id);
        if (error is not null)
        {
            return error;
        }

        var field = obj.Field(fieldName);
        if (field is null || field.Type != SfFieldType.Base64 || record!.Get(field.Name) is not byte[] bytes)
        {
            return NotFound();
        }

        return new SfReply(200) { Raw = bytes, ContentType = "application/octet-stream" };
    }

    private List<SfRecord> MatchExternalId(SfObject obj, SfField field, string value)
    {
        if (field.Name == "Id")
        {
            var record = _store.Find(value);
            return record is not null && record.Type == obj.StorageName && !record.IsDeleted ? [record] : [];
        }

        if (!SfValues.TryCoerce(field, value, fromJson: false, out var typed, out _) || typed is null)
        {
            return [];
        }

        return _store.All(obj.StorageName).Where(r => !r.IsDeleted && r.Get(field.Name) is { } v && SfValues.Compare(field, v, typed) == 0).ToList();
    }

    private SfReply MultipleMatches(SfObject obj, IEnumerable<SfRecord> matches, string version)
        => new(300, new JsonArray([.. matches.Select(m => (JsonNode?)JsonValue.Create($"/services/data/v{version}/sobjects/{obj.Name}/{m.Id}"))]));

    private SfReply Upsert(SfCall call, SfObject obj, SfField field, string? value)
    {
        var body = SfJson.ParseObject(call.Body, obj.Name);
        var (values, _, hasId, error) = SfJson.BindRecord(obj, body);
        if (error is not null)
        {
            return SfReply.Errors(400, [error]);
        }

        if (hasId)
        {
            return SfReply.Error(400, "INVALID_FIELD", "The Id field should not be specified in the sobject data.");
        }

        var matches = value is null ? [] : MatchExternalId(obj, field, value);
        if (matches.Count > 1)
        {
            return MultipleMatches(obj, matches, call.Version);
        }

        var modern = decimal.TryParse(call.Version, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 46m;
        if (matches.Count == 1)
        {
            var updated = _store.Update(obj, matches[0], values, SfWriteMode.Api);
            if (!updated.Success)
            {
                return SfReply.Errors(400, updated.Errors);
            }

            return modern
                ? new SfReply(200, new JsonObject { ["id"] = matches[0].Id, ["success"] = true, ["errors"] = new JsonArray(), ["created"] = false })
                : new SfReply(204);
        }

        if (field.Name == "Id" && value is not null)
        {
            return NotFound();
        }

        if (field.Name != "Id" && value is not null)
        {
            if (!SfValues.TryCoerce(field, value, fromJson: false, out var typed, out var coerceError))
            {
                return SfReply.Error(400, "JSON_PARSER_ERROR", coerceError!);
            }

            values[field.Name] = typed;
        }

        var created = _store.Create(obj, values, SfWriteMode.Api);
        if (!created.Success)
        {
            return SfReply.Errors(400, created.Errors);
        }

        var reply = new SfReply(201, new JsonObject { ["id"] = created.Id, ["success"] = true, ["errors"] = new JsonArray(), ["created"] = true });
        return reply.With("Location", $"/services/data/v{call.Version}/sobjects/{obj.Name}/{created.Id}");
    }

    private SfReply ByExternalId(SfCall call, SfObject obj, SfField field, string value, bool delete)
    {
        if (field.Name == "Id")
        {
            return delete ? Delete(obj, value) : Retrieve(call, obj, value);
        }

        var matches = MatchExternalId(obj, field, value);
        if (matches.Count > 1)
        {
            return MultipleMatches(obj, matches, call.Version);
        }

        if (matches.Count == 0)
        {
            return NotFound();
        }

        return delete ? Delete(obj, matches[0].Id) : Retrieve(call, obj, matches[0].Id);
    }

    // ---- query -----------------------------------------------------------------------------------------------------

    private int BatchSize(SfCall call, int fallback)
    {
        var header = call.Header("Sforce-Query-Options");
        if (header is not null)
        {
            var match = BatchSizePattern().Match(header);
            if (match.Success && int.TryParse(match.Groups[1].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var requested))
            {
                return Math.Clamp(requested, 200, 2000);
            }
        }

        return fallback;
    }

    /// <summary>Runs a SOQL query (also used by composite subrequests).</summary>
    public SfReply Query(SfCall call, bool all)
    {
        if (!call.Query.TryGetValue("q", out var soql) || string.IsNullOrWhiteSpace(soql))
        {
            return SfReply.Error(400, "MALFORMED_QUERY", "A query string has to be specified");
        }

        SoqlResult result;
        try
        {
            result = new SoqlEngine(_store, call.Version).Execute(soql, all);
        }
        catch (SoqlException ex)
        {
            return SfReply.Error(400, ex.Code, ex.Format(soql));
        }

        var batch = BatchSize(call, Math.Clamp(_options.DefaultQueryBatchSize, 200, 2000));
        if (result.Records.Count <= batch)
        {
            return new SfReply(200, QueryPage(result.TotalSize, result.Records, 0, result.Records.Count, null));
        }

        ExpireCursors();
        while (_cursors.Count >= Math.Max(1, _options.MaxOpenQueryCursors))
        {
            _cursors.Remove(_cursors.MinBy(c => c.Value.LastAccess).Key);
        }

        var locator = _store.NewId("01g");
        _cursors[locator] = new QueryCursor(result.Records, result.TotalSize, batch, call.Version) { LastAccess = _store.Now };
        return new SfReply(200, QueryPage(result.TotalSize, result.Records, 0, batch, $"/services/data/v{call.Version}/query/{locator}-{batch}"));
    }

    private static JsonObject QueryPage(int totalSize, List<JsonObject> records, int offset, int count, string? next)
    {
        var page = new JsonObject { ["totalSize"] = totalSize, ["done"] = next is null };
        if (next is not null)
        {
            page["nextRecordsUrl"] = next;
        }

        page["records"] = new JsonArray([.. records.Skip(offset).Take(count).Select(r => r.DeepClone())]);
        return page;
    }

    private SfReply QueryMore(SfCall call, string locatorText)
    {
        ExpireCursors();
        var dash = locatorText.LastIndexOf('-');
        var locator = dash > 0 ? locatorText[..dash] : locatorText;
        var offset = 0;
        if (dash > 0 && !int.TryParse(locatorText[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out offset))
        {
            return SfReply.Error(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
        }

        if (!_cursors.TryGetValue(locator, out var cursor) || offset < 0 || offset > cursor.Records.Count)
        {
            return SfReply.Error(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
        }

        cursor.LastAccess = _store.Now;
        var batch = BatchSize(call, cursor.BatchSize);
        var end = offset + batch;
        var next = end < cursor.Records.Count ? $"/services/data/v{cursor.Version}/query/{locator}-{end}" : null;
        return new SfReply(200, QueryPage(cursor.TotalSize, cursor.Records, offset, batch, next));
    }

    // ---- getUpdated / getDeleted -----------------------------------------------------------------------------------

    private static bool TryParseWindowDate(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null)
        {
            return false;
        }

        return SfWire.TryParseDateTime(text, out value) || SfWire.TryParseDateTime(text.Replace(' ', '+'), out value);
    }

    private SfReply Replication(SfCall call, SfObject obj, bool updated)
    {
        if (!obj.Replicateable)
        {
            return SfReply.Error(400, "CANNOT_REPLICATE", $"The object {obj.Name} is not replicateable (getUpdated/getDeleted are not supported)");
        }

        if (!call.Query.TryGetValue("start", out var startText) || !call.Query.TryGetValue("end", out var endText))
        {
            return SfReply.Error(400, "MISSING_ARGUMENT", "Both the start and end parameters are required");
        }

        if (!TryParseWindowDate(startText, out var start) || !TryParseWindowDate(endText, out var end))
        {
            return SfReply.Error(400, "INVALID_REPLICATION_DATE", $"Invalid date/time for start or end: start={startText}, end={endText} (expected ISO 8601, e.g. 2013-05-06T00:00:00+00:00)");
        }

        start = SfWire.TruncateToMinutes(start);
        end = SfWire.TruncateToMinutes(end);
        var now = _store.Now;
        if (start >= end)
        {
            return SfReply.Error(400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate");
        }

        var earliest = SfWire.TruncateToMinutes(now - (updated ? TimeSpan.FromDays(30) : _options.RecycleBinRetention));
        if (start < earliest)
        {
            return SfReply.Error(400, "INVALID_REPLICATION_DATE", updated
                ? "startDate cannot be more than 30 days ago"
                : $"startDate is earlier than earliestDateAvailable ({SfWire.FormatDateTime(earliest)})");
        }

        // Changes up to now are returned; latestDateCovered is the last whole minute, so the next window (starting
        // there) may return the latest ones again: clients de-duplicate by id, and nothing is ever skipped.
        var latest = end < SfWire.TruncateToMinutes(now) ? end : SfWire.TruncateToMinutes(now);
        var until = end < now ? end : now.AddTicks(1);
        if (updated)
        {
            var ids = _store.All(obj.StorageName)
                .Where(r => !r.IsDeleted && r.Get("SystemModstamp") is DateTimeOffset m && m >= start && m < until)
                .OrderBy(r => r.Get("SystemModstamp"))
                .Select(r => (JsonNode?)JsonValue.Create(r.Id))
                .ToList();
            if (ids.Count > 600_000)
            {
                return SfReply.Error(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 600000 records into this call");
            }

            return new SfReply(200, new JsonObject { ["ids"] = new JsonArray([.. ids]), ["latestDateCovered"] = SfWire.FormatDateTime(latest) });
        }

        var deleted = _store.Deletions
            .Where(d => d.Type == obj.StorageName && d.DeletedAt >= start && d.DeletedAt < until)
            .Select(d => (JsonNode?)new JsonObject { ["id"] = d.Id, ["deletedDate"] = SfWire.FormatDateTime(d.DeletedAt) })
            .ToList();
        return new SfReply(200, new JsonObject
        {
            ["deletedRecords"] = new JsonArray([.. deleted]),
            ["earliestDateAvailable"] = SfWire.FormatDateTime(earliest),
            ["latestDateCovered"] = SfWire.FormatDateTime(latest),
        });
    }

    // ---- resources, limits -----------------------------------------------------------------------------------------

    private SfReply Resources(SfCall call)
    {
        var v = $"/services/data/v{call.Version}";
        var map = new JsonObject();
        foreach (var name in new[] { "tooling", "metadata", "eclair", "folders", "prechatForms", "contact-tracing", "jsonxform", "chatter", "payments", "tabs", "appMenu", "quickActions", "queryAll", "commerce", "wave", "iot", "analytics", "search", "identity", "composite", "parameterizedSearch", "fingerprint", "theme", "nouns", "domino", "event", "serviceTemplates", "recent", "connect", "licensing", "limits", "process", "async-queries", "query", "jobs", "match", "localizedvalue", "mobile", "emailConnect", "consent", "tokenizer", "compactLayouts", "knowledgeManagement", "sobjects", "actions", "support" })
        {
            map[name] = name == "identity" ? _oauth.IdentityUrl : $"{v}/{name}";
        }

        return new SfReply(200, map);
    }

    private SfReply Limits()
    {
        var node = JsonNode.Parse(LimitsTemplate)!.AsObject();
        var (used, max) = _usage();
        node["DailyApiRequests"] = new JsonObject { ["Max"] = max, ["Remaining"] = Math.Max(0, max - used) };
        return new SfReply(200, node);
    }

    [GeneratedRegex(@"batchSize\s*=\s*(-?\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex BatchSizePattern();

    private sealed class QueryCursor(List<JsonObject> records, int totalSize, int batchSize, string version)
    {
        public List<JsonObject> Records { get; } = records;

        public int TotalSize { get; } = totalSize;

        public int BatchSize { get; } = batchSize;

        public string Version { get; } = version;

        public DateTimeOffset LastAccess { get; set; }
    }

    private const string LimitsTemplate = """
        {"ActiveScratchOrgs":{"Max":3,"Remaining":3},"AnalyticsExternalDataSizeMB":{"Max":40960,"Remaining":40960},
        "ConcurrentAsyncGetReportInstances":{"Max":200,"Remaining":200},"ConcurrentEinsteinDataInsightsStoryCreation":{"Max":5,"Remaining":5},
        "ConcurrentEinsteinDiscoveryStoryCreation":{"Max":2,"Remaining":2},"ConcurrentSyncReportRuns":{"Max":20,"Remaining":20},
        "DailyAnalyticsDataflowJobExecutions":{"Max":60,"Remaining":60},"DailyAnalyticsUploadedFilesSizeMB":{"Max":51200,"Remaining":51200},
        "DailyFunctionsApiCallLimit":{"Max":235000,"Remaining":235000},"DailyApiRequests":{"Max":0,"Remaining":0},
        "DailyAsyncApexExecutions":{"Max":250000,"Remaining":250000},"DailyAsyncApexTests":{"Max":500,"Remaining":500},
        "DailyBulkApiBatches":{"Max":15000,"Remaining":15000},"DailyBulkV2QueryFileStorageMB":{"Max":976562,"Remaining":976562},
        "DailyBulkV2QueryJobs":{"Max":10000,"Remaining":10000},"DailyDeliveredPlatformEvents":{"Max":10000,"Remaining":10000},
        "DailyDurableGenericStreamingApiEvents":{"Max":10000,"Remaining":10000},"DailyDurableStreamingApiEvents":{"Max":10000,"Remaining":10000},
        "DailyEinsteinDataInsightsStoryCreation":{"Max":1000,"Remaining":1000},"DailyEinsteinDiscoveryPredictAPICalls":{"Max":50000,"Remaining":50000},
        "DailyEinsteinDiscoveryPredictionsByCDC":{"Max":5000000,"Remaining":5000000},"DailyEinsteinDiscoveryStoryCreation":{"Max":100,"Remaining":100},
        "DailyGenericStreamingApiEvents":{"Max":10000,"Remaining":10000},"DailyScratchOrgs":{"Max":6,"Remaining":6},
        "DailyStandardVolumePlatformEvents":{"Max":10000,"Remaining":10000},"DailyStreamingApiEvents":{"Max":10000,"Remaining":10000},
        "DailyWorkflowEmails":{"Max":100000,"Remaining":100000},"DataStorageMB":{"Max":1024,"Remaining":1024},
        "DurableStreamingApiConcurrentClients":{"Max":20,"Remaining":20},"FileStorageMB":{"Max":1024,"Remaining":1024},
        "HourlyAsyncReportRuns":{"Max":1200,"Remaining":1200},"HourlyDashboardRefreshes":{"Max":200,"Remaining":200},
        "HourlyDashboardResults":{"Max":5000,"Remaining":5000},"HourlyDashboardStatuses":{"Max":999999999,"Remaining":999999999},
        "HourlyLongTermIdMapping":{"Max":100000,"Remaining":100000},"HourlyManagedContentPublicRequests":{"Max":50000,"Remaining":50000},
        "HourlyODataCallout":{"Max":20000,"Remaining":20000},"HourlyPublishedPlatformEvents":{"Max":50000,"Remaining":50000},
        "HourlyPublishedStandardVolumePlatformEvents":{"Max":1000,"Remaining":1000},"HourlyShortTermIdMapping":{"Max":100000,"Remaining":100000},
        "HourlySyncReportRuns":{"Max":500,"Remaining":500},"HourlyTimeBasedWorkflow":{"Max":1000,"Remaining":1000},
        "MassEmail":{"Max":5000,"Remaining":5000},"MonthlyEinsteinDiscoveryStoryCreation":{"Max":500,"Remaining":500},
        "Package2VersionCreates":{"Max":6,"Remaining":6},"Package2VersionCreatesWithoutValidation":{"Max":500,"Remaining":500},
        "PermissionSets":{"Max":1500,"Remaining":1500,"CreateCustom":{"Max":1000,"Remaining":1000}},
        "PlatformEventTriggersWithParallelProcessing":{"Max":5,"Remaining":5},"PrivateConnectOutboundCalloutHourlyLimitMB":{"Max":0,"Remaining":0},
        "SingleEmail":{"Max":5000,"Remaining":5000},"StreamingApiConcurrentClients":{"Max":20,"Remaining":20}}
        """;
}
