using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Sync;

/// <content>A connection run's page processing: each lead merged with its record, the plans run through the write protocol.</content>
internal sealed partial class ConnectionRun
{
    /// <summary>
    /// How many plans that write nothing to the CRM go through the write protocol at a time. A plan in flight holds its
    /// lead as read and as written, its state as claimed and as settled, its field maps and its audit entries (≈ 8 KB);
    /// run a slice at a time, a page's leads are not all in flight at once (heap dumps at 100,000 leads: a 2,000-lead
    /// change page in the protocol held ≈ 12 MB). Plans that write to the CRM stay together (see <see cref="RunPushesAsync"/>).
    /// </summary>
    internal const int WriteSlice = 250;

    /// <summary>
    /// How many plans that write to the CRM go through the write protocol at a time: <see cref="ConnectionSyncOptions.BatchSize"/>
    /// (a change page holds up to 2,000 records), in whole update calls of the gateway (<see cref="ICrmGateway.MaxUpdateBatchSize"/>),
    /// so the updates take the calls one group of the whole page would.
    /// </summary>
    private int PushSlice
    {
        get
        {
            var call = Math.Max(1, gateway.MaxUpdateBatchSize);
            return Math.Max(call, options.BatchSize / call * call);
        }
    }

    /// <summary>
    /// Merges a batch of leads with their records and writes the outcome through the write protocol
    /// (<see cref="LeadPlanExecutor"/>): the plans that write nothing to the CRM a slice at a time as they are made
    /// (<see cref="WriteSlice"/>), then those that do, together, so that their updates and pre-write reads take as few
    /// calls as the whole batch would.
    /// </summary>
    private async Task ProcessAsync(List<(LeadMemory Lead, CrmRecord Record)> batch, CancellationToken cancellationToken)
    {
        var pushes = new List<LeadSyncPlan>();
        await ProcessAsync(batch, pushes, cancellationToken).ConfigureAwait(false);
        await RunPushesAsync(pushes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// As <see cref="ProcessAsync(List{ValueTuple{LeadMemory, CrmRecord}}, CancellationToken)"/>, the plans that write to
    /// the CRM added to <paramref name="pushes"/> (run once they fill a <see cref="PushSlice"/>; the caller runs the rest
    /// with <see cref="RunPushesAsync"/>), so that a change page's slices share their CRM calls.
    /// </summary>
    private async Task ProcessAsync(List<(LeadMemory Lead, CrmRecord Record)> batch, List<LeadSyncPlan> pushes, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var now = svc.Env.Time.GetUtcNow();
        var slice = new List<LeadSyncPlan>(Math.Min(WriteSlice, batch.Count));
        for (var i = 0; i < batch.Count; i++)
        {
            var (lead, record) = batch[i];
            if (await PlanAsync(lead, record, now, cancellationToken).ConfigureAwait(false) is not { } plan)
            {
                continue;
            }

            var group = plan.CrmFields.Count > 0 ? pushes : slice;
            group.Add(plan);
            if (group.Count == (group == pushes ? PushSlice : WriteSlice))
            {
                await RunPlansAsync(group, now, cancellationToken).ConfigureAwait(false);
                group.Clear();
            }
        }

        await RunPlansAsync(slice, now, cancellationToken).ConfigureAwait(false);
        slice.Clear();
    }

    /// <summary>Runs the plans that write to the CRM gathered by <see cref="ProcessAsync(List{ValueTuple{LeadMemory, CrmRecord}}, List{LeadSyncPlan}, CancellationToken)"/>.</summary>
    private async Task RunPushesAsync(List<LeadSyncPlan> pushes, CancellationToken cancellationToken)
    {
        await RunPlansAsync(pushes, svc.Env.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        pushes.Clear();
    }

    /// <summary>The lead's plan, or <see langword="null"/> when the lead is not synced now (failed here, or waiting for a person or out of retries).</summary>
    private async Task<LeadSyncPlan?> PlanAsync(LeadMemory lead, CrmRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        NoteCompared(record.CrmId);
        var state = StateFor(lead, now);
        if (state.Status == SyncStatus.Conflict
            || !SyncStateMachine.IsAllowed(state.Status, SyncStatus.Pending, state.RetryCount, svc.Env.Options.MaxRetries))
        {
            return null; // waits for a person (open conflict) or exhausted its automatic retries
        }

        if (CrmValueRules.RecordProblem(record) is { } recordProblem)
        {
            // A value no CRM should send (or no store can hold) fails this lead only; the run goes on.
            await FailLeadAsync(lead, new CrmSyncDataException($"The CRM record cannot be synced: {recordProblem}", $"{Serialization.WireValue.Format(Provider)} record {InboundCrmGateway.Shorten(record.CrmId)}", Provider), cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (CrmValueRules.LeadProblem(lead) is { } leadProblem)
        {
            await FailLeadAsync(lead, new CrmSyncValidationException($"Lead '{lead.Id}' cannot be synced: its {leadProblem.Problem}.", leadProblem.Field, Provider), cancellationToken).ConfigureAwait(false);
            return null;
        }

        var direction = options.PushLocalChanges ? SyncDirection.Bidirectional : SyncDirection.Pull;
        var plan = LeadSyncPlan.Create(lead, record, state, direction, svc.Fields.For(connection), now);
        if (plan.UnknownStage is not null)
        {
            Log.UnknownStage(svc.Env.Logger, Provider, plan.UnknownStage, record.CrmId);
        }

        return plan;
    }

    /// <summary>Runs plans through the write protocol and takes in their outcomes.</summary>
    private async Task RunPlansAsync(List<LeadSyncPlan> plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (plans.Count == 0)
        {
            return;
        }

        // Claim, leads, CRM (batched), states, audit: the write protocol. A lead another writer got to first (its
        // state, the lead or the CRM record changed meanwhile) waits for the next run, which sees the change.
        var run = await svc.Executor.ExecuteAsync(gateway, connection, plans, auditUnchanged: false, now, cancellationToken).ConfigureAwait(false);
        foreach (var outcome in run.Outcomes)
        {
            var plan = outcome.Plan;
            if (outcome.State is { } state)
            {
                _states[plan.Lead.Id] = state;
            }

            if (outcome.LeadWritten)
            {
                _leadsUpdated++;
            }

            if (outcome.CrmResult is { Success: true })
            {
                _crmUpdated++;
            }

            if (outcome.FieldFailure is { } fieldFailure)
            {
                _failures.Add(fieldFailure); // some fields could not be synced (the others were)
            }

            if (outcome.Status == LeadPlanStatus.Settled && plan.ChangesSomething)
            {
                _conflictsResolved += plan.Conflicts.Count(c => !c.IsOpen);
                _conflictsOpen += plan.Conflicts.Count(c => c.IsOpen);
            }
            else if (outcome.Status == LeadPlanStatus.Rejected)
            {
                await FailLeadAsync(plan.Lead, svc.Executor.RejectedUpdate(Provider, outcome.CrmResult!), cancellationToken).ConfigureAwait(false);
            }
        }

        run.Failure?.Throw(); // the landed writes of a failed call are recorded; the call's failure ends the run
    }
}
