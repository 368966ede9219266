using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Sync;

/// <content>A connection run's two read phases: the CRM's change stream (with its checkpoint) and the linked leads changed on ARIA's side.</content>
internal sealed partial class ConnectionRun
{
    private async Task ApplyCrmChangesAsync(CancellationToken cancellationToken)
    {
        var checkpoint = await svc.States.GetCursorAsync(connection.ConnectionKey, ConnectionSynchronizer.RecordStream, cancellationToken).ConfigureAwait(false);
        _cursor = checkpoint?.Cursor;
        var since = checkpoint is null ? null : new CrmCursor(checkpoint.Cursor.Timestamp - options.OverlapWindow, null);

        // Lagging hits that show a change wait here for their read by id, in batches of the gateway's size, so the
        // reads (general budget) run while the next page's search waits for the search budget. Their leads' states
        // are kept across pages until then, and the checkpoint is saved only when none is waiting: a run stopped
        // in between re-reads their hits.
        var lagging = new List<LeadMemory>();
        CrmCursor? unsaved = null;
        await foreach (var page in gateway.GetChangesAsync(connection, since, cancellationToken).ReadOneAheadAsync(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (page.MayLag)
            {
                StartEarlyReads(cancellationToken);
            }

            _recordsRead += page.Records.Count;
            var pushes = new List<LeadSyncPlan>(); // the page's CRM writes, sent together (ProcessAsync)
            for (var first = 0; first < page.Records.Count; first += WriteSlice)
            {
                await ApplySliceAsync(page, first, Math.Min(WriteSlice, page.Records.Count - first), lagging, pushes, cancellationToken).ConfigureAwait(false);
                KeepStatesOf(lagging); // the slice's leads are done (those waiting to write to the CRM have their plans): a later phase reads any of them again
                await FreshStack(); // the next slice is not looked up on top of this one's frames
            }

            await RunPushesAsync(pushes, cancellationToken).ConfigureAwait(false);
            if (page.DeletedIds.Count > 0)
            {
                var deleted = await LookUpAsync([.. page.DeletedIds.Distinct(StringComparer.Ordinal)], lagging, cancellationToken).ConfigureAwait(false);
                foreach (var deletedId in page.DeletedIds)
                {
                    if (deleted.TryGetValue(deletedId, out var lead) && _compared.Add(lead.Id))
                    {
                        await FailLeadAsync(lead, new CrmSyncNotFoundException($"{Serialization.WireValue.Format(Provider)} record", deletedId), cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            await ReadLaggingAsync(lagging, all: false, cancellationToken).ConfigureAwait(false);
            KeepStatesOf(lagging);

            if (page.Cursor is { } next && ((unsaved ?? _cursor) is not { } known || known.IsBefore(next.Timestamp, next.LastId ?? string.Empty)))
            {
                unsaved = next;
            }

            if (lagging.Count == 0 && unsaved is not null)
            {
                await SaveCursorAsync(unsaved, cancellationToken).ConfigureAwait(false);
                unsaved = null;
            }

            await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(Progress(Phase));
        }

        await ReadLaggingAsync(lagging, all: true, cancellationToken).ConfigureAwait(false);
        if (unsaved is not null)
        {
            await SaveCursorAsync(unsaved, cancellationToken).ConfigureAwait(false);
        }

        // The stream was read to its end: nothing changed between the checkpoint and now, so the checkpoint may move
        // up to now minus the overlap (the next run still re-reads one overlap before it). Otherwise a quiet CRM
        // would make every run re-read the overlap before its last change — all of a bulk import, run after run.
        _cursor = await AdvanceQuietCheckpointAsync(ConnectionSynchronizer.RecordStream, _cursor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Merges one slice of a change page (<see cref="WriteSlice"/> records): its leads and states are looked up for the
    /// slice alone, so a page's 2,000 leads and states are not all held while it is written. Its plans that write to the
    /// CRM join <paramref name="pushes"/>, the page's.
    /// </summary>
    private async Task ApplySliceAsync(CrmChangePage page, int first, int count, List<LeadMemory> lagging, List<LeadSyncPlan> pushes, CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(count, StringComparer.Ordinal);
        for (var i = first; i < first + count; i++)
        {
            ids.Add(page.Records[i].CrmId);
        }

        var leads = await LookUpAsync(ids, lagging, cancellationToken).ConfigureAwait(false);
        var batch = new List<(LeadMemory Lead, CrmRecord Record)>();
        var now = svc.Env.Time.GetUtcNow();
        for (var i = first; i < first + count; i++) // not foreach: a struct enumerator left in this frame would hold the page while the next one is looked up
        {
            var record = page.Records[i];
            if (!leads.TryGetValue(record.CrmId, out var lead))
            {
                continue;
            }

            var state = StateFor(lead, now);
            if (LeadSyncPlan.IsStale(record, state))
            {
                // Older than what the state agreed with: not a CRM change. Left uncompared, so the lead-changes
                // phase still reads it by id (consistent) if the lead has changes to push.
                Log.StaleChangeHit(svc.Env.Logger, Provider, record.CrmId);
                continue;
            }

            if (page.MayLag && (NeedsComparison(lead, now) || ShowsChange(record, state)))
            {
                // From a lagging index, a hit may show a version the CRM has already left: whatever would be
                // written for this lead (a pull, a push, a claim) is planned on the record read by id instead.
                // Hits that agree with the state (echoes of earlier writes) settle here. A lead compared earlier
                // in the run is read again only for a version newer than the one its state agreed with.
                if (!lagging.Exists(l => l.Id == lead.Id) && (_compared.Add(lead.Id) || IsNewer(record, state)))
                {
                    lagging.Add(lead);
                }

                continue;
            }

            if (_compared.Add(lead.Id))
            {
                batch.Add((lead, record));
            }
        }

        await ProcessAsync(batch, pushes, cancellationToken).ConfigureAwait(false);
        leads.Clear(); // nor are the slice's leads and records held by this frame once it returns
        batch.Clear();
    }

    /// <summary>The linked leads of these CRM ids (<see cref="LeadsForCrmIdsAsync(IReadOnlyCollection{string}, CancellationToken)"/>); a lead waiting for its read by id whose state was read again is replaced by the lead read with it.</summary>
    private async Task<Dictionary<string, LeadMemory>> LookUpAsync(IReadOnlyCollection<string> crmIds, List<LeadMemory> lagging, CancellationToken cancellationToken)
    {
        var leads = await LeadsForCrmIdsAsync(crmIds, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < lagging.Count; i++)
        {
            if (leads.TryGetValue(lagging[i].CrmId!, out var again) && again.Id == lagging[i].Id)
            {
                lagging[i] = again; // its state was read again: keep the lead with it
            }
        }

        return leads;
    }

    private async Task SaveCursorAsync(CrmCursor cursor, CancellationToken cancellationToken)
    {
        _cursor = cursor;
        await svc.States.SaveCursorAsync(new SyncCursorRecord(connection.ConnectionKey, ConnectionSynchronizer.RecordStream, cursor, svc.Env.Time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the waiting lagging hits by id and processes them: whole batches of the gateway's size (or all of them,
    /// at the end of the stream); the rest wait for the next page.
    /// </summary>
    private async Task ReadLaggingAsync(List<LeadMemory> lagging, bool all, CancellationToken cancellationToken)
    {
        var size = Math.Max(1, Math.Min(options.BatchSize, gateway.MaxUpdateBatchSize));
        var take = all ? lagging.Count : lagging.Count / size * size;
        if (take == 0)
        {
            return;
        }

        var ready = lagging.GetRange(0, take);
        lagging.RemoveRange(0, take);
        await CompareAsync(ready, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the states held for the page except those of these leads (still waiting for their read).</summary>
    private void KeepStatesOf(List<LeadMemory> waiting)
    {
        if (waiting.Count == 0)
        {
            _states.Clear();
            return;
        }

        var keep = waiting.Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var id in _states.Keys.Where(id => !keep.Contains(id)).ToList())
        {
            _states.Remove(id);
        }
    }

    /// <summary>Whether a hit shows a CRM version newer than the one the lead's state agreed with.</summary>
    private static bool IsNewer(CrmRecord record, CrmSyncState state)
        => record.LastModifiedAt is { } seen && state.CrmLastModifiedAt is { } known && seen > known;

    private async Task<CrmCursor?> AdvanceQuietCheckpointAsync(string stream, CrmCursor? cursor, CancellationToken cancellationToken)
    {
        var now = svc.Env.Time.GetUtcNow();
        var settled = now - options.OverlapWindow;
        if (cursor is not null && settled > cursor.Timestamp)
        {
            cursor = new CrmCursor(settled, null);
            await svc.States.SaveCursorAsync(new SyncCursorRecord(connection.ConnectionKey, stream, cursor, now), cancellationToken).ConfigureAwait(false);
        }

        return cursor;
    }

    /// <summary>
    /// Streams the connection's linked leads from the store in chunks: each chunk's states, then its leads again (as
    /// <see cref="LeadsForCrmIdsAsync(IReadOnlyCollection{string}, CancellationToken)"/> does); the leads not compared yet that need it (ARIA-side changes, due
    /// retries) are read from the CRM by id in batches of <see cref="ConnectionSyncOptions.BatchSize"/>
    /// and processed. Leads with queued notes are remembered (by CRM id) for the note phase.
    /// </summary>
    private async Task ApplyLeadChangesAsync(CancellationToken cancellationToken)
    {
        await MergeEarlyReadsAsync(cancellationToken).ConfigureAwait(false);
        var pending = new List<LeadMemory>();
        await foreach (var listed in LinkedLeadChunksAsync(StreamChunk, cancellationToken).ConfigureAwait(false))
        {
            await ConsiderAsync(listed, pending, cancellationToken).ConfigureAwait(false);
            listed.Clear(); // the chunk is not held while a batch is compared: only the leads pending are
            while (pending.Count >= options.BatchSize)
            {
                var full = pending.GetRange(0, options.BatchSize);
                pending.RemoveRange(0, options.BatchSize);
                await CompareAsync(full, cancellationToken).ConfigureAwait(false);
                full.Clear();
                await FreshStack(); // the next chunk is not listed on top of this batch's frames
            }
        }

        foreach (var chunk in pending.Chunk(options.BatchSize))
        {
            await CompareAsync([.. chunk], cancellationToken).ConfigureAwait(false);
            await FreshStack();
        }
    }

    /// <summary>How many listed leads the lead-changes phase reads states for at a time.</summary>
    private const int StreamChunk = 1000;

    private async Task ConsiderAsync(List<LeadMemory> listed, List<LeadMemory> pending, CancellationToken cancellationToken)
    {
        await LoadStatesAsync([.. listed.Select(l => l.Id)], _states, cancellationToken).ConfigureAwait(false);
        var fresh = await FindLeadsAsync([.. listed.Select(l => l.CrmId!).Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
        var now = svc.Env.Time.GetUtcNow();
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var listedLead in listed)
        {
            // The lead the CRM record links now (one per record, the lowest id, as every phase picks); a lead unlinked
            // since it was listed is left alone.
            if (!fresh.TryGetValue(listedLead.CrmId!, out var lead))
            {
                continue;
            }

            var compare = !_compared.Contains(lead.Id) && NeedsComparison(lead, now) && _compared.Add(lead.Id);
            if (compare)
            {
                pending.Add(lead);
                keep.Add(lead.Id);
            }

            if (options.PushLocalChanges && lead.Id == listedLead.Id && _states.TryGetValue(lead.Id, out var state) && HasQueuedNotes(state))
            {
                // The one note of a lead this run compares no more may go now, beside the comparisons; a lead still to
                // be compared has its notes sent after them (its merge and its notes never write its state at once).
                await QueueNotesAsync(lead.CrmId!, now: !compare && QueuedNoteCount(state) == 1, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var listedLead in listed)
        {
            if (!keep.Contains(listedLead.Id))
            {
                _states.Remove(listedLead.Id);
            }
        }
    }

    /// <summary>Reads a batch of leads' records by id and processes them; a record the CRM no longer has fails its lead.</summary>
    private async Task CompareAsync(List<LeadMemory> chunk, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var records = await gateway.GetRecordsAsync(connection, chunk.Select(l => l.CrmId!).ToList(), cancellationToken).ConfigureAwait(false);
        var byId = records.ToDictionary(r => r.CrmId, StringComparer.Ordinal);
        var batch = new List<(LeadMemory, CrmRecord)>();
        foreach (var lead in chunk)
        {
            if (byId.TryGetValue(lead.CrmId!, out var record))
            {
                batch.Add((lead, record));
            }
            else
            {
                await FailLeadAsync(lead, new CrmSyncNotFoundException($"{Serialization.WireValue.Format(Provider)} record", lead.CrmId!), cancellationToken).ConfigureAwait(false);
            }
        }

        _recordsRead += records.Count;
        await ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
        foreach (var lead in chunk)
        {
            _states.Remove(lead.Id);
        }

        await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
        progress?.Report(Progress(Phase));
    }

    /// <summary>Whether a change-stream record differs from the agreement its lead's state holds (a CRM change, or an old version).</summary>
    private bool ShowsChange(CrmRecord record, CrmSyncState state)
    {
        var values = svc.Fields.For(connection).FromCrm(record, out _);
        return values.Any(kv => !state.BaseSnapshot.TryGetValue(kv.Key, out var agreed) || !string.Equals(agreed, kv.Value, StringComparison.Ordinal));
    }

    /// <summary>Whether a lead not reported by the change stream must be read: lead-side change, no agreement yet, or a due retry.</summary>
    private bool NeedsComparison(LeadMemory lead, DateTimeOffset now)
        => NeedsComparison(lead, _states.GetValueOrDefault(lead.Id), now);

    /// <summary>Whether a lead must be read, given its sync state (<see langword="null"/>: none yet).</summary>
    private bool NeedsComparison(LeadMemory lead, CrmSyncState? state, DateTimeOffset now)
    {
        if (options.FullReconciliation)
        {
            return true;
        }

        if (state is null || state.BaseSnapshot.Count == 0 || state.CrmId != lead.CrmId)
        {
            return true;
        }

        if (state.Status == SyncStatus.Error)
        {
            return svc.Env.Retry.ShouldRetry(state.RetryCount) && (state.NextAttemptAt is null || state.NextAttemptAt <= now);
        }

        if (state.Status == SyncStatus.Conflict)
        {
            return false;
        }

        var fields = svc.Fields.For(connection);
        var values = fields.FromLead(lead, agreed: state.BaseSnapshot);
        return state.PendingChanges.Any(p => p.Field != LeadFields.Notes)
            || values.Any(kv => state.BaseSnapshot.TryGetValue(kv.Key, out var b) ? kv.Value != b : fields.IsCustom(kv.Key)); // a custom field not agreed yet (new to the catalogue) is compared once
    }
}
