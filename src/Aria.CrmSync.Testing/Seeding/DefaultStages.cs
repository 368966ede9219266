namespace Aria.CrmSync.Testing;

/// <summary>
/// The Opportunity stages (<c>StageName</c> values) a new <see cref="SalesforceEmulator"/> org has, as in a new
/// Salesforce org's default sales process.
/// </summary>
public static class SalesforceStages
{
    /// <summary>Open, 10 %.</summary>
    public const string Prospecting = "Prospecting";

    /// <summary>Open, 10 %.</summary>
    public const string Qualification = "Qualification";

    /// <summary>Open, 20 %.</summary>
    public const string NeedsAnalysis = "Needs Analysis";

    /// <summary>Open, 50 %.</summary>
    public const string ValueProposition = "Value Proposition";

    /// <summary>Open, 60 %.</summary>
    public const string IdDecisionMakers = "Id. Decision Makers";

    /// <summary>Open, 70 %.</summary>
    public const string PerceptionAnalysis = "Perception Analysis";

    /// <summary>Open, 75 %.</summary>
    public const string ProposalPriceQuote = "Proposal/Price Quote";

    /// <summary>Open, 90 %.</summary>
    public const string NegotiationReview = "Negotiation/Review";

    /// <summary>Closed and won, 100 %.</summary>
    public const string ClosedWon = "Closed Won";

    /// <summary>Closed and lost, 0 %.</summary>
    public const string ClosedLost = "Closed Lost";

    /// <summary>Gets every default stage, in the order of the sales process.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Prospecting, Qualification, NeedsAnalysis, ValueProposition, IdDecisionMakers, PerceptionAnalysis, ProposalPriceQuote, NegotiationReview, ClosedWon, ClosedLost];
}

/// <summary>The stages (<c>dealstage</c> ids) of the default "Sales Pipeline" (<c>default</c>) a new <see cref="HubSpotEmulator"/> portal has.</summary>
public static class HubSpotDealStages
{
    /// <summary>The default pipeline's id.</summary>
    public const string DefaultPipeline = "default";

    /// <summary>Open, 20 %.</summary>
    public const string AppointmentScheduled = "appointmentscheduled";

    /// <summary>Open, 40 %.</summary>
    public const string QualifiedToBuy = "qualifiedtobuy";

    /// <summary>Open, 60 %.</summary>
    public const string PresentationScheduled = "presentationscheduled";

    /// <summary>Open, 80 %.</summary>
    public const string DecisionMakerBoughtIn = "decisionmakerboughtin";

    /// <summary>Open, 90 %.</summary>
    public const string ContractSent = "contractsent";

    /// <summary>Closed and won.</summary>
    public const string ClosedWon = "closedwon";

    /// <summary>Closed and lost.</summary>
    public const string ClosedLost = "closedlost";

    /// <summary>Gets every stage of the default pipeline, in its order.</summary>
    public static IReadOnlyList<string> All { get; } =
        [AppointmentScheduled, QualifiedToBuy, PresentationScheduled, DecisionMakerBoughtIn, ContractSent, ClosedWon, ClosedLost];
}
