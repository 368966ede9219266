namespace Aria.CrmSync.Testing;

/// <summary>
/// A custom field of an emulated sObject (<c>Region__c</c>), described by <c>GET /sobjects/{Type}/describe</c> like
/// the real one (<c>type</c>, <c>length</c>, <c>precision</c>, <c>scale</c>, <c>picklistValues</c>,
/// <c>restrictedPicklist</c>, <c>updateable</c>), stored on records, readable and writable through records, SOQL and
/// search, and validated on write as Salesforce does (<c>STRING_TOO_LONG</c>,
/// <c>INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST</c>, <c>NUMBER_OUTSIDE_VALID_RANGE</c>,
/// <c>INVALID_FIELD_FOR_INSERT_UPDATE</c>).
/// </summary>
/// <param name="Name">The API name, ending in <c>__c</c>.</param>
/// <param name="Type">The describe type: <c>string</c>, <c>textarea</c>, <c>email</c>, <c>phone</c>, <c>url</c>, <c>picklist</c>, <c>multipicklist</c>, <c>boolean</c>, <c>double</c>, <c>currency</c>, <c>percent</c>, <c>int</c>, <c>date</c> or <c>datetime</c>.</param>
public sealed record SalesforceCustomField(string Name, string Type = "string")
{
    /// <summary>Gets the sObject type the field belongs to.</summary>
    /// <value>The default value is <c>Opportunity</c>.</value>
    public string ObjectName { get; init; } = "Opportunity";

    /// <summary>Gets the length of a text or picklist field (default 255; a text area 32,768).</summary>
    public int? Length { get; init; }

    /// <summary>Gets the total digits of a double, currency or percent field (default 18).</summary>
    public int? Precision { get; init; }

    /// <summary>Gets the digits after the decimal point of a double, currency or percent field (default 2 for currency, otherwise 0).</summary>
    public int? Scale { get; init; }

    /// <summary>Gets the values of a picklist or multi-select picklist.</summary>
    public IReadOnlyList<string> PicklistValues { get; init; } = [];

    /// <summary>Gets a value indicating whether only <see cref="PicklistValues"/> are accepted.</summary>
    public bool RestrictedPicklist { get; init; }

    /// <summary>Gets a value indicating whether the API may update the field (otherwise <c>INVALID_FIELD_FOR_INSERT_UPDATE</c>).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Updateable { get; init; } = true;

    /// <summary>Gets a value indicating whether the field is an external id.</summary>
    public bool ExternalId { get; init; }

    /// <summary>Gets a value indicating whether values must be unique.</summary>
    public bool Unique { get; init; }
}
