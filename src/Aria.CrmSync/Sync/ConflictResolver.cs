using Aria.CrmSync.Auditing;
using Aria.CrmSync.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Sync;

/// <summary>Resolving open (manual) conflicts: a person's decision, carried out through the write protocol.</summary>
internal sealed class ConflictResolver(LeadLoader loader, ILeadMemoryStore leads, ISyncStateStore states, SyncStateWriter stateWriter, ICrmAuditService audit, LeadPlanExecutor executor, ConnectionFields fields, SyncEngineEnvironment env)
{
    private readonly LeadLoader _loader = loader;
    private readonly ILeadMemoryStore _leads = leads;
    private readonly ISyncStateStore _states = states;
    private readonly SyncStateWriter _stateWriter = stateWriter;
    private readonly ICrmAuditService _audit = audit;
    private readonly LeadPlanExecutor _executor = executor;
    private readonly ConnectionFields _fields = fields;
    private readonly CrmSyncOptions _options = env.Options;
    private readonly TimeProvider _time = env.Time;
    private readonly ILogger _logger = env.Logger;

    /// <summary>
    /// Settles an open conflict as a person decided. The decision was made on the values the conflict recorded, so the
    /// write is guarded like every other: when the CRM's value of the field is no longer the one recorded (a person
    /// changed it since), nothing is overwritten — if the CRM now shows the lead's value the two sides agree and the
    /// conflict is settled with it, otherwise the conflict is recorded again with the new CRM value for a new decision.
    /// The decision runs as a lead plan (<see cref="LeadSyncPlan.ForDecision"/>) through the write protocol every write
    /// uses (<see cref="LeadPlanExecutor"/>): claimed in the sync state first, the CRM write with its precondition (the
    /// record's modification time and the values read); a CRM change in between refuses it and the record is read and
    /// compared again.
    /// </summary>
    public async Task<SyncResult> ResolveConflictAsync(string userId, string leadMemoryId, string field, ConflictResolution resolution, CancellationToken cancellationToken = default)
    {
        var load = await _loader.LoadAsync(userId, leadMemoryId, "resolve_conflict", cancellationToken).ConfigureAwait(false);
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

        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        try
        {
            var map = _fields.For(ctx.Connection);
            for (var attempt = 1; ; attempt++)
            {
                var state = await _states.GetAsync(leadMemoryId, cancellationToken).ConfigureAwait(false) ?? ctx.State;
                open = state.OpenConflicts.LastOrDefault(c => c.Field == field)
                    ?? throw new CrmSyncValidationException($"Lead '{leadMemoryId}' has no open conflict on '{field}'.", nameof(field), ctx.Provider);
                var lead = await _leads.GetAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false)
                    ?? throw new CrmSyncNotFoundException("Lead memory", leadMemoryId);
                var record = await ctx.Gateway.GetRecordAsync(ctx.Connection, ctx.CrmId, cancellationToken).ConfigureAwait(false)
                    ?? throw new CrmSyncNotFoundException("CRM record", ctx.CrmId);
                var crmValue = map.FromCrm(record, out _).GetValueOrDefault(field);
                var leadValue = map.FromLead(lead).GetValueOrDefault(field);
                var now = _time.GetUtcNow();
                var agreed = false;
                if (!string.Equals(crmValue, open.CrmValue, StringComparison.Ordinal))
                {
                    // A person changed the CRM field after the conflict was recorded: the decision was about a value that
                    // is gone. Merge again instead of overwriting the edit: settled when both sides now agree, else the
                    // conflict is recorded again for a new decision.
                    if (!string.Equals(crmValue, leadValue, StringComparison.Ordinal))
                    {
                        return await RecordConflictAgainAsync(ctx, open, crmValue, leadValue, now, cancellationToken).ConfigureAwait(false);
                    }

                    agreed = true;
                }

                // The decision runs through the write protocol like every write: claimed, lead version-checked, CRM
                // write with its precondition (read back when its outcome is unknown), state, audit.
                var plan = LeadSyncPlan.ForDecision(lead, record, state, field, resolution, agreed, map);
                var batch = await _executor.ExecuteAsync(ctx.Gateway, ctx.Connection, [plan], auditUnchanged: true, now, cancellationToken).ConfigureAwait(false);
                batch.Failure?.Throw();
                var outcome = batch.Outcomes[0];
                if (outcome.LeadWritten)
                {
                    LeadSynchronizer.Record(changes, plan.ToLead);
                }

                switch (outcome.Status)
                {
                    case LeadPlanStatus.Settled:
                        var settled = outcome.State!.ConflictLog.LastOrDefault(c => c.Field == field && c.ResolvedAt == now && c.Resolution == resolution)
                            ?? open with { Resolution = resolution, ResolvedValue = plan.Decision!.ResolvedValue, ResolvedAt = now, AriaValue = leadValue, CrmValue = crmValue };
                        return new SyncResult
                        {
                            LeadMemoryId = leadMemoryId,
                            Success = true,
                            Status = outcome.State.Status,
                            Changes = changes,
                            Pushed = plan.CrmFields.Count > 0 ? new Dictionary<string, string?>(plan.ToCrm, StringComparer.Ordinal) : [],
                            Conflicts = [settled],
                            RetryCount = outcome.State.RetryCount,
                        };
                    case LeadPlanStatus.Rejected:
                        throw new CrmSyncException($"The CRM rejected the resolution of '{field}': {outcome.CrmResult!.ErrorCode} {outcome.CrmResult.ErrorMessage}".TrimEnd(), ctx.Provider);
                    case LeadPlanStatus.StateChanged or LeadPlanStatus.LeadChanged or LeadPlanStatus.CrmChanged when attempt < _options.ConcurrencyAttempts:
                        Log.ConcurrentWrite(_logger, leadMemoryId, attempt);
                        continue; // the state, the lead or the CRM record changed since it was read: compare again
                    default:
                        throw new CrmSyncException($"The CRM record {ctx.CrmId} kept changing while the conflict on '{field}' was resolved; try again", ctx.Provider);
                }
            }
        }
        catch (Exception ex) when (SyncFailures.IsOperational(ex, cancellationToken) && ex is not CrmSyncValidationException)
        {
            var message = Security.SecretRedactor.Redact(SyncFailures.Describe(ex), [ctx.Connection.AccessToken, ctx.Connection.RefreshToken]);
            await _audit.LogSyncOperationAsync(userId, leadMemoryId, CrmAuditOperation.Error, ctx.Provider, false, SyncFailures.WithErrorDetails(new Dictionary<string, object?>
            {
                ["operation"] = "resolve_conflict",
                ["field"] = field,
                ["code"] = (ex as CrmSyncException)?.Code ?? CrmSyncException.DefaultCode,
            }, ex), message, CancellationToken.None).ConfigureAwait(false);
            return new SyncResult { LeadMemoryId = leadMemoryId, Success = false, Status = ctx.State.Status, Error = message, ErrorCode = (ex as CrmSyncException)?.Code ?? CrmSyncException.DefaultCode, Conflicts = [open] };
        }
    }

    /// <summary>
    /// The CRM's value changed after the conflict was recorded and differs from the lead's: the open conflict is
    /// recorded again with the values both sides show now (audited as a newly detected conflict), for a new decision.
    /// </summary>
    private async Task<SyncResult> RecordConflictAgainAsync(LeadContext ctx, SyncConflict open, string? crmValue, string? leadValue, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var renewed = open with { CrmValue = crmValue, AriaValue = leadValue, DetectedAt = now };
        var state = await _stateWriter.MutateAsync(ctx.Lead.Id, s =>
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
