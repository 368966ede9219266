using System.Globalization;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.Sample;

/// <summary>Fills a new org and portal with a realistic pipeline: deals in every stage, notes, tasks, events, calls, meetings.</summary>
internal static class OrgSeeder
{
    private static readonly string[] Companies =
    [
        "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises", "Wonka", "Tyrell", "Cyberdyne",
        "Soylent", "Vandelay", "Pied Piper", "Aperture", "Black Mesa", "Gringotts", "Monarch", "Oscorp", "Massive Dynamic", "Nakatomi",
        "Duff", "Krusty", "Dunder Mifflin", "Bluth", "Sterling Cooper", "Prestige Worldwide", "Vehement", "Gekko", "Ollivanders", "Zorg",
    ];

    private static readonly string[] Products = ["Platform", "Analytics", "Renewal", "Expansion", "Pilot", "Enterprise", "Support", "Migration"];

    private static readonly (string Stage, double Weight)[] SalesforceStages =
    [
        ("Prospecting", 0.16), ("Qualification", 0.14), ("Needs Analysis", 0.12), ("Value Proposition", 0.1), ("Id. Decision Makers", 0.08),
        ("Perception Analysis", 0.06), ("Proposal/Price Quote", 0.1), ("Negotiation/Review", 0.08), ("Closed Won", 0.1), ("Closed Lost", 0.06),
    ];

    private static readonly (string Stage, double Weight)[] HubSpotStages =
    [
        ("appointmentscheduled", 0.2), ("qualifiedtobuy", 0.18), ("presentationscheduled", 0.16), ("decisionmakerboughtin", 0.14),
        ("contractsent", 0.12), ("closedwon", 0.12), ("closedlost", 0.08),
    ];

    public static void SeedSalesforce(SalesforceEmulator emulator, int count, int seed)
    {
        var random = new Random(seed);
        var today = DateOnly.FromDateTime(DateTime.Today);
        using var quiet = emulator.Faults.Suspend();
        for (var i = 0; i < count; i++)
        {
            var company = Companies[i % Companies.Length];
            var opportunity = emulator.Org.Insert("Opportunity", new Dictionary<string, object?>
            {
                ["Name"] = $"{company} — {Products[random.Next(Products.Length)]} {2026 + (i % 3)}",
                ["StageName"] = Pick(random, SalesforceStages),
                ["CloseDate"] = today.AddDays(random.Next(-60, 240)),
                ["Amount"] = (decimal)(random.Next(5, 500) * 1000),
                ["LeadSource"] = random.Next(3) switch { 0 => "Web", 1 => "Partner Referral", _ => "Trade Show" },
                [CustomFields.SalesforceRegion] = random.NextDouble() < 0.7 ? CustomFields.SalesforceRegions[random.Next(CustomFields.SalesforceRegions.Length)] : null,
                [CustomFields.SalesforceSeats] = random.NextDouble() < 0.5 ? (decimal)(random.Next(1, 40) * 10) : null,
            });

            if (random.NextDouble() < 0.6)
            {
                var note = emulator.Org.Insert("ContentNote", new Dictionary<string, object?>
                {
                    ["Title"] = "Call recap",
                    ["Content"] = $"{company} asked about pricing for {random.Next(10, 500)} seats.",
                });
                emulator.Org.Insert("ContentDocumentLink", new Dictionary<string, object?>
                {
                    ["ContentDocumentId"] = note,
                    ["LinkedEntityId"] = opportunity,
                    ["ShareType"] = "I",
                    ["Visibility"] = "AllUsers",
                });
            }

            for (var t = random.Next(0, 3); t > 0; t--)
            {
                emulator.Org.Insert("Task", new Dictionary<string, object?>
                {
                    ["WhatId"] = opportunity,
                    ["Subject"] = random.Next(3) switch { 0 => "Follow-up call", 1 => "Send proposal", _ => "Email the champion" },
                    ["Status"] = random.Next(2) == 0 ? "Completed" : "Not Started",
                    ["Priority"] = "Normal",
                    ["ActivityDate"] = today.AddDays(random.Next(-30, 30)),
                    ["TaskSubtype"] = random.Next(2) == 0 ? "Call" : "Task",
                });
            }

            if (random.NextDouble() < 0.4)
            {
                var start = DateTimeOffset.UtcNow.Date.AddDays(random.Next(-20, 20)).AddHours(15);
                emulator.Org.Insert("Event", new Dictionary<string, object?>
                {
                    ["WhatId"] = opportunity,
                    ["Subject"] = "Demo with " + company,
                    ["StartDateTime"] = new DateTimeOffset(start, TimeSpan.Zero),
                    ["EndDateTime"] = new DateTimeOffset(start.AddHours(1), TimeSpan.Zero),
                });
            }
        }
    }

    public static void SeedHubSpot(HubSpotEmulator emulator, int count, int seed)
    {
        var random = new Random(seed + 1);
        var today = DateTime.UtcNow.Date;
        using var quiet = emulator.Faults.Suspend();
        for (var i = 0; i < count; i++)
        {
            var company = Companies[(i + 7) % Companies.Length];
            var deal = emulator.InsertObject("deals", new Dictionary<string, string?>
            {
                ["dealname"] = $"{company} {Products[random.Next(Products.Length)]}",
                ["pipeline"] = "default",
                ["dealstage"] = Pick(random, HubSpotStages),
                ["amount"] = (random.Next(2, 300) * 1000).ToString(CultureInfo.InvariantCulture),
                ["closedate"] = today.AddDays(random.Next(-60, 240)).ToString("yyyy-MM-dd'T'00:00:00.000'Z'", CultureInfo.InvariantCulture),
                [CustomFields.HubSpotRegion] = random.NextDouble() < 0.7 ? CustomFields.HubSpotRegions[random.Next(CustomFields.HubSpotRegions.Length)] : null,
                [CustomFields.HubSpotSeats] = random.NextDouble() < 0.5 ? CustomFields.SeatsText(random.Next(1, 40) * 10) : null,
            });

            if (random.NextDouble() < 0.5)
            {
                var note = emulator.InsertObject("notes", new Dictionary<string, string?>
                {
                    ["hs_note_body"] = $"<p>{company} wants a security review before signing.</p>",
                    ["hs_timestamp"] = Timestamp(today.AddDays(-random.Next(1, 40))),
                });
                emulator.Associate("notes", note.Id, "deals", deal.Id, 214);
            }

            if (random.NextDouble() < 0.6)
            {
                var call = emulator.InsertObject("calls", new Dictionary<string, string?>
                {
                    ["hs_call_title"] = "Discovery call",
                    ["hs_call_body"] = "Talked about budget and timeline.",
                    ["hs_call_direction"] = random.Next(2) == 0 ? "OUTBOUND" : "INBOUND",
                    ["hs_timestamp"] = Timestamp(today.AddDays(-random.Next(1, 30))),
                });
                emulator.Associate("calls", call.Id, "deals", deal.Id, 206);
            }

            if (random.NextDouble() < 0.3)
            {
                var start = today.AddDays(random.Next(-10, 20)).AddHours(16);
                var meeting = emulator.InsertObject("meetings", new Dictionary<string, string?>
                {
                    ["hs_meeting_title"] = "Quarterly review",
                    ["hs_meeting_body"] = "Agenda: renewal, expansion.",
                    ["hs_meeting_start_time"] = Timestamp(start),
                    ["hs_meeting_end_time"] = Timestamp(start.AddHours(1)),
                    ["hs_timestamp"] = Timestamp(start),
                });
                emulator.Associate("meetings", meeting.Id, "deals", deal.Id, 212);
            }
        }
    }

    private static string Pick(Random random, (string Stage, double Weight)[] stages)
    {
        var roll = random.NextDouble() * stages.Sum(s => s.Weight);
        foreach (var (stage, weight) in stages)
        {
            roll -= weight;
            if (roll <= 0)
            {
                return stage;
            }
        }

        return stages[^1].Stage;
    }

    private static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
