namespace Aria.CrmSync;

/// <summary>
/// Talks to one CRM in provider-neutral terms: reads deals, lists changes since a cursor, writes field changes in
/// batches, attaches notes idempotently and reads activities. One implementation per <see cref="CrmProvider"/>.
/// </summary>
/// <remarks>
/// Whole-call failures throw <see cref="CrmSyncException"/> subtypes: <see cref="CrmConnectionException"/> (unreachable,
/// re-authorisation needed), <see cref="CrmRateLimitedException"/> (limits), <see cref="CrmSyncValidationException"/>
/// (input rejected before sending), <see cref="CrmRequestException"/> (the CRM refused the request: its HTTP status and
/// own error code) and <see cref="CrmSyncDataException"/> (malformed response). Per-record failures of batch writes are
/// values in the results.
/// <para>
/// Write outcomes. Every <see cref="CrmWriteResult"/> of <see cref="UpdateRecordsAsync"/> carries
/// <see cref="CrmWriteResult.Outcome"/>: <see cref="CrmWriteOutcome.Written"/>, <see cref="CrmWriteOutcome.NothingWritten"/>
/// (refused, a failed precondition, a later batch refused unprocessed) or <see cref="CrmWriteOutcome.Unknown"/>. When the
/// whole write call fails, its exception's <see cref="CrmSyncException.WriteOutcome"/> is
/// <see cref="CrmWriteOutcome.NothingWritten"/> only if no write request of the call went out or the first was refused
/// without being processed (a 4xx answer to its only attempt); otherwise <see cref="CrmWriteOutcome.Unknown"/>, and the
/// engine reads the records back to learn what landed. A gateway marks a failure with
/// <see cref="CrmSyncException.WithWriteOutcome"/> (exceptions are immutable: it returns a copy).
/// </para>
/// </remarks>
public interface ICrmGateway
{
    /// <summary>Gets the CRM this gateway talks to.</summary>
    CrmProvider Provider { get; }

    /// <summary>Gets the largest batch <see cref="UpdateRecordsAsync"/> sends in one call (Salesforce 200, HubSpot 100).</summary>
    int MaxUpdateBatchSize { get; }

    /// <summary>Reads one record.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="crmId">The record id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The record, or <see langword="null"/> when it does not exist.</returns>
    Task<CrmRecord?> GetRecordAsync(CrmConnection connection, string crmId, CancellationToken cancellationToken = default);

    /// <summary>Reads many records in as few calls as the CRM allows; missing ids are left out.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="crmIds">The record ids.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The records found.</returns>
    Task<IReadOnlyList<CrmRecord>> GetRecordsAsync(CrmConnection connection, IReadOnlyList<string> crmIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists records changed after <paramref name="since"/>, page by page, ordered by (modification time, id). Each page
    /// carries the cursor to checkpoint once it is applied; a run resumed from that cursor neither misses nor repeats records.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="since">Where to resume; <see langword="null"/> to read everything.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The pages.</returns>
    IAsyncEnumerable<CrmChangePage> GetChangesAsync(CrmConnection connection, CrmCursor? since, CancellationToken cancellationToken = default);

    /// <summary>Writes field changes, batching as the CRM allows; one result per update, in order.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="updates">The updates.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The per-record results.</returns>
    Task<IReadOnlyList<CrmWriteResult>> UpdateRecordsAsync(CrmConnection connection, IReadOnlyList<CrmRecordUpdate> updates, CancellationToken cancellationToken = default);

    /// <summary>
    /// Attaches notes to records. Idempotent by <see cref="CrmNoteRequest.IdempotencyKey"/>: when
    /// <see cref="CrmNoteRequest.MayExist"/> is set the gateway looks for the note before writing it.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="notes">The notes.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>One result per note, in order.</returns>
    Task<IReadOnlyList<CrmNoteResult>> CreateNotesAsync(CrmConnection connection, IReadOnlyList<CrmNoteRequest> notes, CancellationToken cancellationToken = default);

    /// <summary>Reads the activities of a record (calls, emails, meetings, tasks, events, notes not written by ARIA).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="crmId">The record id.</param>
    /// <param name="since">Only activities modified after this time, when set.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The activities.</returns>
    IAsyncEnumerable<CrmActivity> GetActivitiesAsync(CrmConnection connection, string crmId, DateTimeOffset? since = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists activities of every deal of the connection changed after <paramref name="since"/>, page by page, ordered by
    /// (modification time, id), each with <see cref="CrmActivity.CrmRecordId"/> set; for incremental activity pulls of a
    /// whole connection. Each page carries the cursor to checkpoint once it is applied.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="since">Where to resume; <see langword="null"/> to read everything.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The pages.</returns>
    IAsyncEnumerable<CrmActivityPage> GetActivityChangesAsync(CrmConnection connection, CrmCursor? since, CancellationToken cancellationToken = default);
}
