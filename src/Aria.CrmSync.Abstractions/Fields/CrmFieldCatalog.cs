using System.Diagnostics.CodeAnalysis;

namespace Aria.CrmSync.Fields;

/// <summary>
/// The synced fields: an immutable, checked set of <see cref="CrmFieldDefinition"/>s, at most one per lead field.
/// Created with <see cref="Create"/>, which reports every problem at once as a <see cref="CrmSyncFieldMappingException"/>.
/// </summary>
public sealed class CrmFieldCatalog
{
    private readonly Dictionary<string, CrmFieldDefinition> _byLeadField;

    private CrmFieldCatalog(CrmFieldDefinition[] fields)
    {
        Fields = fields;
        _byLeadField = fields.ToDictionary(f => f.LeadField, StringComparer.Ordinal);
    }

    /// <summary>Gets the fields, in the order given.</summary>
    public IReadOnlyList<CrmFieldDefinition> Fields { get; }

    /// <summary>Checks <paramref name="fields"/> and creates a catalogue of them.</summary>
    /// <param name="fields">The definitions.</param>
    /// <returns>The catalogue.</returns>
    /// <exception cref="CrmSyncFieldMappingException">A definition is invalid; <see cref="CrmSyncFieldMappingException.Issues"/> lists every problem.</exception>
    public static CrmFieldCatalog Create(IEnumerable<CrmFieldDefinition> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var array = fields.ToArray();
        var issues = CrmFieldCatalogChecks.Check(array);
        return issues.Count > 0 ? throw new CrmSyncFieldMappingException(issues) : new CrmFieldCatalog(array);
    }

    /// <summary>Returns the definition of a lead field.</summary>
    /// <param name="leadField">The lead field name.</param>
    /// <param name="definition">The definition, when the field is in the catalogue.</param>
    /// <returns>Whether the field is in the catalogue.</returns>
    public bool TryGet(string leadField, [NotNullWhen(true)] out CrmFieldDefinition? definition)
    {
        ArgumentNullException.ThrowIfNull(leadField);
        return _byLeadField.TryGetValue(leadField, out definition);
    }

    /// <summary>Returns the fields that sync with <paramref name="provider"/> (those with a CRM field for it), in catalogue order.</summary>
    /// <param name="provider">The CRM.</param>
    /// <returns>The fields.</returns>
    public IReadOnlyList<CrmFieldDefinition> For(CrmProvider provider)
    {
        if (provider.IsDefault)
        {
            throw new ArgumentOutOfRangeException(nameof(provider), "default(CrmProvider) names no CRM.");
        }

        return [.. Fields.Where(f => f.CrmFields.ContainsKey(provider))];
    }
}
