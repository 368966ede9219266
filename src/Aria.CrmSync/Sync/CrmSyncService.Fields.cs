using System.Diagnostics;
using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Sync;

/// <content>Field sync: three-way merge of a lead and its CRM record.</content>
internal sealed partial class CrmSyncService
{
    public async Task<SyncResult> PullStageChangesAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        var load = await LoadAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false);
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
        var map = _options.StageMapFor(ctx.Provider);

        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        var pushed = new Dictionary<string, string?>(StringComparer.Ordinal);
        var conflicts = new List<SyncConflict>();
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
                if (attempt > 1)
                {
                    lead = await _leads.GetAsync(lead.UserId, lead.Id, cancellationToken).ConfigureAwait(false)
                        ?? throw new CrmSyncNotFoundException("Lead memory", lead.Id);
                }

                var record = await ctx.Gateway.GetRecordAsync(ctx.Connection, ctx.CrmId, cancellationToken).ConfigureAwait(false)
                    ?? throw new CrmSyncNotFoundException($"{(ctx.Provider == CrmProvider.Salesforce ? "Salesforce Opportunity" : "HubSpot deal")}", ctx.CrmId);

                var leadValues = LeadFieldMapper.FromLead(lead);
                var crmValues = LeadFieldMapper.FromCrm(record, map, out var unknownStage);
                if (unknownStage is not null)
                {
                    Log.UnknownStage(_logger, ctx.Provider, unknownStage, ctx.CrmId);
                }

                var merge = ThreeWayMerge.Merge(state.BaseSnapshot, leadValues, crmValues, LeadFields.Synced, _options.RuleFor);
                var now = _time.GetUtcNow();

                // A pull leaves lead-only changes where they are: they stay pending, and their base is not advanced.
                var toCrm = new Dictionary<string, string?>(merge.ToCrm, StringComparer.Ordinal);
                var newBase = new Dictionary<string, string?>(merge.NewBase, StringComparer.Ordinal);
                var deferred = new List<PendingChange>();
                if (direction == SyncDirection.Pull)
                {
                    foreach (var (field, value) in toCrm)
                    {
                        if (state.BaseSnapshot.TryGetValue(field, out var oldBase))
                        {
                            newBase[field] = oldBase;
                        }
                        else
                        {
                            newBase.Remove(field);
                        }

                        deferred.Add(new PendingChange { Field = field, Value = value, ChangedAt = now });
                    }

                    toCrm.Clear();
                }

                // 1. The lead takes the CRM's changes.
                if (merge.ToLead.Count > 0)
                {
                    try
                    {
                        lead = await _leads.UpdateAsync(LeadFieldMapper.Apply(lead, merge.ToLead, now), cancellationToken).ConfigureAwait(false);
                    }
                    catch (CrmSyncConcurrencyException) when (attempt < _options.ConcurrencyAttempts)
                    {
                        Log.ConcurrentWrite(_logger, lead.Id, attempt);
                        continue; // the host edited the lead meanwhile: compare again with its new values
                    }
                }

                // 2. The CRM takes the lead's changes.
                var crmFields = toCrm.Count > 0
                    ? LeadFieldMapper.ToCrmFields(LeadFieldMapper.FromLead(lead), toCrm.Keys, record, map)
                    : [];
                if (crmFields.Count > 0)
                {
                    var update = new CrmRecordUpdate { CrmId = ctx.CrmId, Fields = crmFields, IfUnmodifiedSince = record.LastModifiedAt };
                    var results = await ctx.Gateway.UpdateRecordsAsync(ctx.Connection, [update], cancellationToken).ConfigureAwait(false);
                    var result = results.Count == 1 ? results[0] : throw new CrmSyncDataException("The gateway returned no result for the update", $"{ctx.Provider} update {ctx.CrmId}", ctx.Provider);
                    if (!result.Success)
                    {
                        if (result.ErrorCode == CrmWriteResult.PreconditionFailed && attempt < _options.ConcurrencyAttempts)
                        {
                            Log.ConcurrentWrite(_logger, lead.Id, attempt);
                            Record(changes, merge.ToLead);
                            continue; // the CRM record changed since it was read: compare again
                        }

                        throw new CrmSyncException($"{(ctx.Provider == CrmProvider.Salesforce ? "Salesforce" : "HubSpot")} rejected the update of {ctx.CrmId}: {result.ErrorCode} {result.ErrorMessage}".TrimEnd(), ctx.Provider);
                    }

                    Record(pushed, toCrm);
                }

                Record(changes, merge.ToLead);

                // 3. The sync state records the new agreement.
                var detected = merge.Conflicts.Select(f => new SyncConflict
                {
                    Field = f.Field,
                    AriaValue = f.LeadValue,
                    CrmValue = f.CrmValue,
                    BaseValue = f.BaseValue,
                    Resolution = f.Resolution!.Value,
                    ResolvedValue = f.ResolvedValue,
                    DetectedAt = now,
                    ResolvedAt = f.Outcome == FieldOutcome.ConflictResolved ? now : null,
                }).ToList();

                var next = state with
                {
                    BaseSnapshot = newBase,
                    ConflictLog = [.. state.ConflictLog, .. detected],
                    PendingChanges = [.. state.PendingChanges.Where(p => p.Field == LeadFields.Notes), .. deferred],
                    SyncDirection = direction,
                    LastSyncAt = now,
                    LastPullAt = now,
                    LastPushAt = crmFields.Count > 0 ? now : state.LastPushAt,
                    ErrorMessage = null,
                    RetryCount = 0,
                    NextAttemptAt = null,
                    UpdatedAt = now,
                };
                next = next with { Status = SettledStatus(next) };
                SyncStateMachine.EnsureOperationAllowed(lead.Id, state.Status, next.Status, state.RetryCount, _options.MaxRetries);

                try
                {
                    state = await _states.UpdateAsync(next, cancellationToken).ConfigureAwait(false);
                }
                catch (CrmSyncConcurrencyException) when (attempt < _options.ConcurrencyAttempts)
                {
                    Log.ConcurrentWrite(_logger, lead.Id, attempt);
                    continue;
                }

                conflicts.AddRange(detected);
                await AuditFieldSyncAsync(ctx, direction, changes, pushed, detected, deferred, cancellationToken).ConfigureAwait(false);
                foreach (var conflict in detected)
                {
                    _telemetry.ConflictDetected(ctx.Provider, conflict.Resolution);
                    if (conflict.IsOpen)
                    {
                        Log.ManualConflict(_logger, lead.Id, conflict.Field);
                    }
                }

                _telemetry.OperationCompleted(operation, ctx.Provider, true, Stopwatch.GetElapsedTime(started));
                Log.SyncSucceeded(_logger, operation, lead.Id, ctx.Provider, changes.Count, pushed.Count, detected.Count);
                return new SyncResult
                {
                    LeadMemoryId = lead.Id,
                    Success = true,
                    Status = state.Status,
                    Changes = changes,
                    Pushed = pushed,
                    Conflicts = conflicts,
                    RetryCount = state.RetryCount,
                };
            }
        }
        catch (Exception ex) when (IsOperationalFailure(ex, cancellationToken))
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            return await FailAsync(ctx, operation, ex, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AuditFieldSyncAsync(
        LeadContext ctx,
        SyncDirection direction,
        IReadOnlyDictionary<string, string?> changes,
        IReadOnlyDictionary<string, string?> pushed,
        IReadOnlyList<SyncConflict> conflicts,
        IReadOnlyList<PendingChange> deferred,
        CancellationToken cancellationToken)
    {
        var drafts = new List<CrmAuditEntry>();
        var userId = ctx.Lead.UserId;
        foreach (var conflict in conflicts)
        {
            drafts.Add(Draft(userId, ctx.Lead.Id, conflict.IsOpen ? CrmAuditOperation.ConflictDetected : CrmAuditOperation.ConflictResolved, ctx.Provider, true,
                new Dictionary<string, object?>(Auditing.CrmAuditService.ConflictDetails(conflict.Field, conflict.AriaValue, conflict.CrmValue, conflict.Resolution, conflict.ResolvedValue))
                {
                    ["base_value"] = conflict.BaseValue,
                    ["manual"] = false,
                }));
        }

        drafts.Add(Draft(userId, ctx.Lead.Id, CrmAuditOperation.Pull, ctx.Provider, true, new Dictionary<string, object?>
        {
            ["crm_id"] = ctx.CrmId,
            ["direction"] = Serialization.WireValue.Format(direction),
            ["fields_updated"] = changes.Keys.Order(StringComparer.Ordinal).ToArray(),
            ["deferred_fields"] = deferred.Select(d => d.Field).ToArray(),
        }));

        if (pushed.Count > 0)
        {
            drafts.Add(Draft(userId, ctx.Lead.Id, CrmAuditOperation.Push, ctx.Provider, true, new Dictionary<string, object?>
            {
                ["crm_id"] = ctx.CrmId,
                ["fields_pushed"] = pushed.Keys.Order(StringComparer.Ordinal).ToArray(),
            }));
        }

        await _audit.LogManyAsync(drafts, cancellationToken).ConfigureAwait(false);
    }

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
