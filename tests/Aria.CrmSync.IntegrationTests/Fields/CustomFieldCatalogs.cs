using Aria.CrmSync.Fields;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.IntegrationTests.Fields;

/// <summary>
/// A catalogue with a custom field of every type on both CRMs, and the emulated orgs and portals that describe those
/// fields (Salesforce describe, HubSpot properties), for the engine's end-to-end field tests.
/// </summary>
internal static class CustomFieldCatalogs
{
    public static readonly CrmProvider Sf = CrmProvider.Salesforce;
    public static readonly CrmProvider Hs = CrmProvider.HubSpot;

    /// <summary>Every custom field type, as Salesforce describes it.</summary>
    public static void SalesforceFields(SalesforceEmulatorOptions o)
    {
        o.CustomFields.Add(new("Region__c", "picklist") { PicklistValues = ["EMEA", "Americas"], Length = 40 });
        o.CustomFields.Add(new("Channels__c", "multipicklist") { PicklistValues = ["Web", "Phone"], RestrictedPicklist = true });
        o.CustomFields.Add(new("Next_Step__c", "string") { Length = 40 });
        o.CustomFields.Add(new("Details__c", "textarea"));
        o.CustomFields.Add(new("Score__c", "double") { Precision = 8, Scale = 2 });
        o.CustomFields.Add(new("Seats__c", "double") { Precision = 9, Scale = 0 });
        o.CustomFields.Add(new("Deal_Value__c", "currency") { Precision = 16, Scale = 2 });
        o.CustomFields.Add(new("Win_Chance__c", "percent") { Precision = 5, Scale = 2 });
        o.CustomFields.Add(new("Renewal__c", "date"));
        o.CustomFields.Add(new("Kickoff__c", "datetime"));
        o.CustomFields.Add(new("Active_Customer__c", "boolean"));
        o.CustomFields.Add(new("Legacy_Code__c", "string") { Updateable = false, Length = 20 });
    }

    /// <summary>The same fields as HubSpot deal properties.</summary>
    public static void HubSpotProperties(HubSpotEmulatorOptions o)
    {
        o.CustomProperties.Add(new("region", HubSpotPropertyType.Enumeration) { FieldType = "select", Options = ["emea", "amer"] });
        o.CustomProperties.Add(new("channels", HubSpotPropertyType.Enumeration) { FieldType = "checkbox", Options = ["web", "phone"] });
        o.CustomProperties.Add(new("next_step", HubSpotPropertyType.String));
        o.CustomProperties.Add(new("details", HubSpotPropertyType.String) { FieldType = "textarea" });
        o.CustomProperties.Add(new("score", HubSpotPropertyType.Number));
        o.CustomProperties.Add(new("seats", HubSpotPropertyType.Number));
        o.CustomProperties.Add(new("deal_value", HubSpotPropertyType.Number));
        o.CustomProperties.Add(new("win_chance", HubSpotPropertyType.Number));
        o.CustomProperties.Add(new("renewal_date", HubSpotPropertyType.DateTime) { FieldType = "date" });
        o.CustomProperties.Add(new("kickoff_at", HubSpotPropertyType.DateTime));
        o.CustomProperties.Add(new("active_customer", HubSpotPropertyType.Bool) { FieldType = "booleancheckbox" });
        o.CustomProperties.Add(new("legacy_code", HubSpotPropertyType.String) { ReadOnly = true });
    }

    public static CrmFieldDefinition Field(string lead, CrmFieldType type, string? sf, string? hs)
    {
        var crm = new Dictionary<CrmProvider, string>();
        if (sf is not null)
        {
            crm[Sf] = sf;
        }

        if (hs is not null)
        {
            crm[Hs] = hs;
        }

        return new() { LeadField = lead, Type = type, CrmFields = crm };
    }

    public static CrmFieldDefinition Region => Field("region", CrmFieldType.Picklist, "Region__c", "region") with
    {
        Picklists = new Dictionary<CrmProvider, CrmPicklistMap>
        {
            [Sf] = new([new("EMEA", "emea"), new("Americas", "americas")]),
            [Hs] = new([new("emea", "emea"), new("amer", "americas")]),
        },
    };

    public static CrmFieldDefinition Channels => Field("channels", CrmFieldType.MultiPicklist, "Channels__c", "channels") with
    {
        Picklists = new Dictionary<CrmProvider, CrmPicklistMap>
        {
            [Sf] = new([new("Web", "web"), new("Phone", "phone")]),
            [Hs] = CrmPicklistMap.Identity("web", "phone"),
        },
    };

    /// <summary>One field of every type (all two-way, <c>crm_wins</c>).</summary>
    public static IReadOnlyList<CrmFieldDefinition> EveryType() =>
    [
        Region,
        Channels,
        Field("next_step", CrmFieldType.Text, "Next_Step__c", "next_step") with { MaxLength = 40 },
        Field("details", CrmFieldType.LongText, "Details__c", "details"),
        Field("score", CrmFieldType.Decimal, "Score__c", "score") with { Precision = 8, Scale = 2 },
        Field("seats", CrmFieldType.Integer, "Seats__c", "seats"),
        Field("deal_value", CrmFieldType.Currency, "Deal_Value__c", "deal_value") with { Precision = 16, Scale = 2 },
        Field("win_chance", CrmFieldType.Percent, "Win_Chance__c", "win_chance") with { Precision = 5, Scale = 2 },
        Field("renewal", CrmFieldType.Date, "Renewal__c", "renewal_date"),
        Field("kickoff", CrmFieldType.DateTime, "Kickoff__c", "kickoff_at"),
        Field("active_customer", CrmFieldType.Boolean, "Active_Customer__c", "active_customer"),
    ];

    /// <summary>The default fields and <paramref name="custom"/>.</summary>
    public static CrmFieldCatalog Catalog(params IEnumerable<CrmFieldDefinition> custom) => CrmFieldCatalog.Create([.. CrmDefaultFields.Create(), .. custom]);

    /// <summary>A resolver that gives each user (tenant) its own catalogue.</summary>
    public sealed class PerUserResolver(IReadOnlyDictionary<string, CrmFieldCatalog> catalogs) : ICrmFieldCatalogResolver
    {
        public int Calls { get; private set; }

        public ValueTask<CrmFieldCatalog> ResolveAsync(CrmConnection connection, CancellationToken cancellationToken = default)
        {
            Calls++;
            return ValueTask.FromResult(catalogs[connection.UserId]);
        }
    }
}
