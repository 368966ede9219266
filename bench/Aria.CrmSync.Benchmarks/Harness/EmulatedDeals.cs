using System.Globalization;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.Benchmarks.Harness;

/// <summary>Deals, activities and notes in an emulated Salesforce org or HubSpot portal, as CRM users create and edit them (direct access: never faulted or counted).</summary>
internal static class EmulatedDeals
{
    /// <summary>Inserts deal <paramref name="i"/> with the workload's initial values and returns its CRM id.</summary>
    public static string Insert(CrmEmulator emulator, int i)
    {
        if (emulator is SalesforceEmulator sf)
        {
            return sf.Org.Insert("Opportunity", new Dictionary<string, object?>
            {
                ["Name"] = "Deal " + i,
                ["StageName"] = i % 3 == 0 ? "Qualification" : "Proposal/Price Quote",
                ["CloseDate"] = Workload.InitialCloseDate(i),
                ["Amount"] = Workload.InitialAmount(i),
            });
        }

        return ((HubSpotEmulator)emulator).InsertObject("deals", new Dictionary<string, string?>
        {
            ["dealname"] = "Deal " + i,
            ["pipeline"] = "default",
            ["dealstage"] = i % 3 == 0 ? "qualifiedtobuy" : "presentationscheduled",
            ["closedate"] = Workload.InitialCloseDate(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00.000Z",
            ["amount"] = Workload.InitialAmount(i).ToString(CultureInfo.InvariantCulture),
        }).Id;
    }

    /// <summary>Logs a call on the deal (a Salesforce task, a HubSpot call).</summary>
    public static void AddCall(CrmEmulator emulator, string crmId, int i)
    {
        if (emulator is SalesforceEmulator sf)
        {
            sf.Org.Insert("Task", new Dictionary<string, object?> { ["WhatId"] = crmId, ["Subject"] = "Call " + i, ["Status"] = "Completed", ["Priority"] = "Normal", ["ActivityDate"] = Workload.InitialCloseDate(i), ["TaskSubtype"] = "Call" });
        }
        else
        {
            var hs = (HubSpotEmulator)emulator;
            var call = hs.InsertObject("calls", new Dictionary<string, string?> { ["hs_call_title"] = "Call " + i, ["hs_timestamp"] = "2026-02-01T10:00:00.000Z" });
            hs.Associate("calls", call.Id, "deals", crmId, 206);
        }
    }

    public static void SetAmount(CrmEmulator emulator, string crmId, decimal amount)
    {
        if (emulator is SalesforceEmulator sf)
        {
            sf.Org.Update("Opportunity", crmId, new Dictionary<string, object?> { ["Amount"] = amount });
        }
        else
        {
            ((HubSpotEmulator)emulator).UpdateObject("deals", crmId, new Dictionary<string, string?> { ["amount"] = amount.ToString(CultureInfo.InvariantCulture) });
        }
    }

    /// <summary>Counts the notes linked to each Salesforce record (null for HubSpot, which is asked per deal).</summary>
    public static Dictionary<string, int>? SalesforceNoteCounts(CrmEmulator emulator) => emulator is SalesforceEmulator org
        ? org.Org.List("ContentDocumentLink").GroupBy(l => (string?)l["LinkedEntityId"] ?? string.Empty).ToDictionary(g => g.Key, g => g.Count())
        : null;

    /// <summary>The deal's amount and close date as the CRM shows them, and its note count.</summary>
    public static (string? Amount, string? Close, int Notes) Values(CrmEmulator emulator, string crmId, Dictionary<string, int>? salesforceNotes)
    {
        if (emulator is SalesforceEmulator sf)
        {
            var opp = sf.Org.Get("Opportunity", crmId)!;
            return (Convert.ToString(opp["Amount"], CultureInfo.InvariantCulture), Convert.ToString(opp["CloseDate"], CultureInfo.InvariantCulture), salesforceNotes!.GetValueOrDefault(crmId));
        }

        var hs = (HubSpotEmulator)emulator;
        var deal = hs.GetObject("deals", crmId)!;
        return (deal["amount"], deal["closedate"]?[..10], hs.GetAssociations("deals", crmId, "notes").Count);
    }
}
