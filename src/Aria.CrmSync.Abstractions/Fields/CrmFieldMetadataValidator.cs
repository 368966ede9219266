using System.Globalization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Fields;

/// <summary>
/// Checks a catalogue against a connection's CRM metadata (every problem, each naming the connection, the field and what
/// is wrong), and single values against a CRM field before they are written (too long, beyond the precision, not in a
/// restricted picklist), so the CRM never has to refuse them.
/// </summary>
public static class CrmFieldMetadataValidator
{
    /// <summary>Returns every problem of <paramref name="catalog"/>'s fields that sync with <paramref name="connection"/>'s CRM.</summary>
    /// <param name="catalog">The catalogue.</param>
    /// <param name="connection">The connection.</param>
    /// <param name="metadata">The connection's deal-object metadata.</param>
    /// <returns>The problems; empty when the mapping fits the CRM.</returns>
    public static IReadOnlyList<CrmFieldIssue> Validate(CrmFieldCatalog catalog, CrmConnection connection, CrmObjectMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Provider != connection.Provider)
        {
            throw new ArgumentException($"The metadata is {metadata.Provider.Value}'s but the connection is {connection.Provider.Value}'s.", nameof(metadata));
        }

        var issues = new List<CrmFieldIssue>();
        var provider = connection.Provider;
        foreach (var field in catalog.For(provider))
        {
            var crmField = field.CrmFieldFor(provider)!;
            void Add(CrmFieldIssueKind kind, string problem)
                => issues.Add(new(field.LeadField, kind, $"connection '{connection.ConnectionKey}', field '{field.LeadField}' ({provider.Value} {crmField}): {problem}")
                {
                    Provider = provider,
                    CrmField = crmField,
                    Connection = connection.ConnectionKey,
                });

            if (!metadata.Fields.TryGetValue(crmField, out var crm))
            {
                Add(CrmFieldIssueKind.NotFound, $"{metadata.ObjectName} has no field '{crmField}'");
                continue;
            }

            if (crm.Archived)
            {
                Add(CrmFieldIssueKind.Archived, "the CRM field is archived");
                continue;
            }

            if (crm.Hidden)
            {
                Add(CrmFieldIssueKind.Hidden, "the CRM field is hidden");
            }

            if (field.Direction != SyncDirection.Pull && !crm.Updateable)
            {
                Add(CrmFieldIssueKind.NotUpdateable, $"the CRM field is read-only but the field syncs {WireValue.Format(field.Direction)} (use direction 'pull')");
            }

            if (crm.Type is not { } crmType || !Compatible(field.Type, crmType, provider))
            {
                Add(CrmFieldIssueKind.TypeMismatch, $"a {WireValue.Format(field.Type)} field cannot map to the CRM type '{crm.CrmType}'{(crm.FieldType is null ? string.Empty : $" ({crm.FieldType})")}");
                continue;
            }

            if (crm.Length is { } length && field.MaxLength is { } max && max > length)
            {
                Add(CrmFieldIssueKind.LengthExceeded, string.Create(CultureInfo.InvariantCulture, $"the field allows {max} characters but the CRM field holds {length}"));
            }

            if (crm.Precision is { } crmPrecision && field.Precision is { } precision)
            {
                var crmScale = crm.Scale ?? 0;
                if (precision > crmPrecision)
                {
                    Add(CrmFieldIssueKind.PrecisionExceeded, string.Create(CultureInfo.InvariantCulture, $"the field allows {precision} digits but the CRM field holds {crmPrecision}"));
                }
                else if (field.Scale is { } scale && precision - scale > crmPrecision - crmScale)
                {
                    Add(CrmFieldIssueKind.PrecisionExceeded, string.Create(CultureInfo.InvariantCulture, $"the field allows {precision - scale} digits before the point but the CRM field holds {crmPrecision - crmScale} (precision {crmPrecision}, scale {crmScale})"));
                }
            }

            if (crm.Scale is { } crmDecimals && field.Scale is { } decimals && decimals > crmDecimals)
            {
                Add(CrmFieldIssueKind.PrecisionExceeded, string.Create(CultureInfo.InvariantCulture, $"the field keeps {decimals} digits after the point but the CRM field keeps {crmDecimals} (it would round)"));
            }

            if (field.IsPicklist && field.PicklistFor(provider) is { } map && crm.PicklistValues.Count > 0)
            {
                var values = crm.PicklistValues.Select(CrmText.Canonical).ToHashSet(StringComparer.Ordinal);
                if (crm.RestrictedPicklist && field.Direction != SyncDirection.Pull)
                {
                    foreach (var written in map.ToCrm.Values.Where(v => !values.Contains(v)).Distinct(StringComparer.Ordinal))
                    {
                        Add(CrmFieldIssueKind.PicklistValueMissing, $"the map writes '{written}', which is not a value of the CRM's restricted picklist");
                    }
                }

                if (field.Direction != SyncDirection.Push)
                {
                    var unmapped = values.Where(v => !map.ToLead.ContainsKey(v)).Order(StringComparer.Ordinal).ToList();
                    if (unmapped.Count > 0)
                    {
                        Add(CrmFieldIssueKind.PicklistValueUnmapped, $"the CRM values '{string.Join("', '", unmapped)}' have no lead value in the map");
                    }
                }
            }
        }

        return issues;
    }

    /// <summary>Checks <paramref name="catalog"/> against <paramref name="metadata"/> and throws when anything is wrong.</summary>
    /// <param name="catalog">The catalogue.</param>
    /// <param name="connection">The connection.</param>
    /// <param name="metadata">The connection's deal-object metadata.</param>
    /// <exception cref="CrmSyncFieldMappingException">The mapping does not fit the CRM; <see cref="CrmSyncFieldMappingException.Issues"/> lists every problem, each naming the connection.</exception>
    public static void ThrowIfInvalid(CrmFieldCatalog catalog, CrmConnection connection, CrmObjectMetadata metadata)
    {
        var issues = Validate(catalog, connection, metadata);
        if (issues.Count > 0)
        {
            throw new CrmSyncFieldMappingException(issues);
        }
    }

    /// <summary>Why the CRM would refuse or change <paramref name="value"/> (in CRM terms: after the picklist map), or <see langword="null"/> when it fits.</summary>
    /// <param name="field">The field.</param>
    /// <param name="crm">The CRM field's metadata.</param>
    /// <param name="value">The value to write.</param>
    /// <returns>The problem, or <see langword="null"/>.</returns>
    public static string? ValueProblem(CrmFieldDefinition field, CrmFieldMetadata crm, CrmFieldValue value)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(crm);
        ArgumentNullException.ThrowIfNull(value);
        if (value.IsBlank)
        {
            return null;
        }

        if (value.Number is { } number && crm.Precision is { } precision)
        {
            var scale = crm.Scale ?? 0;
            var integerDigits = decimal.Truncate(Math.Abs(number)).ToString(CultureInfo.InvariantCulture).TrimStart('0').Length;
            if (integerDigits > precision - scale)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{value.Text} has {integerDigits} digits before the point; the CRM field holds {precision - scale}");
            }

            if (decimal.Round(number, Math.Min(scale, 28)) != number)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{value.Text} has more than {scale} digits after the point; the CRM field would round it");
            }
        }

        var parts = value.Type == CrmFieldType.MultiPicklist ? value.Values : value.Text is { } text ? [text] : [];
        if (crm.Length is { } length && value.Text is { Length: var textLength } && textLength > length && value.Number is null)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the value has {textLength} characters; the CRM field holds {length}");
        }

        if (crm.RestrictedPicklist && crm.PicklistValues.Count > 0 && value.Type is CrmFieldType.Picklist or CrmFieldType.MultiPicklist)
        {
            var allowed = crm.PicklistValues.Select(CrmText.Canonical).ToHashSet(StringComparer.Ordinal);
            if (parts.FirstOrDefault(p => !allowed.Contains(p)) is { } bad)
            {
                return $"'{bad}' is not a value of the CRM's restricted picklist";
            }
        }

        return null;
    }

    /// <summary>Throws when the CRM would refuse or change <paramref name="value"/> (see <see cref="ValueProblem"/>).</summary>
    /// <param name="field">The field.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="crm">The CRM field's metadata.</param>
    /// <param name="value">The value to write.</param>
    /// <exception cref="CrmSyncFieldValueException">The value does not fit the CRM field; names the field.</exception>
    public static void CheckValue(CrmFieldDefinition field, CrmProvider provider, CrmFieldMetadata crm, CrmFieldValue value)
    {
        if (ValueProblem(field, crm, value) is { } problem)
        {
            throw new CrmSyncFieldValueException(field.LeadField, problem, provider, crm.Name);
        }
    }

    /// <summary>Whether a CRM field of type <paramref name="crm"/> can hold values of <paramref name="field"/>.</summary>
    private static bool Compatible(CrmFieldType field, CrmFieldType crm, CrmProvider provider) => field switch
    {
        CrmFieldType.Text or CrmFieldType.LongText => crm is CrmFieldType.Text or CrmFieldType.LongText,
        CrmFieldType.Integer => crm is CrmFieldType.Integer or CrmFieldType.Decimal,
        CrmFieldType.Decimal => crm is CrmFieldType.Decimal,
        CrmFieldType.Currency => crm is CrmFieldType.Currency or CrmFieldType.Decimal,
        CrmFieldType.Percent => crm is CrmFieldType.Percent || (crm == CrmFieldType.Decimal && provider != CrmProvider.Salesforce),
        CrmFieldType.Date => crm is CrmFieldType.Date || (crm == CrmFieldType.DateTime && provider == CrmProvider.HubSpot), // HubSpot closedate: a datetime holding a date
        CrmFieldType.DateTime => crm is CrmFieldType.DateTime,
        CrmFieldType.Boolean => crm is CrmFieldType.Boolean,
        CrmFieldType.Picklist => crm is CrmFieldType.Picklist or CrmFieldType.Text,
        CrmFieldType.MultiPicklist => crm is CrmFieldType.MultiPicklist,
        _ => false,
    };
}
