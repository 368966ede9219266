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
            var linked = new List<LeadMemory>();
            foreach (var crmId in chunk)
            {
                if (await svc.Leads.FindByCrmIdAsync(connection.UserId, Provider, crmId, cancellationToken).ConfigureAwait(false) is { } lead)
                {
                    linked.Add(lead);
                }
            }

            if (linked.Count == 0)
            {
                continue;
            }

            foreach (var state in await svc.States.GetManyAsync(linked.Select(l => l.Id).ToList(), cancellationToken).ConfigureAwait(false))
            {
                _states[state.LeadMemoryId] = state;
            }

            // The leads again, now that their states are read (as LoadLinkedLeadsAsync does for a whole connection).
            foreach (var lead in linked)
            {
                if (await svc.Leads.FindByCrmIdAsync(connection.UserId, Provider, lead.CrmId!, cancellationToken).ConfigureAwait(false) is { } fresh)
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

    /// <summary>Pulls the activity feed from its checkpoint into the linked leads' events (the activity phase alone).</summary>
    public async Task ExecuteActivitiesAsync(CancellationToken cancellationToken)
    {
        Phase = ConnectionSyncPhase.Activities;
        var leads = new Dictionary<string, LeadMemory>(StringComparer.Ordinal);
        await foreach (var lead in svc.Leads.ListLinkedAsync(connection.UserId, Provider, cancellationToken).ConfigureAwait(false))
        {
            if (lead.CrmId is { } crmId)
            {
                leads[crmId] = lead;
            }
        }

        await PullActivityChangesAsync(leads, cancellationToken).ConfigureAwait(false);
    }
}
