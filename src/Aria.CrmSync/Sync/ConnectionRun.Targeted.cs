namespace Aria.CrmSync.Sync;

/// <content>
/// Targeted runs: "these CRM records of this connection changed", processed as a page of the change stream; and "this
/// connection's activities changed", the activity phase alone.
/// </content>
internal sealed partial class ConnectionRun
{
    /// <summary>Reads the records by id in batches and processes the ones linked to a lead, as a change page is.</summary>
    public async Task ExecuteTargetedAsync(IReadOnlyList<string> crmIds, CancellationToken cancellationToken)
    {
        Phase = ConnectionSyncPhase.CrmChanges;
        foreach (var chunk in crmIds.Chunk(options.BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var leads = await LeadsForCrmIdsAsync(chunk, cancellationToken).ConfigureAwait(false);
            var linked = chunk.Distinct(StringComparer.Ordinal).Where(leads.ContainsKey).ToList();
            if (linked.Count == 0)
            {
                _states.Clear();
                continue;
            }

            var records = await gateway.GetRecordsAsync(connection, linked, cancellationToken).ConfigureAwait(false);
            _recordsRead += records.Count;
            var byId = records.ToDictionary(r => r.CrmId, StringComparer.Ordinal);
            var batch = new List<(LeadMemory Lead, CrmRecord Record)>();
            foreach (var crmId in linked)
            {
                var current = leads[crmId];
                if (!_compared.Add(current.Id))
                {
                    continue;
                }

                if (byId.TryGetValue(crmId, out var record))
                {
                    batch.Add((current, record));
                }
                else
                {
                    await FailLeadAsync(current, new CrmSyncNotFoundException($"{Serialization.WireValue.Format(Provider)} record", crmId), cancellationToken).ConfigureAwait(false);
                }
            }

            await ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
            _states.Clear();
            await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Pulls the activity feed from its checkpoint into the linked leads' events (the activity phase alone).</summary>
    public async Task ExecuteActivitiesAsync(CancellationToken cancellationToken)
    {
        Phase = ConnectionSyncPhase.Activities;
        await PullActivityChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
