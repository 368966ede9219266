namespace Aria.CrmSync;

/// <summary>The provider-neutral names of CRM record fields the engine writes.</summary>
public static class CrmFields
{
    /// <summary>The stage (Salesforce <c>StageName</c>, HubSpot <c>dealstage</c>), as the CRM names it.</summary>
    public const string Stage = "stage";

    /// <summary>The amount (canonical decimal text).</summary>
    public const string Amount = "amount";

    /// <summary>The close date (<c>yyyy-MM-dd</c>).</summary>
    public const string CloseDate = "close_date";

    /// <summary>The deal name.</summary>
    public const string Name = "name";
}

/// <summary>Field changes to write to one CRM record.</summary>
public sealed record CrmRecordUpdate
{
    /// <summary>Gets the record id.</summary>
    public required string CrmId { get; init; }

    /// <summary>Gets the fields to set (<see cref="CrmFields"/> names, canonical text; <see langword="null"/> clears a field).</summary>
    public required IReadOnlyDictionary<string, string?> Fields { get; init; }

    /// <summary>
    /// Gets the modification time the engine read; when set, gateways that support conditional updates refuse the
    /// write if the record changed since (the result then reports <c>PRECONDITION_FAILED</c>).
    /// </summary>
    public DateTimeOffset? IfUnmodifiedSince { get; init; }

    /// <summary>
    /// Gets the values the engine read, together with <see cref="IfUnmodifiedSince"/>, of the fields its merge compared
    /// and the fields it is about to write (<see cref="CrmFields"/> names, canonical text). A CRM whose modification times are whole seconds cannot
    /// tell from the time alone whether an edit landed in the same second after the read; a gateway that supports it
    /// then compares these values with the record's current ones and refuses the write (<c>PRECONDITION_FAILED</c>)
    /// when any differs. <see langword="null"/> when not known.
    /// </summary>
    public IReadOnlyDictionary<string, string?>? ExpectedValues { get; init; }
}

/// <summary>The outcome of one record write in a batch.</summary>
public sealed record CrmWriteResult
{
    /// <summary>The code a conditional write reports when the record changed since it was read.</summary>
    public const string PreconditionFailed = "PRECONDITION_FAILED";

    /// <summary>Gets the record id.</summary>
    public required string CrmId { get; init; }

    /// <summary>Gets whether the write was applied.</summary>
    public required bool Success { get; init; }

    /// <summary>Gets the CRM's error code, when it failed.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Gets the error message, when it failed.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Gets whether a later retry may succeed (rate limit, outage, rolled back with others).</summary>
    public bool IsTransient { get; init; }

    /// <summary>Gets the record's modification time after the write, when the CRM reports it.</summary>
    public DateTimeOffset? LastModifiedAt { get; init; }

    /// <summary>
    /// Gets what the write left in the CRM. Unless set, <see cref="CrmWriteOutcome.Written"/> for a success and
    /// <see cref="CrmWriteOutcome.NothingWritten"/> for a failure (a CRM that refuses one record of a batch does not apply
    /// it); a gateway sets <see cref="CrmWriteOutcome.Unknown"/> when it cannot tell (for example the CRM returned no
    /// result for the record).
    /// </summary>
    public CrmWriteOutcome Outcome
    {
        get => _outcome ?? (Success ? CrmWriteOutcome.Written : CrmWriteOutcome.NothingWritten);
        init => _outcome = value;
    }

    private readonly CrmWriteOutcome? _outcome;
}
