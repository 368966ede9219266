using System.Globalization;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing;

/// <content>CRM objects: single and batch reads and writes, property validation.</content>
public sealed partial class HubSpotEmulator
{
    private const int BatchLimit = 100;
    private const int HistoryBatchLimit = 50;

    private static bool TryParseDateTime(string value, out DateTimeOffset result)
    {
        if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
        {
            try
            {
                result = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                return true;
            }
            catch (ArgumentOutOfRangeException)
            {
                result = default;
                return false;
            }
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out result);
    }

    private static JsonObject PropertyErrorBody(IReadOnlyList<HubSpotPropertyError> errors, long portalId, string? correlationId)
    {
        var inner = new JsonArray();
        var details = new JsonArray();
        foreach (var error in errors)
        {
            inner.Add(new JsonObject
            {
                ["isValid"] = false,
                ["message"] = error.Message,
                ["error"] = error.Code,
                ["name"] = error.Name,
                ["localizedErrorMessage"] = error.Message,
                ["portalId"] = portalId,
            });
            details.Add(new JsonObject
            {
                ["message"] = error.Message,
                ["code"] = error.Code,
                ["context"] = Context("propertyName", error.Name),
            });
        }

        var body = new JsonObject { ["status"] = "error", ["message"] = "Property values were not valid: " + inner.ToJsonString(InnerJson) };
        if (correlationId is not null)
        {
            body["correlationId"] = correlationId;
        }

        body["errors"] = details;
        body["category"] = "VALIDATION_ERROR";
        return body;
    }

    private SortedDictionary<long, HubSpotStoredObject> Store(HubSpotObjectType type) => _objects[type.Name];

    private HubSpotStoredObject? Find(HubSpotObjectType type, string id, string? idProperty, bool archived)
    {
        HubSpotStoredObject? found = null;
        if (string.IsNullOrEmpty(idProperty) || idProperty == "hs_object_id")
        {
            if (long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var numeric))
            {
                Store(type).TryGetValue(numeric, out found);
            }
        }
        else
        {
            found = Store(type).Values.FirstOrDefault(o => !o.Archived && string.Equals(o.Get(idProperty), id, StringComparison.Ordinal))
                ?? (archived ? Store(type).Values.FirstOrDefault(o => string.Equals(o.Get(idProperty), id, StringComparison.Ordinal)) : null);
        }

        return found is not null && found.Archived == archived ? found : null;
    }

    private HubSpotApiException NotFound(HubSpotRequestContext context, string id)
        => new(404, ErrorBody("OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.", context.CorrelationId, Context("id", id)));

    private void ValidateIdProperty(HubSpotObjectType type, string? idProperty, string correlationId)
    {
        if (string.IsNullOrEmpty(idProperty) || idProperty == "hs_object_id")
        {
            return;
        }

        if (!type.TryGetProperty(idProperty, out var definition))
        {
            throw new HubSpotApiException(400, PropertyErrorBody([new(idProperty, "PROPERTY_DOESNT_EXIST", $"Property \"{idProperty}\" does not exist")], _options.PortalId, correlationId));
        }

        if (!definition.HasUniqueValue)
        {
            throw Invalid(correlationId, $"Unable to perform the operation by non-unique property {idProperty}");
        }
    }

    /// <summary>Validates and normalizes property input; returns the values to write.</summary>
    private Dictionary<string, string?> ValidateProperties(
        HubSpotObjectType type, JsonObject? input, HubSpotStoredObject? existing, bool isCreate, List<HubSpotPropertyError> errors, bool allowReadOnly = false)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (input is not null)
        {
            foreach (var (name, node) in input)
            {
                var raw = node is null ? null : ReadString(node) ?? node.ToJsonString();
                if (!type.TryGetProperty(name, out var definition) || definition.Archived)
                {
                    errors.Add(new(name, "PROPERTY_DOESNT_EXIST", $"Property \"{name}\" does not exist"));
                    continue;
                }

                if (definition.ReadOnly && !allowReadOnly)
                {
                    errors.Add(new(name, "READ_ONLY_VALUE", $"Property \"{name}\" is a read only property; its value cannot be set."));
                    continue;
                }

                if (string.IsNullOrEmpty(raw))
                {
                    values[name] = null;
                    continue;
                }

                switch (definition.Type)
                {
                    case HubSpotPropertyType.Number:
                        if (!decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                        {
                            errors.Add(new(name, "INVALID_INTEGER", $"{raw} was not a valid number."));
                            continue;
                        }

                        break;
                    case HubSpotPropertyType.DateTime:
                        if (!TryParseDateTime(raw, out var time))
                        {
                            errors.Add(new(name, "INVALID_DATE", $"{raw} was not a valid date-time: use ISO 8601 or epoch milliseconds."));
                            continue;
                        }

                        raw = FormatTime(time);
                        break;
                    case HubSpotPropertyType.Date:
                        if (!TryParseDateTime(raw, out var day))
                        {
                            errors.Add(new(name, "INVALID_DATE", $"{raw} was not a valid date: use yyyy-MM-dd or epoch milliseconds at midnight UTC."));
                            continue;
                        }

                        if (day.UtcDateTime.TimeOfDay != TimeSpan.Zero)
                        {
                            var at = day.UtcDateTime;
                            errors.Add(new(name, "INVALID_DATE", string.Create(CultureInfo.InvariantCulture, $"{raw} is at {at.Hour}:{at.Minute}:{at.Second}.{at.Millisecond} UTC, not midnight!")));
                            continue;
                        }

                        raw = day.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                        break;
                    case HubSpotPropertyType.Bool:
                        if (!bool.TryParse(raw, out var flag))
                        {
                            errors.Add(new(name, "INVALID_BOOLEAN", $"{raw} was not a valid boolean."));
                            continue;
                        }

                        raw = flag ? "true" : "false";
                        break;
                    case HubSpotPropertyType.Enumeration when definition.Options is { } options && definition.MultiSelect:
                        if (raw.Split(';').FirstOrDefault(v => !options.Contains(v, StringComparer.Ordinal)) is { } badOption)
                        {
                            errors.Add(new(name, "INVALID_OPTION", $"{badOption} was not one of the allowed options: [{string.Join(", ", options)}]"));
                            continue;
                        }

                        break;
                    case HubSpotPropertyType.Enumeration when definition.Options is { } options:
                        if (!options.Contains(raw, StringComparer.Ordinal))
                        {
                            errors.Add(new(name, "INVALID_OPTION", $"{raw} was not one of the allowed options: [{string.Join(", ", options)}]"));
                            continue;
                        }

                        break;
                }

                if (definition.HasUniqueValue)
                {
                    var owner = Store(type).Values.FirstOrDefault(o => !o.Archived && o != existing && o.Get(name) == raw);
                    if (owner is not null)
                    {
                        values[name] = raw;
                        errors.Add(new(name, "CONFLICT", $"A {type.Singular} with {name} \"{raw}\" already exists. Existing ID: {owner.IdText}"));
                        continue;
                    }
                }

                values[name] = raw;
            }
        }

        if (isCreate)
        {
            foreach (var required in type.RequiredOnCreate)
            {
                if (required == "hs_timestamp" && type.Name == "meetings" && !values.ContainsKey(required) && values.GetValueOrDefault("hs_meeting_start_time") is { } start)
                {
                    values[required] = start;
                }

                if (values.GetValueOrDefault(required) is null && !errors.Any(e => e.Name == required))
                {
                    errors.Add(new(required, "REQUIRED_PROPERTY", $"Property \"{required}\" is required"));
                }
            }
        }

        if (type.Name == "deals")
        {
            ValidateDealStage(values, existing, isCreate, errors);
        }

        return values;
    }

    /// <summary>Throws HubSpot's 400 (or 409 for a unique-value conflict) for property errors.</summary>
    private void ThrowIfInvalid(List<HubSpotPropertyError> errors, string correlationId)
    {
        if (errors.Count == 0)
        {
            return;
        }

        if (errors.FirstOrDefault(e => e.Code == "CONFLICT") is { } conflict)
        {
            throw new HubSpotApiException(409, ErrorBody("CONFLICT", conflict.Message, correlationId));
        }

        throw new HubSpotApiException(400, PropertyErrorBody(errors, _options.PortalId, correlationId));
    }

    private HubSpotStoredObject Insert(HubSpotObjectType type, Dictionary<string, string?> values, DateTimeOffset now)
    {
        var id = NextId();
        var created = values.TryGetValue(type.CreateDateProperty, out var createValue) && createValue is not null && TryParseDateTime(createValue, out var explicitCreate)
            ? explicitCreate
            : now;
        var obj = new HubSpotStoredObject { Type = type, Id = id, CreatedAt = created, UpdatedAt = now };
        obj.Set("hs_object_id", obj.IdText, created);
        obj.Set(type.CreateDateProperty, FormatTime(created), created);
        obj.Set("hs_object_source", "API", created);
        obj.Set("hs_object_source_label", "INTEGRATION", created);
        obj.Set("hs_object_source_id", Invariant(_options.AppId), created);
        foreach (var (name, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (name != type.CreateDateProperty && value is not null)
            {
                obj.Set(name, value, now);
            }
        }

        Touch(obj, now);
        Store(type)[id] = obj;
        RaiseCreated(obj, now);
        return obj;
    }

    private bool ApplyUpdate(HubSpotStoredObject obj, Dictionary<string, string?> values, DateTimeOffset now)
    {
        var changed = false;
        foreach (var (name, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!string.Equals(obj.Get(name), value, StringComparison.Ordinal))
            {
                obj.Set(name, value, now);
                RaisePropertyChanged(obj, name, value, now);
                changed = true;
            }
        }

        if (changed)
        {
            Touch(obj, now);
        }

        return changed;
    }

    private void Touch(HubSpotStoredObject obj, DateTimeOffset now)
    {
        if (obj.Type.Name == "deals")
        {
            ComputeDealProperties(obj, now);
        }

        obj.UpdatedAt = now;
        obj.Set("hs_lastmodifieddate", FormatTime(now), now);
        if (obj.Type.Name == "contacts")
        {
            obj.Set("lastmodifieddate", FormatTime(now), now);
        }
    }

    private List<string> RequestedProperties(HubSpotObjectType type, IReadOnlyCollection<string>? requested)
    {
        if (requested is null || requested.Count == 0)
        {
            return [.. type.DefaultProperties];
        }

        var names = new List<string>(type.AlwaysReturned);
        foreach (var name in requested)
        {
            if (type.Properties.ContainsKey(name) && !names.Contains(name))
            {
                names.Add(name);
            }
        }

        return names;
    }

    private JsonObject ObjectJson(
        HubSpotStoredObject obj,
        IReadOnlyCollection<string>? properties,
        IReadOnlyCollection<string>? propertiesWithHistory = null,
        IReadOnlyCollection<string>? associations = null,
        bool? isNew = null)
    {
        var props = new JsonObject();
        foreach (var name in RequestedProperties(obj.Type, properties).Order(StringComparer.Ordinal))
        {
            props[name] = obj.Get(name);
        }

        var json = new JsonObject
        {
            ["id"] = obj.IdText,
            ["properties"] = props,
        };
        if (propertiesWithHistory is { Count: > 0 })
        {
            var history = new JsonObject();
            foreach (var name in propertiesWithHistory.Where(obj.Type.Properties.ContainsKey).Distinct(StringComparer.Ordinal))
            {
                var versions = new JsonArray();
                foreach (var version in obj.History.GetValueOrDefault(name) ?? [])
                {
                    var entry = new JsonObject
                    {
                        ["value"] = version.Value ?? string.Empty,
                        ["timestamp"] = FormatTime(version.Timestamp),
                        ["sourceType"] = version.SourceType,
                    };
                    if (version.SourceId is not null)
                    {
                        entry["sourceId"] = version.SourceId;
                    }

                    versions.Add(entry);
                }

                history[name] = versions;
            }

            json["propertiesWithHistory"] = history;
        }

        json["createdAt"] = FormatTime(obj.CreatedAt);
        json["updatedAt"] = FormatTime(obj.UpdatedAt);
        json["archived"] = obj.Archived;
        if (obj.ArchivedAt is { } archivedAt)
        {
            json["archivedAt"] = FormatTime(archivedAt);
        }

        if (isNew is { } flag)
        {
            json["new"] = flag;
        }

        if (associations is { Count: > 0 })
        {
            var map = new JsonObject();
            foreach (var requested in associations)
            {
                if (!_types.TryGetValue(requested, out var toType) || map.ContainsKey(toType.Name))
                {
                    continue;
                }

                var results = new JsonArray();
                foreach (var (toId, types) in Edges(obj.Type.Name, obj.Id, toType.Name))
                {
                    foreach (var assocType in types)
                    {
                        results.Add(new JsonObject { ["id"] = Invariant(toId), ["type"] = V3TypeName(obj.Type, toType, assocType) });
                    }
                }

                if (results.Count > 0)
                {
                    map[toType.Name] = new JsonObject { ["results"] = results };
                }
            }

            if (map.Count > 0)
            {
                json["associations"] = map;
            }
        }

        return json;
    }

    private JsonObject BatchEnvelope(JsonArray results, JsonArray? errors, DateTimeOffset startedAt)
    {
        var body = new JsonObject { ["status"] = "COMPLETE", ["results"] = results };
        if (errors is { Count: > 0 })
        {
            body["numErrors"] = errors.Count;
            body["errors"] = errors;
        }

        body["startedAt"] = FormatTime(startedAt);
        body["completedAt"] = FormatTime(Now);
        return body;
    }

    private static JsonObject StandardError(string category, string message, JsonObject context)
        => new()
        {
            ["status"] = "error",
            ["category"] = category,
            ["message"] = message,
            ["context"] = context,
            ["errors"] = new JsonArray(),
            ["links"] = new JsonObject(),
        };

    private static JsonArray Inputs(JsonObject body, string correlationId, int limit = BatchLimit)
    {
        if (body["inputs"] is not JsonArray inputs)
        {
            throw Invalid(correlationId, "Invalid input JSON: the field \"inputs\" is required.");
        }

        if (inputs.Count > limit)
        {
            throw Invalid(
                correlationId,
                $"The maximum number of inputs supported in a batch request is {limit}. Please reduce the number of items and try again",
                Context("maxInputs", limit.ToString(CultureInfo.InvariantCulture)));
        }

        return inputs;
    }

    private static List<string>? StringList(JsonNode? node)
        => node is JsonArray array ? array.Select(ReadString).Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToList() : null;

    private EmulatorResponse ListObjects(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        var request = context.Request;
        var limit = request.Query.TryGetValue("limit", out var limitText) && int.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : 10;
        limit = Math.Clamp(limit, 1, 100);
        var archived = QueryBool(request, "archived");
        long after = 0;
        if (request.Query.TryGetValue("after", out var afterText) && !long.TryParse(afterText, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            throw Invalid(context.CorrelationId, $"Invalid after: {afterText}");
        }

        var properties = SplitList(QueryValues(request, "properties"));
        var history = SplitList(QueryValues(request, "propertiesWithHistory"));
        var associations = SplitList(QueryValues(request, "associations"));
        var page = Store(type).Values.Where(o => o.Archived == archived && o.Id >= after).Take(limit + 1).ToList();
        var results = new JsonArray();
        foreach (var obj in page.Take(limit))
        {
            var json = ObjectJson(obj, properties, history, associations);
            json["url"] = $"https://app.hubspot.com/contacts/{Invariant(_options.PortalId)}/record/{type.TypeId}/{obj.IdText}";
            results.Add(json);
        }

        var body = new JsonObject { ["results"] = results };
        if (page.Count > limit)
        {
            var next = page[limit].IdText;
            body["paging"] = new JsonObject
            {
                ["next"] = new JsonObject
                {
                    ["after"] = next,
                    ["link"] = new Uri(BaseAddress, $"{request.Path}?limit={limit}&after={next}").ToString(),
                },
            };
        }

        return EmulatorResponse.Json(200, body);
    }

    private EmulatorResponse GetObject(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        var request = context.Request;
        var idProperty = request.Query.GetValueOrDefault("idProperty");
        ValidateIdProperty(type, idProperty, context.CorrelationId);
        var obj = Find(type, context.Route.ObjectId!, idProperty, QueryBool(request, "archived")) ?? throw NotFound(context, context.Route.ObjectId!);
        var json = ObjectJson(
            obj,
            SplitList(QueryValues(request, "properties")),
            SplitList(QueryValues(request, "propertiesWithHistory")),
            SplitList(QueryValues(request, "associations")));
        return EmulatorResponse.Json(200, json);
    }

    private EmulatorResponse CreateObject(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var errors = new List<HubSpotPropertyError>();
        var values = ValidateProperties(type, body["properties"] as JsonObject, null, isCreate: true, errors);
        ThrowIfInvalid(errors, context.CorrelationId);
        var links = ParseCreateAssociations(type, body["associations"], context.CorrelationId);
        var obj = Insert(type, values, Now);
        foreach (var link in links)
        {
            Associate(type.Name, obj.Id, link.ToType, link.ToId, link.Type);
        }

        return EmulatorResponse.Json(201, ObjectJson(obj, values.Keys));
    }

    private EmulatorResponse UpdateObject(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        var idProperty = context.Request.Query.GetValueOrDefault("idProperty");
        ValidateIdProperty(type, idProperty, context.CorrelationId);
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var obj = Find(type, context.Route.ObjectId!, idProperty, archived: false) ?? throw NotFound(context, context.Route.ObjectId!);
        var errors = new List<HubSpotPropertyError>();
        var values = ValidateProperties(type, body["properties"] as JsonObject, obj, isCreate: false, errors);
        ThrowIfInvalid(errors, context.CorrelationId);
        ApplyUpdate(obj, values, Now);
        return EmulatorResponse.Json(200, ObjectJson(obj, values.Keys));
    }

    private EmulatorResponse ArchiveObject(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        if (Find(type, context.Route.ObjectId!, null, archived: false) is { } obj)
        {
            Archive(obj, Now);
        }

        return EmulatorResponse.Empty(204);
    }

    private void Archive(HubSpotStoredObject obj, DateTimeOffset now)
    {
        obj.ArchivedAt = now;
        obj.UpdatedAt = now;
        RaiseDeleted(obj, now);
    }

    private EmulatorResponse BatchRead(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        var started = Now;
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var history = StringList(body["propertiesWithHistory"]) ?? [];
        var inputs = Inputs(body, context.CorrelationId);
        if (history.Count > 0 && inputs.Count > HistoryBatchLimit)
        {
            throw Invalid(context.CorrelationId, $"The maximum number of inputs supported in a batch request for property histories is {HistoryBatchLimit}. Please reduce the number of items and try again");
        }

        var idProperty = ReadString(body["idProperty"]);
        ValidateIdProperty(type, idProperty, context.CorrelationId);
        var properties = StringList(body["properties"]) ?? [];
        var archived = QueryBool(context.Request, "archived");
        var results = new JsonArray();
        var missing = new List<string>();
        var seen = new HashSet<long>();
        foreach (var input in inputs)
        {
            var id = ReadString(input?["id"]) ?? string.Empty;
            var obj = Find(type, id, idProperty, archived);
            if (obj is null)
            {
                missing.Add(id);
            }
            else if (seen.Add(obj.Id))
            {
                results.Add(ObjectJson(obj, properties, history));
            }
        }

        if (missing.Count == 0)
        {
            return EmulatorResponse.Json(200, BatchEnvelope(results, null, started));
        }

        var errors = new JsonArray
        {
            StandardError(
                "OBJECT_NOT_FOUND",
                $"Could not get some {type.Singular.ToUpperInvariant()} objects, they may be deleted or not exist. Check that ids are valid.",
                Context("ids", [.. missing])),
        };
        return EmulatorResponse.Json(207, BatchEnvelope(results, errors, started));
    }

    private EmulatorResponse BatchCreate(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        var started = Now;
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var inputs = Inputs(body, context.CorrelationId);
        var traced = TracedIndividually(inputs);
        var prepared = new List<(Dictionary<string, string?> Values, List<PendingAssociation> Links)>();
        var errors = new JsonArray();
        foreach (var input in inputs)
        {
            var item = input as JsonObject ?? [];
            var propertyErrors = new List<HubSpotPropertyError>();
            var values = ValidateProperties(type, item["properties"] as JsonObject, null, isCreate: true, propertyErrors);
            List<PendingAssociation> links = [];
            try
            {
                if (propertyErrors.Count == 0)
                {
                    links = ParseCreateAssociations(type, item["associations"], context.CorrelationId);
                }
            }
            catch (HubSpotApiException ex) when (traced)
            {
                errors.Add(TracedError(ex.Body["category"]?.GetValue<string>() ?? "VALIDATION_ERROR", ex.Message, item));
                continue;
            }

            if (propertyErrors.Count > 0)
            {
                if (!traced)
                {
                    ThrowIfInvalid(propertyErrors, context.CorrelationId);
                }

                var error = PropertyErrorBody(propertyErrors, _options.PortalId, null);
                errors.Add(TracedError("VALIDATION_ERROR", error["message"]!.GetValue<string>(), item));
                continue;
            }

            prepared.Add((values, links));
        }

        var now = Now;
        var results = new JsonArray();
        foreach (var (values, links) in prepared)
        {
            var obj = Insert(type, values, now);
            foreach (var link in links)
            {
                Associate(type.Name, obj.Id, link.ToType, link.ToId, link.Type);
            }

            results.Add(ObjectJson(obj, values.Keys));
        }

        return EmulatorResponse.Json(errors.Count > 0 ? 207 : 201, BatchEnvelope(results, errors, started));
    }

    private static bool TracedIndividually(JsonArray inputs)
    {
        var traces = inputs.Select(i => ReadString(i?["objectWriteTraceId"])).ToList();
        return traces.Count > 0 && traces.All(t => !string.IsNullOrEmpty(t)) && traces.Distinct(StringComparer.Ordinal).Count() == traces.Count;
    }

    private static JsonObject TracedError(string category, string message, JsonObject input)
        => StandardError(category, message, Context("objectWriteTraceId", ReadString(input["objectWriteTraceId"]) ?? string.Empty));

    private EmulatorResponse BatchUpdate(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        var started = Now;
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var inputs = Inputs(body, context.CorrelationId);
        var traced = TracedIndividually(inputs);
        var errors = new JsonArray();
        var prepared = new List<(HubSpotStoredObject Obj, Dictionary<string, string?> Values)>();
        var missing = new List<string>();
        foreach (var input in inputs)
        {
            var item = input as JsonObject ?? [];
            var id = ReadString(item["id"]) ?? string.Empty;
            var idProperty = ReadString(item["idProperty"]);
            ValidateIdProperty(type, idProperty, context.CorrelationId);
            var obj = Find(type, id, idProperty, archived: false);
            if (obj is null)
            {
                if (traced)
                {
                    errors.Add(TracedError("OBJECT_NOT_FOUND", $"Object {id} of type {type.Singular} not found", item));
                }
                else
                {
                    missing.Add(id);
                }

                continue;
            }

            var propertyErrors = new List<HubSpotPropertyError>();
            var values = ValidateProperties(type, item["properties"] as JsonObject, obj, isCreate: false, propertyErrors);
            if (propertyErrors.Count > 0)
            {
                if (!traced)
                {
                    ThrowIfInvalid(propertyErrors, context.CorrelationId);
                }

                var error = PropertyErrorBody(propertyErrors, _options.PortalId, null);
                errors.Add(TracedError("VALIDATION_ERROR", error["message"]!.GetValue<string>(), item));
                continue;
            }

            prepared.Add((obj, values));
        }

        if (missing.Count > 0)
        {
            errors.Add(StandardError(
                "OBJECT_NOT_FOUND",
                $"Could not get some {type.Singular.ToUpperInvariant()} objects, they may be deleted or not exist. Check that ids are valid.",
                Context("ids", [.. missing])));
        }

        var now = Now;
        var results = new JsonArray();
        foreach (var (obj, values) in prepared)
        {
            ApplyUpdate(obj, values, now);
            results.Add(ObjectJson(obj, values.Keys));
        }

        return EmulatorResponse.Json(errors.Count > 0 ? 207 : 200, BatchEnvelope(results, errors, started));
    }

    private EmulatorResponse BatchUpsert(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        var started = Now;
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var inputs = Inputs(body, context.CorrelationId);
        var prepared = new List<(HubSpotStoredObject? Obj, Dictionary<string, string?> Values)>();
        foreach (var input in inputs)
        {
            var item = input as JsonObject ?? [];
            var id = ReadString(item["id"]) ?? string.Empty;
            var idProperty = ReadString(item["idProperty"]);
            if (string.IsNullOrEmpty(idProperty) || idProperty == "hs_object_id")
            {
                throw Invalid(context.CorrelationId, $"Unable to perform update/upsert by non-unique {type.Singular} property {idProperty ?? "hs_object_id"}");
            }

            ValidateIdProperty(type, idProperty, context.CorrelationId);
            var obj = Find(type, id, idProperty, archived: false);
            var properties = (item["properties"] as JsonObject)?.DeepClone() as JsonObject ?? [];
            if (obj is null)
            {
                properties[idProperty] = id;
            }

            var errors = new List<HubSpotPropertyError>();
            var values = ValidateProperties(type, properties, obj, isCreate: obj is null, errors);
            ThrowIfInvalid(errors, context.CorrelationId);
            if (prepared.Any(p => p.Obj is null && obj is null && p.Values.GetValueOrDefault(idProperty) == id))
            {
                throw Invalid(context.CorrelationId, $"Duplicate {idProperty} value {id} in the batch");
            }

            prepared.Add((obj, values));
        }

        var now = Now;
        var results = new JsonArray();
        foreach (var (existing, values) in prepared)
        {
            if (existing is null)
            {
                var created = Insert(type, values, now);
                results.Add(ObjectJson(created, values.Keys, isNew: true));
            }
            else
            {
                ApplyUpdate(existing, values, now);
                results.Add(ObjectJson(existing, values.Keys, isNew: false));
            }
        }

        return EmulatorResponse.Json(200, BatchEnvelope(results, null, started));
    }

    private EmulatorResponse BatchArchive(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var inputs = Inputs(body, context.CorrelationId);
        var now = Now;
        foreach (var input in inputs)
        {
            if (Find(type, ReadString(input?["id"]) ?? string.Empty, null, archived: false) is { } obj)
            {
                Archive(obj, now);
            }
        }

        return EmulatorResponse.Empty(204);
    }

    private EmulatorResponse Merge(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var primaryId = ReadString(body["primaryObjectId"]) ?? string.Empty;
        var mergeId = ReadString(body["objectIdToMerge"]) ?? string.Empty;
        var primary = Find(type, primaryId, null, archived: false) ?? throw NotFound(context, primaryId);
        var merged = Find(type, mergeId, null, archived: false) ?? throw NotFound(context, mergeId);
        if (primary == merged)
        {
            throw Invalid(context.CorrelationId, "Cannot merge an object with itself");
        }

        var now = Now;
        foreach (var (name, value) in merged.Properties.ToList())
        {
            if (primary.Get(name) is null && value is not null && type.TryGetProperty(name, out var definition) && !definition.ReadOnly)
            {
                primary.Set(name, value, now);
            }
        }

        MoveAssociations(type.Name, merged.Id, primary.Id);
        var mergedIds = SplitList([primary.Get("hs_merged_object_ids")?.Replace(';', ',') ?? string.Empty, merged.IdText]);
        primary.Set("hs_merged_object_ids", string.Join(';', mergedIds), now);
        Archive(merged, now);
        Touch(primary, now);
        RaiseMerged(primary, merged, now);
        return EmulatorResponse.Json(200, ObjectJson(primary, null));
    }
}
