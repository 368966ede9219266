namespace Aria.CrmSync.Fields;

/// <summary>
/// The default field catalogue: the four seed fields (<see cref="LeadFields.Synced"/>) with the CRM fields the gateways
/// sync today — Salesforce <c>StageName</c>, <c>Amount</c>, <c>CloseDate</c>; HubSpot <c>dealstage</c>, <c>amount</c>,
/// <c>closedate</c> — and value maps taken from the stage maps.
/// </summary>
/// <remarks>
/// <c>lifecycle_stage</c> and <c>status</c> are two picklists over the one stage field: the stage map's
/// <see cref="CrmStageMap.ToLeadStage"/> reads the lifecycle stage and <see cref="CrmStageMap.ToCrmStage"/> writes it;
/// <see cref="CrmStageMap.WonStage"/> and <see cref="CrmStageMap.LostStage"/> read and write <c>won</c> and <c>lost</c>,
/// every other mapped stage reads <c>active</c>. The engine keeps deriving a closed deal's status from the CRM's own
/// closed/won flags, so custom closed stages still work without an entry here.
/// </remarks>
public static class CrmDefaultFields
{
    private static readonly (CrmProvider Provider, string Stage, string Amount, string CloseDate)[] Fields =
    [
        (CrmProvider.Salesforce, "StageName", "Amount", "CloseDate"),
        (CrmProvider.HubSpot, "dealstage", "amount", "closedate"),
    ];

    /// <summary>Creates the default definitions with the seed's stage maps.</summary>
    /// <returns>The four definitions, in <see cref="LeadFields.Synced"/> order.</returns>
    public static IReadOnlyList<CrmFieldDefinition> Create()
        => Create(new Dictionary<CrmProvider, CrmStageMap>
        {
            [CrmProvider.Salesforce] = CrmStageMap.SalesforceDefault(),
            [CrmProvider.HubSpot] = CrmStageMap.HubSpotDefault(),
        });

    /// <summary>Creates the default definitions with the given stage maps (<see cref="CrmSyncOptions.StageMaps"/>).</summary>
    /// <param name="stageMaps">The stage map per CRM; Salesforce and HubSpot without an entry use their default map.</param>
    /// <returns>The four definitions, in <see cref="LeadFields.Synced"/> order.</returns>
    public static IReadOnlyList<CrmFieldDefinition> Create(IReadOnlyDictionary<CrmProvider, CrmStageMap> stageMaps)
    {
        ArgumentNullException.ThrowIfNull(stageMaps);
        var stage = new Dictionary<CrmProvider, string>();
        var amount = new Dictionary<CrmProvider, string>();
        var closeDate = new Dictionary<CrmProvider, string>();
        var lifecycle = new Dictionary<CrmProvider, CrmPicklistMap>();
        var status = new Dictionary<CrmProvider, CrmPicklistMap>();
        foreach (var (provider, stageField, amountField, closeDateField) in Fields)
        {
            var map = stageMaps.TryGetValue(provider, out var configured) && configured is not null ? configured : CrmStageMap.For(provider);
            stage[provider] = stageField;
            amount[provider] = amountField;
            closeDate[provider] = closeDateField;
            lifecycle[provider] = LifecycleMap(map);
            status[provider] = StatusMap(map);
        }

        return
        [
            new() { LeadField = LeadFields.LifecycleStage, Type = CrmFieldType.Picklist, CrmFields = stage, Picklists = lifecycle },
            new() { LeadField = LeadFields.ExpectedValue, Type = CrmFieldType.Currency, CrmFields = amount, Precision = 18 },
            new() { LeadField = LeadFields.ExpectedCloseDate, Type = CrmFieldType.Date, CrmFields = closeDate },
            new() { LeadField = LeadFields.Status, Type = CrmFieldType.Picklist, CrmFields = stage, Picklists = status },
        ];
    }

    private static CrmPicklistMap LifecycleMap(CrmStageMap map)
    {
        var entries = new List<CrmPicklistEntry>();
        var written = map.ToCrmStage.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
        foreach (var (crmStage, leadStage) in map.ToLeadStage)
        {
            entries.Add(new(crmStage, leadStage, Writes: written.TryGetValue(crmStage, out var w) && w == leadStage));
        }

        foreach (var (leadStage, crmStage) in map.ToCrmStage)
        {
            if (!map.ToLeadStage.ContainsKey(crmStage))
            {
                entries.Add(new(crmStage, leadStage));
            }
        }

        return new(entries);
    }

    private static CrmPicklistMap StatusMap(CrmStageMap map)
    {
        var entries = new List<CrmPicklistEntry>
        {
            new(map.WonStage, LeadStatuses.Won),
            new(map.LostStage, LeadStatuses.Lost),
        };
        foreach (var (crmStage, leadStage) in map.ToLeadStage)
        {
            if (crmStage != map.WonStage && crmStage != map.LostStage && leadStage != LifecycleStages.Account)
            {
                entries.Add(new(crmStage, LeadStatuses.Active, Writes: false));
            }
        }

        return new(entries);
    }
}
