namespace Aria.CrmSync.Soak.Model;

/// <summary>A lead's (<c>lifecycle_stage</c>, <c>status</c>) pair, the two lead fields one CRM stage decides.</summary>
/// <param name="Lifecycle">The lifecycle stage.</param>
/// <param name="Status">The status.</param>
public readonly record struct StagePair(string Lifecycle, string Status)
{
    public static readonly StagePair Lead = new("lead", "active");
    public static readonly StagePair Opportunity = new("opportunity", "active");
    public static readonly StagePair Won = new("account", "won");
    public static readonly StagePair Lost = new("account", "lost");

    /// <summary>Gets the pairs a CRM stage can express (what people set on either side).</summary>
    public static IReadOnlyList<StagePair> Valid { get; } = [Lead, Opportunity, Won, Lost];

    public override string ToString() => $"{Lifecycle}/{Status}";
}

/// <summary>
/// The stage tables of the seed plan (Salesforce default org stages, HubSpot default pipeline), written out here again
/// rather than read from the engine's <c>CrmStageMap</c>, so that the reference model does not share code with the engine.
/// </summary>
public static class Stages
{
    public static IReadOnlyDictionary<string, StagePair> Salesforce { get; } = new Dictionary<string, StagePair>(StringComparer.Ordinal)
    {
        ["Prospecting"] = StagePair.Lead,
        ["Qualification"] = StagePair.Lead,
        ["Needs Analysis"] = StagePair.Lead,
        ["Value Proposition"] = StagePair.Opportunity,
        ["Id. Decision Makers"] = StagePair.Opportunity,
        ["Perception Analysis"] = StagePair.Opportunity,
        ["Proposal/Price Quote"] = StagePair.Opportunity,
        ["Negotiation/Review"] = StagePair.Opportunity,
        ["Closed Won"] = StagePair.Won,
        ["Closed Lost"] = StagePair.Lost,
    };

    public static IReadOnlyDictionary<string, StagePair> HubSpot { get; } = new Dictionary<string, StagePair>(StringComparer.Ordinal)
    {
        ["appointmentscheduled"] = StagePair.Lead,
        ["qualifiedtobuy"] = StagePair.Lead,
        ["presentationscheduled"] = StagePair.Opportunity,
        ["decisionmakerboughtin"] = StagePair.Opportunity,
        ["contractsent"] = StagePair.Opportunity,
        ["closedwon"] = StagePair.Won,
        ["closedlost"] = StagePair.Lost,
    };

    public static IReadOnlyDictionary<string, StagePair> For(CrmProvider provider) => provider == CrmProvider.Salesforce ? Salesforce : HubSpot;

    /// <summary>The CRM stages that express <paramref name="pair"/> (what a CRM user might pick for it).</summary>
    public static IReadOnlyList<string> StagesOf(CrmProvider provider, StagePair pair)
        => For(provider).Where(kv => kv.Value == pair).Select(kv => kv.Key).ToList();
}
