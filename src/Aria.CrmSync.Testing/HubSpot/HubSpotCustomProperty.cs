namespace Aria.CrmSync.Testing;

/// <summary>
/// A custom property of an emulated HubSpot object type, answered by <c>GET /crm/v3/properties/{objectType}</c> like a
/// real one (<c>type</c>, <c>fieldType</c>, <c>options</c>, <c>hidden</c>, <c>archived</c>,
/// <c>modificationMetadata.readOnlyValue</c>), stored on records, readable and writable through records and search,
/// and validated on write as HubSpot does (<c>VALIDATION_ERROR</c> with per-property <c>INVALID_OPTION</c>,
/// <c>READ_ONLY_VALUE</c>, <c>PROPERTY_DOESNT_EXIST</c>, …).
/// </summary>
/// <param name="Name">The internal name (lowercase letters, digits and <c>_</c>).</param>
/// <param name="Type">The type.</param>
public sealed record HubSpotCustomProperty(string Name, HubSpotPropertyType Type = HubSpotPropertyType.String)
{
    /// <summary>Gets the object type.</summary>
    /// <value>The default value is <c>deals</c>.</value>
    public string ObjectType { get; init; } = "deals";

    /// <summary>Gets the <c>fieldType</c> (<c>text</c>, <c>textarea</c>, <c>number</c>, <c>date</c>, <c>select</c>, <c>radio</c>, <c>checkbox</c>, <c>booleancheckbox</c>); the type's usual one when <see langword="null"/>. An enumeration with <c>checkbox</c> is multi-select: its values are <c>;</c>-separated and each must be an option.</summary>
    public string? FieldType { get; init; }

    /// <summary>Gets the options of an enumeration (<see langword="null"/>: any value).</summary>
    public IReadOnlyList<string>? Options { get; init; }

    /// <summary>Gets a value indicating whether the property is hidden in HubSpot's UI (<c>hidden</c>).</summary>
    public bool Hidden { get; init; }

    /// <summary>Gets a value indicating whether the property is archived: listed only with <c>?archived=true</c>, and not writable.</summary>
    public bool Archived { get; init; }

    /// <summary>Gets a value indicating whether API writes are refused (<c>modificationMetadata.readOnlyValue</c>, <c>READ_ONLY_VALUE</c>).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Gets the label; derived from the name when <see langword="null"/>.</summary>
    public string? Label { get; init; }
}
