using System.Globalization;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing;

/// <content>Associations: v4 (list, labelled/default PUT, DELETE, batch read/create/associate-default/archive/labels-archive, labels) and v3.</content>
public sealed partial class HubSpotEmulator
{
    private const int AssociationPageLimit = 500;
    private const int AssociationBatchReadLimit = 1000;
    private const int AssociationBatchCreateLimit = 2000;

    private readonly Dictionary<(string Type, long Id), Dictionary<string, SortedDictionary<long, List<HubSpotAssociationType>>>> _edges = [];
    private readonly List<HubSpotAssociationLabel> _labels = [];
    private int _nextLabelTypeId = 30;

    /// <summary>Defines a USER_DEFINED association label between two object types (both directions).</summary>
    /// <param name="fromObjectType">The from object type, e.g. <c>deals</c>.</param>
    /// <param name="toObjectType">The to object type, e.g. <c>contacts</c>.</param>
    /// <param name="label">The label, e.g. <c>Decision maker</c>.</param>
    /// <param name="inverseLabel">The label of the inverse direction; the same label when <see langword="null"/>.</param>
    /// <returns>The association type id of the from → to direction.</returns>
    public int DefineAssociationLabel(string fromObjectType, string toObjectType, string label, string? inverseLabel = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        lock (_gate)
        {
            var from = RequireType(fromObjectType).Name;
            var to = RequireType(toObjectType).Name;
            var typeId = _nextLabelTypeId++;
            var inverseId = _nextLabelTypeId++;
            _labels.Add(new HubSpotAssociationLabel(from, to, typeId, inverseId, label, "USER_DEFINED"));
            _labels.Add(new HubSpotAssociationLabel(to, from, inverseId, typeId, inverseLabel ?? label, "USER_DEFINED"));
            return typeId;
        }
    }

    private static string? DefaultLabel(int typeId) => HubSpotSchema.PrimaryTypes.ContainsKey(typeId) ? "Primary" : null;

    private HubSpotObjectType RequireType(string name)
        => _types.TryGetValue(name, out var type) ? type : throw new ArgumentException($"Unknown object type '{name}'.", nameof(name));

    private IEnumerable<(long ToId, List<HubSpotAssociationType> Types)> Edges(string fromType, long fromId, string toType)
    {
        if (!_edges.TryGetValue((fromType, fromId), out var byType) || !byType.TryGetValue(toType, out var targets))
        {
            yield break;
        }

        foreach (var (toId, types) in targets)
        {
            if (types.Count > 0 && Store(_types[toType]).TryGetValue(toId, out var target) && !target.Archived)
            {
                yield return (toId, types);
            }
        }
    }

    private string? LabelOf(string fromType, string toType, HubSpotAssociationType type)
        => type.Category == "HUBSPOT_DEFINED"
            ? DefaultLabel(type.TypeId)
            : _labels.FirstOrDefault(l => l.FromType == fromType && l.ToType == toType && l.TypeId == type.TypeId)?.Label;

    /// <summary>Resolves the target object type of an association type id from <paramref name="fromType"/>.</summary>
    private string? TargetOf(string fromType, string category, int typeId, string? expectedTo = null)
    {
        if (category == "HUBSPOT_DEFINED")
        {
            if (HubSpotSchema.PrimaryTypes.TryGetValue(typeId, out var primary) && primary.From == fromType)
            {
                return primary.To;
            }

            foreach (var ((from, to), id) in HubSpotSchema.DefaultTypeIds)
            {
                if (from == fromType && id == typeId && (expectedTo is null || expectedTo == to))
                {
                    return to;
                }
            }

            return null;
        }

        return _labels.FirstOrDefault(l => l.FromType == fromType && l.TypeId == typeId && (expectedTo is null || expectedTo == l.ToType))?.ToType;
    }

    private HubSpotAssociationType? InverseOf(string fromType, string toType, HubSpotAssociationType type)
    {
        if (type.Category == "HUBSPOT_DEFINED")
        {
            if (HubSpotSchema.PrimaryTypes.TryGetValue(type.TypeId, out var primary))
            {
                return new HubSpotAssociationType(type.Category, primary.Inverse);
            }

            return HubSpotSchema.DefaultTypeIds.TryGetValue((toType, fromType), out var inverse) ? new HubSpotAssociationType(type.Category, inverse) : null;
        }

        var label = _labels.FirstOrDefault(l => l.FromType == fromType && l.ToType == toType && l.TypeId == type.TypeId);
        return label is null ? null : new HubSpotAssociationType(label.Category, label.InverseTypeId);
    }

    private void AddEdge(string fromType, long fromId, string toType, long toId, HubSpotAssociationType type)
    {
        if (!_edges.TryGetValue((fromType, fromId), out var byType))
        {
            byType = new Dictionary<string, SortedDictionary<long, List<HubSpotAssociationType>>>(StringComparer.Ordinal);
            _edges[(fromType, fromId)] = byType;
        }

        if (!byType.TryGetValue(toType, out var targets))
        {
            targets = [];
            byType[toType] = targets;
        }

        if (!targets.TryGetValue(toId, out var types))
        {
            types = [];
            targets[toId] = types;
        }

        if (!types.Contains(type))
        {
            types.Add(type);
        }
    }

    /// <summary>Associates two records with a type (and its inverse), plus the default (unlabelled) type both ways.</summary>
    private void Associate(string fromType, long fromId, string toType, long toId, HubSpotAssociationType? type)
    {
        if (HubSpotSchema.DefaultTypeIds.TryGetValue((fromType, toType), out var defaultId))
        {
            AddEdge(fromType, fromId, toType, toId, new HubSpotAssociationType("HUBSPOT_DEFINED", defaultId));
        }

        if (HubSpotSchema.DefaultTypeIds.TryGetValue((toType, fromType), out var inverseDefault))
        {
            AddEdge(toType, toId, fromType, fromId, new HubSpotAssociationType("HUBSPOT_DEFINED", inverseDefault));
        }

        if (type is { } explicitType)
        {
            AddEdge(fromType, fromId, toType, toId, explicitType);
            if (InverseOf(fromType, toType, explicitType) is { } inverse)
            {
                AddEdge(toType, toId, fromType, fromId, inverse);
            }
        }
        RaiseAssociationChanged(fromType, fromId, toType, toId, removed: false);
    }

    private void RemoveAssociation(string fromType, long fromId, string toType, long toId, HubSpotAssociationType? only = null)
    {
        bool Remove(string a, long aId, string b, long bId, HubSpotAssociationType? type)
        {
            if (_edges.TryGetValue((a, aId), out var byType) && byType.TryGetValue(b, out var targets) && targets.TryGetValue(bId, out var types))
            {
                return type is { } t ? types.Remove(t) : targets.Remove(bId);
            }

            return false;
        }

        var removed = Remove(fromType, fromId, toType, toId, only);
        removed |= Remove(toType, toId, fromType, fromId, only is { } t ? InverseOf(fromType, toType, t) : null);
        if (removed)
        {
            RaiseAssociationChanged(fromType, fromId, toType, toId, removed: true);
        }
    }

    private void MoveAssociations(string type, long fromId, long toId)
    {
        if (!_edges.TryGetValue((type, fromId), out var byType))
        {
            return;
        }

        foreach (var (otherType, targets) in byType.ToList())
        {
            foreach (var (otherId, types) in targets.ToList())
            {
                foreach (var assoc in types.ToList())
                {
                    if (!(otherType == type && otherId == toId))
                    {
                        AddEdge(type, toId, otherType, otherId, assoc);
                        if (InverseOf(type, otherType, assoc) is { } inverse)
                        {
                            AddEdge(otherType, otherId, type, toId, inverse);
                        }
                    }
                }

                RemoveAssociation(type, fromId, otherType, otherId);
            }
        }
    }

    private string V3TypeName(HubSpotObjectType from, HubSpotObjectType to, HubSpotAssociationType type)
    {
        var name = $"{from.Singular}_to_{to.Singular}";
        if (type.Category != "HUBSPOT_DEFINED")
        {
            return LabelOf(from.Name, to.Name, type)?.ToLowerInvariant().Replace(' ', '_') ?? name;
        }

        var hasPrimary = HubSpotSchema.PrimaryTypes.Values.Any(p => p.From == from.Name && p.To == to.Name);
        return hasPrimary && !HubSpotSchema.PrimaryTypes.ContainsKey(type.TypeId) ? name + "_unlabeled" : name;
    }

    /// <summary>An association to create with a new record.</summary>
    private sealed record PendingAssociation(string ToType, long ToId, HubSpotAssociationType Type);

    private List<PendingAssociation> ParseCreateAssociations(HubSpotObjectType type, JsonNode? node, string correlationId)
    {
        var result = new List<PendingAssociation>();
        if (node is not JsonArray associations)
        {
            return result;
        }

        foreach (var association in associations)
        {
            var toId = ReadString(association?["to"]?["id"]) ?? string.Empty;
            foreach (var spec in association?["types"] as JsonArray ?? [])
            {
                var assocType = ParseSpec(spec, correlationId);
                var toType = TargetOf(type.Name, assocType.Category, assocType.TypeId)
                    ?? throw Invalid(correlationId, $"{assocType.Category} {assocType.TypeId} is not a valid association type id for {type.Singular}", Context("associationTypeId", assocType.TypeId.ToString(CultureInfo.InvariantCulture)));
                var target = long.TryParse(toId, NumberStyles.None, CultureInfo.InvariantCulture, out var numeric) && Store(_types[toType]).TryGetValue(numeric, out var found) && !found.Archived
                    ? found
                    : throw Invalid(correlationId, $"One or more associations are invalid: {_types[toType].Singular} {toId} does not exist", Context("toObjectId", toId));
                result.Add(new PendingAssociation(toType, target.Id, assocType));
            }
        }

        return result;
    }

    private static HubSpotAssociationType ParseSpec(JsonNode? spec, string correlationId)
    {
        var category = ReadString(spec?["associationCategory"]) ?? "HUBSPOT_DEFINED";
        if (category is not ("HUBSPOT_DEFINED" or "USER_DEFINED" or "INTEGRATOR_DEFINED" or "WORK"))
        {
            throw Invalid(correlationId, $"Invalid associationCategory: {category}");
        }

        var typeText = ReadString(spec?["associationTypeId"]);
        if (!int.TryParse(typeText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var typeId))
        {
            throw Invalid(correlationId, $"Invalid associationTypeId: {typeText}");
        }

        return new HubSpotAssociationType(category, typeId);
    }

    private JsonNode IdNode(long id) => _options.NumericAssociationIds ? JsonValue.Create(id) : JsonValue.Create(Invariant(id));

    private JsonObject AssociationTypesJson(string fromType, string toType, long toId, List<HubSpotAssociationType> types)
    {
        var list = new JsonArray();
        foreach (var type in types.OrderBy(t => t.Category == "HUBSPOT_DEFINED" ? 0 : 1).ThenBy(t => t.TypeId))
        {
            list.Add(new JsonObject
            {
                ["category"] = type.Category,
                ["typeId"] = type.TypeId,
                ["label"] = LabelOf(fromType, toType, type),
            });
        }

        return new JsonObject { ["toObjectId"] = IdNode(toId), ["associationTypes"] = list };
    }

    private EmulatorResponse HandleAssociations(HubSpotRequestContext context)
    {
        var route = context.Route;
        var from = ResolveType(route.ObjectType, context.CorrelationId);
        var to = ResolveType(route.ToObjectType, context.CorrelationId);
        return route.Kind switch
        {
            HubSpotRouteKind.AssocList => ListAssociations(context, from, to),
            HubSpotRouteKind.AssocPutLabelled => PutLabelled(context, from, to),
            HubSpotRouteKind.AssocPutDefault => PutDefault(context, from, to),
            HubSpotRouteKind.AssocDelete => DeleteAssociation(context, from, to),
            HubSpotRouteKind.AssocBatchRead => AssociationBatchRead(context, from, to),
            HubSpotRouteKind.AssocBatchCreate => AssociationBatchCreate(context, from, to),
            HubSpotRouteKind.AssocBatchAssociateDefault => AssociationBatchDefault(context, from, to),
            HubSpotRouteKind.AssocBatchArchive => AssociationBatchArchive(context, from, to, labelsOnly: false),
            HubSpotRouteKind.AssocBatchLabelsArchive => AssociationBatchArchive(context, from, to, labelsOnly: true),
            HubSpotRouteKind.AssocLabels => AssociationLabels(from, to),
            HubSpotRouteKind.AssocV3List => V3List(context, from, to),
            HubSpotRouteKind.AssocV3Put => V3Put(context, from, to),
            HubSpotRouteKind.AssocV3Delete => V3Delete(context, from, to),
            HubSpotRouteKind.AssocV3BatchRead => V3BatchRead(context, from, to),
            HubSpotRouteKind.AssocV3BatchCreate => V3BatchCreate(context, from, to),
            _ => V3BatchArchive(context, from, to),
        };
    }

    private HubSpotStoredObject RequireObject(HubSpotRequestContext context, HubSpotObjectType type, string? id)
        => Find(type, id ?? string.Empty, null, archived: false) ?? throw NotFound(context, id ?? string.Empty);

    private EmulatorResponse ListAssociations(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        var request = context.Request;
        var obj = RequireObject(context, from, context.Route.ObjectId);
        var limit = request.Query.TryGetValue("limit", out var limitText) && int.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : AssociationPageLimit;
        limit = Math.Clamp(limit, 1, AssociationPageLimit);
        long after = 0;
        if (request.Query.TryGetValue("after", out var afterText) && !long.TryParse(afterText, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            throw Invalid(context.CorrelationId, $"Invalid after: {afterText}");
        }

        var page = Edges(from.Name, obj.Id, to.Name).Where(e => e.ToId >= after).Take(limit + 1).ToList();
        var results = new JsonArray();
        foreach (var (toId, types) in page.Take(limit))
        {
            results.Add(AssociationTypesJson(from.Name, to.Name, toId, types));
        }

        var body = new JsonObject { ["results"] = results };
        if (page.Count > limit)
        {
            var next = Invariant(page[limit].ToId);
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

    private List<HubSpotAssociationType> ParseSpecs(JsonNode? node, HubSpotObjectType from, HubSpotObjectType to, string correlationId)
    {
        var specs = new List<HubSpotAssociationType>();
        foreach (var spec in node as JsonArray ?? [])
        {
            var type = ParseSpec(spec, correlationId);
            if (TargetOf(from.Name, type.Category, type.TypeId, to.Name) != to.Name)
            {
                throw Invalid(correlationId, $"{type.Category} {type.TypeId} is not a valid association type id between {from.Singular} and {to.Singular}",
                    Context("associationTypeId", type.TypeId.ToString(CultureInfo.InvariantCulture)));
            }

            specs.Add(type);
        }

        return specs;
    }

    private JsonObject LabelsPair(HubSpotObjectType from, long fromId, HubSpotObjectType to, long toId)
    {
        var labels = new JsonArray();
        foreach (var (id, types) in Edges(from.Name, fromId, to.Name).Where(e => e.ToId == toId))
        {
            _ = id;
            foreach (var type in types)
            {
                if (LabelOf(from.Name, to.Name, type) is { } label)
                {
                    labels.Add(label);
                }
            }
        }

        return new JsonObject
        {
            ["fromObjectTypeId"] = from.TypeId,
            ["fromObjectId"] = IdNode(fromId),
            ["toObjectTypeId"] = to.TypeId,
            ["toObjectId"] = IdNode(toId),
            ["labels"] = labels,
        };
    }

    private EmulatorResponse PutLabelled(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        var fromObj = RequireObject(context, from, context.Route.ObjectId);
        var toObj = RequireObject(context, to, context.Route.ToObjectId);
        var specs = ParseSpecs(ParseBody(context.Request, context.CorrelationId), from, to, context.CorrelationId);
        if (specs.Count == 0)
        {
            throw Invalid(context.CorrelationId, "At least one association type is required.");
        }

        RemoveAssociation(from.Name, fromObj.Id, to.Name, toObj.Id);
        foreach (var spec in specs)
        {
            Associate(from.Name, fromObj.Id, to.Name, toObj.Id, spec);
        }

        return EmulatorResponse.Json(201, LabelsPair(from, fromObj.Id, to, toObj.Id));
    }

    private JsonObject DefaultResult(HubSpotObjectType from, long fromId, HubSpotObjectType to, long toId)
        => new()
        {
            ["from"] = new JsonObject { ["id"] = Invariant(fromId) },
            ["to"] = new JsonObject { ["id"] = Invariant(toId) },
            ["associationSpec"] = new JsonObject
            {
                ["associationCategory"] = "HUBSPOT_DEFINED",
                ["associationTypeId"] = HubSpotSchema.DefaultTypeIds[(from.Name, to.Name)],
            },
        };

    private void RequireDefaultPair(HubSpotObjectType from, HubSpotObjectType to, string correlationId)
    {
        if (!HubSpotSchema.DefaultTypeIds.ContainsKey((from.Name, to.Name)))
        {
            throw Invalid(correlationId, $"No default association type exists between {from.Singular} and {to.Singular}");
        }
    }

    private EmulatorResponse PutDefault(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        var started = Now;
        RequireDefaultPair(from, to, context.CorrelationId);
        var fromObj = RequireObject(context, from, context.Route.ObjectId);
        var toObj = RequireObject(context, to, context.Route.ToObjectId);
        Associate(from.Name, fromObj.Id, to.Name, toObj.Id, null);
        var results = new JsonArray { DefaultResult(from, fromObj.Id, to, toObj.Id), DefaultResult(to, toObj.Id, from, fromObj.Id) };
        return EmulatorResponse.Json(200, BatchEnvelope(results, null, started));
    }

    private EmulatorResponse DeleteAssociation(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        if (long.TryParse(context.Route.ObjectId, NumberStyles.None, CultureInfo.InvariantCulture, out var fromId)
            && long.TryParse(context.Route.ToObjectId, NumberStyles.None, CultureInfo.InvariantCulture, out var toId))
        {
            RemoveAssociation(from.Name, fromId, to.Name, toId);
        }

        return EmulatorResponse.Empty(204);
    }

    private EmulatorResponse AssociationBatchRead(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        var started = Now;
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var inputs = Inputs(body, context.CorrelationId, AssociationBatchReadLimit);
        var results = new JsonArray();
        var errors = new JsonArray();
        foreach (var input in inputs)
        {
            var id = ReadString(input?["id"]) ?? string.Empty;
            long after = 0;
            if (ReadString(input?["after"]) is { } afterText)
            {
                _ = long.TryParse(afterText, NumberStyles.None, CultureInfo.InvariantCulture, out after);
            }

            var obj = Find(from, id, null, archived: false);
            var page = obj is null ? [] : Edges(from.Name, obj.Id, to.Name).Where(e => e.ToId >= after).Take(AssociationPageLimit + 1).ToList();
            if (page.Count == 0)
            {
                errors.Add(StandardError("OBJECT_NOT_FOUND", $"No {to.Singular} is associated with {from.Singular} {id}.", Context("fromObjectId", id)));
                continue;
            }

            var list = new JsonArray();
            foreach (var (toId, types) in page.Take(AssociationPageLimit))
            {
                list.Add(AssociationTypesJson(from.Name, to.Name, toId, types));
            }

            var result = new JsonObject { ["from"] = new JsonObject { ["id"] = obj!.IdText }, ["to"] = list };
            if (page.Count > AssociationPageLimit)
            {
                result["paging"] = new JsonObject { ["next"] = new JsonObject { ["after"] = Invariant(page[AssociationPageLimit].ToId) } };
            }

            results.Add(result);
        }

        return EmulatorResponse.Json(errors.Count > 0 ? 207 : 200, BatchEnvelope(results, errors, started));
    }

    private EmulatorResponse AssociationBatchCreate(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        var started = Now;
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var inputs = Inputs(body, context.CorrelationId, AssociationBatchCreateLimit);
        var results = new JsonArray();
        var errors = new JsonArray();
        foreach (var input in inputs)
        {
            var fromId = ReadString(input?["from"]?["id"]) ?? string.Empty;
            var toId = ReadString(input?["to"]?["id"]) ?? string.Empty;
            var specs = ParseSpecs(input?["types"], from, to, context.CorrelationId);
            var fromObj = Find(from, fromId, null, archived: false);
            var toObj = Find(to, toId, null, archived: false);
            if (fromObj is null || toObj is null)
            {
                var missing = fromObj is null ? fromId : toId;
                errors.Add(StandardError("OBJECT_NOT_FOUND", $"Object {missing} does not exist.", Context("objectId", missing)));
                continue;
            }

            foreach (var spec in specs)
            {
                Associate(from.Name, fromObj.Id, to.Name, toObj.Id, spec);
            }

            results.Add(LabelsPair(from, fromObj.Id, to, toObj.Id));
        }

        return EmulatorResponse.Json(errors.Count > 0 ? 207 : 201, BatchEnvelope(results, errors, started));
    }

    private EmulatorResponse AssociationBatchDefault(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        var started = Now;
        RequireDefaultPair(from, to, context.CorrelationId);
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var inputs = Inputs(body, context.CorrelationId, AssociationBatchCreateLimit);
        var results = new JsonArray();
        var errors = new JsonArray();
        foreach (var input in inputs)
        {
            var fromId = ReadString(input?["from"]?["id"]) ?? string.Empty;
            var toId = ReadString(input?["to"]?["id"]) ?? string.Empty;
            var fromObj = Find(from, fromId, null, archived: false);
            var toObj = Find(to, toId, null, archived: false);
            if (fromObj is null || toObj is null)
            {
                var missing = fromObj is null ? fromId : toId;
                errors.Add(StandardError("OBJECT_NOT_FOUND", $"Object {missing} does not exist.", Context("objectId", missing)));
                continue;
            }

            Associate(from.Name, fromObj.Id, to.Name, toObj.Id, null);
            results.Add(DefaultResult(from, fromObj.Id, to, toObj.Id));
            results.Add(DefaultResult(to, toObj.Id, from, fromObj.Id));
        }

        var response = BatchEnvelope(results, errors, started);
        if (errors.Count > 0)
        {
            response["numErrors"] = errors.Count;
        }

        return EmulatorResponse.Json(200, response);
    }

    private EmulatorResponse AssociationBatchArchive(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to, bool labelsOnly)
    {
        var started = Now;
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var inputs = Inputs(body, context.CorrelationId, AssociationBatchCreateLimit);
        foreach (var input in inputs)
        {
            if (!long.TryParse(ReadString(input?["from"]?["id"]), NumberStyles.None, CultureInfo.InvariantCulture, out var fromId))
            {
                continue;
            }

            if (labelsOnly)
            {
                if (!long.TryParse(ReadString(input?["to"]?["id"]), NumberStyles.None, CultureInfo.InvariantCulture, out var toId))
                {
                    continue;
                }

                foreach (var spec in ParseSpecs(input?["types"], from, to, context.CorrelationId))
                {
                    var isDefault = HubSpotSchema.DefaultTypeIds.TryGetValue((from.Name, to.Name), out var d) && spec == new HubSpotAssociationType("HUBSPOT_DEFINED", d);
                    if (isDefault)
                    {
                        RemoveAssociation(from.Name, fromId, to.Name, toId);
                    }
                    else
                    {
                        RemoveAssociation(from.Name, fromId, to.Name, toId, spec);
                    }
                }

                continue;
            }

            foreach (var target in input?["to"] as JsonArray ?? [])
            {
                if (long.TryParse(ReadString(target?["id"]), NumberStyles.None, CultureInfo.InvariantCulture, out var toId))
                {
                    RemoveAssociation(from.Name, fromId, to.Name, toId);
                }
            }
        }

        return context.Request.Path.StartsWith("/crm/associations/20", StringComparison.Ordinal)
            ? EmulatorResponse.Json(200, BatchEnvelope([], null, started))
            : EmulatorResponse.Empty(204);
    }

    private EmulatorResponse AssociationLabels(HubSpotObjectType from, HubSpotObjectType to)
    {
        var results = new JsonArray();
        if (HubSpotSchema.DefaultTypeIds.TryGetValue((from.Name, to.Name), out var defaultId))
        {
            results.Add(new JsonObject { ["category"] = "HUBSPOT_DEFINED", ["typeId"] = defaultId, ["label"] = null });
        }

        foreach (var (id, primary) in HubSpotSchema.PrimaryTypes.Where(p => p.Value.From == from.Name && p.Value.To == to.Name))
        {
            _ = primary;
            results.Add(new JsonObject { ["category"] = "HUBSPOT_DEFINED", ["typeId"] = id, ["label"] = "Primary" });
        }

        foreach (var label in _labels.Where(l => l.FromType == from.Name && l.ToType == to.Name))
        {
            results.Add(new JsonObject { ["category"] = label.Category, ["typeId"] = label.TypeId, ["label"] = label.Label });
        }

        return EmulatorResponse.Json(200, new JsonObject { ["results"] = results });
    }

    private JsonArray V3Associated(HubSpotObjectType from, long fromId, HubSpotObjectType to)
    {
        var list = new JsonArray();
        foreach (var (toId, types) in Edges(from.Name, fromId, to.Name))
        {
            foreach (var type in types)
            {
                list.Add(new JsonObject { ["id"] = Invariant(toId), ["type"] = V3TypeName(from, to, type) });
            }
        }

        return list;
    }

    private HubSpotAssociationType ResolveV3Type(HubSpotObjectType from, HubSpotObjectType to, string? name, string correlationId)
    {
        if (int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out var typeId))
        {
            foreach (var category in new[] { "HUBSPOT_DEFINED", "USER_DEFINED" })
            {
                if (TargetOf(from.Name, category, typeId, to.Name) == to.Name)
                {
                    return new HubSpotAssociationType(category, typeId);
                }
            }
        }
        else if (name is not null && HubSpotSchema.DefaultTypeIds.TryGetValue((from.Name, to.Name), out var defaultId))
        {
            var plain = $"{from.Singular}_to_{to.Singular}";
            if (name == plain + "_unlabeled")
            {
                return new HubSpotAssociationType("HUBSPOT_DEFINED", defaultId);
            }

            if (name == plain)
            {
                var primary = HubSpotSchema.PrimaryTypes.FirstOrDefault(p => p.Value.From == from.Name && p.Value.To == to.Name);
                return new HubSpotAssociationType("HUBSPOT_DEFINED", primary.Key != 0 ? primary.Key : defaultId);
            }
        }

        throw Invalid(correlationId, $"{name} is not a valid association type between {from.Singular} and {to.Singular}");
    }

    private EmulatorResponse V3List(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        var obj = RequireObject(context, from, context.Route.ObjectId);
        return EmulatorResponse.Json(200, new JsonObject { ["results"] = V3Associated(from, obj.Id, to) });
    }

    private EmulatorResponse V3Put(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        var fromObj = RequireObject(context, from, context.Route.ObjectId);
        var toObj = RequireObject(context, to, context.Route.ToObjectId);
        var type = ResolveV3Type(from, to, context.Route.AssociationType, context.CorrelationId);
        Associate(from.Name, fromObj.Id, to.Name, toObj.Id, type);
        return EmulatorResponse.Json(200, ObjectJson(fromObj, null, null, [to.Name]));
    }

    private EmulatorResponse V3Delete(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        if (Find(from, context.Route.ObjectId ?? string.Empty, null, archived: false) is { } fromObj
            && long.TryParse(context.Route.ToObjectId, NumberStyles.None, CultureInfo.InvariantCulture, out var toId))
        {
            var type = ResolveV3Type(from, to, context.Route.AssociationType, context.CorrelationId);
            var isDefault = HubSpotSchema.DefaultTypeIds.TryGetValue((from.Name, to.Name), out var d) && type.TypeId == d;
            RemoveAssociation(from.Name, fromObj.Id, to.Name, toId, isDefault ? null : type);
        }

        return EmulatorResponse.Empty(204);
    }

    private EmulatorResponse V3BatchRead(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        var started = Now;
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var inputs = Inputs(body, context.CorrelationId, AssociationBatchReadLimit);
        var results = new JsonArray();
        var errors = new JsonArray();
        foreach (var input in inputs)
        {
            var id = ReadString(input?["id"]) ?? string.Empty;
            var obj = Find(from, id, null, archived: false);
            var list = obj is null ? [] : V3Associated(from, obj.Id, to);
            if (list.Count == 0)
            {
                errors.Add(StandardError("OBJECT_NOT_FOUND", $"No {to.Singular} is associated with {from.Singular} {id}.", Context("fromObjectId", id)));
                continue;
            }

            results.Add(new JsonObject { ["from"] = new JsonObject { ["id"] = obj!.IdText }, ["to"] = list });
        }

        return EmulatorResponse.Json(errors.Count > 0 ? 207 : 200, BatchEnvelope(results, errors, started));
    }

    private EmulatorResponse V3BatchCreate(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        var started = Now;
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var inputs = Inputs(body, context.CorrelationId, AssociationBatchCreateLimit);
        var results = new JsonArray();
        var errors = new JsonArray();
        foreach (var input in inputs)
        {
            var fromId = ReadString(input?["from"]?["id"]) ?? string.Empty;
            var toId = ReadString(input?["to"]?["id"]) ?? string.Empty;
            var typeName = ReadString(input?["type"]);
            var type = ResolveV3Type(from, to, typeName, context.CorrelationId);
            var fromObj = Find(from, fromId, null, archived: false);
            var toObj = Find(to, toId, null, archived: false);
            if (fromObj is null || toObj is null)
            {
                var missing = fromObj is null ? fromId : toId;
                errors.Add(StandardError("OBJECT_NOT_FOUND", $"Object {missing} does not exist.", Context("objectId", missing)));
                continue;
            }

            Associate(from.Name, fromObj.Id, to.Name, toObj.Id, type);
            results.Add(new JsonObject
            {
                ["from"] = new JsonObject { ["id"] = fromObj.IdText },
                ["to"] = new JsonObject { ["id"] = toObj.IdText },
                ["type"] = V3TypeName(from, to, type),
            });
        }

        return EmulatorResponse.Json(errors.Count > 0 ? 207 : 201, BatchEnvelope(results, errors, started));
    }

    private EmulatorResponse V3BatchArchive(HubSpotRequestContext context, HubSpotObjectType from, HubSpotObjectType to)
    {
        var body = ParseObjectBody(context.Request, context.CorrelationId);
        var inputs = Inputs(body, context.CorrelationId, AssociationBatchCreateLimit);
        foreach (var input in inputs)
        {
            if (long.TryParse(ReadString(input?["from"]?["id"]), NumberStyles.None, CultureInfo.InvariantCulture, out var fromId)
                && long.TryParse(ReadString(input?["to"]?["id"]), NumberStyles.None, CultureInfo.InvariantCulture, out var toId))
            {
                var type = ResolveV3Type(from, to, ReadString(input?["type"]), context.CorrelationId);
                var isDefault = HubSpotSchema.DefaultTypeIds.TryGetValue((from.Name, to.Name), out var d) && type.TypeId == d;
                RemoveAssociation(from.Name, fromId, to.Name, toId, isDefault ? null : type);
            }
        }

        return EmulatorResponse.Empty(204);
    }
}
