using System.Globalization;

namespace Aria.CrmSync.Sample;

/// <summary>
/// What happens between two syncs: salespeople edit deals in the CRMs, ARIA updates its lead memories, sometimes the
/// same field on both sides (real conflicts), ARIA writes meeting summaries, and new activities are logged.
/// </summary>
internal sealed class Scenario(CrmEmulators crms, ILeadMemoryStore leads, ICrmSyncService sync, string userId, int seed, int run)
{
    private readonly Random _random = new(HashCode.Combine(seed, run));

    public int CrmEdits { get; private set; }

    public int LeadEdits { get; private set; }

    public int BothSides { get; private set; }

    public int Summaries { get; private set; }

    /// <summary>The summaries pushed as [ARIA] notes per CRM (pushed at once, not by the connection sync).</summary>
    public Dictionary<CrmProvider, int> SummariesByProvider { get; } = [];

    public int Activities { get; private set; }

    /// <summary>The custom-field edits made on either side, to check after the sync that each reached the other side.</summary>
    public List<CustomFieldEdit> CustomFieldEdits { get; } = [];

    public async Task PlayAsync(CancellationToken cancellationToken)
    {
        var sfLeads = await leads.ListLinkedAsync(userId, CrmProvider.Salesforce, cancellationToken).ToListAsync(cancellationToken);
        var hsLeads = await leads.ListLinkedAsync(userId, CrmProvider.HubSpot, cancellationToken).ToListAsync(cancellationToken);
        var today = DateOnly.FromDateTime(DateTime.Today);

        // Salespeople in the CRMs: amounts and stages move on 10 % of the deals.
        foreach (var lead in Sample(sfLeads, 0.10))
        {
            var current = crms.Salesforce.Org.Get("Opportunity", lead.CrmId!);
            if (current is null)
            {
                continue;
            }

            crms.Salesforce.Org.Update("Opportunity", lead.CrmId!, new Dictionary<string, object?> { ["Amount"] = Bump((decimal?)current["Amount"] ?? 10_000m) });
            CrmEdits++;
        }

        foreach (var lead in Sample(hsLeads, 0.10))
        {
            var current = crms.HubSpot.GetObject("deals", lead.CrmId!);
            if (current is null)
            {
                continue;
            }

            var amount = decimal.Parse(current["amount"] ?? "10000", CultureInfo.InvariantCulture);
            crms.HubSpot.UpdateObject("deals", lead.CrmId!, new Dictionary<string, string?> { ["amount"] = Bump(amount).ToString(CultureInfo.InvariantCulture) });
            CrmEdits++;
        }

        // Custom fields: salespeople move 4 % of the deals to another region (a picklist, mapped per CRM) ...
        foreach (var lead in Sample([.. sfLeads, .. hsLeads], 0.04))
        {
            var index = _random.Next(CustomFields.SalesforceRegions.Length);
            if (lead.CrmProvider == CrmProvider.Salesforce)
            {
                crms.Salesforce.Org.Update("Opportunity", lead.CrmId!, new Dictionary<string, object?> { [CustomFields.SalesforceRegion] = CustomFields.SalesforceRegions[index] });
            }
            else
            {
                crms.HubSpot.UpdateObject("deals", lead.CrmId!, new Dictionary<string, string?> { [CustomFields.HubSpotRegion] = CustomFields.HubSpotRegions[index] });
            }

            CustomFieldEdits.Add(new(lead, CustomFields.Region, ToCrm: false, CustomFields.LeadRegions[index]));
        }

        // ... and ARIA updates its seat estimate (a whole number; ARIA wins a conflict on it) on 4 % of the leads.
        foreach (var lead in Sample([.. sfLeads, .. hsLeads], 0.04))
        {
            var seats = CustomFields.SeatsText(_random.Next(1, 60) * 10);
            await EditLeadAsync(lead.Id, l => l with { CustomFields = new Dictionary<string, string?>(l.CustomFields) { [CustomFields.Seats] = seats } }, cancellationToken);
            CustomFieldEdits.Add(new(lead, CustomFields.Seats, ToCrm: true, seats));
        }

        // ARIA: its own view of 10 % of the leads changes (value estimates, a lost deal now and then).
        foreach (var lead in Sample([.. sfLeads, .. hsLeads], 0.10))
        {
            await EditLeadAsync(lead.Id, l => _random.Next(8) == 0
                ? l with { Status = LeadStatuses.Lost }
                : l with { ExpectedValue = Bump(l.ExpectedValue ?? 20_000m) }, cancellationToken);
            LeadEdits++;
        }

        // Both sides change the close date of 5 % of the deals: the rule is "manual", so a person decides.
        foreach (var lead in Sample([.. sfLeads, .. hsLeads], 0.05))
        {
            var ariaDate = today.AddDays(_random.Next(10, 40));
            var crmDate = today.AddDays(_random.Next(41, 90));
            await EditLeadAsync(lead.Id, l => l with { ExpectedCloseDate = ariaDate }, cancellationToken);
            if (lead.CrmProvider == CrmProvider.Salesforce)
            {
                crms.Salesforce.Org.Update("Opportunity", lead.CrmId!, new Dictionary<string, object?> { ["CloseDate"] = crmDate });
            }
            else
            {
                crms.HubSpot.UpdateObject("deals", lead.CrmId!, new Dictionary<string, string?> { ["closedate"] = crmDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00.000Z" });
            }

            BothSides++;
        }

        // ARIA writes meeting summaries; each becomes an [ARIA] note in the CRM, exactly once.
        foreach (var lead in Sample([.. sfLeads, .. hsLeads], 0.04))
        {
            var result = await sync.PushSummaryAsync(userId, lead.Id, $"Meeting {today:yyyy-MM-dd} (run {run}): {Pick("budget confirmed", "legal review next week", "champion changed teams", "pilot extended by a month")}.", cancellationToken: cancellationToken);
            Summaries += result.Success ? 1 : 0;
            if (result.Success)
            {
                SummariesByProvider[lead.CrmProvider!.Value] = SummariesByProvider.GetValueOrDefault(lead.CrmProvider!.Value) + 1;
            }
        }

        // New activities logged in the CRMs.
        foreach (var lead in Sample(sfLeads, 0.03))
        {
            crms.Salesforce.Org.Insert("Task", new Dictionary<string, object?>
            {
                ["WhatId"] = lead.CrmId,
                ["Subject"] = "Call after run " + run,
                ["Status"] = "Completed",
                ["Priority"] = "Normal",
                ["ActivityDate"] = today,
                ["TaskSubtype"] = "Call",
            });
            Activities++;
        }

        foreach (var lead in Sample(hsLeads, 0.03))
        {
            var call = crms.HubSpot.InsertObject("calls", new Dictionary<string, string?>
            {
                ["hs_call_title"] = "Check-in after run " + run,
                ["hs_call_direction"] = "OUTBOUND",
                ["hs_timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            });
            crms.HubSpot.Associate("calls", call.Id, "deals", lead.CrmId!, 206);
            Activities++;
        }
    }

    private IEnumerable<LeadMemory> Sample(IReadOnlyList<LeadMemory> source, double share)
        => source.Where(_ => _random.NextDouble() < share).ToList();

    private decimal Bump(decimal value) => Math.Round(value * (decimal)(0.8 + (_random.NextDouble() * 0.5)) / 100m) * 100m;

    private string Pick(params string[] options) => options[_random.Next(options.Length)];

    private async Task EditLeadAsync(string leadId, Func<LeadMemory, LeadMemory> edit, CancellationToken cancellationToken)
    {
        var lead = await leads.GetAsync(userId, leadId, cancellationToken) ?? throw new InvalidOperationException("lead vanished");
        await leads.UpdateAsync(edit(lead) with { UpdatedAt = DateTimeOffset.UtcNow }, cancellationToken);
    }
}

/// <summary>A custom-field edit made on one side: <paramref name="ToCrm"/> when ARIA made it (it should reach the CRM).</summary>
internal sealed record CustomFieldEdit(LeadMemory Lead, string Field, bool ToCrm, string LeadValue);
