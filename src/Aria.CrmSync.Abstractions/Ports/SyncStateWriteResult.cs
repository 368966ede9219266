namespace Aria.CrmSync;

/// <summary>
/// The outcome of one state in <see cref="ISyncStateStore.WriteManyAsync"/>: the stored state, or why it was not
/// written (another writer changed it first, or it no longer exists).
/// </summary>
public sealed class SyncStateWriteResult
{
    private SyncStateWriteResult(string leadMemoryId, CrmSyncState? stored, CrmSyncException? error)
    {
        LeadMemoryId = leadMemoryId;
        Stored = stored;
        Error = error;
    }

    /// <summary>Gets the lead whose state this result is for.</summary>
    public string LeadMemoryId { get; }

    /// <summary>Gets the state as stored (with its new <see cref="CrmSyncState.Version"/>), or <see langword="null"/> when it was not written.</summary>
    public CrmSyncState? Stored { get; }

    /// <summary>
    /// Gets why the state was not written: a <see cref="CrmSyncConcurrencyException"/> (a stale version, or an insert of a
    /// state that already exists) or a <see cref="CrmSyncNotFoundException"/> (an update of a state that does not exist);
    /// <see langword="null"/> when it was written.
    /// </summary>
    public CrmSyncException? Error { get; }

    /// <summary>Gets a value indicating whether the state was written.</summary>
    public bool Succeeded => Stored is not null;

    /// <summary>Creates the result of a state that was written.</summary>
    /// <param name="stored">The state as stored.</param>
    /// <returns>The result.</returns>
    public static SyncStateWriteResult Written(CrmSyncState stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return new SyncStateWriteResult(stored.LeadMemoryId, stored, null);
    }

    /// <summary>Creates the result of a state that was not written.</summary>
    /// <param name="leadMemoryId">The lead.</param>
    /// <param name="error">Why: a <see cref="CrmSyncConcurrencyException"/> or a <see cref="CrmSyncNotFoundException"/>.</param>
    /// <returns>The result.</returns>
    public static SyncStateWriteResult Refused(string leadMemoryId, CrmSyncException error)
    {
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        ArgumentNullException.ThrowIfNull(error);
        if (error is not (CrmSyncConcurrencyException or CrmSyncNotFoundException))
        {
            throw new ArgumentException("A refused state write is explained by a concurrency or not-found error.", nameof(error));
        }

        return new SyncStateWriteResult(leadMemoryId, null, error);
    }
}
