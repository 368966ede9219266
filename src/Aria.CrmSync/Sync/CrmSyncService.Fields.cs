using System.Diagnostics;
using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Sync;

/// <content>Field sync: three-way merge of a lead and its CRM record.</content>
internal sealed partial class CrmSyncService
{
    public async Task<SyncResult> PullStageChangesAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        Auditing.AuditInput.ThrowIfInvalidId(userId, nameof(userId));
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        Auditing.AuditInput.ThrowIfInvalidId(leadMemoryId, nameof(leadMemoryId));
        var load = await LoadAsync(userId, leadMemoryId, "pull", cancellationToken).ConfigureAwait(false);
        if (load.Failure is { } failure)
        {
            return failure;
        }

        return load.Context!.State.Status == SyncStatus.Conflict
            ? ConflictBlocked(load.Context.State)
            : await SyncFieldsAsync(load.Context, SyncDirection.Pull, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Compares lead, CRM record and base snapshot field by field and writes the outcome: lead first (version-checked),
    /// then the CRM (conditional where the CRM supports it), then the sync state. Each write is idempotent with respect
    /// to the merge, so a crash or a concurrent writer between them is repaired by running the operation again.
    /// </summary>
    private async Task<SyncResult> SyncFieldsAsync(LeadContext ctx, SyncDirection direction, CancellationToken cancellationToken)
    {
        var operation = direction == SyncDirection.Pull ? "pull" : "sync";
        using var activity = _telemetry.StartActivity("sync.fields", ctx.Provider, ctx.Lead.Id);
        var started = Stopwatch.GetTimestamp();

        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        var pushed = new Dictionary<string, string?>(StringComparer.Ordinal);
        var leadWrites = new List<LeadSyncPlan>(); // plans that wrote the lead: described in the audit trail even if the sync fails
        var lead = ctx.Lead;

        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var state = await _states.GetAsync(lead.Id, cancellationToken).ConfigureAwait(false) ?? ctx.State;
                if (state.Status == SyncStatus.Conflict)
                {
                    return ConflictBlocked(state);
                }

                SyncStateMachine.EnsureOperationAllowed(lead.Id, state.Status, SyncStatus.Pending, state.RetryCount, _options.MaxRetries);

                // The lead is read after its state (a lead older than its state could look changed where another sync
                // already agreed), then the CRM.
                lead = await _leads.GetAsync(lead.UserId, lead.Id, cancellationToken).ConfigureAwait(false)
                    ?? throw new CrmSyncNotFoundException("Lead memory", lead.Id);
                var record = await ctx.Gateway.GetRecordAsync(ctx.Connection, ctx.CrmId, cancellationToken).ConfigureAwait(false)
                    ?? throw new CrmSyncNotFoundException(_providers.TryGet(ctx.Provider, out var descriptor) ? descriptor.RecordName : $"{ctx.Provider.Value} record", ctx.CrmId);

                var now = _time.GetUtcNow();
                var plan = LeadSyncPlan.Create(lead, record, state, direction, _options, now);
                if (plan.UnknownStage is not null)
                {
                    Log.UnknownStage(_logger, ctx.Provider, plan.UnknownStage, ctx.CrmId);
                }

                // 1. Before any write, the state records the plan's base and the writes about to be made (unconfirmed),
                // version-checked: no other sync wrote on this snapshot, and a sync stopped halfway leaves nothing the
                // next one would take for a person's change.
                if (plan.Writes)
                {
                    try
                    {
                        state = await _states.UpdateAsync(plan.Claim(state, now), cancellationToken).ConfigureAwait(false);
                    }
                    catch (CrmSyncConcurrencyException) when (attempt < _options.ConcurrencyAttempts)
                    {
                        Log.ConcurrentWrite(_logger, lead.Id, attempt);
                        continue; // another sync wrote the state meanwhile: compare again
                    }
                }

                // 2. The lead takes the CRM's changes.
                if (plan.ToLead.Count > 0)
                {
                    try
                    {
                        lead = await _leads.UpdateAsync(LeadFieldMapper.Apply(lead, plan.ToLead, now), cancellationToken).ConfigureAwait(false);
                        leadWrites.Add(plan);
                    }
                    catch (CrmSyncConcurrencyException)
                    {
                        // The host edited the lead first: none of the plan's writes happened.
                        state = await MutateStateAsync(lead.Id, s => plan.WithoutUnconfirmed(s, plan.ToLead.Concat(plan.ToCrm), now), cancellationToken).ConfigureAwait(false);
                        if (attempt >= _options.ConcurrencyAttempts)
                        {
                            throw;
                        }

                        Log.ConcurrentWrite(_logger, lead.Id, attempt);
                        continue; // compare again with its new values
                    }
                }

                // 3. The CRM takes the lead's changes.
                DateTimeOffset? crmWrittenAt = null;
                if (plan.CrmFields.Count > 0)
                {
                    var update = new CrmRecordUpdate { CrmId = ctx.CrmId, Fields = plan.CrmFields, IfUnmodifiedSince = record.LastModifiedAt, ExpectedValues = LeadFieldMapper.CrmValuesAsRead(record, plan.CrmFields.Keys) };
                    var writes = await UpdateClaimedAsync(ctx.Gateway, ctx.Connection, [update], [plan], now, cancellationToken).ConfigureAwait(false);
                    writes.Failure?.Throw(); // the call failed and the record did not show the write landed
                    var result = writes.Results.Count == 1 ? writes.Results[0]! : throw new CrmSyncDataException("The gateway returned no result for the update", $"{ctx.Provider} update {ctx.CrmId}", ctx.Provider);
                    if (!result.Success)
                    {
                        // Refused: nothing was written to the CRM.
                        state = await MutateStateAsync(lead.Id, s => plan.AfterUnsettledPush(s, crmNotWritten: true, now), cancellationToken).ConfigureAwait(false);
                        if (result.ErrorCode == CrmWriteResult.PreconditionFailed && attempt < _options.ConcurrencyAttempts)
                        {
                            Log.ConcurrentWrite(_logger, lead.Id, attempt);
                            Record(changes, plan.ToLead);
                            continue; // the CRM record changed since it was read: compare again
                        }

                        throw RejectedUpdate(ctx.Provider, ctx.CrmId, result);
                    }

                    Record(pushed, plan.ToCrm);
                    crmWrittenAt = result.LastModifiedAt;
                }

                Record(changes, plan.ToLead);

                // 4. The sync state records the new agreement.
                var next = plan.Settle(state, now, crmWrittenAt);
                try
                {
                    state = await _states.UpdateAsync(next, cancellationToken).ConfigureAwait(false);
                }
                catch (CrmSyncConcurrencyException) when (attempt < _options.ConcurrencyAttempts)
                {
                    Log.ConcurrentWrite(_logger, lead.Id, attempt);
                    continue;
                }

                await _audit.LogManyAsync(plan.AuditEntries(changes, pushed).Select(e => Draft(lead.UserId, lead.Id, e.Operation, ctx.Provider, true, e.Details)).ToList(), cancellationToken).ConfigureAwait(false);
                ReportConflicts(ctx.Provider, lead.Id, plan.Conflicts);
                _telemetry.OperationCompleted(operation, ctx.Provider, true, Stopwatch.GetElapsedTime(started));
                Log.SyncSucceeded(_logger, operation, lead.Id, ctx.Provider, changes.Count, pushed.Count, plan.Conflicts.Count);
                return new SyncResult
                {
                    LeadMemoryId = lead.Id,
                    Success = true,
                    Status = state.Status,
                    Changes = changes,
                    Pushed = pushed,
                    Conflicts = plan.Conflicts,
                    RetryCount = state.RetryCount,
                };
            }
        }
        catch (Exception ex) when (IsOperationalFailure(ex, cancellationToken))
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            if (leadWrites.Count > 0)
            {
                await _audit.LogManyAsync(leadWrites.SelectMany(LeadWriteDrafts).ToList(), cancellationToken).ConfigureAwait(false);
            }

            return await FailAsync(ctx, operation, ex, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The audit entries of a plan's lead writes, for a sync that wrote the lead but did not settle.</summary>
    private IEnumerable<CrmAuditEntry> LeadWriteDrafts(LeadSyncPlan plan)
        => plan.LeadWriteAuditEntries().Select(e => Draft(plan.Lead.UserId, plan.Lead.Id, e.Operation, plan.Record.Provider, true, e.Details));

    private void ReportConflicts(CrmProvider provider, string leadMemoryId, IEnumerable<SyncConflict> conflicts)
    {
        foreach (var conflict in conflicts)
        {
            _telemetry.ConflictDetected(provider, conflict.Resolution);
            if (conflict.IsOpen)
            {
                Log.ManualConflict(_logger, leadMemoryId, conflict.Field);
            }
        }
    }

    private CrmSyncException RejectedUpdate(CrmProvider provider, string crmId, CrmWriteResult result)
        => new($"{_providers.GetDisplayName(provider)} rejected the update of {crmId}: {result.ErrorCode} {result.ErrorMessage}".TrimEnd(), provider);

    private CrmAuditEntry Draft(string userId, string? leadMemoryId, CrmAuditOperation operation, CrmProvider provider, bool success, IReadOnlyDictionary<string, object?> details, string? error = null)
        => new()
        {
            Id = string.Empty,
            UserId = userId,
            LeadMemoryId = leadMemoryId,
            Operation = operation,
            Provider = provider,
            Success = success,
            Details = Auditing.AuditDetails.From(details),
            ErrorMessage = error,
            CreatedAt = _time.GetUtcNow(),
        };

    private static void Record(Dictionary<string, string?> target, IReadOnlyDictionary<string, string?> values)
    {
        foreach (var (field, value) in values)
        {
            target[field] = value;
        }
    }
}
