using Aria.CrmSync.Fields;

namespace Aria.CrmSync.Sync;

/// <summary>How one field syncs: which way, and how a change on both sides is settled.</summary>
/// <param name="Direction">Two-way, CRM → lead only (<see cref="SyncDirection.Pull"/>) or lead → CRM only (<see cref="SyncDirection.Push"/>).</param>
/// <param name="Rule">The conflict rule.</param>
internal readonly record struct FieldRule(SyncDirection Direction, CrmFieldConflictRule Rule)
{
    /// <summary>The rule of a default field: two-way, with the seed rule of <see cref="CrmSyncOptions.FieldRules"/> (<c>merge</c> settles a scalar as <c>crm_wins</c>).</summary>
    public static FieldRule FromResolution(ConflictResolution resolution) => new(SyncDirection.Bidirectional, resolution switch
    {
        ConflictResolution.AriaWins => CrmFieldConflictRule.AriaWins,
        ConflictResolution.Manual => CrmFieldConflictRule.Manual,
        _ => CrmFieldConflictRule.CrmWins,
    });
}

/// <summary>
/// The fields one connection syncs, and how their values translate between the lead, the merge and the CRM: the four
/// default fields through <see cref="LeadFieldMapper"/> exactly as before, and the connection's catalogue fields beyond
/// them (<see cref="Custom"/>) through <see cref="CrmFieldValues"/> and their picklist maps. Merge values are canonical
/// text keyed by lead field (<see cref="CrmFieldValue.ToString"/>: an amount with its currency is <c>"1250.5 EUR"</c>),
/// so equal values never look changed. A value that cannot be read or written is a
/// <see cref="CrmSyncFieldValueException"/> for that field alone (collected, never thrown from the reads).
/// </summary>
internal sealed class ConnectionFieldMap
{
    private static readonly IReadOnlyList<string> DefaultFieldNames = LeadFields.Synced;
    private static readonly Dictionary<string, CrmFieldDefinition> NoCustomFields = new(StringComparer.Ordinal);

    private readonly Dictionary<string, CrmFieldDefinition> _custom;

    private readonly HashSet<string> _customCrmFields; // the custom fields' CRM names, set once per connection

    private ConnectionFieldMap(CrmProvider provider, CrmSyncOptions options, IReadOnlyList<CrmFieldDefinition> custom, string? currencyField, CrmObjectMetadata? metadata)
    {
        Provider = provider;
        Options = options;
        StageMap = options.StageMapFor(provider);
        Custom = custom;
        CurrencyField = currencyField;
        Metadata = metadata;
        _custom = custom.Count == 0 ? NoCustomFields : custom.ToDictionary(f => f.LeadField, StringComparer.Ordinal);
        _customCrmFields = custom.Select(f => f.CrmFieldFor(provider)!).ToHashSet(StringComparer.Ordinal);
        Fields = custom.Count == 0 ? DefaultFieldNames : [.. DefaultFieldNames, .. custom.Select(f => f.LeadField)];
        RecordFields = custom.Count == 0 && currencyField is null
            ? []
            : [.. custom.Select(f => f.CrmFieldFor(provider)!).Append(currencyField).OfType<string>().Distinct(StringComparer.Ordinal)];
    }

    public CrmProvider Provider { get; }

    public CrmSyncOptions Options { get; }

    public CrmStageMap StageMap { get; }

    /// <summary>Gets the catalogue fields beyond the four default ones that sync with this CRM, in catalogue order.</summary>
    public IReadOnlyList<CrmFieldDefinition> Custom { get; }

    /// <summary>Gets the record's currency field (Salesforce <c>CurrencyIsoCode</c>, HubSpot <c>deal_currency_code</c>) when a currency field syncs and the CRM has one.</summary>
    public string? CurrencyField { get; }

    /// <summary>Gets the CRM's field metadata the values are checked against before a write, when the gateway provides it.</summary>
    public CrmObjectMetadata? Metadata { get; }

    /// <summary>Gets every lead field the merge compares: the default fields, then <see cref="Custom"/>.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>Gets the CRM fields to ask the gateway for (<see cref="CrmConnection.RecordFields"/>).</summary>
    public IReadOnlyList<string> RecordFields { get; }

    /// <summary>The map of the default fields alone (no catalogue, or a catalogue without custom fields for this CRM).</summary>
    public static ConnectionFieldMap Default(CrmSyncOptions options, CrmProvider provider) => new(provider, options, [], null, null);

    /// <summary>The map of a connection's catalogue fields (those beyond the default four that sync with <paramref name="provider"/>).</summary>
    public static ConnectionFieldMap Create(CrmSyncOptions options, CrmProvider provider, IReadOnlyList<CrmFieldDefinition> custom, string? currencyField, CrmObjectMetadata? metadata)
        => new(provider, options, custom, currencyField, metadata);

    /// <summary>The catalogue fields beyond the default four that sync with <paramref name="provider"/>.</summary>
    public static IReadOnlyList<CrmFieldDefinition> CustomFieldsOf(CrmFieldCatalog catalog, CrmProvider provider)
        => [.. catalog.For(provider).Where(f => !DefaultFieldNames.Contains(f.LeadField, StringComparer.Ordinal))];

    public bool IsCustom(string field) => _custom.ContainsKey(field);

    public bool TryGetCustom(string field, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CrmFieldDefinition? definition)
        => _custom.TryGetValue(field, out definition);

    /// <summary>How <paramref name="field"/> syncs.</summary>
    public FieldRule RuleFor(string field)
        => _custom.TryGetValue(field, out var definition) ? new FieldRule(definition.Direction, definition.ConflictRule) : FieldRule.FromResolution(Options.RuleFor(field));

    /// <summary>The lead's values in merge terms; a custom value that is not a value of its field's type goes to <paramref name="errors"/> and is left out.</summary>
    public Dictionary<string, string?> FromLead(LeadMemory lead, List<CrmSyncFieldValueException>? errors = null, IReadOnlyDictionary<string, string?>? agreed = null)
    {
        var values = LeadFieldMapper.FromLead(lead, Fields.Count);
        foreach (var field in Custom)
        {
            var text = lead.CustomFields.GetValueOrDefault(field.LeadField);
            if (text is not null && agreed is not null && agreed.TryGetValue(field.LeadField, out var agreedText) && string.Equals(text, agreedText, StringComparison.Ordinal))
            {
                // The text both sides agreed on is canonical, and canonical text is its own canonical form (idempotent,
                // checked by the FsCheck properties): an unchanged value needs no parse.
                values[field.LeadField] = text;
                continue;
            }

            try
            {
                values[field.LeadField] = LeadValue(field, text)?.ToString();
            }
            catch (CrmSyncFieldValueException ex)
            {
                errors?.Add(ex);
            }
        }

        return values;
    }

    /// <summary>
    /// The record's values in lead terms. A custom field the gateway did not read is left out (not compared); one whose
    /// value cannot be read, or whose picklist value has no lead value in the map, goes to <paramref name="errors"/>.
    /// </summary>
    public Dictionary<string, string?> FromCrm(CrmRecord record, out string? unknownStage, List<CrmSyncFieldValueException>? errors = null)
    {
        var values = LeadFieldMapper.FromCrm(record, StageMap, out unknownStage, Fields.Count);
        if (Custom.Count == 0)
        {
            return values;
        }

        var currency = RecordCurrency(record);
        foreach (var field in Custom)
        {
            if (!record.Fields.TryGetValue(field.CrmFieldFor(Provider)!, out var wire))
            {
                continue;
            }

            try
            {
                values[field.LeadField] = CrmToLead(field, wire, currency);
            }
            catch (CrmSyncFieldValueException ex)
            {
                errors?.Add(ex);
            }
        }

        return values;
    }

    /// <summary>Applies merge values to a lead: default fields to its typed properties, custom ones to <see cref="LeadMemory.CustomFields"/> (blank removes the key).</summary>
    public LeadMemory Apply(LeadMemory lead, IReadOnlyDictionary<string, string?> changes, DateTimeOffset now)
    {
        if (Custom.Count == 0 || !changes.Keys.Any(_custom.ContainsKey))
        {
            return LeadFieldMapper.Apply(lead, changes, now);
        }

        var defaults = new Dictionary<string, string?>(StringComparer.Ordinal);
        var custom = new Dictionary<string, string?>(lead.CustomFields, StringComparer.Ordinal);
        foreach (var (field, value) in changes)
        {
            if (!_custom.ContainsKey(field))
            {
                defaults[field] = value;
            }
            else if (value is null)
            {
                custom.Remove(field);
            }
            else
            {
                custom[field] = value;
            }
        }

        return LeadFieldMapper.Apply(lead, defaults, now) with { CustomFields = custom };
    }

    /// <summary>
    /// Translates the lead values to write into CRM fields: default fields as <see cref="LeadFieldMapper.ToCrmFields"/>
    /// does (only those that differ from the record), custom fields by their CRM name in the CRM's wire format. A custom
    /// value that cannot be written (no CRM value in the map, another currency than the record's, one the CRM would refuse)
    /// goes to <paramref name="errors"/> and is left out.
    /// </summary>
    public Dictionary<string, string?> ToCrmFields(IReadOnlyDictionary<string, string?> leadValues, IEnumerable<string> changedFields, CrmRecord record, List<CrmSyncFieldValueException> errors)
    {
        var changed = changedFields as IReadOnlyCollection<string> ?? [.. changedFields];
        var fields = LeadFieldMapper.ToCrmFields(leadValues, Custom.Count == 0 ? changed : changed.Where(f => !_custom.ContainsKey(f)), record, StageMap);
        if (Custom.Count == 0)
        {
            return fields;
        }

        var currency = RecordCurrency(record);
        foreach (var name in changed)
        {
            if (!_custom.TryGetValue(name, out var field))
            {
                continue;
            }

            try
            {
                fields[field.CrmFieldFor(Provider)!] = LeadToCrm(field, leadValues.GetValueOrDefault(name), currency, record);
            }
            catch (CrmSyncFieldValueException ex)
            {
                errors.Add(ex);
            }
        }

        return fields;
    }

    /// <summary>
    /// The record's values as read, of the fields the merge compared and of those written, for the write's precondition
    /// (<see cref="CrmRecordUpdate.ExpectedValues"/>): the default fields as before, every custom field read in the CRM's
    /// wire format (<see cref="CrmFieldValues.FormatCrm"/>), and the record's currency.
    /// </summary>
    public Dictionary<string, string?> CrmValuesAsRead(CrmRecord record, IEnumerable<string> written)
    {
        if (Custom.Count == 0)
        {
            return LeadFieldMapper.CrmValuesAsRead(record, written);
        }

        var values = LeadFieldMapper.CrmValuesAsRead(record, written.Where(f => !_customCrmFields.Contains(f)));
        var currency = RecordCurrency(record);
        foreach (var field in Custom)
        {
            var crmField = field.CrmFieldFor(Provider)!;
            if (record.Fields.TryGetValue(crmField, out var wire))
            {
                values[crmField] = WireAsRead(field, wire, currency);
            }
        }

        if (CurrencyField is not null && record.Fields.TryGetValue(CurrencyField, out var code))
        {
            values[CurrencyField] = code;
        }

        return values;
    }

    /// <summary>Parses a lead's canonical text (an amount may end with its ISO 4217 code: <c>"1250.5 EUR"</c>).</summary>
    public static CrmFieldValue? LeadValue(CrmFieldDefinition field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string? currency = null;
        var number = text.Trim();
        if (field.Type == CrmFieldType.Currency && number.LastIndexOf(' ') is > 0 and var space)
        {
            currency = number[(space + 1)..];
            number = number[..space].TrimEnd();
        }

        var value = CrmFieldValues.Parse(field, number, currency);
        return value.IsBlank ? null : value;
    }

    private string? RecordCurrency(CrmRecord record)
        => CurrencyField is not null && record.Fields.TryGetValue(CurrencyField, out var code) && !string.IsNullOrWhiteSpace(code) ? code.Trim() : null;

    private string? CrmToLead(CrmFieldDefinition field, string? wire, string? currency)
    {
        var value = CrmFieldValues.ParseCrm(field, Provider, wire, field.Type == CrmFieldType.Currency ? currency : null);
        if (value.IsBlank)
        {
            return null;
        }

        if (field.Type == CrmFieldType.Picklist)
        {
            // One value: its lead value as the map holds it (canonical), with no intermediate value.
            return field.PicklistFor(Provider)!.TryMapToLead(value.Text!, out var leadValue)
                ? leadValue
                : throw new CrmSyncFieldValueException(field.LeadField, NoLeadValue(value.Text!), Provider, field.CrmFieldFor(Provider));
        }

        if (field.IsPicklist)
        {
            var map = field.PicklistFor(Provider)!;
            value = MapPicklist(field, value, map.TryMapToLead, NoLeadValue);
        }

        return value.ToString();
    }

    private string? LeadToCrm(CrmFieldDefinition field, string? leadText, string? recordCurrency, CrmRecord record)
    {
        var crmField = field.CrmFieldFor(Provider)!;
        var value = LeadValue(field, leadText) ?? CrmFieldValue.Blank(field.Type);
        if (value.CurrencyCode is { } code && !string.Equals(code, recordCurrency, StringComparison.OrdinalIgnoreCase))
        {
            // An amount is written in its own currency or not at all: never converted, never relabelled.
            throw new CrmSyncFieldValueException(field.LeadField, recordCurrency is null
                ? $"the lead's amount is in {code} but record {record.CrmId} has no currency ({CurrencyField ?? "the CRM has no currency field"}); amounts are never converted"
                : $"the lead's amount is in {code} but record {record.CrmId} is in {recordCurrency.ToUpperInvariant()} ({CurrencyField}); amounts are never converted", Provider, crmField);
        }

        if (field.IsPicklist && !value.IsBlank)
        {
            var map = field.PicklistFor(Provider)!;
            value = MapPicklist(field, value, map.TryMapToCrm, leadValue => $"the lead value '{leadValue}' has no {Provider.Value} value in the field's value map");
        }

        if (Metadata is not null && Metadata.Fields.TryGetValue(crmField, out var crm))
        {
            CrmFieldMetadataValidator.CheckValue(field, Provider, crm, value);
        }

        return CrmFieldValues.FormatCrm(field, Provider, value);
    }

    private string NoLeadValue(string crmValue) => $"the {Provider.Value} value '{crmValue}' has no lead value in the field's value map";

    private delegate bool TryMap(string value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? mapped);

    /// <summary>Maps a (multi-select) picklist value through one way of its value map; a value without a mapping is the field's error.</summary>
    private CrmFieldValue MapPicklist(CrmFieldDefinition field, CrmFieldValue value, TryMap tryMap, Func<string, string> unmapped)
    {
        var values = field.Type == CrmFieldType.MultiPicklist ? value.Values : [value.Text!];
        var mapped = new List<string>(values.Count);
        foreach (var item in values)
        {
            mapped.Add(tryMap(item, out var result) ? result : throw new CrmSyncFieldValueException(field.LeadField, unmapped(item), Provider, field.CrmFieldFor(Provider)));
        }

        return field.Type == CrmFieldType.MultiPicklist ? CrmFieldValue.FromValues(mapped) : CrmFieldValue.FromText(CrmFieldType.Picklist, mapped[0]);
    }

    private string? WireAsRead(CrmFieldDefinition field, string? wire, string? currency)
    {
        try
        {
            return CrmFieldValues.FormatCrm(field, Provider, CrmFieldValues.ParseCrm(field, Provider, wire, field.Type == CrmFieldType.Currency ? currency : null));
        }
        catch (CrmSyncFieldValueException)
        {
            return wire; // compared as read: the field itself is failed by the merge
        }
    }
}
