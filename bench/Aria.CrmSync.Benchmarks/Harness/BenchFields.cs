using System.Globalization;
using Aria.CrmSync.Fields;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.Benchmarks.Harness;

/// <summary>
/// The harness's custom fields (<c>--custom-fields N</c>): N fields beyond the four default ones, cycling through eight
/// types (text, integer, decimal, date, picklist, multi-select, boolean, percent), described by both emulators like any
/// custom field and mapped two-way on both CRMs. Every deal starts with a value in each; a CRM edit and an ARIA edit of the
/// workload also change one custom field each, so the fields ride in the batches the four default fields already need.
/// </summary>
internal sealed class BenchFields
{
    private static readonly string[] SalesforcePicks = ["Alpha", "Beta", "Gamma"];
    private static readonly string[] HubSpotPicks = ["alpha", "beta", "gamma"];
    private static readonly string[] SalesforceChannels = ["Web", "Phone", "Partner"];
    private static readonly string[] HubSpotChannels = ["web", "phone", "partner"];

    private BenchFields(IReadOnlyList<CrmFieldDefinition> definitions) => Definitions = definitions;

    public IReadOnlyList<CrmFieldDefinition> Definitions { get; }

    public int Count => Definitions.Count;

    public static BenchFields Create(int count) => new([.. Enumerable.Range(0, count).Select(Define)]);

    public void Describe(SalesforceEmulatorOptions options)
    {
        for (var k = 0; k < Count; k++)
        {
            options.CustomFields.Add((k % 8) switch
            {
                0 => new SalesforceCustomField(SalesforceName(k), "string") { Length = 80 },
                1 => new SalesforceCustomField(SalesforceName(k), "double") { Precision = 9, Scale = 0 },
                2 => new SalesforceCustomField(SalesforceName(k), "double") { Precision = 12, Scale = 2 },
                3 => new SalesforceCustomField(SalesforceName(k), "date"),
                4 => new SalesforceCustomField(SalesforceName(k), "picklist") { PicklistValues = SalesforcePicks, RestrictedPicklist = true },
                5 => new SalesforceCustomField(SalesforceName(k), "multipicklist") { PicklistValues = SalesforceChannels, RestrictedPicklist = true },
                6 => new SalesforceCustomField(SalesforceName(k), "boolean"),
                _ => new SalesforceCustomField(SalesforceName(k), "percent") { Precision = 5, Scale = 2 },
            });
        }
    }

    public void Describe(HubSpotEmulatorOptions options)
    {
        for (var k = 0; k < Count; k++)
        {
            options.CustomProperties.Add((k % 8) switch
            {
                0 => new HubSpotCustomProperty(HubSpotName(k), HubSpotPropertyType.String),
                1 or 2 or 7 => new HubSpotCustomProperty(HubSpotName(k), HubSpotPropertyType.Number),
                3 => new HubSpotCustomProperty(HubSpotName(k), HubSpotPropertyType.Date),
                4 => new HubSpotCustomProperty(HubSpotName(k), HubSpotPropertyType.Enumeration) { FieldType = "select", Options = HubSpotPicks },
                5 => new HubSpotCustomProperty(HubSpotName(k), HubSpotPropertyType.Enumeration) { FieldType = "checkbox", Options = HubSpotChannels },
                6 => new HubSpotCustomProperty(HubSpotName(k), HubSpotPropertyType.Bool) { FieldType = "booleancheckbox" },
                _ => throw new InvalidOperationException(),
            });
        }
    }

    /// <summary>The value of field <paramref name="k"/> of deal <paramref name="i"/> at <paramref name="version"/> (0 seeded, 1 a CRM edit, 2 an ARIA edit).</summary>
    public CrmFieldValue Value(int k, int i, int version)
    {
        var n = i + (version * 7) + k;
        return (k % 8) switch
        {
            0 => CrmFieldValue.FromText(CrmFieldType.Text, $"Next step {n}"),
            1 => CrmFieldValue.FromNumber(CrmFieldType.Integer, n % 5000),
            2 => CrmFieldValue.FromNumber(CrmFieldType.Decimal, (n % 100_000) / 4m),
            3 => CrmFieldValue.FromDate(new DateOnly(2026, 1, 1).AddDays(n % 700)),
            4 => CrmFieldValue.FromText(CrmFieldType.Picklist, HubSpotPicks[n % 3]),
            5 => CrmFieldValue.FromValues([HubSpotChannels[n % 3], HubSpotChannels[(n + 1) % 3]]),
            6 => CrmFieldValue.FromBoolean(n % 2 == 0),
            _ => CrmFieldValue.FromNumber(CrmFieldType.Percent, (n % 10_000) / 100m),
        };
    }

    /// <summary>A deal's custom values as the Salesforce emulator stores them (typed, CRM picklist values).</summary>
    public Dictionary<string, object?> SalesforceValues(int i, int version, int? only = null)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var k in Indexes(only))
        {
            var value = Value(k, i, version);
            values[SalesforceName(k)] = (k % 8) switch
            {
                1 or 2 or 7 => value.Number,
                3 => value.Date,
                6 => value.Boolean,
                _ => CrmFieldValues.FormatCrm(Definitions[k], CrmProvider.Salesforce, ToCrm(k, CrmProvider.Salesforce, value)),
            };
        }

        return values;
    }

    /// <summary>A deal's custom values as HubSpot's wire text.</summary>
    public Dictionary<string, string?> HubSpotValues(int i, int version, int? only = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var k in Indexes(only))
        {
            values[HubSpotName(k)] = CrmFieldValues.FormatCrm(Definitions[k], CrmProvider.HubSpot, ToCrm(k, CrmProvider.HubSpot, Value(k, i, version)));
        }

        return values;
    }

    /// <summary>The lead's canonical text of field <paramref name="k"/> at <paramref name="version"/>.</summary>
    public string LeadText(int k, int i, int version) => Value(k, i, version).ToString();

    private IEnumerable<int> Indexes(int? only) => only is { } k ? [k] : Enumerable.Range(0, Count);

    private CrmFieldValue ToCrm(int k, CrmProvider provider, CrmFieldValue value)
    {
        var map = Definitions[k].PicklistFor(provider);
        if (map is null || value.IsBlank)
        {
            return value;
        }

        return (k % 8) == 5
            ? CrmFieldValue.FromValues(value.Values.Select(v => map.TryMapToCrm(v, out var crm) ? crm : throw new InvalidOperationException(v)))
            : CrmFieldValue.FromText(CrmFieldType.Picklist, map.TryMapToCrm(value.Text!, out var c) ? c : throw new InvalidOperationException(value.Text));
    }

    private static string SalesforceName(int k) => FormattableString.Invariant($"Bench_{k:D2}__c");

    private static string HubSpotName(int k) => FormattableString.Invariant($"bench_{k:D2}");

    private static CrmFieldDefinition Define(int k)
    {
        var crm = new Dictionary<CrmProvider, string> { [CrmProvider.Salesforce] = SalesforceName(k), [CrmProvider.HubSpot] = HubSpotName(k) };
        var lead = FormattableString.Invariant($"bench_{k:D2}");
        return (k % 8) switch
        {
            0 => new CrmFieldDefinition { LeadField = lead, Type = CrmFieldType.Text, CrmFields = crm, MaxLength = 80 },
            1 => new CrmFieldDefinition { LeadField = lead, Type = CrmFieldType.Integer, CrmFields = crm, Precision = 9 },
            2 => new CrmFieldDefinition { LeadField = lead, Type = CrmFieldType.Decimal, CrmFields = crm, Precision = 12, Scale = 2 },
            3 => new CrmFieldDefinition { LeadField = lead, Type = CrmFieldType.Date, CrmFields = crm },
            4 => new CrmFieldDefinition
            {
                LeadField = lead,
                Type = CrmFieldType.Picklist,
                CrmFields = crm,
                Picklists = new Dictionary<CrmProvider, CrmPicklistMap>
                {
                    [CrmProvider.Salesforce] = new(SalesforcePicks.Zip(HubSpotPicks, (sf, l) => new CrmPicklistEntry(sf, l))),
                    [CrmProvider.HubSpot] = CrmPicklistMap.Identity(HubSpotPicks),
                },
            },
            5 => new CrmFieldDefinition
            {
                LeadField = lead,
                Type = CrmFieldType.MultiPicklist,
                CrmFields = crm,
                Picklists = new Dictionary<CrmProvider, CrmPicklistMap>
                {
                    [CrmProvider.Salesforce] = new(SalesforceChannels.Zip(HubSpotChannels, (sf, l) => new CrmPicklistEntry(sf, l))),
                    [CrmProvider.HubSpot] = CrmPicklistMap.Identity(HubSpotChannels),
                },
            },
            6 => new CrmFieldDefinition { LeadField = lead, Type = CrmFieldType.Boolean, CrmFields = crm },
            _ => new CrmFieldDefinition { LeadField = lead, Type = CrmFieldType.Percent, CrmFields = crm, Precision = 5, Scale = 2 },
        };
    }

    /// <summary>A snapshot column: the lead's values and the CRM's, each field in canonical text, for the end-state comparison.</summary>
    public string Snapshot(LeadMemory lead, IReadOnlyDictionary<string, object?>? salesforce, IReadOnlyDictionary<string, string?>? hubSpot)
    {
        var parts = new List<string>(Count * 2);
        for (var k = 0; k < Count; k++)
        {
            var definition = Definitions[k];
            parts.Add(lead.CustomFields.GetValueOrDefault(definition.LeadField) ?? "-");
            var wire = salesforce is not null
                ? salesforce.GetValueOrDefault(SalesforceName(k)) is { } raw ? Convert.ToString(raw, CultureInfo.InvariantCulture) : null
                : hubSpot!.GetValueOrDefault(HubSpotName(k));
            parts.Add(wire ?? "-");
        }

        return string.Join('|', parts);
    }
}
