using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>Where a note pushed by <see cref="ICrmSyncService.PushSummaryAsync"/> stands (<see cref="SyncResult.NoteDelivery"/>).</summary>
[JsonConverter(typeof(WireEnumJsonConverter<NoteDelivery>))]
public enum NoteDelivery
{
    /// <summary>The CRM holds the note: written now or before (<see cref="SyncResult.NoteId"/> is its id). Wire value <c>confirmed</c>.</summary>
    [WireValue("confirmed")]
    Confirmed,

    /// <summary>
    /// The note is in the lead's outbox but not confirmed in the CRM: another sender is delivering it, or the attempt
    /// failed and will be repeated. <see cref="SyncResult.NextAttemptAt"/> says when it is tried again at the earliest
    /// (the end of the other sender's claim, or the lead's next automatic attempt; <see langword="null"/>: retries are
    /// exhausted and the next manual sync sends it); a connection sync after that time sends it too. It is written exactly once.
    /// Wire value <c>queued</c>.
    /// </summary>
    [WireValue("queued")]
    Queued,

    /// <summary>The CRM refused the note for good (e.g. the record is gone); it is not retried. Wire value <c>refused</c>.</summary>
    [WireValue("refused")]
    Refused,
}
