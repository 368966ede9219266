using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Aria.CrmSync.Fields;

namespace Aria.CrmSync.Providers.Salesforce;

/// <content>
/// Custom fields (<see cref="CrmConnection.RecordFields"/>): read in the same queries and retrieves as the gateway's own
/// fields, written in the same Collections calls as JSON values of the field's type, compared in canonical form.
/// </content>
internal sealed partial class SalesforceGateway
{
    /// <summary>
    /// The longest request URI Salesforce takes: "In each REST call, the maximum length for the combined URI and headers
    /// is 16,384 bytes … If the URI itself exceeds this limit, the request returns a 414 URI Too Long error" (Salesforce
    /// Help, Maximum number of rows returned by SOQL queries over the REST API,
    /// https://help.salesforce.com/s/articleView?id=000386264). The change query goes in the URI, so this binds before the
    /// 100,000-character SOQL statement limit (SOQL and SOSL Limits,
    /// https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm).
    /// The gateway keeps its URIs under this less a margin for the instance address and headers.
    /// </summary>
    internal const int MaxQueryUriLength = 12_000;

    private const string FieldNameRule = "a Salesforce field API name (a letter, then letters, digits and single or double underscores, not ending in an underscore; at most 100 characters)";

    private readonly CrmRecordFields _recordFields;

    /// <summary>
    /// Whether <paramref name="name"/> is a field API name: it must begin with a letter, contain only letters, digits and
    /// underscores, not end with an underscore (the naming rule of Salesforce developer names, e.g. Lightning Component
    /// Names, https://developer.salesforce.com/docs/atlas.en-us.lightning.meta/light/components_names.htm), with the
    /// double underscores of a namespace prefix and the <c>__c</c> suffix. Anything else (spaces, quotes, commas,
    /// parentheses, dots of a relationship path) never reaches SOQL or a URL.
    /// </summary>
    internal static bool IsFieldName(string name) => name.Length is > 0 and <= 100 && FieldNamePattern().IsMatch(name);

    /// <summary>The connection's custom fields, checked (<see cref="CrmSyncFieldMappingException"/> for a bad name).</summary>
    private static IReadOnlyList<string> RecordFieldsOf(CrmConnection connection) => CrmRecordFields.Of(connection, IsFieldName, FieldNameRule);

    /// <summary>The fields to read: the gateway's own, then the custom ones not among them (SOQL refuses a field selected twice; names are case-insensitive).</summary>
    private static IReadOnlyList<string> ReadFields(IReadOnlyList<string> custom)
        => custom.Count == 0
            ? OpportunityFields
            : [.. OpportunityFields, .. custom.Where(c => !OpportunityFields.Contains(c, StringComparer.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Refuses, before any request, a read whose URI would pass <see cref="MaxQueryUriLength"/> because of many or long custom field names.</summary>
    private static void RequireUriFits(CrmConnection connection, string relative, int customCount)
    {
        if (customCount > 0 && relative.Length > MaxQueryUriLength)
        {
            throw new CrmSyncFieldMappingException([new CrmFieldIssue(string.Empty, CrmFieldIssueKind.InvalidOption,
                $"connection '{connection.ConnectionKey}': the {customCount} Salesforce fields in RecordFields make a query URI of {relative.Length} characters; Salesforce takes at most 16,384 bytes of URI and headers (the gateway allows {MaxQueryUriLength}): sync fewer fields")
            {
                Provider = Salesforce,
                Connection = connection.ConnectionKey,
            }]);
        }
    }

    /// <summary>The custom fields' values of a row, as wire text (a JSON number or boolean as its literal text; null or empty as null).</summary>
    private static Dictionary<string, string?> ReadRecordFields(JsonElement row, IReadOnlyList<string> names, string endpoint)
    {
        var fields = new Dictionary<string, string?>(names.Count, StringComparer.Ordinal);
        foreach (var name in names)
        {
            fields[name] = FieldText(row, name, endpoint);
        }

        return fields;
    }

    private static string? FieldText(JsonElement row, string name, string endpoint)
    {
        if (!row.TryGetProperty(name, out var value))
        {
            // Salesforce answers with the field's own spelling; RecordFields may spell it in another case.
            value = row.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString() is { Length: > 0 } text ? text : null,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => throw SalesforceJson.Unexpected(endpoint, $"'{name}' is not a single value"),
        };
    }

    /// <summary>
    /// A custom field's wire text as the JSON value Salesforce expects for the field's describe type: numbers (int,
    /// double, currency, percent) as JSON numbers and booleans as JSON booleans — as the REST API's own examples send
    /// them (sObject Collections update: <c>"NumberOfEmployees": 27000</c>,
    /// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm;
    /// a value of the wrong JSON type is a <c>JSON_PARSER_ERROR</c> that fails the whole request) — dates
    /// <c>yyyy-MM-dd</c>, date-times ISO 8601 in UTC, multi-select values <c>;</c>-separated, text as it is; null clears.
    /// </summary>
    /// <exception cref="CrmSyncFieldValueException">The text is not a value of the field's type.</exception>
    private static JsonNode? ToJson(string name, CrmFieldMetadata? metadata, string? wire)
    {
        var definition = CrmRecordFields.Definition(Salesforce, name, metadata, withScale: false);
        var value = CrmFieldValues.ParseCrm(definition, Salesforce, wire);
        if (value.IsBlank)
        {
            return null;
        }

        return value.Type switch
        {
            CrmFieldType.Integer or CrmFieldType.Decimal or CrmFieldType.Currency or CrmFieldType.Percent => JsonValue.Create(value.Number!.Value),
            CrmFieldType.Boolean => JsonValue.Create(value.Boolean!.Value),
            CrmFieldType.Text or CrmFieldType.LongText or CrmFieldType.Picklist when metadata is null || metadata.Type is null => JsonValue.Create(wire),
            _ => JsonValue.Create(CrmFieldValues.FormatCrm(definition, Salesforce, value)),
        };
    }

    /// <summary>Save errors that mean a field is not what the cached describe said (gone, made read-only, another type): the next write reads describe again.</summary>
    private static bool IsFieldMetadataError(string code) => code is "INVALID_FIELD" or "INVALID_FIELD_FOR_INSERT_UPDATE" or "INVALID_TYPE_ON_FIELD_IN_RECORD";

    [GeneratedRegex(@"^[A-Za-z](?:_{0,2}[A-Za-z0-9])*\z", RegexOptions.CultureInvariant)]
    private static partial Regex FieldNamePattern();
}
