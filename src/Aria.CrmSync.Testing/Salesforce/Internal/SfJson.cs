using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing.Salesforce;

/// <summary>JSON helpers: Salesforce error arrays, save results and request-body binding.</summary>
internal static class SfJson
{
    /// <summary>Builds the REST error array <c>[{"message","errorCode","fields"?}]</c>.</summary>
    public static JsonArray ErrorArray(IEnumerable<SfError> errors)
    {
        var array = new JsonArray();
        foreach (var error in errors)
        {
            var item = new JsonObject { ["message"] = error.Message, ["errorCode"] = error.Code };
            if (error.Fields.Count > 0)
            {
                item["fields"] = new JsonArray([.. error.Fields.Select(f => (JsonNode?)JsonValue.Create(f))]);
            }

            array.Add(item);
        }

        return array;
    }

    /// <summary>Builds the REST error array for one error.</summary>
    public static JsonArray ErrorArray(string code, string message) => ErrorArray([new SfError(code, message)]);

    /// <summary>Builds a SaveResult/DeleteResult <c>{"id"?, "success", "errors":[{"statusCode","message","fields"}]}</c>.</summary>
    public static JsonObject SaveResult(SfSaveResult result, bool includeCreated = false)
    {
        var item = new JsonObject();
        if (result.Id is not null)
        {
            item["id"] = result.Id;
        }

        item["success"] = result.Success;
        var errors = new JsonArray();
        foreach (var error in result.Errors)
        {
            errors.Add(new JsonObject
            {
                ["statusCode"] = error.Code,
                ["message"] = error.Message,
                ["fields"] = new JsonArray([.. error.Fields.Select(f => (JsonNode?)JsonValue.Create(f))]),
            });
        }

        item["errors"] = errors;
        if (includeCreated && result.Success)
        {
            item["created"] = result.Created;
        }

        return item;
    }

    /// <summary>Parses a request body; throws a JSON_PARSER_ERROR request failure when it is missing or malformed.</summary>
    public static JsonNode ParseBody(byte[] body)
    {
        if (body.Length == 0 || body.All(b => b is (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t'))
        {
            throw new SfRequestException(400, "JSON_PARSER_ERROR", "The HTTP entity body is required, but this request has no entity body.");
        }

        try
        {
            return JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false })
                ?? throw new SfRequestException(400, "JSON_PARSER_ERROR", "Unexpected token: null at [line:1, column:1]");
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            var column = (ex.BytePositionInLine ?? 0) + 1;
            throw new SfRequestException(400, "JSON_PARSER_ERROR", $"Unexpected character: the request body is not valid JSON at [line:{line}, column:{column}]");
        }
    }

    /// <summary>Parses a request body that must be a JSON object.</summary>
    public static JsonObject ParseObject(byte[] body, string typeName)
    {
        var node = ParseBody(body);
        return node as JsonObject
            ?? throw new SfRequestException(400, "JSON_PARSER_ERROR", $"Cannot deserialize instance of {typeName} from {(node is JsonArray ? "START_ARRAY" : "VALUE_STRING")} value at [line:1, column:1]");
    }

    /// <summary>
    /// Binds a record body to typed values by canonical field name. Returns an INVALID_FIELD error for an unknown field;
    /// throws JSON_PARSER_ERROR for a value of the wrong type. <c>attributes</c> is skipped; <c>Id</c> is returned separately.
    /// </summary>
    public static (Dictionary<string, object?> Values, string? Id, bool HasId, SfError? Error) BindRecord(SfObject obj, JsonObject body)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        string? id = null;
        var hasId = false;
        foreach (var (name, node) in body)
        {
            if (name.Equals("attributes", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (name.Equals("Id", StringComparison.OrdinalIgnoreCase))
            {
                hasId = true;
                id = node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : node?.ToJsonString();
                continue;
            }

            var field = obj.Field(name);
            if (field is null)
            {
                return (values, id, hasId, new SfError("INVALID_FIELD", $"No such column '{name}' on sobject of type {obj.Name}"));
            }

            // A checkbox takes true/false, or 1/0 ("Boolean fields have one of these values: true (or 1), or false (or 0)":
            // Object Reference, Primitive Data Types,
            // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/primitive_data_types.htm).
            // Another number is a value the field's type does not support: that record fails with
            // INVALID_TYPE_ON_FIELD_IN_RECORD (Salesforce Help, Fixing Import Error: INVALID_TYPE_ON_FIELD_IN_RECORD, "importing
            // a value of 2 into a checkbox field", https://help.salesforce.com/s/articleView?id=000390015). No public page shows
            // the REST body; it takes the documented per-record error shape (statusCode, message, fields) with the
            // "<Label>: value not of required type: <value>" message of Salesforce's other per-field errors.
            if (field.Type == SfFieldType.Boolean && node is JsonValue number && number.GetValueKind() == JsonValueKind.Number)
            {
                var text = number.ToJsonString();
                if (text is not ("0" or "1"))
                {
                    return (values, id, hasId, new SfError("INVALID_TYPE_ON_FIELD_IN_RECORD", $"{field.Label}: value not of required type: {text}", [field.Name]));
                }

                values[field.Name] = text == "1";
                continue;
            }

            if (!SfValues.TryCoerce(field, node, fromJson: true, out var value, out var error))
            {
                throw new SfRequestException(400, "JSON_PARSER_ERROR", error + " at [line:1, column:1]");
            }

            values[field.Name] = value;
        }

        return (values, id, hasId, null);
    }
}
