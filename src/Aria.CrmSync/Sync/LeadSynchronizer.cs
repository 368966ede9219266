using System.Diagnostics;
using Aria.CrmSync.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Sync;

/// <summary>
/// Single-lead sync: the three-way merge of a lead and its CRM record run through the write protocol, and the full sync
/// (fields, queued notes, activities) of a manual sync or a retry.
/// </summary>
internal sealed class LeadSynchronizer(LeadLoader loader, ILeadMemoryStore leads, ISyncStateStore states, SyncStateWriter stateWriter, ICrmAuditService audit, LeadPlanExecutor executor, LeadNotePusher noteOutbox, ActivityPuller activities, SyncFailures failures, ConnectionFields fields, SyncEngineEnvironment env)
{
    private readonly LeadLoader _loader = loader;
    private readonly ILeadMemoryStore _leads = leads;
    private readonly ISyncStateStore _states = states;
    private readonly SyncStateWriter _stateWriter = stateWriter;
    private readonly ICrmAuditService _audit = audit;
    private readonly LeadPlanExecutor _executor = executor;
    private readonly LeadNotePusher _noteOutbox = noteOutbox;
    private readonly ActivityPuller _activities = activities;
    private readonly SyncFailures _failures = failures;
    private readonly ConnectionFields _fields = fields;
    private readonly CrmSyncOptions _options = env.Options;
    private readonly TimeProvider _time = env.Time;
    private readonly ILogger _logger = env.Logger;
    private readonly CrmSyncTelemetry _telemetry = env.Telemetry;
    private readonly RetryPolicy _retry = env.Retry;
    private readonly CrmProviderCatalog _providers = env.Providers;

    public async Task<SyncResult> RunFullSyncAsync(string userId, string leadMemoryId, bool manual, CancellationToken cancellationToken)
    {
        var load = await _loader.LoadAsync(userId, leadMemoryId, manual ? "manual_sync" : "retry", cancellationToken).ConfigureAwait(false);
        if (load.Failure is { } failure)
        {
            return failure;
        }

        var ctx = load.Context!;
        if (manual && ctx.State.Status == SyncStatus.Error && !_retry.ShouldRetry(ctx.State.RetryCount))
        {
            // A person asked for it: the lead gets a fresh set of automatic retries.
            ctx = ctx with
            {
                State = await _stateWriter.MutateAsync(leadMemoryId, s => s.ResetRetries(_time.GetUtcNow()), cancellationToken).ConfigureAwait(false),
            };
            await _audit.LogSyncOperationAsync(userId, leadMemoryId, CrmAuditOperation.Retry, ctx.Provider, true, new Dictionary<string, object?>
            {
                ["manual"] = true,
                ["retry_count_reset"] = true,
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        SyncResult fields;
        if (ctx.State.Status == SyncStatus.Conflict)
        {
            fields = LeadLoader.ConflictBlocked(ctx.State);
        }
        else
        {
            fields = await SyncFieldsAsync(ctx, SyncDirection.Bidirectional, cancellationToken).ConfigureAwait(false);
            if (!fields.Success)
            {
                return fields;
            }
        }

        var notes = await _noteOutbox.FlushOutboxAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false);
        if (!notes.Success)
        {
            return notes with { Changes = fields.Changes, Pushed = fields.Pushed, Conflicts = fields.Conflicts };
        }

        var activities = await _activities.PullActivitiesAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false);
        return activities with
        {
            Success = fields.Success && activities.Success,
            Error = fields.Error ?? activities.Error,
            ErrorCode = fields.ErrorCode ?? activities.ErrorCode,
            Changes = fields.Changes,
            Pushed = fields.Pushed,
            Conflicts = fields.Conflicts,
            NoteId = notes.NoteId,
        };
    }


    public async Task<SyncResult> PullStageChangesAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        var load = await _loader.LoadAsync(userId, leadMemoryId, "pull", cancellationToken).ConfigureAwait(false);
        if (load.Failure is { } failure)
        {
            return failure;
        }

        return load.Context!.State.Status == SyncStatus.Conflict
            ? LeadLoader.ConflictBlocked(load.Context.State)
            : await SyncFieldsAsync(load.Context, SyncDirection.Pull, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Compares lead, CRM record and base snapshot field by field and writes the outcome through the write protocol
    /// (<see cref="LeadPlanExecutor"/>: claim, lead, CRM with its precondition, state, audit). When another writer got
    /// there first (the state, the lead or the CRM record changed since they were read), it reads and compares again.
    /// </summary>
    private async Task<SyncResult> SyncFieldsAsync(LeadContext ctx, SyncDirection direction, CancellationToken cancellationToken)
    {
        var operation = direction == SyncDirection.Pull ? "pull" : "sync";
        using var activity = _telemetry.StartActivity("sync.fields", ctx.Provider, ctx.Lead.Id);
        var started = Stopwatch.GetTimestamp();

        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        var lead = ctx.Lead;

        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var state = await _states.GetAsync(lead.Id, cancellationToken).ConfigureAwait(false) ?? ctx.State;
                if (state.Status == SyncStatus.Conflict)
                {
                    return LeadLoader.ConflictBlocked(state);
                }

                SyncStateMachine.EnsureOperationAllowed(lead.Id, state.Status, SyncStatus.Pending, state.RetryCount, _options.MaxRetries);

                // The lead is read after its state (a lead older than its state could look changed where another sync
                // already agreed), then the CRM.
                lead = await _leads.GetAsync(lead.UserId, lead.Id, cancellationToken).ConfigureAwait(false)
                    ?? throw new CrmSyncNotFoundException("Lead memory", lead.Id);
                var record = await ctx.Gateway.GetRecordAsync(ctx.Connection, ctx.CrmId, cancellationToken).ConfigureAwait(false)
                    ?? throw new CrmSyncNotFoundException(_providers.TryGet(ctx.Provider, out var descriptor) ? descriptor.RecordName : $"{ctx.Provider.Value} record", ctx.CrmId);

                var now = _time.GetUtcNow();
                var plan = LeadSyncPlan.Create(lead, record, state, direction, _fields.For(ctx.Connection), now);
                if (plan.UnknownStage is not null)
                {
                    Log.UnknownStage(_logger, ctx.Provider, plan.UnknownStage, ctx.CrmId);
                }

                var batch = await _executor.ExecuteAsync(ctx.Gateway, ctx.Connection, [plan], auditUnchanged: true, now, cancellationToken).ConfigureAwait(false);
                batch.Failure?.Throw(); // the call failed and the record did not show the write landed
                var outcome = batch.Outcomes[0];
                if (outcome.LeadWritten)
                {
                    Record(changes, plan.ToLead);
                }

                switch (outcome.Status)
                {
                    case LeadPlanStatus.Settled:
                        var pushed = plan.CrmFields.Count > 0 ? new Dictionary<string, string?>(plan.ToCrm, StringComparer.Ordinal) : [];
                        _telemetry.OperationCompleted(operation, ctx.Provider, true, Stopwatch.GetElapsedTime(started));
                        Log.SyncSucceeded(_logger, operation, lead.Id, ctx.Provider, changes.Count, pushed.Count, plan.Conflicts.Count);
                        if (outcome.FieldFailure is { } fieldFailure)
                        {
                            // The other fields synced; the failed ones are named in the error and retried.
                            return fieldFailure with { Changes = changes, Pushed = pushed, Conflicts = plan.Conflicts };
                        }

                        return new SyncResult
                        {
                            LeadMemoryId = lead.Id,
                            Success = true,
                            Status = outcome.State!.Status,
                            Changes = changes,
                            Pushed = pushed,
                            Conflicts = plan.Conflicts,
                            RetryCount = outcome.State.RetryCount,
                        };
                    case LeadPlanStatus.StateChanged or LeadPlanStatus.LeadChanged when attempt >= _options.ConcurrencyAttempts:
                        throw outcome.Error!;
                    case LeadPlanStatus.CrmChanged when attempt < _options.ConcurrencyAttempts:
                    case LeadPlanStatus.StateChanged or LeadPlanStatus.LeadChanged:
                        Log.ConcurrentWrite(_logger, lead.Id, attempt);
                        continue; // another writer changed the state, the lead or the CRM record meanwhile: compare again
                    default:
                        throw _executor.RejectedUpdate(ctx.Provider, outcome.CrmResult!);
                }
            }
        }
        catch (Exception ex) when (SyncFailures.IsOperational(ex, cancellationToken))
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            return await _failures.FailAsync(ctx, operation, ex, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static void Record(Dictionary<string, string?> target, IReadOnlyDictionary<string, string?> values)
    {
        foreach (var (field, value) in values)
        {
            target[field] = value;
        }
    }
}
