namespace Aria.CrmSync.Sync;

/// <content>
/// A connection run's scan of the linked leads (streamed in chunks, only CRM ids kept) and the prefetch of the first
/// batch of ARIA-side changes while the change stream is read.
/// </content>
internal sealed partial class ConnectionRun
{
    /// <summary>
    /// Before the change stream: streams the connection's linked leads from the store in chunks with their states and
    /// remembers, by CRM id, the leads that need comparison (ARIA-side changes, no agreement yet, due retries) and the
    /// leads with queued notes. Only these ids outlive a chunk.
    /// </summary>
    private async Task ScanLinkedLeadsAsync(CancellationToken cancellationToken)
    {
        var listed = new List<LeadMemory>(StreamChunk);
        await foreach (var lead in svc.Leads.ListLinkedAsync(connection.UserId, Provider, cancellationToken).ConfigureAwait(false))
        {
            listed.Add(lead);
            if (listed.Count == StreamChunk)
            {
                await ScanChunkAsync(listed, cancellationToken).ConfigureAwait(false);
                listed.Clear();
            }
        }

        await ScanChunkAsync(listed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many listed leads the scan reads states for at a time.</summary>
    private const int StreamChunk = 1000;

    private async Task ScanChunkAsync(List<LeadMemory> listed, CancellationToken cancellationToken)
    {
        if (listed.Count == 0)
        {
            return;
        }

        await LoadStatesAsync([.. listed.Select(l => l.Id)], cancellationToken).ConfigureAwait(false);

        // The leads again, now that their states are read (see LeadsForCrmIdsAsync); the lead each CRM record links
        // now (the lowest id, as every phase picks), a lead unlinked since it was listed left alone.
        var fresh = await FindLeadsAsync([.. listed.Select(l => l.CrmId!).Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
        var now = svc.Env.Time.GetUtcNow();
        foreach (var listedLead in listed)
        {
            if (!fresh.TryGetValue(listedLead.CrmId!, out var lead) || lead.Id != listedLead.Id)
            {
                continue;
            }

            if (NeedsComparison(lead, now))
            {
                _candidates.Add(lead.CrmId!);
                if (_prefetchIds.Count < options.BatchSize && _states.TryGetValue(lead.Id, out var agreed)
                    && agreed.BaseSnapshot.Count > 0 && agreed.CrmId == lead.CrmId && agreed.Status != SyncStatus.Error)
                {
                    // An ARIA-side change of a linked, agreed lead: its record is read while the change stream is.
                    // A lead with no agreement yet (a new link, a first sync) is left out: its record is usually
                    // in the change stream itself, and reading it early would be a wasted call.
                    _prefetchIds.Add(lead.CrmId!);
                }
            }

            if (options.PushLocalChanges && _states.TryGetValue(lead.Id, out var state) && HasQueuedNotes(state))
            {
                _queuedNotes.Add(lead.CrmId!);
            }
        }

        _states.Clear();
    }

    /// <summary>
    /// Reads the records of the first batch of ARIA-side changes (see <see cref="ScanChunkAsync"/>) while the change
    /// stream is read: their ids are known up front, and on a search-paced CRM (HubSpot) the general request budget is idle meanwhile. Best
    /// effort: the lead-changes phase reads whatever this did not.
    /// </summary>
    /// <returns>How many records it read (the run's phases add them to its count once it is done).</returns>
    private async Task<int> PrefetchCandidatesAsync(CancellationToken cancellationToken)
    {
        if (_prefetchIds.Count == 0)
        {
            return 0;
        }

        try
        {
            var records = await gateway.GetRecordsAsync(connection, [.. _prefetchIds], cancellationToken).ConfigureAwait(false);
            foreach (var record in records)
            {
                _prefetched[record.CrmId] = record; // read by the lead-changes phase only after this task is awaited
            }

            return records.Count;
        }
        catch (Exception ex) when (SyncFailures.IsOperational(ex, cancellationToken))
        {
            // The lead-changes phase reads them by id (and meets the failure there if it lasts).
            return 0;
        }
    }

    /// <summary>The prefetched record of a lead, unless a change hit newer than it was seen (then it is read again).</summary>
    private CrmRecord? Prefetched(string crmId)
    {
        if (!_prefetched.Remove(crmId, out var record))
        {
            return null;
        }

        return !_hitTimes.TryGetValue(crmId, out var hit) || (hit is { } seen && record.LastModifiedAt is { } read && read >= seen) ? record : null;
    }
}
