using System.Text.Json;
using Aria.CrmSync.Fields;

namespace Aria.CrmSync.Providers.Salesforce;

/// <content>
/// Field metadata: <c>GET /services/data/vXX.X/sobjects/Opportunity/describe</c> read into <see cref="CrmObjectMetadata"/>
/// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm; field
/// properties as in the SOAP API's DescribeSObjectResult Field: <c>type</c>, <c>updateable</c>, <c>length</c>,
/// <c>precision</c>, <c>scale</c>, <c>picklistValues</c> with <c>active</c>, <c>restrictedPicklist</c>, <c>custom</c>).
/// </content>
internal sealed partial class SalesforceGateway : ICrmFieldMetadataSource
{
    private const string DescribeEndpoint = "salesforce.sobjects.describe";

    public async Task<CrmObjectMetadata> GetDealFieldMetadataAsync(CrmConnection connection, CancellationToken cancellationToken = default)
    {
        var call = Begin(connection);
        var response = await GetAsync(call, call.Data("sobjects/Opportunity/describe"), DescribeEndpoint, cancellationToken).ConfigureAwait(false);
        using var document = response.Json(Salesforce);
        var root = SalesforceJson.Object(document.RootElement, DescribeEndpoint, "the describe result");
        var fields = new Dictionary<string, CrmFieldMetadata>(StringComparer.Ordinal);
        foreach (var field in SalesforceJson.Array(SalesforceJson.Property(root, "fields", DescribeEndpoint), DescribeEndpoint, "'fields'").EnumerateArray())
        {
            var metadata = DescribeField(SalesforceJson.Object(field, DescribeEndpoint, "a field"));
            fields[metadata.Name] = metadata;
        }

        return new(Salesforce, "Opportunity", fields, Time.GetUtcNow());
    }

    private static CrmFieldMetadata DescribeField(JsonElement field)
    {
        var type = SalesforceJson.RequiredString(field, "type", DescribeEndpoint);
        var neutral = NeutralType(type);
        int? Positive(string name) => SalesforceJson.Decimal(field, name, DescribeEndpoint) is { } d && d > 0 ? (int)d : null;
        var numeric = neutral is CrmFieldType.Decimal or CrmFieldType.Currency or CrmFieldType.Percent;
        var picklist = new List<string>();
        if (SalesforceJson.TryProperty(field, "picklistValues", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            foreach (var value in values.EnumerateArray())
            {
                if (SalesforceJson.Bool(value, "active", DescribeEndpoint) != false && SalesforceJson.String(value, "value", DescribeEndpoint) is { } v)
                {
                    picklist.Add(v);
                }
            }
        }

        return new()
        {
            Name = SalesforceJson.RequiredString(field, "name", DescribeEndpoint),
            Label = SalesforceJson.String(field, "label", DescribeEndpoint),
            CrmType = type,
            Type = neutral,
            Updateable = SalesforceJson.Bool(field, "updateable", DescribeEndpoint) ?? false,
            Length = neutral is CrmFieldType.Text or CrmFieldType.LongText or CrmFieldType.Picklist or CrmFieldType.MultiPicklist ? Positive("length") : null,
            Precision = numeric ? Positive("precision") : neutral == CrmFieldType.Integer ? Positive("digits") : null,
            Scale = numeric ? (int)(SalesforceJson.Decimal(field, "scale", DescribeEndpoint) ?? 0) : null,
            PicklistValues = picklist,
            RestrictedPicklist = SalesforceJson.Bool(field, "restrictedPicklist", DescribeEndpoint) ?? false,
            Custom = SalesforceJson.Bool(field, "custom", DescribeEndpoint) ?? false,
        };
    }

    private static CrmFieldType? NeutralType(string type) => type switch
    {
        "string" or "email" or "phone" or "url" or "encryptedstring" => CrmFieldType.Text,
        "textarea" => CrmFieldType.LongText,
        "picklist" or "combobox" => CrmFieldType.Picklist,
        "multipicklist" => CrmFieldType.MultiPicklist,
        "boolean" => CrmFieldType.Boolean,
        "double" => CrmFieldType.Decimal,
        "currency" => CrmFieldType.Currency,
        "percent" => CrmFieldType.Percent,
        "int" or "long" => CrmFieldType.Integer,
        "date" => CrmFieldType.Date,
        "datetime" => CrmFieldType.DateTime,
        _ => null,
    };
}
