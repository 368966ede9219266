using System.Runtime.ExceptionServices;

namespace Aria.CrmSync.Sync;

/// <content>A connection run's note phase: queued outbox items sent together by the note sender (<see cref="NoteSender"/>).</content>
internal sealed partial class ConnectionRun
{
    /// <summary>
    /// Sends the queued notes of the leads the lead-changes phase found with some, a batch of
    /// <see cref="ConnectionSyncOptions.BatchSize"/> leads at a time, each batch's leads and states read again first.
    /// </summary>
    private async Task DeliverQueuedNotesAsync(CancellationToken cancellationToken)
    {
        foreach (var chunk in _queuedNotes.Chunk(options.BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var leads = await LeadsForCrmIdsAsync(chunk, cancellationToken).ConfigureAwait(false);
            var queued = chunk.Select(crmId => leads.GetValueOrDefault(crmId))
                .OfType<LeadMemory>()
                .Where(lead => _states.TryGetValue(lead.Id, out var state) && HasQueuedNotes(state))
                .ToList();
            _states.Clear();
            if (queued.Count == 0)
            {
                continue;
            }

            var batch = await svc.Notes.SendAsync(gateway, connection, queued, static _ => true, cancellationToken).ConfigureAwait(false);
            if (batch.Failure is { } failure)
            {
                ExceptionDispatchInfo.Throw(failure); // the run stops; the notes are sent (looked up first) by the next one
            }

            foreach (var sent in batch.Leads)
            {
                _states[sent.Lead.Id] = sent.State;
                _notesPushed += sent.Delivered;
                if (sent.Refused is { } refused)
                {
                    await FailLeadAsync(sent.Lead, svc.Notes.Refusal(Provider, refused), cancellationToken).ConfigureAwait(false);
                }
            }

            _states.Clear();
            await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(Progress(Phase));
        }
    }

    /// <summary>Whether a state has notes to send now: pending or in flight, and the lead not out of automatic retries.</summary>
    private bool HasQueuedNotes(CrmSyncState state)
        => state.Outbox.Any(o => o.Status is OutboxItemStatus.Pending or OutboxItemStatus.InFlight)
            && (state.Status != SyncStatus.Error || svc.Env.Retry.ShouldRetry(state.RetryCount));
}
