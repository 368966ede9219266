using System.Runtime.ExceptionServices;

namespace Aria.CrmSync.Sync;

/// <content>A connection run's note phase: queued outbox items sent together by the note sender (<see cref="NoteSender"/>).</content>
internal sealed partial class ConnectionRun
{
    private async Task DeliverQueuedNotesAsync(CancellationToken cancellationToken)
    {
        var queued = new List<(LeadMemory Lead, CrmSyncState State)>();
        foreach (var lead in _leadsByCrmId.Values)
        {
            if (_states.TryGetValue(lead.Id, out var cached)
                && cached.Outbox.Any(o => o.Status is OutboxItemStatus.Pending or OutboxItemStatus.InFlight)
                && (cached.Status != SyncStatus.Error || svc.Env.Retry.ShouldRetry(cached.RetryCount)))
            {
                queued.Add((lead, cached));
            }
        }

        foreach (var chunk in queued.Chunk(options.BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = await svc.Notes.SendAsync(gateway, connection, [.. chunk.Select(q => q.Lead)], static _ => true, cancellationToken).ConfigureAwait(false);
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

            await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(Progress(Phase));
        }
    }
}
