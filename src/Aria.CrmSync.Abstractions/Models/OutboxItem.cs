using System.Text.Json.Serialization;

namespace Aria.CrmSync;

/// <summary>
/// An outbound CRM write (today: a note) recorded in the sync state <em>before</em> it is sent, so that a retry
/// after a crash or an uncertain failure finds the write it may already have made instead of making a second one.
/// </summary>
public sealed record OutboxItem
{
    /// <summary>The kind of a note push.</summary>
    public const string NoteKind = "note";

    /// <summary>Gets the idempotency key: stable across attempts, recorded in the CRM with the write.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>Gets the kind of write (<see cref="NoteKind"/>).</summary>
    public string Kind { get; init; } = NoteKind;

    /// <summary>
    /// Gets the text to write (already tagged with <c>[ARIA] </c>); empty once the item is delivered (the CRM holds the
    /// text, the audit trail its length: a delivered item keeps only its key, CRM id and times).
    /// </summary>
    public required string Text { get; init; }

    /// <summary>Gets the delivery state.</summary>
    public OutboxItemStatus Status { get; init; } = OutboxItemStatus.Pending;

    /// <summary>Gets how many times the write was sent.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets the CRM id of the written object once known.</summary>
    public string? CrmObjectId { get; init; }

    /// <summary>Gets the last error, when the last attempt failed.</summary>
    public string? LastError { get; init; }

    /// <summary>Gets when the item was recorded.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the item was last sent.</summary>
    public DateTimeOffset? LastAttemptAt { get; init; }

    /// <summary>
    /// Gets until when a sender holds the item: while this time is in the future another sender (a second host, the
    /// connection sync, a manual sync) leaves the item alone, so two senders never write the same note at once. Cleared
    /// when the attempt ends; a sender that crashed leaves it, and the item is sent again once it has passed.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? ClaimedUntil { get; init; }

    /// <summary>
    /// Gets whether the CRM may hold the note although this outbox never sent it: it was recorded when the lead's record of
    /// older deliveries was already pruned, so an earlier push with the same key may have been delivered. Its first attempt
    /// then looks for the note before writing it (<see cref="CrmNoteRequest.MayExist"/>).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool MayExist { get; init; }
}
