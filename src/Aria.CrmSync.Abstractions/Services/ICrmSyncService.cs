namespace Aria.CrmSync;

/// <summary>
/// Keeps lead memories and their CRM records in sync, both ways: three-way field comparison against the last agreed
/// values, per-field conflict rules, idempotent <c>[ARIA]</c> note pushes, activity pulls, retries with backoff, and
/// an audit entry for every operation. Provider-agnostic: the lead's link names the CRM.
/// </summary>
/// <remarks>Thread-safe. Per-lead failures come back as <see cref="SyncResult"/> values; exceptions are for invalid arguments and whole-call failures.</remarks>
public interface ICrmSyncService
{
    /// <summary>Reads the sync state of a lead.</summary>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The state, or <see langword="null"/> when none exists.</returns>
    Task<CrmSyncState?> GetSyncStateAsync(string leadMemoryId, CancellationToken cancellationToken = default);

    /// <summary>Creates the sync state of a lead (status <c>synced</c>), or returns the existing one.</summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The state.</returns>
    /// <exception cref="CrmSyncNotFoundException">The lead does not exist for that user.</exception>
    Task<CrmSyncState> CreateSyncStateAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default);

    /// <summary>Moves a lead's sync state to <paramref name="status"/>, enforcing the state machine.</summary>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="status">The new status.</param>
    /// <param name="update">Pending changes, error message and direction to record.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The stored state.</returns>
    /// <exception cref="CrmSyncNotFoundException">The lead has no sync state.</exception>
    /// <exception cref="CrmSyncStateTransitionException">The transition is not allowed by the state machine.</exception>
    Task<CrmSyncState> UpdateSyncStatusAsync(string leadMemoryId, SyncStatus status, SyncStatusUpdate? update = null, CancellationToken cancellationToken = default);

    /// <summary>Records that the host changed a lead (status <c>synced → pending</c>), so the next sync pushes it.</summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="fields">The fields changed.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The stored state.</returns>
    Task<CrmSyncState> MarkLeadChangedAsync(string userId, string leadMemoryId, IReadOnlyCollection<string> fields, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pushes a summary to the lead's CRM record as a note tagged <c>[ARIA] </c>. The note is recorded in the outbox
    /// with an idempotency key before the CRM is called, so a retry never writes it twice.
    /// </summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="summary">The summary text.</param>
    /// <param name="idempotencyKey">A caller-chosen key; defaults to a hash of the lead and the text.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The outcome.</returns>
    Task<SyncResult> PushSummaryAsync(string userId, string leadMemoryId, string summary, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a summary (tagged <c>[ARIA] </c>) in the lead's outbox without calling the CRM: the next connection sync
    /// sends every queued note in the CRM's batch sizes (a manual sync or a retry sends it too). Idempotent by key.
    /// </summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead memory id (linked to a CRM record).</param>
    /// <param name="summary">The summary text.</param>
    /// <param name="idempotencyKey">A caller-chosen key; defaults to a hash of the lead and the text.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The stored state, with the note in its outbox.</returns>
    /// <exception cref="CrmSyncNotFoundException">The lead does not exist for that user.</exception>
    /// <exception cref="CrmSyncValidationException">The lead is not linked, or the summary is too long.</exception>
    Task<CrmSyncState> QueueSummaryAsync(string userId, string leadMemoryId, string summary, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pulls the CRM record and applies its changes to the lead: fields changed only in the CRM are taken, fields
    /// changed on both sides follow their conflict rule; lead-only changes stay pending for the next push.
    /// </summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The outcome, with <see cref="SyncResult.Changes"/>.</returns>
    Task<SyncResult> PullStageChangesAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default);

    /// <summary>Pulls the CRM record's activities into lead events, skipping those already stored.</summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The outcome, with <see cref="SyncResult.ActivitiesSynced"/>.</returns>
    Task<SyncResult> PullActivitiesAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a full two-way sync of one lead now: three-way merge of every field (both directions), pending notes from
    /// the outbox, then activities. A person triggered it, so a lead that exhausted its automatic retries is tried again.
    /// </summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The outcome.</returns>
    Task<SyncResult> TriggerManualSyncAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Schedules an automatic retry of a failed lead (<c>error → pending</c>) with exponential backoff and jitter,
    /// honouring <paramref name="retryAfter"/>. Refused once the maximum number of retries was made.
    /// </summary>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="retryAfter">A minimum delay the CRM asked for, if any.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The outcome, with the new retry count.</returns>
    Task<RetryScheduleResult> ScheduleRetryAsync(string leadMemoryId, TimeSpan? retryAfter = null, CancellationToken cancellationToken = default);

    /// <summary>Runs the retries that are due now.</summary>
    /// <param name="maxLeads">The most leads to retry in this pass.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>What happened.</returns>
    Task<RetryRunResult> ProcessDueRetriesAsync(int maxLeads = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Syncs every linked lead of one user's CRM connection in batches: applies the records the CRM changed since the
    /// connection's checkpoint (compound cursor with an overlap window, checkpointed after each page, so a cancelled or
    /// crashed run resumes where it stopped), writes lead-side changes and queued notes in the CRM's batch sizes, pulls
    /// changed activities, and retries failed leads. One failing lead never blocks the others. A lease keeps other
    /// workers off the connection while it runs.
    /// </summary>
    /// <param name="userId">The user.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="options">The options.</param>
    /// <param name="progress">Receives progress after each page or batch.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The outcome.</returns>
    Task<ConnectionSyncResult> SyncConnectionAsync(string userId, CrmProvider provider, ConnectionSyncOptions? options = null, IProgress<ConnectionSyncProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Resolves an open (manual) conflict on one field: writes the chosen value to both sides and, when no conflict
    /// remains open, moves the lead from <c>conflict</c> to <c>synced</c>.
    /// </summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="field">The field in conflict.</param>
    /// <param name="resolution"><see cref="ConflictResolution.CrmWins"/> or <see cref="ConflictResolution.AriaWins"/>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>
    /// The outcome. Every failure about the lead is a value, never an exception: an unknown lead (<c>NOT_FOUND</c>), no
    /// open conflict on <paramref name="field"/> (<c>CRM_SYNC_VALIDATION</c>), a CRM that refuses or cannot be reached
    /// (its code); <see cref="SyncResult.Success"/> is then <see langword="false"/>.
    /// </returns>
    /// <exception cref="ArgumentException">An id or <paramref name="field"/> is empty (argument guard).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="resolution"/> is not <see cref="ConflictResolution.CrmWins"/> or
    /// <see cref="ConflictResolution.AriaWins"/> (argument guard: a person resolves with one of the two).</exception>
    Task<SyncResult> ResolveConflictAsync(string userId, string leadMemoryId, string field, ConflictResolution resolution, CancellationToken cancellationToken = default);
}
