using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Fields;

/// <summary>
/// The configured field catalogue (<c>AddFieldCatalog</c>): the default fields and the fields given in code
/// (<see cref="Definitions"/>) or bound from configuration (<see cref="Fields"/>). See docs/field-mapping.md.
/// </summary>
public sealed class CrmFieldCatalogOptions
{
    /// <summary>Gets or sets whether the catalogue starts with the four default fields (<see cref="CrmDefaultFields"/>, with <see cref="CrmSyncOptions.StageMaps"/>).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool IncludeDefaultFields { get; set; } = true;

    /// <summary>Gets or sets how long <see cref="CrmFieldMetadataCache"/> uses a connection's CRM field metadata before reading it again.</summary>
    /// <value>The default value is 15 minutes.</value>
    public TimeSpan MetadataCacheDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Gets the fields bound from configuration (wire values as text, checked when the catalogue is built).</summary>
    public IList<CrmFieldOptions> Fields { get; } = [];

    /// <summary>Gets the fields given in code.</summary>
    public IList<CrmFieldDefinition> Definitions { get; } = [];

    /// <summary>Builds the catalogue: the default fields (if included), then <see cref="Definitions"/>, then <see cref="Fields"/>.</summary>
    /// <param name="stageMaps">The stage maps of the default fields (<see cref="CrmSyncOptions.StageMaps"/>).</param>
    /// <returns>The catalogue.</returns>
    /// <exception cref="CrmSyncFieldMappingException">A field is invalid; every problem is listed.</exception>
    public CrmFieldCatalog Build(IReadOnlyDictionary<CrmProvider, CrmStageMap> stageMaps)
    {
        ArgumentNullException.ThrowIfNull(stageMaps);
        var issues = new List<CrmFieldIssue>();
        var definitions = new List<CrmFieldDefinition>();
        if (IncludeDefaultFields)
        {
            definitions.AddRange(CrmDefaultFields.Create(stageMaps));
        }

        definitions.AddRange(Definitions);
        foreach (var field in Fields)
        {
            if (field?.ToDefinition(issues) is { } definition)
            {
                definitions.Add(definition);
            }
        }

        if (issues.Count > 0)
        {
            throw new CrmSyncFieldMappingException(issues);
        }

        return CrmFieldCatalog.Create(definitions);
    }
}

/// <summary>One field as bound from configuration. Enum-valued settings take wire values (<c>"picklist"</c>, <c>"crm_wins"</c>).</summary>
public sealed class CrmFieldOptions
{
    /// <summary>Gets or sets the lead field name.</summary>
    public string? LeadField { get; set; }

    /// <summary>Gets or sets the type: a <see cref="CrmFieldType"/> wire value (<c>text</c>, <c>long_text</c>, <c>integer</c>, <c>decimal</c>, <c>currency</c>, <c>percent</c>, <c>date</c>, <c>datetime</c>, <c>boolean</c>, <c>picklist</c>, <c>multi_picklist</c>).</summary>
    public string? Type { get; set; }

    /// <summary>Gets or sets the direction: <c>bidirectional</c>, <c>pull</c> (CRM → lead only) or <c>push</c> (lead → CRM only).</summary>
    /// <value>The default value is <c>bidirectional</c>.</value>
    public string? Direction { get; set; }

    /// <summary>Gets or sets the conflict rule: a <see cref="CrmFieldConflictRule"/> wire value.</summary>
    /// <value>The default value is <c>crm_wins</c>.</value>
    public string? ConflictRule { get; set; }

    /// <summary>Gets the CRM field per CRM wire value (<c>"salesforce": "Region__c"</c>, <c>"hubspot": "region"</c>).</summary>
    public IDictionary<string, string> Crm { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the picklist value map per CRM wire value.</summary>
    public IDictionary<string, IList<CrmPicklistEntryOptions>> Picklist { get; } = new Dictionary<string, IList<CrmPicklistEntryOptions>>(StringComparer.Ordinal);

    /// <summary>Gets or sets the maximum length of a text or picklist value.</summary>
    public int? MaxLength { get; set; }

    /// <summary>Gets or sets the maximum number of significant digits of a number.</summary>
    public int? Precision { get; set; }

    /// <summary>Gets or sets the maximum number of digits after the decimal point of a number.</summary>
    public int? Scale { get; set; }

    internal CrmFieldDefinition? ToDefinition(List<CrmFieldIssue> issues)
    {
        var name = LeadField ?? string.Empty;
        var before = issues.Count;
        var type = Parse<CrmFieldType>(Type, "type", name, issues, required: true);
        var direction = Parse(Direction, "direction", name, issues, required: false, SyncDirection.Bidirectional);
        var rule = Parse(ConflictRule, "conflict rule", name, issues, required: false, CrmFieldConflictRule.CrmWins);
        var crm = new Dictionary<CrmProvider, string>();
        foreach (var (key, value) in Crm)
        {
            if (ProviderOf(key, name, issues) is { } provider)
            {
                crm[provider] = value;
            }
        }

        var picklists = new Dictionary<CrmProvider, CrmPicklistMap>();
        foreach (var (key, entries) in Picklist)
        {
            if (ProviderOf(key, name, issues) is { } provider)
            {
                picklists[provider] = new((entries ?? []).Select(e => new CrmPicklistEntry(e?.Crm ?? string.Empty, e?.Lead ?? string.Empty, e?.Write ?? true)));
            }
        }

        return issues.Count > before ? null : new CrmFieldDefinition
        {
            LeadField = name,
            Type = type,
            Direction = direction,
            ConflictRule = rule,
            CrmFields = crm,
            Picklists = picklists,
            MaxLength = MaxLength,
            Precision = Precision,
            Scale = Scale,
        };
    }

    private static TEnum Parse<TEnum>(string? text, string what, string name, List<CrmFieldIssue> issues, bool required, TEnum fallback = default)
        where TEnum : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
            {
                issues.Add(new(name, CrmFieldIssueKind.InvalidOption, $"field '{name}': the {what} is missing (one of {string.Join(", ", WireValue.All<TEnum>())})"));
            }

            return fallback;
        }

        if (WireValue.TryParse<TEnum>(text.Trim(), out var value))
        {
            return value;
        }

        issues.Add(new(name, CrmFieldIssueKind.InvalidOption, $"field '{name}': the {what} '{text}' is not one of {string.Join(", ", WireValue.All<TEnum>())}"));
        return fallback;
    }

    private static CrmProvider? ProviderOf(string key, string name, List<CrmFieldIssue> issues)
    {
        if (CrmProvider.TryParse(key.Trim().ToLowerInvariant(), out var provider))
        {
            return provider;
        }

        issues.Add(new(name, CrmFieldIssueKind.InvalidName, $"field '{name}': '{key}' is not a CRM wire value"));
        return null;
    }
}

/// <summary>One picklist value map entry as bound from configuration.</summary>
public sealed class CrmPicklistEntryOptions
{
    /// <summary>Gets or sets the CRM value.</summary>
    public string? Crm { get; set; }

    /// <summary>Gets or sets the lead value.</summary>
    public string? Lead { get; set; }

    /// <summary>Gets or sets whether the entry also writes (lead → CRM); see <see cref="CrmPicklistEntry.Writes"/>.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Write { get; set; } = true;
}
