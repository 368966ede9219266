namespace Aria.CrmSync.Sync;

/// <content>A connection run's note phase: queued outbox items sent together.</content>
internal sealed partial class CrmSyncService
{
    private sealed partial class ConnectionRun
    {
        private async Task DeliverQueuedNotesAsync(CancellationToken cancellationToken)
        {
            var now = svc._time.GetUtcNow();
            var queued = new List<(LeadMemory Lead, CrmSyncState State)>();
            foreach (var lead in _leadsByCrmId.Values)
            {
                if (_states.TryGetValue(lead.Id, out var cached)
                    && cached.Outbox.Any(o => o.Status is OutboxItemStatus.Pending or OutboxItemStatus.InFlight)
                    && (cached.Status != SyncStatus.Error || svc._retry.ShouldRetry(cached.RetryCount)))
                {
                    queued.Add((lead, cached));
                }
            }

            foreach (var chunk in queued.Chunk(options.BatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();

                // Claim and count the attempt of every note before sending (see DeliverNotesAsync), then send them together.
                // A note another sender holds (ClaimedUntil in the future) is left to it.
                var sending = new List<(LeadMemory Lead, OutboxItem Item)>();
                foreach (var (lead, _) in chunk)
                {
                    try
                    {
                        var claimed = new List<OutboxItem>();
                        var state = await svc.MutateStateAsync(lead.Id, s => NoteOutbox.Claim(s, _ => true, now, svc._options.NoteClaimDuration, svc._options.MaxRetries, claimed), cancellationToken).ConfigureAwait(false);
                        _states[lead.Id] = state;
                        sending.AddRange(claimed.Select(o => (lead, o)));
                    }
                    catch (CrmSyncConcurrencyException)
                    {
                    }
                }

                if (sending.Count == 0)
                {
                    continue;
                }

                var requests = sending.Select(s => new CrmNoteRequest { IdempotencyKey = s.Item.IdempotencyKey, CrmId = s.Lead.CrmId!, Text = s.Item.Text, MayExist = s.Item.Attempts > 1 || s.Item.MayExist }).ToList();
                IReadOnlyList<CrmNoteResult> results;
                try
                {
                    results = await gateway.CreateNotesAsync(connection, requests, cancellationToken).ConfigureAwait(false);
                    if (results.Count != requests.Count)
                    {
                        throw new CrmSyncDataException($"The gateway returned {results.Count} results for {requests.Count} notes", $"{Provider} notes", Provider);
                    }
                }
                catch (Exception ex) when (IsOperationalFailure(ex, cancellationToken))
                {
                    // Let go of the claims (the notes may exist now: their attempt is counted, so the next one looks first).
                    foreach (var group in sending.GroupBy(s => s.Lead.Id))
                    {
                        var keys = group.Select(s => s.Item.IdempotencyKey).ToHashSet(StringComparer.Ordinal);
                        try
                        {
                            await svc.MutateStateAsync(group.Key, s => s with
                            {
                                Outbox = s.Outbox.Select(o => keys.Contains(o.IdempotencyKey) && o.Status == OutboxItemStatus.InFlight ? o with { ClaimedUntil = null } : o).ToList(),
                            }, CancellationToken.None).ConfigureAwait(false);
                        }
                        catch (CrmSyncException)
                        {
                            // the claims run out by themselves
                        }
                    }

                    throw;
                }

                var drafts = new List<CrmAuditEntry>();
                foreach (var group in sending.Select((s, i) => (s.Lead, s.Item, Result: results[i])).GroupBy(x => x.Lead.Id))
                {
                    var lead = group.First().Lead;
                    var byKey = group.ToDictionary(x => x.Item.IdempotencyKey, x => x.Result, StringComparer.Ordinal);
                    var state = await svc.MutateStateAsync(lead.Id, s => NoteOutbox.Record(s, byKey, now, svc._options.MaxRetries, svc._options.DeliveredNotesKept), cancellationToken).ConfigureAwait(false);
                    _states[lead.Id] = state;

                    foreach (var (_, item, result) in group)
                    {
                        if (result.Success)
                        {
                            _notesPushed++;
                            drafts.Add(svc.Draft(lead.UserId, lead.Id, CrmAuditOperation.Push, Provider, true, new Dictionary<string, object?>
                            {
                                ["crm_id"] = lead.CrmId,
                                ["note_id"] = result.NoteId,
                                ["idempotency_key"] = item.IdempotencyKey,
                                ["summary_length"] = item.Text.Length,
                                ["already_existed"] = result.AlreadyExisted,
                                ["attempts"] = item.Attempts,
                            }));
                        }
                    }

                    if (group.FirstOrDefault(x => !x.Result.Success) is { Result: { } failed })
                    {
                        await FailLeadAsync(lead, new CrmSyncException($"{Serialization.WireValue.Format(Provider)} rejected note {failed.IdempotencyKey}: {failed.ErrorCode} {failed.ErrorMessage}".TrimEnd(), Provider), cancellationToken).ConfigureAwait(false);
                    }
                }

                if (drafts.Count > 0)
                {
                    await svc._audit.LogManyAsync(drafts, cancellationToken).ConfigureAwait(false);
                }

                await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
                progress?.Report(Progress(Phase));
            }
        }
    }
}
