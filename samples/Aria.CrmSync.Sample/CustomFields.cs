using System.Globalization;

namespace Aria.CrmSync.Sample;

/// <summary>
/// The two custom fields the sample syncs beyond the four default ones, as the catalogue in appsettings.json
/// (CrmSync:FieldCatalog) maps them: <c>region</c>, a picklist whose values differ per CRM (a value map each way), and
/// <c>seats</c>, a whole number that ARIA owns in a conflict.
/// </summary>
internal static class CustomFields
{
    public const string Region = "region";

    public const string Seats = "seats";

    public const string SalesforceRegion = "Region__c";

    public const string SalesforceSeats = "Seats__c";

    public const string HubSpotRegion = "aria_region";

    public const string HubSpotSeats = "seats";

    /// <summary>The Salesforce picklist values; the lead reads them as emea, americas, apac.</summary>
    public static readonly string[] SalesforceRegions = ["EMEA", "Americas", "APAC"];

    /// <summary>The HubSpot option values; the lead reads them as emea, americas, apac.</summary>
    public static readonly string[] HubSpotRegions = ["emea", "amer", "apac"];

    /// <summary>The lead's values of region, in the order of <see cref="SalesforceRegions"/> and <see cref="HubSpotRegions"/>.</summary>
    public static readonly string[] LeadRegions = ["emea", "americas", "apac"];

    public static string SeatsText(int seats) => seats.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// After the sync: how many of the custom-field edits reached the other side (read straight from the emulators and
    /// the lead store, not from the sync's own counters). An edit on a lead waiting in status <c>conflict</c> waits with
    /// it; a HubSpot edit made a moment before the sync may reach the search index only after it (the next run).
    /// </summary>
    public static async Task PrintCheckAsync(IReadOnlyList<CustomFieldEdit> edits, CrmEmulators crms, ILeadMemoryStore leads, ISyncStateStore states, string userId, CancellationToken cancellationToken)
    {
        if (edits.Count == 0)
        {
            return;
        }

        int pulled = 0, pulledArrived = 0, pushed = 0, pushedArrived = 0, waiting = 0;
        foreach (var edit in edits)
        {
            bool arrived;
            if (edit.ToCrm)
            {
                pushed++;
                var crmValue = edit.Lead.CrmProvider == CrmProvider.Salesforce
                    ? crms.Salesforce.Org.Get("Opportunity", edit.Lead.CrmId!)?[SalesforceSeats] is { } number ? Convert.ToDecimal(number, CultureInfo.InvariantCulture) : (decimal?)null
                    : decimal.TryParse(crms.HubSpot.GetObject("deals", edit.Lead.CrmId!)?[HubSpotSeats], NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
                arrived = crmValue == decimal.Parse(edit.LeadValue, CultureInfo.InvariantCulture);
                pushedArrived += arrived ? 1 : 0;
            }
            else
            {
                pulled++;
                var lead = await leads.GetAsync(userId, edit.Lead.Id, cancellationToken);
                arrived = lead?.CustomFields.GetValueOrDefault(edit.Field) == edit.LeadValue;
                pulledArrived += arrived ? 1 : 0;
            }

            if (!arrived && await states.GetAsync(edit.Lead.Id, cancellationToken) is { Status: SyncStatus.Conflict or SyncStatus.Error })
            {
                waiting++;
            }
        }

        Console.WriteLine($"Custom fields: {pulledArrived} of {pulled} region edits made in the CRMs are on their leads; {pushedArrived} of {pushed} seats edits made in ARIA are in the CRMs" +
            (pulled + pushed - pulledArrived - pushedArrived > 0 ? $" ({waiting} wait on a lead in conflict or error; the others reach the next run, after HubSpot's search index)." : "."));
    }
}
