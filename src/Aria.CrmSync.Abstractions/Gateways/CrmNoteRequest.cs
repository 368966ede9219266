namespace Aria.CrmSync;

/// <summary>A note to attach to a CRM record, idempotently.</summary>
public sealed record CrmNoteRequest
{
    /// <summary>Gets the idempotency key; the gateway records it with the note so a retry can find it.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>Gets the CRM record to attach the note to.</summary>
    public required string CrmId { get; init; }

    /// <summary>Gets the note text (already tagged <c>[ARIA] </c>).</summary>
    public required string Text { get; init; }

    /// <summary>
    /// Gets whether an earlier attempt may have written the note (uncertain failure, crash). The gateway then looks
    /// for a note with <see cref="IdempotencyKey"/> before writing.
    /// </summary>
    public bool MayExist { get; init; }
}

/// <summary>The outcome of one note write.</summary>
public sealed record CrmNoteResult
{
    /// <summary>Gets the idempotency key of the request.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>Gets whether the note now exists in the CRM.</summary>
    public required bool Success { get; init; }

    /// <summary>Gets the note's CRM id.</summary>
    public string? NoteId { get; init; }

    /// <summary>Gets whether the note was found from an earlier attempt rather than written now.</summary>
    public bool AlreadyExisted { get; init; }

    /// <summary>Gets the CRM's error code, when it failed.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Gets the error message, when it failed.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Gets whether the outcome is uncertain or transient (the note may or may not exist; retry with <see cref="CrmNoteRequest.MayExist"/>).</summary>
    public bool IsTransient { get; init; }
}
