using System.Text.Json;
using Aria.CrmSync.Fields;
using Aria.CrmSync.Gateways.Http;

namespace Aria.CrmSync.Providers.HubSpot;

/// <content>
/// Field metadata: <c>GET /crm/v3/properties/deals</c> and <c>?archived=true</c> read into <see cref="CrmObjectMetadata"/>
/// (https://developers.hubspot.com/docs/api/crm/properties; the Property schema of the v3 properties OpenAPI spec:
/// <c>type</c>, <c>fieldType</c>, <c>options</c>, <c>hidden</c>, <c>archived</c>,
/// <c>modificationMetadata.readOnlyValue</c>, <c>hubspotDefined</c>). An enumeration accepts only its options; a
/// <c>checkbox</c> enumeration is multi-select and a <c>booleancheckbox</c> one a boolean; a text value holds at most
/// 65,536 characters.
/// </content>
internal sealed partial class HubSpotGateway : ICrmFieldMetadataSource
{
    private const int MaxTextLength = 65_536;

    public async Task<CrmObjectMetadata> GetDealFieldMetadataAsync(CrmConnection connection, CancellationToken cancellationToken = default)
    {
        var fields = new Dictionary<string, CrmFieldMetadata>(StringComparer.Ordinal);
        foreach (var archived in new[] { true, false }) // live properties read last: they win over an archived namesake
        {
            var response = await CallAsync(connection, HttpMethod.Get, "/crm/v3/properties/deals" + (archived ? "?archived=true" : string.Empty), null, "properties.list", idempotent: true, search: false, cancellationToken).ConfigureAwait(false);
            using var document = response.Json(CrmProvider.HubSpot);
            foreach (var property in HubSpotJson.Array(HubSpotJson.RootObject(document, response), "results", response))
            {
                var metadata = Describe(property, archived, response);
                fields[metadata.Name] = metadata;
            }
        }

        return new(CrmProvider.HubSpot, "deals", fields, Time.GetUtcNow());
    }

    private static CrmFieldMetadata Describe(JsonElement property, bool archived, CrmHttpResponse response)
    {
        var name = HubSpotJson.Text(property, "name") ?? throw HubSpotJson.Unexpected(response, "a property has no name");
        var type = HubSpotJson.Text(property, "type") ?? throw HubSpotJson.Unexpected(response, $"property '{name}' has no type");
        var fieldType = HubSpotJson.Text(property, "fieldType");
        var neutral = (type, fieldType) switch
        {
            ("string", "textarea") => CrmFieldType.LongText,
            ("string", _) or ("phone_number", _) => CrmFieldType.Text,
            ("number", _) => CrmFieldType.Decimal,
            ("date", _) => CrmFieldType.Date,
            ("datetime", _) => CrmFieldType.DateTime,
            ("bool", _) or ("enumeration", "booleancheckbox") => CrmFieldType.Boolean,
            ("enumeration", "checkbox") => CrmFieldType.MultiPicklist,
            ("enumeration", _) => CrmFieldType.Picklist,
            _ => (CrmFieldType?)null,
        };
        var options = new List<string>();
        foreach (var option in HubSpotJson.Array(property, "options", response))
        {
            if (HubSpotJson.Text(option, "value") is { } value)
            {
                options.Add(value);
            }
        }

        var readOnly = HubSpotJson.Child(property, "modificationMetadata") is { } modification && HubSpotJson.Text(modification, "readOnlyValue") == "true";
        return new()
        {
            Name = name,
            Label = HubSpotJson.Text(property, "label"),
            CrmType = type,
            FieldType = fieldType,
            Type = neutral,
            Updateable = !readOnly,
            Length = neutral is CrmFieldType.Text or CrmFieldType.LongText ? MaxTextLength : null,
            PicklistValues = neutral is CrmFieldType.Picklist or CrmFieldType.MultiPicklist ? options : [],
            RestrictedPicklist = type == "enumeration",
            Hidden = HubSpotJson.Text(property, "hidden") == "true",
            Archived = archived || HubSpotJson.Text(property, "archived") == "true",
            Custom = HubSpotJson.Text(property, "hubspotDefined") != "true",
        };
    }
}
