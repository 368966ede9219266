using System.Threading.Channels;
using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Sync;

/// <content>
/// Early reads (<see cref="ConnectionSyncOptions.ReadLocalChangesEarly"/>): the leads with ARIA-side changes are known
/// from the store before the change stream ends, so on a lagging feed (HubSpot's search, whose pages are paced by their
/// own rate budget) their records are read by id in the background from the first page on, on the general budget, and
/// merged at the start of the lead-changes phase (merging between pages would hold the next search behind the writes,
/// and the writes' new modification times would come back as more search pages). A record read early is the CRM's record as of
/// that read, as if the lead-changes phase had read it then; it is merged only if nothing moved since: the lead not
/// compared yet in this run, its sync state the very version the read was picked against (no other writer, no earlier
/// page of this run), and no unconfirmed write of its own (such a lead is left to the lead-changes phase, which reads it
/// after the change stream). Anything else is read again by id there. At most <see cref="EarlyBatches"/> batches of
/// records (<see cref="ConnectionSyncOptions.BatchSize"/> each, the one being read included) wait to be merged, a bound
/// that does not grow with the connection. (Four read more leads twice at 100,000 leads, 666 calls against 650, for no gain in
/// wall time: a lead read early that the change stream then reports is read again.)
/// </content>
internal sealed partial class ConnectionRun
{
    /// <summary>How many batches of records read early may wait for the merge at once, the one being read included.</summary>
    private const int EarlyBatches = 2;

    private Channel<EarlyRecord>? _early;

    private readonly record struct EarlyRecord(string LeadId, long StateVersion, CrmRecord Record);

    private Task? _earlyReader;
    private CancellationTokenSource? _earlyStop;

    /// <summary>Runs <paramref name="work"/>, then stops the early reads if it started them (<see cref="StartEarlyReads"/>).</summary>
    private async Task WithEarlyReadsAsync(Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        finally
        {
            if (_earlyReader is { } reader)
            {
                await _earlyStop!.CancelAsync().ConfigureAwait(false);
                try
                {
                    await reader.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopped with the run.
                }

                _earlyStop.Dispose();
            }

            _early = null;
            _earlyReader = null;
        }
    }

    /// <summary>
    /// Starts the early reads beside the change phase, once (on its first lagging page), unless turned off or under
    /// full reconciliation (which compares every lead anyway).
    /// </summary>
    private void StartEarlyReads(CancellationToken cancellationToken)
    {
        if (_earlyReader is not null || !options.ReadLocalChangesEarly || options.FullReconciliation)
        {
            return;
        }

        _early = Channel.CreateBounded<EarlyRecord>(new BoundedChannelOptions((EarlyBatches - 1) * options.BatchSize) { SingleReader = true, SingleWriter = true });
        _earlyStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = _early.Writer;
        var stop = _earlyStop.Token;
        _earlyReader = Task.Run(() => ReadEarlyAsync(writer, stop), CancellationToken.None);
    }

    /// <summary>Lists the linked leads, picks those an early read may serve and reads them by id, a batch at a time.</summary>
    private async Task ReadEarlyAsync(ChannelWriter<EarlyRecord> writer, CancellationToken cancellationToken)
    {
        try
        {
            var picked = new List<(LeadMemory Lead, long StateVersion)>();
            await foreach (var listed in LinkedLeadChunksAsync(StreamChunk, cancellationToken).ConfigureAwait(false))
            {
                await PickEarlyAsync(listed, picked, cancellationToken).ConfigureAwait(false);
                listed.Clear();
                await ReadPickedAsync(picked, writer, all: false, cancellationToken).ConfigureAwait(false);
            }

            await ReadPickedAsync(picked, writer, all: true, cancellationToken).ConfigureAwait(false);
        }
        catch (CrmSyncException ex)
        {
            // Only a head start: what was not read early is read by id by the lead-changes phase, which meets the same
            // failure if it lasts.
            Log.EarlyReadStopped(svc.Env.Logger, Provider, ex.Code);
        }
        finally
        {
            writer.TryComplete();
        }
    }

    /// <summary>
    /// Picks the leads of a listed chunk an early read may serve: their states first, then the leads again (a lead
    /// listed before the change stream merged its record would look changed against the state that merge wrote).
    /// </summary>
    private async Task PickEarlyAsync(List<LeadMemory> listed, List<(LeadMemory Lead, long StateVersion)> picked, CancellationToken cancellationToken)
    {
        var states = (await svc.States.GetManyAsync([.. listed.Select(l => l.Id)], cancellationToken).ConfigureAwait(false))
            .ToDictionary(s => s.LeadMemoryId, StringComparer.Ordinal);
        var leads = await svc.Leads.FindByCrmIdsAsync(connection.UserId, Provider, [.. listed.Select(l => l.CrmId!).Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
        var now = svc.Env.Time.GetUtcNow();
        foreach (var lead in leads)
        {
            if (states.TryGetValue(lead.Id, out var state)
                && state.Status is SyncStatus.Synced or SyncStatus.Pending
                && state.CrmId == lead.CrmId
                && !state.PendingChanges.Any(p => p.Field != LeadFields.Notes)
                && NeedsComparison(lead, state, now))
            {
                picked.Add((lead, state.Version));
            }
        }
    }

    /// <summary>Reads the picked leads' records by id in full batches (all of them with <paramref name="all"/>) and hands them to the merge.</summary>
    private async Task ReadPickedAsync(List<(LeadMemory Lead, long StateVersion)> picked, ChannelWriter<EarlyRecord> writer, bool all, CancellationToken cancellationToken)
    {
        while (picked.Count >= options.BatchSize || (all && picked.Count > 0))
        {
            var group = picked.GetRange(0, Math.Min(options.BatchSize, picked.Count));
            picked.RemoveRange(0, group.Count);
            var byCrmId = group.GroupBy(p => p.Lead.CrmId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            foreach (var record in await gateway.GetRecordsAsync(connection, [.. byCrmId.Keys], cancellationToken).ConfigureAwait(false))
            {
                if (byCrmId.TryGetValue(record.CrmId, out var lead))
                {
                    await writer.WriteAsync(new EarlyRecord(lead.Lead.Id, lead.StateVersion, record), cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Merges the records read early, in full batches (a partial batch would cost a partial pre-write read and write
    /// call) until the early reads are done. A record whose lead moved since it was picked is dropped (the lead-changes
    /// phase then reads the lead by id if it still needs it).
    /// </summary>
    private async Task MergeEarlyReadsAsync(CancellationToken cancellationToken)
    {
        if (_early is not { } early)
        {
            return;
        }

        var done = false;
        while (!done)
        {
            var items = new List<EarlyRecord>();
            while (items.Count < options.BatchSize)
            {
                if (early.Reader.TryRead(out var item))
                {
                    items.Add(item);
                }
                else if (!await early.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    done = true;
                    break;
                }
            }

            _recordsRead += items.Count;
            await MergeEarlyAsync(items, cancellationToken).ConfigureAwait(false);
            await FreshStack();
        }
    }

    private async Task MergeEarlyAsync(List<EarlyRecord> items, CancellationToken cancellationToken)
    {
        items.RemoveAll(i => _compared.Contains(i.LeadId));
        if (items.Count == 0)
        {
            return;
        }

        var leads = await LeadsForCrmIdsAsync([.. items.Select(i => i.Record.CrmId).Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
        var now = svc.Env.Time.GetUtcNow();
        var batch = new List<(LeadMemory Lead, CrmRecord Record)>();
        foreach (var item in items)
        {
            if (leads.TryGetValue(item.Record.CrmId, out var lead)
                && lead.Id == item.LeadId
                && _states.TryGetValue(lead.Id, out var state)
                && state.Version == item.StateVersion
                && !LeadSyncPlan.IsStale(item.Record, state)
                && NeedsComparison(lead, now)
                && _compared.Add(lead.Id))
            {
                batch.Add((lead, item.Record));
            }
        }

        await ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
        foreach (var lead in leads.Values)
        {
            _states.Remove(lead.Id);
        }

        await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
        progress?.Report(Progress(Phase));
    }
}
