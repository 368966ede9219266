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

        await foreach (var page in gateway.GetChangesAsync(connection, since, cancellationToken).ReadOneAheadAsync(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            _recordsRead += page.Records.Count;
            var leads = await LeadsForCrmIdsAsync([.. page.Records.Select(r => r.CrmId).Concat(page.DeletedIds).Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
            var batch = new List<(LeadMemory Lead, CrmRecord Record)>();
            var now = svc.Env.Time.GetUtcNow();
            foreach (var record in page.Records)
            {
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
                    // written for this lead (a pull, a push, a claim) is planned on the record read by id instead, in
                    // the lead-changes phase. Hits that agree with the state (echoes of earlier writes) settle here.
                    if (_readById.Add(lead.Id))
                    {
                        _readByIdCrmIds.Add(lead.CrmId!);
                    }

                    if (_prefetchIds.Contains(record.CrmId))
                    {
                        _hitTimes[record.CrmId] = record.LastModifiedAt; // a prefetched record older than this hit is read again
                    }

                    continue;
                }

                if (_compared.Add(lead.Id))
                {
                    batch.Add((lead, record));
                }
            }

            await ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
            foreach (var deletedId in page.DeletedIds)
            {
                if (leads.TryGetValue(deletedId, out var lead) && _compared.Add(lead.Id))
                {
                    await FailLeadAsync(lead, new CrmSyncNotFoundException($"{Serialization.WireValue.Format(Provider)} record", deletedId), cancellationToken).ConfigureAwait(false);
                }
            }

            _states.Clear(); // the page's leads are done: a later phase reads any of them again

            if (page.Cursor is { } next && (_cursor is null || _cursor.IsBefore(next.Timestamp, next.LastId ?? string.Empty)))
            {
                _cursor = next;
                await svc.States.SaveCursorAsync(new SyncCursorRecord(connection.ConnectionKey, ConnectionSynchronizer.RecordStream, next, svc.Env.Time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            }

            await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(Progress(Phase));
        }

        // The stream was read to its end: nothing changed between the checkpoint and now, so the checkpoint may move
        // up to now minus the overlap (the next run still re-reads one overlap before it). Otherwise a quiet CRM
        // would make every run re-read the overlap before its last change — all of a bulk import, run after run.
        _cursor = await AdvanceQuietCheckpointAsync(ConnectionSynchronizer.RecordStream, _cursor, cancellationToken).ConfigureAwait(false);
    }

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
    /// The leads not compared yet that need it — those the scan found, then the lagging hits to re-read by id — each
    /// chunk's leads and states read again (<see cref="LeadsForCrmIdsAsync"/>), read from the CRM in batches of
    /// <see cref="ConnectionSyncOptions.BatchSize"/> (prefetched records used where no newer hit was seen) and processed.
    /// </summary>
    private async Task ApplyLeadChangesAsync(CancellationToken cancellationToken)
    {
        var pending = new List<LeadMemory>();
        foreach (var chunk in _candidates.Concat(_readByIdCrmIds).Chunk(options.BatchSize))
        {
            var leads = await LeadsForCrmIdsAsync(chunk, cancellationToken).ConfigureAwait(false);
            var now = svc.Env.Time.GetUtcNow();
            foreach (var crmId in chunk)
            {
                if (leads.TryGetValue(crmId, out var lead) && !_compared.Contains(lead.Id)
                    && (_readById.Contains(lead.Id) || NeedsComparison(lead, now)) && _compared.Add(lead.Id))
                {
                    pending.Add(lead);
                }
            }

            // Only the pending leads' states stay (those of earlier chunks included: a batch spans chunks).
            var keep = pending.Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var id in _states.Keys.Where(id => !keep.Contains(id)).ToList())
            {
                _states.Remove(id);
            }

            while (pending.Count >= options.BatchSize)
            {
                await CompareAsync(pending.GetRange(0, options.BatchSize), cancellationToken).ConfigureAwait(false);
                pending.RemoveRange(0, options.BatchSize);
            }
        }

        if (pending.Count > 0)
        {
            await CompareAsync(pending, cancellationToken).ConfigureAwait(false);
        }

        _prefetched.Clear();
    }

    /// <summary>Reads a batch of leads' records by id and processes them; a record the CRM no longer has fails its lead.</summary>
    private async Task CompareAsync(List<LeadMemory> chunk, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var byId = new Dictionary<string, CrmRecord>(StringComparer.Ordinal);
        var toRead = new List<string>();
        foreach (var lead in chunk)
        {
            if (Prefetched(lead.CrmId!) is { } prefetched)
            {
                byId[prefetched.CrmId] = prefetched;
            }
            else
            {
                toRead.Add(lead.CrmId!);
            }
        }

        var records = toRead.Count == 0 ? [] : await gateway.GetRecordsAsync(connection, toRead, cancellationToken).ConfigureAwait(false);
        foreach (var record in records)
        {
            byId[record.CrmId] = record;
        }

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
    {
        if (options.FullReconciliation)
        {
            return true;
        }

        if (!_states.TryGetValue(lead.Id, out var state) || state.BaseSnapshot.Count == 0 || state.CrmId != lead.CrmId)
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
