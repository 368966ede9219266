using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Aria.CrmSync.Testing;

/// <content>The properties API: list, read and create property definitions.</content>
public sealed partial class HubSpotEmulator
{
    private static readonly Regex PropertyName = new("^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant);

    private static (string Type, string FieldType) WireType(HubSpotPropertyType type) => type switch
    {
        HubSpotPropertyType.Number => ("number", "number"),
        HubSpotPropertyType.DateTime => ("datetime", "date"),
        HubSpotPropertyType.Date => ("date", "date"),
        HubSpotPropertyType.Enumeration => ("enumeration", "select"),
        HubSpotPropertyType.Bool => ("bool", "booleancheckbox"),
        _ => ("string", "text"),
    };

    private static string DefaultLabel(string name)
        => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(name.Replace("hs_", string.Empty, StringComparison.Ordinal).Replace('_', ' '));

    private JsonObject PropertyJson(HubSpotObjectType type, HubSpotPropertyDefinition definition, int order)
    {
        var (wireType, defaultFieldType) = WireType(definition.Type);
        var fieldType = definition.FieldType ?? defaultFieldType;
        var options = new JsonArray();
        var values = definition.Options ?? (definition.Name == "pipeline" ? _pipelines.Select(p => p.Id).ToList() : null) ?? [];
        for (var i = 0; i < values.Count; i++)
        {
            options.Add(new JsonObject { ["label"] = DefaultLabel(values[i]), ["value"] = values[i], ["displayOrder"] = i, ["hidden"] = false });
        }

        if (definition.Type == HubSpotPropertyType.Bool)
        {
            options.Add(new JsonObject { ["label"] = "Yes", ["value"] = "true", ["displayOrder"] = 0, ["hidden"] = false });
            options.Add(new JsonObject { ["label"] = "No", ["value"] = "false", ["displayOrder"] = 1, ["hidden"] = false });
        }

        return new JsonObject
        {
            ["updatedAt"] = FormatTime(_pipelinesCreatedAt),
            ["createdAt"] = FormatTime(_pipelinesCreatedAt),
            ["name"] = definition.Name,
            ["label"] = definition.Label ?? DefaultLabel(definition.Name),
            ["type"] = wireType,
            ["fieldType"] = fieldType,
            ["description"] = string.Empty,
            ["groupName"] = definition.GroupName ?? type.Singular + "information",
            ["options"] = options,
            ["displayOrder"] = order,
            ["calculated"] = definition.ReadOnly,
            ["externalOptions"] = false,
            ["hasUniqueValue"] = definition.HasUniqueValue,
            ["hidden"] = definition.Hidden,
            ["archived"] = definition.Archived,
            ["hubspotDefined"] = !definition.Custom,
            ["modificationMetadata"] = new JsonObject
            {
                ["archivable"] = definition.Custom,
                ["readOnlyDefinition"] = !definition.Custom,
                ["readOnlyValue"] = definition.ReadOnly,
            },
            ["formField"] = !definition.ReadOnly,
            ["dataSensitivity"] = "non_sensitive",
        };
    }

    private EmulatorResponse HandleProperties(HubSpotRequestContext context)
    {
        var type = ResolveType(context.Route.ObjectType, context.CorrelationId);
        // GET /crm/v3/properties/{objectType}?archived=true lists the archived properties instead of the live ones.
        var archived = context.Request.Query.TryGetValue("archived", out var archivedText) && string.Equals(archivedText, "true", StringComparison.OrdinalIgnoreCase);
        var definitions = type.Properties.Values.Where(p => p.Archived == archived || context.Route.Kind != HubSpotRouteKind.PropertiesList).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        switch (context.Route.Kind)
        {
            case HubSpotRouteKind.PropertiesList:
                {
                    var results = new JsonArray();
                    for (var i = 0; i < definitions.Count; i++)
                    {
                        results.Add(PropertyJson(type, definitions[i], i));
                    }

                    return EmulatorResponse.Json(200, new JsonObject { ["results"] = results });
                }

            case HubSpotRouteKind.PropertyGet:
                {
                    var index = definitions.FindIndex(p => p.Name == context.Route.ObjectId);
                    if (index < 0)
                    {
                        throw new HubSpotApiException(404, ErrorBody(
                            "OBJECT_NOT_FOUND",
                            $"Unable to find property {context.Route.ObjectId} for object type {type.TypeId}",
                            context.CorrelationId,
                            Context("propertyName", context.Route.ObjectId!)));
                    }

                    return EmulatorResponse.Json(200, PropertyJson(type, definitions[index], index));
                }

            default:
                {
                    var body = ParseObjectBody(context.Request, context.CorrelationId);
                    var name = ReadString(body["name"]) ?? string.Empty;
                    var wireType = ReadString(body["type"]);
                    if (!PropertyName.IsMatch(name) || string.IsNullOrEmpty(ReadString(body["label"])) || string.IsNullOrEmpty(ReadString(body["groupName"])) || string.IsNullOrEmpty(ReadString(body["fieldType"])))
                    {
                        throw Invalid(context.CorrelationId, "A property needs a lower-case name, a label, a type, a fieldType and a groupName.");
                    }

                    var kind = wireType switch
                    {
                        "string" or "phone_number" => HubSpotPropertyType.String,
                        "number" => HubSpotPropertyType.Number,
                        "datetime" => HubSpotPropertyType.DateTime,
                        "date" => HubSpotPropertyType.Date,
                        "enumeration" => HubSpotPropertyType.Enumeration,
                        "bool" => HubSpotPropertyType.Bool,
                        _ => throw Invalid(context.CorrelationId, $"Invalid property type: {wireType}", Context("type", wireType ?? string.Empty)),
                    };
                    if (type.Properties.ContainsKey(name))
                    {
                        throw new HubSpotApiException(409, ErrorBody("OBJECT_ALREADY_EXISTS", $"A property named '{name}' already exists.", context.CorrelationId, Context("name", name)));
                    }

                    var options = (body["options"] as JsonArray)?.Select(o => ReadString(o?["value"])).Where(v => v is not null).Select(v => v!).ToList();
                    var definition = new HubSpotPropertyDefinition
                    {
                        Name = name,
                        Type = kind,
                        HasUniqueValue = body["hasUniqueValue"] is JsonValue unique && unique.TryGetValue<bool>(out var flag) && flag,
                        Options = kind == HubSpotPropertyType.Enumeration && options is { Count: > 0 } ? options : null,
                        Label = ReadString(body["label"]),
                        GroupName = ReadString(body["groupName"]),
                        Custom = true,
                    };
                    type.Define(definition);
                    return EmulatorResponse.Json(201, PropertyJson(type, definition, type.Properties.Count - 1));
                }
        }
    }
}
