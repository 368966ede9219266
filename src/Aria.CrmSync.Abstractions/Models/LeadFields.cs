namespace Aria.CrmSync;

/// <summary>The names of the lead memory fields the library syncs (snake_case, as in the seed plan).</summary>
public static class LeadFields
{
    /// <summary><c>lifecycle_stage</c>: <c>lead</c>, <c>opportunity</c> or <c>account</c>; mapped from the CRM stage.</summary>
    public const string LifecycleStage = "lifecycle_stage";

    /// <summary><c>expected_value</c>: the deal amount.</summary>
    public const string ExpectedValue = "expected_value";

    /// <summary><c>expected_close_date</c>: the deal close date.</summary>
    public const string ExpectedCloseDate = "expected_close_date";

    /// <summary><c>status</c>: <c>active</c>, <c>won</c> or <c>lost</c>; from the CRM's closed/won flags.</summary>
    public const string Status = "status";

    /// <summary><c>notes</c>: summaries and notes (merged: ARIA pushes, CRM notes come back as events).</summary>
    public const string Notes = "notes";

    /// <summary>Gets the scalar fields compared field by field, in a fixed order.</summary>
    public static IReadOnlyList<string> Synced { get; } = [LifecycleStage, ExpectedValue, ExpectedCloseDate, Status];
}

/// <summary>The lifecycle stages of a lead memory used by the default stage maps.</summary>
public static class LifecycleStages
{
    /// <summary>An early-stage lead.</summary>
    public const string Lead = "lead";

    /// <summary>A qualified opportunity.</summary>
    public const string Opportunity = "opportunity";

    /// <summary>A closed deal (won or lost).</summary>
    public const string Account = "account";
}

/// <summary>The lead statuses derived from a CRM record's closed/won flags.</summary>
public static class LeadStatuses
{
    /// <summary>Open deal.</summary>
    public const string Active = "active";

    /// <summary>Closed and won.</summary>
    public const string Won = "won";

    /// <summary>Closed and lost.</summary>
    public const string Lost = "lost";
}
