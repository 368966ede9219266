namespace Aria.CrmSync.Fields;

/// <summary>
/// One synced field: the lead field, the CRM field it maps to in each CRM, its type, direction and conflict rule, and
/// for picklists the value map per CRM. Checked when a <see cref="CrmFieldCatalog"/> is created.
/// </summary>
public sealed record CrmFieldDefinition
{
    private static readonly IReadOnlyDictionary<CrmProvider, string> NoCrmFields = new Dictionary<CrmProvider, string>();
    private static readonly IReadOnlyDictionary<CrmProvider, CrmPicklistMap> NoPicklists = new Dictionary<CrmProvider, CrmPicklistMap>();

    /// <summary>Gets the lead field name (snake_case: a lowercase letter, then lowercase letters, digits or <c>_</c>; at most 64 characters).</summary>
    public required string LeadField { get; init; }

    /// <summary>Gets the type.</summary>
    public required CrmFieldType Type { get; init; }

    /// <summary>
    /// Gets the CRM field per CRM: the Salesforce field API name (<c>Region__c</c>) or the HubSpot internal property name
    /// (<c>region</c>). A CRM without an entry does not sync the field.
    /// </summary>
    public IReadOnlyDictionary<CrmProvider, string> CrmFields { get; init; } = NoCrmFields;

    /// <summary>Gets which way the field syncs: <see cref="SyncDirection.Bidirectional"/> (two-way), <see cref="SyncDirection.Pull"/> (CRM → lead only) or <see cref="SyncDirection.Push"/> (lead → CRM only).</summary>
    /// <value>The default value is <see cref="SyncDirection.Bidirectional"/>.</value>
    public SyncDirection Direction { get; init; } = SyncDirection.Bidirectional;

    /// <summary>Gets how a change on both sides is resolved.</summary>
    /// <value>The default value is <see cref="CrmFieldConflictRule.CrmWins"/>.</value>
    public CrmFieldConflictRule ConflictRule { get; init; } = CrmFieldConflictRule.CrmWins;

    /// <summary>Gets the value map per CRM of a <see cref="CrmFieldType.Picklist"/> or <see cref="CrmFieldType.MultiPicklist"/> field (required for each CRM in <see cref="CrmFields"/>).</summary>
    public IReadOnlyDictionary<CrmProvider, CrmPicklistMap> Picklists { get; init; } = NoPicklists;

    /// <summary>Gets the maximum length in characters of a text, long text or picklist value, if limited here (1 to 131,072).</summary>
    public int? MaxLength { get; init; }

    /// <summary>Gets the maximum number of significant digits of an integer, decimal, currency or percent value, if limited here (1 to 18).</summary>
    public int? Precision { get; init; }

    /// <summary>Gets the maximum number of digits after the decimal point of a decimal, currency or percent value, if limited here (0 to <see cref="Precision"/>).</summary>
    public int? Scale { get; init; }

    /// <summary>Gets whether the field holds a list value (<see cref="CrmFieldType.Picklist"/> or <see cref="CrmFieldType.MultiPicklist"/>).</summary>
    public bool IsPicklist => Type is CrmFieldType.Picklist or CrmFieldType.MultiPicklist;

    /// <summary>Returns the CRM field of <paramref name="provider"/>, or <see langword="null"/> when the field does not sync with it.</summary>
    /// <param name="provider">The CRM.</param>
    /// <returns>The CRM field name, or <see langword="null"/>.</returns>
    public string? CrmFieldFor(CrmProvider provider) => CrmFields.GetValueOrDefault(provider);

    /// <summary>Returns the value map of <paramref name="provider"/>, or <see langword="null"/>.</summary>
    /// <param name="provider">The CRM.</param>
    /// <returns>The map, or <see langword="null"/>.</returns>
    public CrmPicklistMap? PicklistFor(CrmProvider provider) => Picklists.GetValueOrDefault(provider);
}
