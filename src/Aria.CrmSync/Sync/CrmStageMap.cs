namespace Aria.CrmSync;

/// <summary>
/// Maps a CRM's stages to lead lifecycle stages and back. Closed stages are recognised from the CRM's own closed/won
/// flags when the gateway reports them, so custom closed stages work without configuration.
/// </summary>
public sealed class CrmStageMap
{
    /// <summary>Gets the CRM stage → lead lifecycle stage map (stage names for Salesforce, stage ids for HubSpot).</summary>
    public IDictionary<string, string> ToLeadStage { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the lead lifecycle stage → CRM stage map used when ARIA changes an open deal's stage.</summary>
    public IDictionary<string, string> ToCrmStage { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the CRM stage written when ARIA marks a deal won.</summary>
    public string WonStage { get; set; } = string.Empty;

    /// <summary>Gets or sets the CRM stage written when ARIA marks a deal lost.</summary>
    public string LostStage { get; set; } = string.Empty;

    /// <summary>Creates the seed plan's Salesforce map (plus the default org's stage names).</summary>
    /// <returns>The map.</returns>
    public static CrmStageMap SalesforceDefault()
    {
        var map = new CrmStageMap { WonStage = "Closed Won", LostStage = "Closed Lost" };
        foreach (var (stage, lead) in new[]
        {
            // The seed plan's SALESFORCE_STAGE_MAP
            ("Prospecting", LifecycleStages.Lead),
            ("Qualification", LifecycleStages.Lead),
            ("Proposal", LifecycleStages.Opportunity),
            ("Negotiation", LifecycleStages.Opportunity),
            ("Closed Won", LifecycleStages.Account),
            ("Closed Lost", LifecycleStages.Account),

            // The remaining stages of a new Salesforce org's default OpportunityStage set
            ("Needs Analysis", LifecycleStages.Lead),
            ("Value Proposition", LifecycleStages.Opportunity),
            ("Id. Decision Makers", LifecycleStages.Opportunity),
            ("Perception Analysis", LifecycleStages.Opportunity),
            ("Proposal/Price Quote", LifecycleStages.Opportunity),
            ("Negotiation/Review", LifecycleStages.Opportunity),
        })
        {
            map.ToLeadStage[stage] = lead;
        }

        map.ToCrmStage[LifecycleStages.Lead] = "Qualification";
        map.ToCrmStage[LifecycleStages.Opportunity] = "Proposal/Price Quote";
        return map;
    }

    /// <summary>Creates the seed plan's HubSpot map (default pipeline stage ids).</summary>
    /// <returns>The map.</returns>
    public static CrmStageMap HubSpotDefault()
    {
        var map = new CrmStageMap { WonStage = "closedwon", LostStage = "closedlost" };
        foreach (var (stage, lead) in new[]
        {
            ("appointmentscheduled", LifecycleStages.Lead),
            ("qualifiedtobuy", LifecycleStages.Lead),
            ("presentationscheduled", LifecycleStages.Opportunity),
            ("decisionmakerboughtin", LifecycleStages.Opportunity),
            ("contractsent", LifecycleStages.Opportunity),
            ("closedwon", LifecycleStages.Account),
            ("closedlost", LifecycleStages.Account),
        })
        {
            map.ToLeadStage[stage] = lead;
        }

        map.ToCrmStage[LifecycleStages.Lead] = "qualifiedtobuy";
        map.ToCrmStage[LifecycleStages.Opportunity] = "presentationscheduled";
        return map;
    }

    /// <summary>Returns the default map of a well-known provider (<see cref="CrmProviderDescriptor.DefaultStageMap"/> of <see cref="CrmProviderCatalog.WellKnown"/>).</summary>
    /// <param name="provider">The CRM.</param>
    /// <returns>The map.</returns>
    /// <exception cref="CrmSyncValidationException"><paramref name="provider"/> is not well known or has no default map: configure <see cref="CrmSyncOptions.StageMaps"/> or register a descriptor with one.</exception>
    public static CrmStageMap For(CrmProvider provider)
        => CrmProviderCatalog.WellKnown.TryGet(provider, out var descriptor) && descriptor.DefaultStageMap is { } create
            ? create()
            : throw new CrmSyncValidationException($"No default stage map is known for the CRM '{provider.Value}': set CrmSyncOptions.StageMaps[{provider.Value}] or register a descriptor with a DefaultStageMap.", "provider", provider.IsDefault ? null : provider);
}
