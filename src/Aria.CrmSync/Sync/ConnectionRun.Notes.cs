using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Aria.CrmSync.Sync;

/// <content>
/// A connection run's queued notes (outbox items), sent by the note sender (<see cref="NoteSender"/>). The lead-changes
/// phase finds them as it streams the linked leads. On a lagging feed with early reads on (HubSpot, where a large run is
/// bound by the rate budget), the note of a lead the run compares no more (compared earlier in the run, or with nothing
/// to compare) is sent at once by a task beside the phase, in full write calls of the gateway's batch size, so its state
/// writes and calls fill the time the comparisons leave the general budget idle; no other part of the run writes those
/// leads' states any more. Everything else (a lead still waiting for its comparison, so that its merge and its notes
/// never race on its sync state; a lead with several notes; the last, partial call's worth) is sent after the
/// comparisons, in the note phase, so the notes still take as few calls as one phase would.
/// </content>
internal sealed partial class ConnectionRun
{
    private Channel<string>? _notesNow;
    private Task<NotesSentBeside>? _noteTask;

    /// <summary>What the note task beside the lead-changes phase did: notes delivered, refusals to record, the call failure that stopped it.</summary>
    private sealed record NotesSentBeside(int Delivered, List<LeadNotes> Refusals, List<string> Left, Exception? Failure);

    /// <summary>Queues a lead's notes: sent now by the task beside the phase (started on first use) when <paramref name="now"/>, else after the comparisons.</summary>
    private async ValueTask QueueNotesAsync(string crmId, bool now, CancellationToken cancellationToken)
    {
        if (!now || _earlyReader is null)
        {
            _queuedNotes.Add(crmId);
            return;
        }

        if (_notesNow is null)
        {
            _notesNow = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var reader = _notesNow.Reader;
            _noteTask = Task.Run(() => SendNotesBesideAsync(reader, cancellationToken), CancellationToken.None);
        }

        await _notesNow.Writer.WriteAsync(crmId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends the notes queued to go now in full calls, until the phase has listed every lead; returns the rest.</summary>
    private async Task<NotesSentBeside> SendNotesBesideAsync(ChannelReader<string> reader, CancellationToken cancellationToken)
    {
        var size = Math.Max(1, Math.Min(options.BatchSize, gateway.MaxUpdateBatchSize));
        var delivered = 0;
        var refusals = new List<LeadNotes>();
        var chunk = new List<string>(size);
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (chunk.Count < size && reader.TryRead(out var crmId))
            {
                chunk.Add(crmId);
            }

            if (chunk.Count < size)
            {
                continue;
            }

            var (sent, failure) = await SendChunkBesideAsync(chunk, refusals, cancellationToken).ConfigureAwait(false);
            chunk.Clear();
            delivered += sent;
            if (failure is not null)
            {
                return new NotesSentBeside(delivered, refusals, [], failure); // the run stops when the phase ends; the next one sends the rest
            }

            await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
        }

        return new NotesSentBeside(delivered, refusals, chunk, null);
    }

    /// <summary>Sends one full call's worth beside the phase and keeps its refusals; the batch's leads and states go with this frame, not held while the next chunk fills.</summary>
    private async Task<(int Delivered, Exception? Failure)> SendChunkBesideAsync(List<string> chunk, List<LeadNotes> refusals, CancellationToken cancellationToken)
    {
        var batch = await SendNotesOfAsync(chunk, cancellationToken).ConfigureAwait(false);
        if (batch.Failure is { } failure)
        {
            return (0, failure);
        }

        var delivered = 0;
        foreach (var sent in batch.Leads)
        {
            delivered += sent.Delivered;
            if (sent.Refused is not null)
            {
                refusals.Add(sent);
            }
        }

        return (delivered, null);
    }

    /// <summary>Waits for the note task beside the lead-changes phase (all its notes listed), counts what it sent and records its refusals; rethrows the call failure that stopped it.</summary>
    private async Task FinishNotesBesideAsync(CancellationToken cancellationToken)
    {
        if (await EndNotesBesideAsync().ConfigureAwait(false) is not { } result)
        {
            return;
        }

        _notesPushed += result.Delivered;
        foreach (var crmId in result.Left)
        {
            _queuedNotes.Add(crmId); // less than a call's worth: sent with the note phase's
        }

        foreach (var refused in result.Refusals)
        {
            await FailRefusedAsync(refused, cancellationToken).ConfigureAwait(false);
        }

        if (result.Failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Stops the note task beside the phase when the run fails (its claims are let go; the next run sends the notes).</summary>
    private async Task StopNotesBesideAsync()
    {
        try
        {
            await EndNotesBesideAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The run's own failure is its outcome.
        }
    }

    /// <summary>Tells the note task beside the phase that every lead is listed and waits for it; <see langword="null"/> when none runs.</summary>
    private async Task<NotesSentBeside?> EndNotesBesideAsync()
    {
        if (_noteTask is not { } task)
        {
            return null;
        }

        _notesNow!.Writer.TryComplete();
        _noteTask = null;
        return await task.ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the queued notes of the leads the lead-changes phase compared after finding them, a batch of
    /// <see cref="ConnectionSyncOptions.BatchSize"/> leads at a time, each batch's leads and states read again first.
    /// </summary>
    private async Task DeliverQueuedNotesAsync(CancellationToken cancellationToken)
    {
        foreach (var chunk in _queuedNotes.Chunk(options.BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await DeliverChunkAsync(chunk, cancellationToken).ConfigureAwait(false);
            await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(Progress(Phase));
        }
    }

    /// <summary>Sends one chunk's notes and records the refusals; the batch's leads and states go with this frame, not held while the next chunk is claimed.</summary>
    private async Task DeliverChunkAsync(IReadOnlyCollection<string> chunk, CancellationToken cancellationToken)
    {
        var batch = await SendNotesOfAsync(chunk, cancellationToken).ConfigureAwait(false);
        if (batch.Failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure); // the run stops; the notes are sent (looked up first) by the next one
        }

        foreach (var sent in batch.Leads)
        {
            _notesPushed += sent.Delivered;
            await FailRefusedAsync(sent, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Fails a lead whose note the CRM refused, from the state that recorded the answers.</summary>
    private async Task FailRefusedAsync(LeadNotes sent, CancellationToken cancellationToken)
    {
        if (sent.Refused is not { } refused)
        {
            return;
        }

        _states[sent.Lead.Id] = sent.State;
        await FailLeadAsync(sent.Lead, svc.Notes.Refusal(Provider, refused), cancellationToken).ConfigureAwait(false);
        _states.Remove(sent.Lead.Id);
    }

    /// <summary>Reads the leads of these CRM ids and their states again and sends the notes still queued (its own states: it may run beside a phase).</summary>
    private async Task<NoteBatch> SendNotesOfAsync(IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken)
    {
        var states = new Dictionary<string, CrmSyncState>(StringComparer.Ordinal);
        var leads = await LeadsForCrmIdsAsync(crmIds, states, cancellationToken).ConfigureAwait(false);
        var queued = crmIds.Select(crmId => leads.GetValueOrDefault(crmId))
            .OfType<LeadMemory>()
            .Where(lead => states.TryGetValue(lead.Id, out var state) && HasQueuedNotes(state))
            .ToList();
        states.Clear(); // the note sender claims from the states it reads: these are not held while the notes go
        leads.Clear();
        return queued.Count == 0
            ? new NoteBatch([], null)
            : await svc.Notes.SendAsync(gateway, connection, queued, static _ => true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether a state has notes to send now: pending or in flight, and the lead not out of automatic retries.</summary>
    private bool HasQueuedNotes(CrmSyncState state)
        => QueuedNoteCount(state) > 0 && (state.Status != SyncStatus.Error || svc.Env.Retry.ShouldRetry(state.RetryCount));

    /// <summary>The notes of a state that are pending or in flight.</summary>
    private static int QueuedNoteCount(CrmSyncState state)
        => state.Outbox.Count(o => o.Status is OutboxItemStatus.Pending or OutboxItemStatus.InFlight);
}
