namespace Aria.CrmSync.Fields;

/// <summary>One pair of a picklist value map: a CRM value and the lead value it means.</summary>
/// <param name="CrmValue">The value as the CRM stores it (Salesforce picklist API name, HubSpot option <c>value</c>).</param>
/// <param name="LeadValue">The lead's value.</param>
/// <param name="Writes">
/// Whether the pair is also used lead → CRM. A lead value may be read from several CRM values (two Salesforce stages
/// meaning <c>lead</c>) but is written as exactly one of them: that one pair writes, the others only read.
/// </param>
public sealed record CrmPicklistEntry(string CrmValue, string LeadValue, bool Writes = true);

/// <summary>
/// The value map of a picklist field for one CRM, each way: CRM → lead from every entry, lead → CRM from the entries
/// that write. Both ways must be functions (one value maps to one value); <see cref="CrmFieldCatalog.Create"/> checks it.
/// Values compare in their canonical text form (Unicode NFC, surrounding white space removed), ordinal.
/// </summary>
public sealed class CrmPicklistMap
{
    private readonly Dictionary<string, string> _toLead = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _toCrm = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance.</summary>
    /// <param name="entries">The pairs.</param>
    public CrmPicklistMap(IEnumerable<CrmPicklistEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Entries = [.. entries];
        foreach (var entry in Entries)
        {
            if (entry?.CrmValue is not { } crm || entry.LeadValue is not { } lead)
            {
                continue; // reported by CrmFieldCatalog.Create
            }

            _toLead.TryAdd(CrmText.Canonical(crm), CrmText.Canonical(lead));
            if (entry.Writes)
            {
                _toCrm.TryAdd(CrmText.Canonical(lead), CrmText.Canonical(crm));
            }
        }
    }

    /// <summary>Gets the pairs, in the order given.</summary>
    public IReadOnlyList<CrmPicklistEntry> Entries { get; }

    /// <summary>Gets the CRM values → lead values.</summary>
    public IReadOnlyDictionary<string, string> ToLead => _toLead;

    /// <summary>Gets the lead values → CRM values (the entries that write).</summary>
    public IReadOnlyDictionary<string, string> ToCrm => _toCrm;

    /// <summary>Creates a map in which each CRM value means the same lead value, both ways.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The map.</returns>
    public static CrmPicklistMap Identity(params IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new([.. values.Select(v => new CrmPicklistEntry(v, v))]);
    }

    /// <summary>Maps a CRM value to the lead value.</summary>
    /// <param name="crmValue">The CRM value.</param>
    /// <param name="leadValue">The lead value, when mapped.</param>
    /// <returns>Whether the value is mapped.</returns>
    public bool TryMapToLead(string crmValue, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? leadValue)
    {
        ArgumentNullException.ThrowIfNull(crmValue);
        return _toLead.TryGetValue(CrmText.Canonical(crmValue), out leadValue);
    }

    /// <summary>Maps a lead value to the CRM value written for it.</summary>
    /// <param name="leadValue">The lead value.</param>
    /// <param name="crmValue">The CRM value, when mapped.</param>
    /// <returns>Whether the value is mapped.</returns>
    public bool TryMapToCrm(string leadValue, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? crmValue)
    {
        ArgumentNullException.ThrowIfNull(leadValue);
        return _toCrm.TryGetValue(CrmText.Canonical(leadValue), out crmValue);
    }
}
