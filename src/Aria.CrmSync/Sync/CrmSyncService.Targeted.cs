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
        return await RunConnectionAsync(userId, provider, options, null, (run, token) => run.ExecuteTargetedAsync(ids, token), cancellationToken).ConfigureAwait(false);
    }

    private sealed partial class ConnectionRun
    {
        /// <summary>Reads the records by id in batches and processes the ones linked to a lead, as a change page is.</summary>
        public async Task ExecuteTargetedAsync(IReadOnlyList<string> crmIds, CancellationToken cancellationToken)
        {
            Phase = ConnectionSyncPhase.CrmChanges;
            foreach (var chunk in crmIds.Chunk(options.BatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var linked = new List<LeadMemory>();
                foreach (var crmId in chunk)
                {
                    if (await svc._leads.FindByCrmIdAsync(connection.UserId, Provider, crmId, cancellationToken).ConfigureAwait(false) is { } lead)
                    {
                        linked.Add(lead);
                    }
                }

                if (linked.Count == 0)
                {
                    continue;
                }

                foreach (var state in await svc._states.GetManyAsync(linked.Select(l => l.Id).ToList(), cancellationToken).ConfigureAwait(false))
                {
                    _states[state.LeadMemoryId] = state;
                }

                // The leads again, now that their states are read (as LoadLinkedLeadsAsync does for a whole connection).
                foreach (var lead in linked)
                {
                    if (await svc._leads.FindByCrmIdAsync(connection.UserId, Provider, lead.CrmId!, cancellationToken).ConfigureAwait(false) is { } fresh)
                    {
                        _leadsByCrmId[fresh.CrmId!] = fresh;
                    }
                }

                var records = await gateway.GetRecordsAsync(connection, linked.Select(l => l.CrmId!).ToList(), cancellationToken).ConfigureAwait(false);
                _recordsRead += records.Count;
                var byId = records.ToDictionary(r => r.CrmId, StringComparer.Ordinal);
                var batch = new List<(LeadMemory Lead, CrmRecord Record)>();
                foreach (var lead in linked)
                {
                    if (!_leadsByCrmId.TryGetValue(lead.CrmId!, out var current) || !_compared.Add(current.Id))
                    {
                        continue;
                    }

                    if (byId.TryGetValue(current.CrmId!, out var record))
                    {
                        batch.Add((current, record));
                    }
                    else
                    {
                        await FailLeadAsync(current, new CrmSyncNotFoundException($"{Serialization.WireValue.Format(Provider)} record", current.CrmId!), cancellationToken).ConfigureAwait(false);
                    }
                }

                await ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
                await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
