using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Fields;

/// <summary>What is wrong with a field mapping.</summary>
[JsonConverter(typeof(WireEnumJsonConverter<CrmFieldIssueKind>))]
public enum CrmFieldIssueKind
{
    /// <summary>A lead field or CRM field name is empty or malformed. Wire value <c>invalid_name</c>.</summary>
    [WireValue("invalid_name")]
    InvalidName,

    /// <summary>Two definitions name the same lead field. Wire value <c>duplicate_field</c>.</summary>
    [WireValue("duplicate_field")]
    DuplicateField,

    /// <summary>Two definitions write the same CRM field of one CRM. Wire value <c>duplicate_crm_field</c>.</summary>
    [WireValue("duplicate_crm_field")]
    DuplicateCrmField,

    /// <summary>A definition names no CRM field at all. Wire value <c>missing_crm_field</c>.</summary>
    [WireValue("missing_crm_field")]
    MissingCrmField,

    /// <summary>A picklist field has no value map for a CRM it syncs with, or a map is given to a field that is not a picklist. Wire value <c>picklist_map</c>.</summary>
    [WireValue("picklist_map")]
    PicklistMap,

    /// <summary>A value map sends one value to two different values (either way). Wire value <c>map_not_a_function</c>.</summary>
    [WireValue("map_not_a_function")]
    MapNotAFunction,

    /// <summary>A value of a value map is empty, malformed, or (multi-select) contains <c>;</c>. Wire value <c>invalid_value</c>.</summary>
    [WireValue("invalid_value")]
    InvalidValue,

    /// <summary>A type, direction, conflict rule, length, precision or scale is unknown or out of range. Wire value <c>invalid_option</c>.</summary>
    [WireValue("invalid_option")]
    InvalidOption,
}

/// <summary>One problem of a field mapping, naming the field.</summary>
/// <param name="Field">The lead field (as given, possibly empty).</param>
/// <param name="Kind">What is wrong.</param>
/// <param name="Message">A sentence saying what is wrong, naming the field.</param>
public sealed record CrmFieldIssue(string Field, CrmFieldIssueKind Kind, string Message)
{
    /// <summary>Gets the CRM the problem concerns, if it concerns one.</summary>
    public CrmProvider? Provider { get; init; }

    /// <summary>Gets the CRM field the problem concerns, if any.</summary>
    public string? CrmField { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Message;
}
