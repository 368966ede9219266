namespace Aria.CrmSync.Sync;

/// <summary>
/// The one note sender, for both note paths: a single lead's push (<c>PushSummaryAsync</c>, manual syncs, retries) and a
/// connection run's outbox phase. Claims the queued notes of each lead (attempt counted, <see cref="NoteOutbox.Claim"/>),
/// sends them in one call, records the CRM's answers (<see cref="NoteOutbox.Record"/>: delivered notes done, the
/// operation settled and the retry count reset once every note is delivered) and audits each delivered note.
/// </summary>
internal sealed class NoteSender(SyncStateWriter states, ICrmAuditService audit, SyncFailures failures, CrmSyncOptions options, TimeProvider time)
{
    /// <summary>Sends the queued notes <paramref name="selected"/> picks of each lead in one call.</summary>
    /// <param name="gateway">The CRM's gateway.</param>
    /// <param name="connection">The connection of the leads.</param>
    /// <param name="leads">The linked leads whose notes to send.</param>
    /// <param name="selected">Which queued notes of a lead to send.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>
    /// Per lead that had notes to send: what was sent and answered; and the call's failure, when it failed (the claims
    /// are let go, the attempts stay counted so the next attempt looks for the notes first).
    /// </returns>
    public async Task<NoteBatch> SendAsync(ICrmGateway gateway, CrmConnection connection, IReadOnlyList<LeadMemory> leads, Func<OutboxItem, bool> selected, CancellationToken cancellationToken)
    {
        // Claim and count the attempt of every note before sending: after a crash or an uncertain failure, the next
        // attempt knows the CRM may already hold the note and looks for it first. A note another sender holds
        // (ClaimedUntil in the future) is left to it.
        // One batched read and write for all the leads' claims; a state changed meanwhile is claimed on its own, and one
        // other writers kept changing has its notes wait for the next attempt.
        var claims = leads.GroupBy(l => l.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, _ => new List<OutboxItem>(), StringComparer.Ordinal);
        var claimed = await states.MutateManyAsync(claims.Keys, (id, s) => NoteOutbox.Claim(s, selected, time.GetUtcNow(), options.NoteClaimDuration, options.MaxRetries, claims[id]), cancellationToken).ConfigureAwait(false);
        var sending = leads.DistinctBy(l => l.Id)
            .Where(lead => claimed[lead.Id] is not null)
            .SelectMany(lead => claims[lead.Id].Select(o => (Lead: lead, Item: o)))
            .ToList();
        claimed.Clear(); // the claimed states are read again to record the answers: not held while the call runs
        if (sending.Count == 0)
        {
            return new NoteBatch([], null);
        }

        var requests = sending.Select(s => new CrmNoteRequest { IdempotencyKey = s.Item.IdempotencyKey, CrmId = s.Lead.CrmId!, Text = s.Item.Text, MayExist = s.Item.Attempts > 1 || s.Item.MayExist }).ToList();
        IReadOnlyList<CrmNoteResult> results;
        try
        {
            results = await gateway.CreateNotesAsync(connection, requests, cancellationToken).ConfigureAwait(false);
            if (results.Count != requests.Count)
            {
                throw new CrmSyncDataException($"The gateway returned {results.Count} results for {requests.Count} notes", $"{connection.Provider} notes", connection.Provider);
            }
        }
        catch (Exception ex) when (SyncFailures.IsOperational(ex, cancellationToken))
        {
            await LetGoAsync(sending, SyncFailures.Describe(ex)).ConfigureAwait(false);
            return new NoteBatch([], ex);
        }

        var sent = new List<LeadNotes>();
        var drafts = new List<CrmAuditEntry>();
        var groups = sending.Select((s, i) => (s.Lead, s.Item, Result: results[i])).GroupBy(x => x.Lead.Id).ToList();
        var answers = groups.ToDictionary(g => g.Key, g => g.ToDictionary(x => x.Item.IdempotencyKey, x => x.Result, StringComparer.Ordinal), StringComparer.Ordinal);
        CrmSyncState Record(string id, CrmSyncState s) => NoteOutbox.Record(s, answers[id], time.GetUtcNow(), options.MaxRetries, options.DeliveredNotesKept);
        var recorded = await states.MutateManyAsync(answers.Keys, Record, cancellationToken).ConfigureAwait(false);
        foreach (var group in groups)
        {
            var lead = group.First().Lead;
            var state = recorded[lead.Id] ?? await states.MutateAsync(lead.Id, s => Record(lead.Id, s), cancellationToken).ConfigureAwait(false); // other writers kept changing it: once more, failing as before
            foreach (var (_, item, result) in group.Where(x => x.Result.Success))
            {
                drafts.Add(failures.Draft(lead.UserId, lead.Id, CrmAuditOperation.Push, connection.Provider, true, new Dictionary<string, object?>
                {
                    ["crm_id"] = lead.CrmId,
                    ["note_id"] = result.NoteId,
                    ["idempotency_key"] = item.IdempotencyKey,
                    ["summary_length"] = item.Text.Length,
                    ["already_existed"] = result.AlreadyExisted,
                    ["attempts"] = item.Attempts,
                }));
            }

            sent.Add(new LeadNotes(lead, state, [.. group.Select(x => x.Result)]));
            await AuditSlices.FlushAsync(audit, drafts, onlyWhenFull: true, cancellationToken).ConfigureAwait(false);
        }

        await AuditSlices.FlushAsync(audit, drafts, onlyWhenFull: false, cancellationToken).ConfigureAwait(false);

        return new NoteBatch(sent, null);
    }

    /// <summary>The failure of a lead whose note the CRM refused.</summary>
    public CrmSyncException Refusal(CrmProvider provider, CrmNoteResult refused)
        => new($"{failures.DisplayName(provider)} rejected note {refused.IdempotencyKey}: {refused.ErrorCode} {refused.ErrorMessage}".TrimEnd(), provider);

    /// <summary>After a failed call: the claims go (the notes may exist now; their attempt is counted) and the error is kept.</summary>
    private async Task LetGoAsync(List<(LeadMemory Lead, OutboxItem Item)> sending, string error)
    {
        foreach (var group in sending.GroupBy(s => s.Lead.Id))
        {
            var keys = group.Select(s => s.Item.IdempotencyKey).ToHashSet(StringComparer.Ordinal);
            try
            {
                await states.MutateAsync(group.Key, s => s with
                {
                    Outbox = [.. s.Outbox.Select(o => keys.Contains(o.IdempotencyKey) && o.Status == OutboxItemStatus.InFlight ? o with { LastError = error, ClaimedUntil = null } : o)],
                    UpdatedAt = time.GetUtcNow(),
                }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (CrmSyncException)
            {
                // The claims run out by themselves.
            }
        }
    }
}

/// <summary>A lead's notes sent in one call: the CRM's answers, in the order sent, and the state that records them.</summary>
/// <param name="Lead">The lead.</param>
/// <param name="State">Its sync state with the answers recorded.</param>
/// <param name="Results">The CRM's answers.</param>
internal sealed record LeadNotes(LeadMemory Lead, CrmSyncState State, IReadOnlyList<CrmNoteResult> Results)
{
    /// <summary>Gets the first note the CRM refused, if any.</summary>
    public CrmNoteResult? Refused => Results.FirstOrDefault(r => !r.Success);

    /// <summary>Gets the CRM id of the last note delivered, if any.</summary>
    public string? NoteId => Results.LastOrDefault(r => r.Success)?.NoteId;

    /// <summary>Gets how many notes were delivered.</summary>
    public int Delivered => Results.Count(r => r.Success);
}

/// <summary>The leads whose notes were sent and answered, or the call's failure.</summary>
/// <param name="Leads">The leads whose notes were sent (empty when nothing was claimed, or the call failed).</param>
/// <param name="Failure">The call's failure, when it failed.</param>
internal sealed record NoteBatch(IReadOnlyList<LeadNotes> Leads, Exception? Failure);
