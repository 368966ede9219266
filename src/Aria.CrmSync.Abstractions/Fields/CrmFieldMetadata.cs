namespace Aria.CrmSync.Fields;

/// <summary>
/// What a CRM says about one of its fields, in one model for every CRM: read from Salesforce
/// <c>sobjects/Opportunity/describe</c> or HubSpot <c>properties/deals</c> by an <see cref="ICrmFieldMetadataSource"/>.
/// </summary>
public sealed record CrmFieldMetadata
{
    /// <summary>Gets the CRM field name (Salesforce API name, HubSpot internal name).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the label, if any.</summary>
    public string? Label { get; init; }

    /// <summary>Gets the CRM's own type name (Salesforce describe <c>type</c>, HubSpot <c>type</c>).</summary>
    public required string CrmType { get; init; }

    /// <summary>Gets HubSpot's <c>fieldType</c>, if any.</summary>
    public string? FieldType { get; init; }

    /// <summary>Gets the field type the CRM type corresponds to, or <see langword="null"/> when the library cannot sync it (an id, a reference, an address).</summary>
    public CrmFieldType? Type { get; init; }

    /// <summary>Gets a value indicating whether the API may write the field (Salesforce <c>updateable</c>; HubSpot not <c>modificationMetadata.readOnlyValue</c>).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Updateable { get; init; } = true;

    /// <summary>Gets the maximum length of a text value, if the CRM limits it.</summary>
    public int? Length { get; init; }

    /// <summary>Gets the total digits of a number, if the CRM limits them.</summary>
    public int? Precision { get; init; }

    /// <summary>Gets the digits after the decimal point the CRM keeps, if it limits them.</summary>
    public int? Scale { get; init; }

    /// <summary>Gets the values of a picklist (active Salesforce <c>picklistValues</c>, HubSpot <c>options</c>); empty when not a picklist or unknown.</summary>
    public IReadOnlyList<string> PicklistValues { get; init; } = [];

    /// <summary>Gets a value indicating whether the CRM refuses values outside <see cref="PicklistValues"/> (Salesforce <c>restrictedPicklist</c>; HubSpot enumerations always).</summary>
    public bool RestrictedPicklist { get; init; }

    /// <summary>Gets a value indicating whether the field is hidden (HubSpot <c>hidden</c>).</summary>
    public bool Hidden { get; init; }

    /// <summary>Gets a value indicating whether the field is archived (HubSpot).</summary>
    public bool Archived { get; init; }

    /// <summary>Gets a value indicating whether the field is a custom one.</summary>
    public bool Custom { get; init; }
}

/// <summary>The fields of a CRM's deal object (Salesforce Opportunity, HubSpot deals) as read for one connection.</summary>
/// <param name="Provider">The CRM.</param>
/// <param name="ObjectName">The object (<c>Opportunity</c>, <c>deals</c>).</param>
/// <param name="Fields">The fields by name (ordinal).</param>
/// <param name="RetrievedAt">When they were read.</param>
public sealed record CrmObjectMetadata(CrmProvider Provider, string ObjectName, IReadOnlyDictionary<string, CrmFieldMetadata> Fields, DateTimeOffset RetrievedAt);

/// <summary>
/// An optional gateway capability: reading the CRM's field metadata of its deal object. Test for it with
/// <c>gateway is ICrmFieldMetadataSource</c>; the Salesforce and HubSpot gateways have it.
/// </summary>
public interface ICrmFieldMetadataSource
{
    /// <summary>Reads the deal object's field metadata (Salesforce <c>sobjects/Opportunity/describe</c>; HubSpot <c>properties/deals</c>, live and archived).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The metadata.</returns>
    Task<CrmObjectMetadata> GetDealFieldMetadataAsync(CrmConnection connection, CancellationToken cancellationToken = default);
}
