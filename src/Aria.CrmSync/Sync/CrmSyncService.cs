namespace Aria.CrmSync.Sync;

/// <summary>
/// The sync engine behind <see cref="ICrmSyncService"/>: validates each call's arguments and delegates it to the part
/// that owns the operation. The parts are separate classes with their own dependencies (see docs/architecture.md):
/// <see cref="SyncStateEditor"/>, <see cref="LeadSynchronizer"/>, <see cref="LeadNotePusher"/>, <see cref="ActivityPuller"/>,
/// <see cref="ConflictResolver"/>, <see cref="RetryScheduler"/> and <see cref="ConnectionSynchronizer"/>; every write of
/// lead values goes through <see cref="LeadPlanExecutor"/>, every note through <see cref="NoteSender"/>.
/// </summary>
internal sealed partial class CrmSyncService(
    SyncStateEditor stateEditor,
    LeadSynchronizer leadSync,
    LeadNotePusher notes,
    ActivityPuller activities,
    ConflictResolver conflicts,
    RetryScheduler retries,
    ConnectionSynchronizer connectionSync) : ICrmSyncService
{
    /// <summary>The <see cref="ConnectionSyncResult.Reason"/> of a run that found the connection lease held (the fleet worker retries it soon).</summary>
    internal const string LeaseHeldReason = ConnectionSynchronizer.LeaseHeldReason;

    private readonly ConnectionSynchronizer _connectionSync = connectionSync;

    /// <summary>Returns whether a lead that made <paramref name="retryCount"/> retries may be retried again.</summary>
    public bool ShouldRetry(int retryCount) => retries.ShouldRetry(retryCount);

    /// <summary>Whether every gateway accepts the key as it is: 1 to 100 characters of <c>A-Z a-z 0-9 - _ . : @ + = /</c>.</summary>
    internal static bool IsPortableIdempotencyKey(string key) => LeadNotePusher.IsPortableIdempotencyKey(key);

    public Task<CrmSyncState?> GetSyncStateAsync(string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ValidateId(leadMemoryId);
        return stateEditor.GetSyncStateAsync(leadMemoryId, cancellationToken);
    }

    public Task<CrmSyncState> CreateSyncStateAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ValidateIds(userId, leadMemoryId);
        return stateEditor.CreateSyncStateAsync(userId, leadMemoryId, cancellationToken);
    }

    public Task<CrmSyncState> UpdateSyncStatusAsync(string leadMemoryId, SyncStatus status, SyncStatusUpdate? update = null, CancellationToken cancellationToken = default)
    {
        ValidateId(leadMemoryId);
        if (!Enum.IsDefined(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown sync status.");
        }

        return stateEditor.UpdateSyncStatusAsync(leadMemoryId, status, update, cancellationToken);
    }

    public Task<CrmSyncState> MarkLeadChangedAsync(string userId, string leadMemoryId, IReadOnlyCollection<string> fields, CancellationToken cancellationToken = default)
    {
        ValidateIds(userId, leadMemoryId);
        ArgumentNullException.ThrowIfNull(fields);
        return stateEditor.MarkLeadChangedAsync(userId, leadMemoryId, fields, cancellationToken);
    }

    public Task<SyncResult> PushSummaryAsync(string userId, string leadMemoryId, string summary, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ValidateIds(userId, leadMemoryId);
        notes.ValidateSummary(summary, idempotencyKey);
        return notes.PushSummaryAsync(userId, leadMemoryId, summary, idempotencyKey, cancellationToken);
    }

    public Task<CrmSyncState> QueueSummaryAsync(string userId, string leadMemoryId, string summary, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ValidateIds(userId, leadMemoryId);
        notes.ValidateSummary(summary, idempotencyKey);
        return notes.QueueSummaryAsync(userId, leadMemoryId, summary, idempotencyKey, cancellationToken);
    }

    public Task<SyncResult> PullStageChangesAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ValidateIds(userId, leadMemoryId);
        return leadSync.PullStageChangesAsync(userId, leadMemoryId, cancellationToken);
    }

    public Task<SyncResult> PullActivitiesAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ValidateIds(userId, leadMemoryId);
        return activities.PullActivitiesAsync(userId, leadMemoryId, cancellationToken);
    }

    public Task<SyncResult> TriggerManualSyncAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ValidateIds(userId, leadMemoryId);
        return leadSync.RunFullSyncAsync(userId, leadMemoryId, manual: true, cancellationToken);
    }

    public Task<RetryScheduleResult> ScheduleRetryAsync(string leadMemoryId, TimeSpan? retryAfter = null, CancellationToken cancellationToken = default)
    {
        ValidateId(leadMemoryId);
        if (retryAfter is { } r && r < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(retryAfter), retryAfter, "Retry-After must not be negative.");
        }

        return retries.ScheduleRetryAsync(leadMemoryId, retryAfter, cancellationToken);
    }

    public Task<RetryRunResult> ProcessDueRetriesAsync(int maxLeads = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLeads, 1);
        return retries.ProcessDueRetriesAsync(maxLeads, cancellationToken);
    }

    public Task<ConnectionSyncResult> SyncConnectionAsync(string userId, CrmProvider provider, ConnectionSyncOptions? options = null, IProgress<ConnectionSyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ValidateConnection(userId, provider);
        options ??= new ConnectionSyncOptions();
        options.Validate();
        return _connectionSync.SyncConnectionAsync(userId, provider, options, progress, cancellationToken);
    }

    public Task<SyncResult> ResolveConflictAsync(string userId, string leadMemoryId, string field, ConflictResolution resolution, CancellationToken cancellationToken = default)
    {
        ValidateIds(userId, leadMemoryId);
        ArgumentException.ThrowIfNullOrEmpty(field);
        if (resolution is not (ConflictResolution.CrmWins or ConflictResolution.AriaWins))
        {
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "A person resolves a conflict with crm_wins or aria_wins.");
        }

        return conflicts.ResolveConflictAsync(userId, leadMemoryId, field, resolution, cancellationToken);
    }

    private static void ValidateId(string leadMemoryId, string name = "leadMemoryId")
    {
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId, name);
        Auditing.AuditInput.ThrowIfInvalidId(leadMemoryId, name);
    }

    private static void ValidateIds(string userId, string leadMemoryId)
    {
        ValidateId(userId, nameof(userId));
        ValidateId(leadMemoryId, nameof(leadMemoryId));
    }

    private static void ValidateConnection(string userId, CrmProvider provider)
    {
        ValidateId(userId, nameof(userId));
        if (provider.IsDefault)
        {
            throw new ArgumentOutOfRangeException(nameof(provider), "default(CrmProvider) names no CRM.");
        }
    }
}
