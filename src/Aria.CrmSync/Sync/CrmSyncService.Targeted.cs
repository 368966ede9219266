namespace Aria.CrmSync.Sync;

/// <content>
/// Targeted connection sync: "these CRM records of this connection changed" (a change notification) runs the records
/// through the same path as a page of the incremental change stream — batch read of the ids, the page processing
/// (merge, version-checked lead writes, batched CRM writes, states, audit) — under the connection's lease. It moves no
/// checkpoint: the periodic incremental sync still reads every change, so a lost notification only delays one.
/// </content>
internal sealed partial class CrmSyncService
{
    /// <summary>Syncs the linked leads of the given CRM records of a connection (records no lead links to are ignored).</summary>
    /// <param name="userId">The connection's user.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="crmIds">The changed records.</param>
    /// <param name="options">The run's options; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The run's outcome (<see cref="ConnectionSyncResult.Completed"/> is false when another worker holds the lease).</returns>
    public async Task<ConnectionSyncResult> SyncConnectionRecordsAsync(string userId, CrmProvider provider, IReadOnlyCollection<string> crmIds, ConnectionSyncOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(crmIds);
        Auditing.AuditInput.ThrowIfInvalidId(userId, nameof(userId));
        if (provider.IsDefault)
        {
            throw new ArgumentOutOfRangeException(nameof(provider), "default(CrmProvider) names no CRM.");
        }

        options ??= new ConnectionSyncOptions { IncludeActivities = false };
        options.Validate();
        var ids = crmIds.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToList();
        return await _connectionSync.RunConnectionAsync(userId, provider, options, null, (run, token) => run.ExecuteTargetedAsync(ids, token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pulls a connection's activity feed from its checkpoint into the linked leads' events (a notice that activities changed).</summary>
    /// <param name="userId">The connection's user.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The run's outcome (<see cref="ConnectionSyncResult.Completed"/> is false when another worker holds the lease).</returns>
    public async Task<ConnectionSyncResult> SyncConnectionActivitiesAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        Auditing.AuditInput.ThrowIfInvalidId(userId, nameof(userId));
        if (provider.IsDefault)
        {
            throw new ArgumentOutOfRangeException(nameof(provider), "default(CrmProvider) names no CRM.");
        }

        var options = new ConnectionSyncOptions { IncludeActivities = true };
        return await _connectionSync.RunConnectionAsync(userId, provider, options, null, (run, token) => run.ExecuteActivitiesAsync(token), cancellationToken).ConfigureAwait(false);
    }
}
