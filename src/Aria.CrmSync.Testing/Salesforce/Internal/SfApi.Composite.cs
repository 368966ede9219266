using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Web;

namespace Aria.CrmSync.Testing.Salesforce;

/// <summary>sObject Collections and the composite resources (composite, batch, tree, graph).</summary>
internal sealed partial class SfApi
{
    private const string RolledBack = "Record rolled back because not all records were valid and the request was using AllOrNone header";
    private const string Halted = "The transaction was rolled back since another operation in the same transaction failed.";

    private static bool Flag(JsonObject body, string name)
        => body[name] is JsonValue v && (v.GetValueKind() == JsonValueKind.True || (v.GetValueKind() == JsonValueKind.String && string.Equals(v.GetValue<string>(), "true", StringComparison.OrdinalIgnoreCase)));

    private static bool Flag(IReadOnlyDictionary<string, string> query, string name)
        => query.TryGetValue(name, out var value) && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    private SfReply Composite(SfCall call, string method)
    {
        var s = call.Segments;
        if (s.Count == 1)
        {
            return method == "POST" ? CompositeRequest(call) : MethodNotAllowed(call.Method, "POST");
        }

        switch (s[1].ToLowerInvariant())
        {
            case "batch" when s.Count == 2:
                return method == "POST" ? CompositeBatch(call) : MethodNotAllowed(call.Method, "POST");
            case "tree" when s.Count == 3:
                return method == "POST" ? CompositeTree(call, s[2]) : MethodNotAllowed(call.Method, "POST");
            case "graph" when s.Count == 2:
                return method == "POST" ? CompositeGraph(call) : MethodNotAllowed(call.Method, "POST");
            case "sobjects" when s.Count == 2:
                return method switch
                {
                    "POST" => CollectionsSave(call, create: true),
                    "PATCH" => CollectionsSave(call, create: false),
                    "DELETE" => CollectionsDelete(call),
                    _ => MethodNotAllowed(call.Method, "POST,PATCH,DELETE"),
                };
            case "sobjects" when s.Count == 3:
                return method is "GET" or "POST" ? CollectionsRetrieve(call, s[2], method == "POST") : MethodNotAllowed(call.Method, "GET,POST");
            default:
                return NotFound();
        }
    }

    // ---- sObject Collections ---------------------------------------------------------------------------------------

    private SfReply CollectionsSave(SfCall call, bool create)
    {
        var body = SfJson.ParseObject(call.Body, "SObjectCollection");
        if (body["records"] is not JsonArray records)
        {
            return SfReply.Error(400, "JSON_PARSER_ERROR", "The request must contain a 'records' array");
        }

        if (records.Count > 200)
        {
            return SfReply.Error(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call");
        }

        var allOrNone = Flag(body, "allOrNone") && !call.OuterAllOrNone;
        var mark = _store.Begin();
        var rollback = false;
        try
        {
            var results = new List<SfSaveResult>();
            foreach (var node in records)
            {
                if (node is not JsonObject record)
                {
                    throw new SfRequestException(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of SObject from a non-object value at [line:1, column:1]");
                }

                results.Add(create ? CollectionCreate(record) : CollectionUpdate(record));
            }

            rollback = allOrNone && results.Any(r => !r.Success);
            var array = new JsonArray();
            foreach (var result in results)
            {
                if (rollback && result.Success)
                {
                    array.Add(SfJson.SaveResult(SfSaveResult.Fail(new SfError("ALL_OR_NONE_OPERATION_ROLLED_BACK", RolledBack), create ? null : result.Id)));
                }
                else
                {
                    array.Add(SfJson.SaveResult(result));
                }
            }

            return new SfReply(200, array);
        }
        catch
        {
            rollback = true;
            throw;
        }
        finally
        {
            _store.End(mark, rollback);
        }
    }

    private (SfObject? Obj, SfError? Error) CollectionType(JsonObject record)
    {
        var type = (record["attributes"] as JsonObject)?["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
        if (string.IsNullOrEmpty(type))
        {
            return (null, new SfError("INVALID_TYPE", "Must specify a type in the attributes property of each record", []));
        }

        var obj = Schema.Find(type);
        return obj is null
            ? (null, new SfError("INVALID_TYPE", $"sObject type '{type}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", []))
            : (obj, null);
    }

    private SfSaveResult CollectionCreate(JsonObject record)
    {
        var (obj, typeError) = CollectionType(record);
        if (typeError is not null)
        {
            return SfSaveResult.Fail(typeError);
        }

        var (values, _, hasId, error) = SfJson.BindRecord(obj!, record);
        if (error is not null)
        {
            return SfSaveResult.Fail(error);
        }

        if (hasId)
        {
            return SfSaveResult.Fail(new SfError("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"]));
        }

        return _store.Create(obj!, values, SfWriteMode.Api);
    }

    private SfSaveResult CollectionUpdate(JsonObject record)
    {
        var (obj, typeError) = CollectionType(record);
        if (typeError is not null)
        {
            return SfSaveResult.Fail(typeError);
        }

        var (values, id, hasId, error) = SfJson.BindRecord(obj!, record);
        if (!hasId || string.IsNullOrEmpty(id))
        {
            return SfSaveResult.Fail(new SfError("MISSING_ARGUMENT", "Id not specified in an update call", []));
        }

        if (SfStore.CheckId(obj!, id) is { } malformed)
        {
            return SfSaveResult.Fail(malformed);
        }

        if (error is not null)
        {
            return SfSaveResult.Fail(error);
        }

        var target = _store.Find(id);
        if (target is null || target.Type != obj!.StorageName)
        {
            return SfSaveResult.Fail(new SfError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", []));
        }

        return _store.Update(obj, target, values, SfWriteMode.Api);
    }

    private SfReply CollectionsDelete(SfCall call)
    {
        if (!call.Query.TryGetValue("ids", out var idList) || string.IsNullOrWhiteSpace(idList))
        {
            return SfReply.Error(400, "MISSING_ARGUMENT", "The ids parameter is required");
        }

        var ids = idList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length > 200)
        {
            return SfReply.Error(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call");
        }

        var allOrNone = Flag(call.Query, "allOrNone") && !call.OuterAllOrNone;
        var mark = _store.Begin();
        var rollback = false;
        try
        {
            var results = new List<SfSaveResult>();
            foreach (var id in ids)
            {
                var record = _store.Find(id);
                if (SfIds.Normalize(id) is null || Schema.ByPrefix(id) is null)
                {
                    results.Add(SfSaveResult.Fail(new SfError("MALFORMED_ID", $"malformed id {id}", [])));
                }
                else if (record is null)
                {
                    results.Add(SfSaveResult.Fail(new SfError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])));
                }
                else
                {
                    results.Add(_store.Delete(_store.ObjectOf(record), record, SfWriteMode.Api));
                }
            }

            rollback = allOrNone && results.Any(r => !r.Success);
            var array = new JsonArray();
            foreach (var result in results)
            {
                array.Add(SfJson.SaveResult(rollback && result.Success ? SfSaveResult.Fail(new SfError("ALL_OR_NONE_OPERATION_ROLLED_BACK", RolledBack), result.Id) : result));
            }

            return new SfReply(200, array);
        }
        catch
        {
            rollback = true;
            throw;
        }
        finally
        {
            _store.End(mark, rollback);
        }
    }

    private SfReply CollectionsRetrieve(SfCall call, string type, bool post)
    {
        var obj = Schema.Find(type);
        if (obj is null)
        {
            return NotFound();
        }

        List<string> ids;
        List<string> fieldNames;
        if (post)
        {
            var body = SfJson.ParseObject(call.Body, "SObjectCollectionRetrieve");
            ids = (body["ids"] as JsonArray)?.Select(n => n?.ToString() ?? string.Empty).ToList() ?? [];
            fieldNames = (body["fields"] as JsonArray)?.Select(n => n?.ToString() ?? string.Empty).ToList() ?? [];
        }
        else
        {
            ids = call.Query.GetValueOrDefault("ids")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList() ?? [];
            fieldNames = call.Query.GetValueOrDefault("fields")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList() ?? [];
        }

        if (ids.Count == 0 || fieldNames.Count == 0)
        {
            return SfReply.Error(400, "MISSING_ARGUMENT", ids.Count == 0 ? "The ids parameter is required" : "The fields parameter is required");
        }

        if (ids.Count > 2000)
        {
            return SfReply.Error(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot retrieve more than 2000 records in this call");
        }

        var fields = new List<SfField>();
        foreach (var name in fieldNames)
        {
            var field = obj.Field(name);
            if (field is null)
            {
                return SfReply.Error(400, "INVALID_FIELD", $"No such column '{name}' on entity '{obj.Name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.");
            }

            if (!fields.Contains(field))
            {
                fields.Add(field);
            }
        }

        var array = new JsonArray();
        foreach (var id in ids)
        {
            var record = SfStore.CheckId(obj, id) is null ? _store.Find(id) : null;
            array.Add(record is null || record.IsDeleted || record.Type != obj.StorageName ? null : RecordJson(record, obj, fields, call.Version, includeIdWhenSelected: false));
        }

        return new SfReply(200, array);
    }

    // ---- composite -------------------------------------------------------------------------------------------------

    private SfReply CompositeRequest(SfCall call)
    {
        var body = SfJson.ParseObject(call.Body, "CompositeRequest");
        if (body["compositeRequest"] is not JsonArray items || items.Count == 0)
        {
            return SfReply.Error(400, "JSON_PARSER_ERROR", "The request must contain a non-empty 'compositeRequest' array");
        }

        if (items.Count > 25)
        {
            return SfReply.Error(400, "INVALID_API_INPUT", $"Composite request limited to 25 subrequests, but {items.Count} were provided");
        }

        var response = RunComposite(call, items, Flag(body, "allOrNone"), out var error);
        return error ?? new SfReply(200, new JsonObject { ["compositeResponse"] = response });
    }

    private JsonArray RunComposite(SfCall call, JsonArray items, bool allOrNone, out SfReply? error)
    {
        error = null;
        var subrequests = new List<(string Method, string Url, string ReferenceId, JsonNode? Body, JsonObject? Headers)>();
        var referenceIds = new HashSet<string>(StringComparer.Ordinal);
        var heavy = 0;
        foreach (var node in items)
        {
            if (node is not JsonObject item || item["method"]?.ToString() is not { Length: > 0 } method || item["url"]?.ToString() is not { Length: > 0 } url)
            {
                error = SfReply.Error(400, "JSON_PARSER_ERROR", "Each subrequest needs a method and a url");
                return [];
            }

            var referenceId = item["referenceId"]?.ToString();
            if (string.IsNullOrEmpty(referenceId))
            {
                error = SfReply.Error(400, "INVALID_API_INPUT", "referenceId is required for each subrequest");
                return [];
            }

            if (!ReferenceIdPattern().IsMatch(referenceId))
            {
                error = SfReply.Error(400, "INVALID_API_INPUT", $"Provided referenceId ('{referenceId}') must start with a letter or a number, and it can contain only letters, numbers and underscores ('_').");
                return [];
            }

            if (!referenceIds.Add(referenceId))
            {
                error = SfReply.Error(400, "INVALID_API_INPUT", $"Duplicate ReferenceId provided in the request: {referenceId}");
                return [];
            }

            var headers = item["httpHeaders"] as JsonObject;
            if (headers is not null && headers.Any(h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("Accept", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)))
            {
                error = SfReply.Error(400, "INVALID_API_INPUT", "Subrequests may not set the Accept, Authorization or Content-Type headers");
                return [];
            }

            if (url.Contains("/query", StringComparison.OrdinalIgnoreCase) || url.Contains("/composite/sobjects", StringComparison.OrdinalIgnoreCase))
            {
                heavy++;
            }

            subrequests.Add((method.ToUpperInvariant(), url, referenceId, item["body"], headers));
        }

        if (heavy > 5)
        {
            error = SfReply.Error(400, "INVALID_API_INPUT", "A composite request may contain at most 5 query or sObject Collections subrequests");
            return [];
        }

        var mark = _store.Begin();
        var rollback = false;
        try
        {
            var results = new JsonObject?[subrequests.Count];
            var outcomes = new Dictionary<string, (int Status, JsonNode? Body)>(StringComparer.Ordinal);
            var failedIndex = -1;
            for (var i = 0; i < subrequests.Count; i++)
            {
                var (method, url, referenceId, subBody, headers) = subrequests[i];
                if (allOrNone && failedIndex >= 0)
                {
                    break;
                }

                SfReply reply;
                if (!TryResolveReferences(url, subBody, outcomes, out var resolvedUrl, out var resolvedBody, out var referenceError))
                {
                    reply = SfReply.Error(400, "PROCESSING_HALTED", referenceError!);
                }
                else
                {
                    reply = ExecuteSubrequest(call, method, resolvedUrl!, resolvedBody, headers, allOrNone);
                }

                var failed = reply.Status >= 400 || (reply.Body is JsonArray array && array.Any(r => r is JsonObject o && o["success"] is JsonValue sv && sv.GetValueKind() == JsonValueKind.False));
                if (failed && failedIndex < 0)
                {
                    failedIndex = i;
                }

                outcomes[referenceId] = (reply.Status, reply.Body);
                results[i] = SubrequestResult(reply, referenceId);
            }

            rollback = allOrNone && failedIndex >= 0;
            var response = new JsonArray();
            for (var i = 0; i < subrequests.Count; i++)
            {
                if (rollback && i != failedIndex)
                {
                    response.Add(new JsonObject
                    {
                        ["body"] = new JsonArray(new JsonObject { ["errorCode"] = "PROCESSING_HALTED", ["message"] = Halted }),
                        ["httpHeaders"] = new JsonObject(),
                        ["httpStatusCode"] = 400,
                        ["referenceId"] = subrequests[i].ReferenceId,
                    });
                }
                else
                {
                    response.Add(results[i]);
                }
            }

            return response;
        }
        catch
        {
            rollback = true;
            throw;
        }
        finally
        {
            _store.End(mark, rollback);
        }
    }

    private static JsonObject SubrequestResult(SfReply reply, string referenceId)
    {
        var headers = new JsonObject();
        foreach (var (name, value) in reply.Headers)
        {
            headers[name] = value;
        }

        return new JsonObject
        {
            ["body"] = reply.Body?.DeepClone(),
            ["httpHeaders"] = headers,
            ["httpStatusCode"] = reply.Status,
            ["referenceId"] = referenceId,
        };
    }

    private SfReply ExecuteSubrequest(SfCall call, string method, string url, JsonNode? body, JsonObject? headers, bool outerAllOrNone)
    {
        var match = SubrequestUrlPattern().Match(url);
        if (!match.Success)
        {
            return SfReply.Error(400, "INVALID_API_INPUT", $"The subrequest URL must start with /services/data/vXX.X/: {url}");
        }

        var version = match.Groups[1].Value;
        var path = match.Groups[2].Value;
        var queryText = match.Groups[3].Success ? match.Groups[3].Value : string.Empty;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();
        if (segments.Count > 0 && segments[0].Equals("composite", StringComparison.OrdinalIgnoreCase) && !(segments.Count > 1 && segments[1].Equals("sobjects", StringComparison.OrdinalIgnoreCase)))
        {
            return SfReply.Error(400, "INVALID_API_INPUT", "This resource is not supported in a composite subrequest");
        }

        var query = ParseQueryString(queryText);
        var headerMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (headers is not null)
        {
            foreach (var (name, value) in headers)
            {
                headerMap[name] = value?.ToString() ?? string.Empty;
            }
        }

        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body.ToJsonString());
        return Dispatch(new SfCall(method, version, segments, query, headerMap, bytes, InComposite: true, OuterAllOrNone: outerAllOrNone));
    }

    private static Dictionary<string, string> ParseQueryString(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var parsed = HttpUtility.ParseQueryString(text);
        foreach (var key in parsed.AllKeys)
        {
            if (key is not null)
            {
                result[key] = parsed.GetValues(key)?[0] ?? string.Empty;
            }
        }

        return result;
    }

    private static bool TryResolveReferences(string url, JsonNode? body, Dictionary<string, (int Status, JsonNode? Body)> outcomes, out string? resolvedUrl, out JsonNode? resolvedBody, out string? error)
    {
        string? failure = null;
        JsonNode? Lookup(Match m)
        {
            var reference = m.Groups[1].Value;
            var expression = m.Value[2..^1];
            if (!outcomes.TryGetValue(reference, out var outcome) || outcome.Status >= 400)
            {
                failure ??= $"Invalid reference specified. No value for {expression} found in {reference}. Provided referenceId ('{reference}') must be valid and reference a successful subrequest.";
                return null;
            }

            JsonNode? current = outcome.Body;
            foreach (Match step in ReferenceStepPattern().Matches(m.Groups[2].Value))
            {
                if (step.Groups[1].Success)
                {
                    current = current is JsonObject o && o.TryGetPropertyValue(step.Groups[1].Value, out var next) ? next : null;
                }
                else
                {
                    var index = int.Parse(step.Groups[2].Value, CultureInfo.InvariantCulture);
                    current = current is JsonArray a && index < a.Count ? a[index] : null;
                }

                if (current is null)
                {
                    failure ??= $"Invalid reference specified. No value for {expression} found in {reference}.";
                    return null;
                }
            }

            return current;
        }

        static string Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : node?.ToJsonString() ?? string.Empty;

        resolvedUrl = ReferencePattern().Replace(url, m => Text(Lookup(m)));
        JsonNode? Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    var copy = new JsonObject();
                    foreach (var (key, value) in obj)
                    {
                        copy[key] = Walk(value);
                    }

                    return copy;
                case JsonArray arr:
                    return new JsonArray([.. arr.Select(Walk)]);
                case JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is var text && text.Contains("@{", StringComparison.Ordinal):
                    var whole = ReferencePattern().Match(text);
                    if (whole.Success && whole.Index == 0 && whole.Length == text.Length)
                    {
                        return Lookup(whole)?.DeepClone();
                    }

                    return JsonValue.Create(ReferencePattern().Replace(text, m => Text(Lookup(m))));
                default:
                    return node?.DeepClone();
            }
        }

        resolvedBody = Walk(body);
        error = failure;
        return failure is null;
    }

    // ---- composite batch -------------------------------------------------------------------------------------------

    private SfReply CompositeBatch(SfCall call)
    {
        var body = SfJson.ParseObject(call.Body, "BatchRequest");
        if (body["batchRequests"] is not JsonArray items || items.Count == 0)
        {
            return SfReply.Error(400, "JSON_PARSER_ERROR", "The request must contain a non-empty 'batchRequests' array");
        }

        if (items.Count > 25)
        {
            return SfReply.Error(400, "INVALID_API_INPUT", $"Batch request limited to 25 subrequests, but {items.Count} were provided");
        }

        var haltOnError = Flag(body, "haltOnError");
        var halted = false;
        var hasErrors = false;
        var results = new JsonArray();
        foreach (var node in items)
        {
            if (halted)
            {
                results.Add(new JsonObject
                {
                    ["statusCode"] = 412,
                    ["result"] = new JsonArray(new JsonObject { ["errorCode"] = "BATCH_PROCESSING_HALTED", ["message"] = "Batch processing halted per request" }),
                });
                continue;
            }

            if (node is not JsonObject item || item["method"]?.ToString() is not { Length: > 0 } method || item["url"]?.ToString() is not { Length: > 0 } url)
            {
                return SfReply.Error(400, "JSON_PARSER_ERROR", "Each batch subrequest needs a method and a url");
            }

            var full = url.StartsWith("/services/data/", StringComparison.Ordinal) ? url : "/services/data/" + url.TrimStart('/');
            var reply = ExecuteSubrequest(call, method.ToUpperInvariant(), full, item["richInput"], null, outerAllOrNone: false);
            if (reply.Status >= 400)
            {
                hasErrors = true;
                halted = haltOnError;
            }

            results.Add(new JsonObject { ["statusCode"] = reply.Status, ["result"] = reply.Body?.DeepClone() });
        }

        return new SfReply(200, new JsonObject { ["hasErrors"] = hasErrors, ["results"] = results });
    }

    // ---- composite tree --------------------------------------------------------------------------------------------

    private SfReply CompositeTree(SfCall call, string type)
    {
        var obj = Schema.Find(type);
        if (obj is null)
        {
            return NotFound();
        }

        var body = SfJson.ParseObject(call.Body, "SObjectTreeRequest");
        if (body["records"] is not JsonArray records || records.Count == 0)
        {
            return SfReply.Error(400, "JSON_PARSER_ERROR", "The request must contain a non-empty 'records' array");
        }

        var mark = _store.Begin();
        var rollback = true;
        try
        {
            var created = new JsonArray();
            var errors = new JsonArray();
            var referenceIds = new HashSet<string>(StringComparer.Ordinal);
            var count = 0;
            foreach (var node in records)
            {
                if (!TreeInsert(obj, node as JsonObject, null, null, created, errors, referenceIds, ref count))
                {
                    break;
                }
            }

            if (count > 200)
            {
                return SfReply.Error(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call");
            }

            if (errors.Count > 0)
            {
                return new SfReply(400, new JsonObject { ["hasErrors"] = true, ["results"] = errors });
            }

            rollback = false;
            return new SfReply(201, new JsonObject { ["hasErrors"] = false, ["results"] = created });
        }
        finally
        {
            _store.End(mark, rollback);
        }
    }

    private bool TreeInsert(SfObject obj, JsonObject? record, SfField? parentField, string? parentId, JsonArray created, JsonArray errors, HashSet<string> referenceIds, ref int count)
    {
        count++;
        var attributes = record?["attributes"] as JsonObject;
        var referenceId = attributes?["referenceId"]?.ToString();
        if (record is null || string.IsNullOrEmpty(referenceId) || !referenceIds.Add(referenceId))
        {
            errors.Add(new JsonObject
            {
                ["referenceId"] = referenceId,
                ["errors"] = new JsonArray(new JsonObject { ["statusCode"] = "INVALID_INPUT", ["message"] = string.IsNullOrEmpty(referenceId) ? "Include a reference ID for each record in the request." : $"Duplicate ReferenceId provided in the request: {referenceId}", ["fields"] = new JsonArray() }),
            });
            return false;
        }

        var scalar = new JsonObject();
        var children = new List<(SfChildRelationship Relationship, JsonArray Records)>();
        foreach (var (name, value) in record)
        {
            if (name == "attributes")
            {
                continue;
            }

            if (value is JsonObject nested && nested["records"] is JsonArray childRecords
                && obj.ChildRelationships.FirstOrDefault(c => c.RelationshipName.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } relationship)
            {
                children.Add((relationship, childRecords));
                continue;
            }

            scalar[name] = value?.DeepClone();
        }

        var (values, _, hasId, bindError) = SfJson.BindRecord(obj, scalar);
        if (parentField is not null)
        {
            values[parentField.Name] = parentId;
        }

        var result = bindError is not null ? SfSaveResult.Fail(bindError)
            : hasId ? SfSaveResult.Fail(new SfError("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"]))
            : _store.Create(obj, values, SfWriteMode.Api);
        if (!result.Success)
        {
            var saved = SfJson.SaveResult(result);
            errors.Add(new JsonObject { ["referenceId"] = referenceId, ["errors"] = saved["errors"]!.DeepClone() });
            return false;
        }

        created.Add(new JsonObject { ["referenceId"] = referenceId, ["id"] = result.Id });
        foreach (var (relationship, childRecords) in children)
        {
            var childObj = Schema.Find(relationship.ChildObject)!;
            foreach (var child in childRecords)
            {
                if (!TreeInsert(childObj, child as JsonObject, childObj.Field(relationship.Field), result.Id, created, errors, referenceIds, ref count))
                {
                    return false;
                }
            }
        }

        return true;
    }

    // ---- composite graph -------------------------------------------------------------------------------------------

    private SfReply CompositeGraph(SfCall call)
    {
        var body = SfJson.ParseObject(call.Body, "GraphRequest");
        if (body["graphs"] is not JsonArray graphs || graphs.Count == 0)
        {
            return SfReply.Error(400, "JSON_PARSER_ERROR", "The request must contain a non-empty 'graphs' array");
        }

        var nodes = graphs.Sum(g => (g?["compositeRequest"] as JsonArray)?.Count ?? 0);
        if (graphs.Count > 75 || nodes > 500)
        {
            return SfReply.Error(400, "INVALID_API_INPUT", "A composite graph request may contain at most 75 graphs and 500 nodes");
        }

        var output = new JsonArray();
        foreach (var graph in graphs)
        {
            var graphId = graph?["graphId"]?.ToString();
            if (graph?["compositeRequest"] is not JsonArray items || string.IsNullOrEmpty(graphId))
            {
                return SfReply.Error(400, "JSON_PARSER_ERROR", "Each graph needs a graphId and a compositeRequest array");
            }

            var response = RunComposite(call, items, allOrNone: true, out var error);
            if (error is not null)
            {
                return error;
            }

            var successful = response.All(r => r?["httpStatusCode"] is JsonValue code && code.GetValue<int>() < 400);
            output.Add(new JsonObject
            {
                ["graphId"] = graphId,
                ["graphResponse"] = new JsonObject { ["compositeResponse"] = response },
                ["isSuccessful"] = successful,
            });
        }

        return new SfReply(200, new JsonObject { ["graphs"] = output });
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_]*$")]
    private static partial Regex ReferenceIdPattern();

    [GeneratedRegex(@"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")]
    private static partial Regex ReferencePattern();

    [GeneratedRegex(@"\.([A-Za-z0-9_]+)|\[(\d+)\]")]
    private static partial Regex ReferenceStepPattern();

    [GeneratedRegex(@"^/services/data/v(\d+\.\d)(?:/([^?]*))?(?:\?(.*))?$")]
    private static partial Regex SubrequestUrlPattern();
}
