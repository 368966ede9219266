using System.Text.Json.Serialization;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>The sync state of one lead memory (one row of the seed's <c>lead_memory_crm_sync</c>, extended).</summary>
/// <remarks>
/// Immutable. Stores write it with optimistic concurrency: <see cref="Version"/> is the version the writer read;
/// a write based on a stale version fails with <see cref="CrmSyncConcurrencyException"/> and changes nothing.
/// </remarks>
public sealed record CrmSyncState
{
    /// <summary>Gets the sync state id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the lead memory id (one sync state per lead).</summary>
    public required string LeadMemoryId { get; init; }

    /// <summary>Gets the owner of the lead; absent in seed payloads.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the CRM the lead is linked to, when known.</summary>
    public CrmProvider? Provider { get; init; }

    /// <summary>Gets the linked CRM record id, when known.</summary>
    public string? CrmId { get; init; }

    /// <summary>Gets the sync status.</summary>
    public required SyncStatus Status { get; init; }

    /// <summary>Gets the direction of the last sync operation.</summary>
    public SyncDirection? SyncDirection { get; init; }

    /// <summary>Gets when the lead was last synced.</summary>
    public DateTimeOffset? LastSyncAt { get; init; }

    /// <summary>Gets when the library last wrote to the CRM for this lead.</summary>
    public DateTimeOffset? LastPushAt { get; init; }

    /// <summary>Gets when the library last read the CRM for this lead.</summary>
    public DateTimeOffset? LastPullAt { get; init; }

    /// <summary>Gets the lead-side changes waiting to reach the CRM.</summary>
    public IReadOnlyList<PendingChange> PendingChanges { get; init; } = [];

    /// <summary>Gets the conflicts detected for this lead, oldest first (open and resolved).</summary>
    public IReadOnlyList<SyncConflict> ConflictLog { get; init; } = [];

    /// <summary>Gets the last error message (never contains credentials).</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Gets how many automatic retries were made since the last success.</summary>
    public int RetryCount { get; init; }

    /// <summary>Gets when the next automatic attempt is due; <see langword="null"/> when none is scheduled.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Gets the optimistic-concurrency version (0 before the first write).</summary>
    public long Version { get; init; }

    /// <summary>
    /// Gets the base snapshot: the canonical value of every synced field that both sides agreed on at the last
    /// sync. Three-way comparison against it tells a one-sided change from a conflict.
    /// </summary>
    [JsonConverter(typeof(LenientStringDictionaryJsonConverter))]
    public IReadOnlyDictionary<string, string?> BaseSnapshot { get; init; } = EmptySnapshot;

    /// <summary>
    /// Gets the newest last-modified time of the CRM record that this state has agreed with: the record as read by a
    /// sync, or as written by one (the CRM's own timestamp, <see cref="CrmRecord.LastModifiedAt"/>). A change-feed hit
    /// older than this shows the record as it was before something this state already took into account (HubSpot's
    /// search index lags writes), so the connection sync does not merge it. <see langword="null"/> until a sync records it.
    /// </summary>
    public DateTimeOffset? CrmLastModifiedAt { get; init; }

    /// <summary>Gets the outbound writes recorded before they were sent (see <see cref="OutboxItem"/>).</summary>
    public IReadOnlyList<OutboxItem> Outbox { get; init; } = [];

    /// <summary>Gets when the state was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the state was last written.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets the open (unresolved) conflicts.</summary>
    [JsonIgnore]
    public IEnumerable<SyncConflict> OpenConflicts => ConflictLog.Where(c => c.IsOpen);

    private static IReadOnlyDictionary<string, string?> EmptySnapshot { get; } = new Dictionary<string, string?>();
}
