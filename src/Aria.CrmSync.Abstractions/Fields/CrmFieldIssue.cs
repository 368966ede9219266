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

    /// <summary>The CRM has no such field (metadata). Wire value <c>not_found</c>.</summary>
    [WireValue("not_found")]
    NotFound,

    /// <summary>The field syncs lead → CRM but the CRM field is read-only (metadata). Wire value <c>not_updateable</c>.</summary>
    [WireValue("not_updateable")]
    NotUpdateable,

    /// <summary>The CRM field's type cannot hold the field's type (metadata). Wire value <c>type_mismatch</c>.</summary>
    [WireValue("type_mismatch")]
    TypeMismatch,

    /// <summary>The field allows longer text than the CRM field holds (metadata). Wire value <c>length_exceeded</c>.</summary>
    [WireValue("length_exceeded")]
    LengthExceeded,

    /// <summary>The field allows more digits (before or after the point) than the CRM field holds (metadata). Wire value <c>precision_exceeded</c>.</summary>
    [WireValue("precision_exceeded")]
    PrecisionExceeded,

    /// <summary>A value the map writes is not a value of the CRM's restricted picklist (metadata). Wire value <c>picklist_value_missing</c>.</summary>
    [WireValue("picklist_value_missing")]
    PicklistValueMissing,

    /// <summary>A value of the CRM's picklist has no lead value in the map, so reading it would fail (metadata). Wire value <c>picklist_value_unmapped</c>.</summary>
    [WireValue("picklist_value_unmapped")]
    PicklistValueUnmapped,

    /// <summary>The CRM field is hidden (metadata). Wire value <c>hidden</c>.</summary>
    [WireValue("hidden")]
    Hidden,

    /// <summary>The CRM field is archived (metadata). Wire value <c>archived</c>.</summary>
    [WireValue("archived")]
    Archived,
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

    /// <summary>Gets the connection (<see cref="CrmConnection.ConnectionKey"/>) whose metadata the problem was found against, if any.</summary>
    public string? Connection { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Message;
}
