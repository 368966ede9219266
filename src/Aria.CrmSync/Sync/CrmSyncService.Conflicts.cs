using Aria.CrmSync.Auditing;

namespace Aria.CrmSync.Sync;

/// <content>Resolving open (manual) conflicts.</content>
internal sealed partial class CrmSyncService
{
    public async Task<SyncResult> ResolveConflictAsync(string userId, string leadMemoryId, string field, ConflictResolution resolution, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        Auditing.AuditInput.ThrowIfInvalidId(userId, nameof(userId));
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        Auditing.AuditInput.ThrowIfInvalidId(leadMemoryId, nameof(leadMemoryId));
        ArgumentException.ThrowIfNullOrEmpty(field);
        if (resolution is not (ConflictResolution.CrmWins or ConflictResolution.AriaWins))
        {
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "A person resolves a conflict with crm_wins or aria_wins.");
        }

        var load = await LoadAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false);
        if (load.Failure is { } failure)
        {
            return failure;
        }

        var ctx = load.Context!;
        var open = ctx.State.OpenConflicts.LastOrDefault(c => c.Field == field);
        if (open is null)
        {
            // A value like every other per-lead outcome of this method (see ICrmSyncService.ResolveConflictAsync).
            return new SyncResult { LeadMemoryId = leadMemoryId, Success = false, Status = ctx.State.Status, Error = $"Lead '{leadMemoryId}' has no open conflict on '{field}'.", ErrorCode = CrmSyncValidationException.ErrorCode };
        }

        try
        {
            var map = _options.StageMapFor(ctx.Provider);
            var record = await ctx.Gateway.GetRecordAsync(ctx.Connection, ctx.CrmId, cancellationToken).ConfigureAwait(false)
                ?? throw new CrmSyncNotFoundException("CRM record", ctx.CrmId);
            var lead = ctx.Lead;
            var crmValues = LeadFieldMapper.FromCrm(record, map, out _);
            var leadValues = LeadFieldMapper.FromLead(lead);
            var now = _time.GetUtcNow();
            string? resolved;
            var pushed = new Dictionary<string, string?>(StringComparer.Ordinal);
            var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
            var crmModifiedAt = record.LastModifiedAt;

            if (resolution == ConflictResolution.CrmWins)
            {
                resolved = crmValues.GetValueOrDefault(field);
                if (leadValues.GetValueOrDefault(field) != resolved)
                {
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            lead = await _leads.UpdateAsync(LeadFieldMapper.Apply(lead, new Dictionary<string, string?> { [field] = resolved }, now), cancellationToken).ConfigureAwait(false);
                            break;
                        }
                        catch (CrmSyncConcurrencyException) when (attempt < _options.ConcurrencyAttempts)
                        {
                            lead = await _leads.GetAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false) ?? throw new CrmSyncNotFoundException("Lead memory", leadMemoryId);
                        }
                    }

                    changes[field] = resolved;
                }
            }
            else
            {
                resolved = leadValues.GetValueOrDefault(field);
                var crmFields = LeadFieldMapper.ToCrmFields(leadValues, [field], record, map);
                if (crmFields.Count > 0)
                {
                    var results = await ctx.Gateway.UpdateRecordsAsync(ctx.Connection, [new CrmRecordUpdate { CrmId = ctx.CrmId, Fields = crmFields }], cancellationToken).ConfigureAwait(false);
                    if (results.Count != 1 || !results[0].Success)
                    {
                        throw new CrmSyncException($"The CRM rejected the resolution of '{field}': {results.FirstOrDefault()?.ErrorCode} {results.FirstOrDefault()?.ErrorMessage}".TrimEnd(), ctx.Provider);
                    }

                    pushed[field] = resolved;
                    crmModifiedAt = LeadSyncPlan.Latest(crmModifiedAt, results[0].LastModifiedAt);
                }
            }

            SyncConflict? settled = null;
            var state = await MutateStateAsync(leadMemoryId, s =>
            {
                var log = s.ConflictLog.ToList();
                var index = log.FindLastIndex(c => c.Field == field && c.IsOpen);
                if (index < 0)
                {
                    return s;
                }

                settled = log[index] with { Resolution = resolution, ResolvedValue = resolved, ResolvedAt = now, AriaValue = leadValues.GetValueOrDefault(field), CrmValue = crmValues.GetValueOrDefault(field) };
                log[index] = settled;
                var next = s with
                {
                    ConflictLog = log,
                    BaseSnapshot = new Dictionary<string, string?>(s.BaseSnapshot) { [field] = resolved },
                    CrmLastModifiedAt = LeadSyncPlan.Latest(s.CrmLastModifiedAt, crmModifiedAt),
                    LastSyncAt = now,
                    UpdatedAt = now,
                };
                if (!next.OpenConflicts.Any())
                {
                    SyncStateMachine.EnsureAllowed(leadMemoryId, s.Status, SyncStatus.Synced, s.RetryCount, _options.MaxRetries);
                    next = next with { Status = SyncStatus.Synced, ErrorMessage = null };
                }

                return next;
            }, cancellationToken).ConfigureAwait(false);

            if (settled is null)
            {
                throw new CrmSyncValidationException($"Lead '{leadMemoryId}' has no open conflict on '{field}'.", nameof(field), ctx.Provider);
            }

            var details = new Dictionary<string, object?>(CrmAuditService.ConflictDetails(field, settled.AriaValue, settled.CrmValue, resolution, resolved))
            {
                ["manual"] = true,
            };
            await _audit.LogSyncOperationAsync(userId, leadMemoryId, CrmAuditOperation.ConflictResolved, ctx.Provider, true, details, cancellationToken: cancellationToken).ConfigureAwait(false);
            _telemetry.ConflictDetected(ctx.Provider, resolution);
            return new SyncResult
            {
                LeadMemoryId = leadMemoryId,
                Success = true,
                Status = state.Status,
                Changes = changes,
                Pushed = pushed,
                Conflicts = [settled],
                RetryCount = state.RetryCount,
            };
        }
        catch (Exception ex) when (IsOperationalFailure(ex, cancellationToken) && ex is not CrmSyncValidationException)
        {
            var message = Security.SecretRedactor.Redact(DescribeFailure(ex), [ctx.Connection.AccessToken, ctx.Connection.RefreshToken]);
            await _audit.LogSyncOperationAsync(userId, leadMemoryId, CrmAuditOperation.Error, ctx.Provider, false, new Dictionary<string, object?>
            {
                ["operation"] = "resolve_conflict",
                ["field"] = field,
                ["code"] = (ex as CrmSyncException)?.Code ?? CrmSyncException.DefaultCode,
            }, message, CancellationToken.None).ConfigureAwait(false);
            return new SyncResult { LeadMemoryId = leadMemoryId, Success = false, Status = ctx.State.Status, Error = message, ErrorCode = (ex as CrmSyncException)?.Code ?? CrmSyncException.DefaultCode, Conflicts = [open] };
        }
    }
}
