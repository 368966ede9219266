using Aria.CrmSync.Auditing;
using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Sync;

/// <content>Resolving open (manual) conflicts.</content>
internal sealed partial class CrmSyncService
{
    /// <summary>
    /// Settles an open conflict as a person decided. The decision was made on the values the conflict recorded, so the
    /// write is guarded like every other: when the CRM's value of the field is no longer the one recorded (a person
    /// changed it since), nothing is overwritten — if the CRM now shows the lead's value the two sides agree and the
    /// conflict is settled with it, otherwise the conflict is recorded again with the new CRM value for a new decision.
    /// An <c>aria_wins</c> write is claimed in the sync state first (an unconfirmed pending change) and carries the CRM
    /// precondition (the record's modification time and the values read); a CRM change in between refuses it and the
    /// record is read and compared again.
    /// </summary>
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

        var load = await LoadAsync(userId, leadMemoryId, "resolve_conflict", cancellationToken).ConfigureAwait(false);
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
            var lead = ctx.Lead;
            for (var attempt = 1; ; attempt++)
            {
                var record = await ctx.Gateway.GetRecordAsync(ctx.Connection, ctx.CrmId, cancellationToken).ConfigureAwait(false)
                    ?? throw new CrmSyncNotFoundException("CRM record", ctx.CrmId);
                var crmValues = LeadFieldMapper.FromCrm(record, map, out _);
                var leadValues = LeadFieldMapper.FromLead(lead);
                var now = _time.GetUtcNow();
                var crmValue = crmValues.GetValueOrDefault(field);
                if (!string.Equals(crmValue, open.CrmValue, StringComparison.Ordinal))
                {
                    // A person changed the CRM field after the conflict was recorded: the decision was about a value that
                    // is gone. Merge again instead of overwriting the edit.
                    return string.Equals(crmValue, leadValues.GetValueOrDefault(field), StringComparison.Ordinal)
                        ? await SettleConflictAsync(ctx, field, resolution, crmValue, leadValues, crmValues, [], [], record.LastModifiedAt, now, cancellationToken).ConfigureAwait(false)
                        : await RecordConflictAgainAsync(ctx, open, crmValue, leadValues.GetValueOrDefault(field), now, cancellationToken).ConfigureAwait(false);
                }

                var pushed = new Dictionary<string, string?>(StringComparer.Ordinal);
                var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
                string? resolved;
                if (resolution == ConflictResolution.CrmWins)
                {
                    resolved = crmValue;
                    if (leadValues.GetValueOrDefault(field) != resolved)
                    {
                        try
                        {
                            lead = await _leads.UpdateAsync(LeadFieldMapper.Apply(lead, new Dictionary<string, string?> { [field] = resolved }, now), cancellationToken).ConfigureAwait(false);
                        }
                        catch (CrmSyncConcurrencyException) when (attempt < _options.ConcurrencyAttempts)
                        {
                            lead = await _leads.GetAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false) ?? throw new CrmSyncNotFoundException("Lead memory", leadMemoryId);
                            continue;
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
                        var update = new CrmRecordUpdate { CrmId = ctx.CrmId, Fields = crmFields, IfUnmodifiedSince = record.LastModifiedAt, ExpectedValues = LeadFieldMapper.CrmValuesAsRead(record, crmFields.Keys) };
                        if (!await WriteResolutionAsync(ctx, update, field, resolved, leadValues, crmValues, now, cancellationToken).ConfigureAwait(false))
                        {
                            if (attempt >= _options.ConcurrencyAttempts)
                            {
                                throw new CrmSyncException($"The CRM record {ctx.CrmId} kept changing while the conflict on '{field}' was resolved; try again", ctx.Provider);
                            }

                            Log.ConcurrentWrite(_logger, leadMemoryId, attempt);
                            continue; // the CRM record changed since it was read: compare again
                        }

                        pushed[field] = resolved;
                    }
                }

                return await SettleConflictAsync(ctx, field, resolution, resolved, leadValues, crmValues, changes, pushed, record.LastModifiedAt, now, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsOperationalFailure(ex, cancellationToken) && ex is not CrmSyncValidationException)
        {
            var message = Security.SecretRedactor.Redact(DescribeFailure(ex), [ctx.Connection.AccessToken, ctx.Connection.RefreshToken]);
            await _audit.LogSyncOperationAsync(userId, leadMemoryId, CrmAuditOperation.Error, ctx.Provider, false, WithErrorDetails(new Dictionary<string, object?>
            {
                ["operation"] = "resolve_conflict",
                ["field"] = field,
                ["code"] = (ex as CrmSyncException)?.Code ?? CrmSyncException.DefaultCode,
            }, ex), message, CancellationToken.None).ConfigureAwait(false);
            return new SyncResult { LeadMemoryId = leadMemoryId, Success = false, Status = ctx.State.Status, Error = message, ErrorCode = (ex as CrmSyncException)?.Code ?? CrmSyncException.DefaultCode, Conflicts = [open] };
        }
    }

    /// <summary>
    /// Sends an <c>aria_wins</c> resolution to the CRM, claimed first: the state records the value about to be written as
    /// an unconfirmed pending change (so a resolution stopped halfway is not taken for a person's change), and the write
    /// carries the CRM precondition. Returns <see langword="false"/> when the CRM refused it because the record changed
    /// since it was read (the claim is dropped); throws for any other refusal or failure (a failure that certainly wrote
    /// nothing drops the claim, one of unknown outcome leaves it for the next resolution to settle by what the CRM shows).
    /// </summary>
    private async Task<bool> WriteResolutionAsync(LeadContext ctx, CrmRecordUpdate update, string field, string? value, IReadOnlyDictionary<string, string?> leadValues, IReadOnlyDictionary<string, string?> crmValues, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var claim = new PendingChange
        {
            Field = field,
            Value = value,
            ChangedAt = now,
            Unconfirmed = true,
            LeadValueBefore = leadValues.GetValueOrDefault(field),
            CrmValueBefore = crmValues.GetValueOrDefault(field),
        };
        await MutateStateAsync(ctx.Lead.Id, s => s with { PendingChanges = [.. s.PendingChanges.Where(p => !(p.Unconfirmed && p.Field == field)), claim], UpdatedAt = now }, cancellationToken).ConfigureAwait(false);

        IReadOnlyList<CrmWriteResult> results;
        try
        {
            results = await ctx.Gateway.UpdateRecordsAsync(ctx.Connection, [update], cancellationToken).ConfigureAwait(false);
        }
        catch (CrmSyncException ex) when (ex.WriteOutcome == CrmWriteOutcome.NothingWritten)
        {
            await DropClaimAsync(ctx.Lead.Id, claim, cancellationToken).ConfigureAwait(false);
            throw;
        }

        var result = results.Count == 1 ? results[0] : throw new CrmSyncDataException($"The gateway returned {results.Count} results for 1 update", $"{ctx.Provider} update {ctx.CrmId}", ctx.Provider);
        if (result.Success)
        {
            return true;
        }

        await DropClaimAsync(ctx.Lead.Id, claim, cancellationToken).ConfigureAwait(false);
        return result.ErrorCode == CrmWriteResult.PreconditionFailed
            ? false
            : throw new CrmSyncException($"The CRM rejected the resolution of '{field}': {result.ErrorCode} {result.ErrorMessage}".TrimEnd(), ctx.Provider);
    }

    private Task DropClaimAsync(string leadMemoryId, PendingChange claim, CancellationToken cancellationToken)
        => MutateStateAsync(leadMemoryId, s => s.PendingChanges.Contains(claim) ? s with { PendingChanges = [.. s.PendingChanges.Where(p => p != claim)], UpdatedAt = _time.GetUtcNow() } : s, cancellationToken);

    /// <summary>Records the conflict as settled with <paramref name="resolved"/>, drops the resolution's claim and audits it.</summary>
    private async Task<SyncResult> SettleConflictAsync(LeadContext ctx, string field, ConflictResolution resolution, string? resolved, IReadOnlyDictionary<string, string?> leadValues, IReadOnlyDictionary<string, string?> crmValues, Dictionary<string, string?> changes, Dictionary<string, string?> pushed, DateTimeOffset? crmModifiedAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        SyncConflict? settled = null;
        var state = await MutateStateAsync(ctx.Lead.Id, s =>
        {
            var log = s.ConflictLog.ToList();
            var index = log.FindLastIndex(c => c.Field == field && c.IsOpen);
            if (index < 0)
            {
                return s;
            }

            settled = log[index] with { Resolution = resolution, ResolvedValue = resolved, ResolvedAt = now, AriaValue = leadValues.GetValueOrDefault(field), CrmValue = crmValues.GetValueOrDefault(field) };
            log[index] = settled;
            return s.Resolve(SyncStateRetention.CompactConflictLog(log, _options.ResolvedConflictsKept), _options.MaxRetries) with
            {
                BaseSnapshot = new Dictionary<string, string?>(s.BaseSnapshot) { [field] = resolved },
                CrmLastModifiedAt = LeadSyncPlan.Latest(s.CrmLastModifiedAt, crmModifiedAt),
                PendingChanges = [.. s.PendingChanges.Where(p => !(p.Unconfirmed && p.Field == field))],
                LastSyncAt = now,
                UpdatedAt = now,
            };
        }, cancellationToken).ConfigureAwait(false);

        if (settled is null)
        {
            throw new CrmSyncValidationException($"Lead '{ctx.Lead.Id}' has no open conflict on '{field}'.", nameof(field), ctx.Provider);
        }

        var details = new Dictionary<string, object?>(CrmAuditService.ConflictDetails(field, settled.AriaValue, settled.CrmValue, resolution, resolved))
        {
            ["manual"] = true,
        };
        await _audit.LogSyncOperationAsync(ctx.Lead.UserId, ctx.Lead.Id, CrmAuditOperation.ConflictResolved, ctx.Provider, true, details, cancellationToken: cancellationToken).ConfigureAwait(false);
        _telemetry.ConflictDetected(ctx.Provider, resolution);
        return new SyncResult
        {
            LeadMemoryId = ctx.Lead.Id,
            Success = true,
            Status = state.Status,
            Changes = changes,
            Pushed = pushed,
            Conflicts = [settled],
            RetryCount = state.RetryCount,
        };
    }

    /// <summary>
    /// The CRM's value changed after the conflict was recorded and differs from the lead's: the open conflict is
    /// recorded again with the values both sides show now (audited as a newly detected conflict), for a new decision.
    /// </summary>
    private async Task<SyncResult> RecordConflictAgainAsync(LeadContext ctx, SyncConflict open, string? crmValue, string? leadValue, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var renewed = open with { CrmValue = crmValue, AriaValue = leadValue, DetectedAt = now };
        var state = await MutateStateAsync(ctx.Lead.Id, s =>
        {
            var log = s.ConflictLog.ToList();
            var index = log.FindLastIndex(c => c.Field == open.Field && c.IsOpen);
            if (index < 0)
            {
                return s;
            }

            log[index] = renewed;
            return s with { ConflictLog = log, UpdatedAt = now };
        }, cancellationToken).ConfigureAwait(false);

        await _audit.LogSyncOperationAsync(ctx.Lead.UserId, ctx.Lead.Id, CrmAuditOperation.ConflictDetected, ctx.Provider, true, new Dictionary<string, object?>(CrmAuditService.ConflictDetails(open.Field, leadValue, crmValue, open.Resolution, null))
        {
            ["crm_changed_before_resolution"] = true,
            ["previous_crm_value"] = open.CrmValue,
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        var error = new CrmSyncConflictException(ctx.Lead.Id, [open.Field]);
        return new SyncResult
        {
            LeadMemoryId = ctx.Lead.Id,
            Success = false,
            Status = state.Status,
            Error = $"The CRM value of '{open.Field}' changed after the conflict was recorded; nothing was overwritten. {error.Message}",
            ErrorCode = error.Code,
            Conflicts = [renewed],
            RetryCount = state.RetryCount,
        };
    }
}
