using System.Globalization;

namespace Aria.CrmSync.Testing;

/// <summary>Typed seeding helpers: the deal fields the sync reads (stage, amount, close date), without field-name strings.</summary>
public static class SeedingExtensions
{
    /// <summary>Inserts an Opportunity directly into the emulated org, as a CRM user's record.</summary>
    /// <param name="org">The org (<see cref="SalesforceEmulator.Org"/>).</param>
    /// <param name="name">The opportunity's <c>Name</c>.</param>
    /// <param name="stageName">Its <c>StageName</c>, e.g. <see cref="SalesforceStages.Prospecting"/>.</param>
    /// <param name="closeDate">Its <c>CloseDate</c> (required by Salesforce).</param>
    /// <param name="amount">Its <c>Amount</c>, or <see langword="null"/>.</param>
    /// <returns>The new opportunity's 18-character id.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="stageName"/> is blank.</exception>
    public static string InsertOpportunity(this SalesforceOrg org, string name, string stageName, DateOnly closeDate, decimal? amount = null)
    {
        ArgumentNullException.ThrowIfNull(org);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(stageName);
        return org.Insert("Opportunity", new Dictionary<string, object?>
        {
            ["Name"] = name,
            ["StageName"] = stageName,
            ["Amount"] = amount,
            ["CloseDate"] = closeDate,
        });
    }

    /// <summary>Inserts a deal of the default pipeline directly into the emulated portal, as a CRM user's record.</summary>
    /// <param name="hubSpot">The emulator.</param>
    /// <param name="name">The deal's <c>dealname</c>.</param>
    /// <param name="dealStage">Its <c>dealstage</c>, e.g. <see cref="HubSpotDealStages.AppointmentScheduled"/>.</param>
    /// <param name="amount">Its <c>amount</c>, or <see langword="null"/>.</param>
    /// <param name="closeDate">Its <c>closedate</c> (midnight UTC), or <see langword="null"/>.</param>
    /// <returns>The new deal.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="dealStage"/> is blank, or the stage is not in the default pipeline.</exception>
    public static HubSpotObject InsertDeal(this HubSpotEmulator hubSpot, string name, string dealStage, decimal? amount = null, DateOnly? closeDate = null)
    {
        ArgumentNullException.ThrowIfNull(hubSpot);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(dealStage);
        return hubSpot.InsertObject("deals", new Dictionary<string, string?>
        {
            ["dealname"] = name,
            ["pipeline"] = HubSpotDealStages.DefaultPipeline,
            ["dealstage"] = dealStage,
            ["amount"] = amount?.ToString(CultureInfo.InvariantCulture),
            ["closedate"] = closeDate is { } date ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00.000Z" : null,
        });
    }
}
