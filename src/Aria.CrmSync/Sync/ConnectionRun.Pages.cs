using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Sync;

/// <content>A connection run's page processing: each lead merged with its record, the plans run through the write protocol.</content>
internal sealed partial class ConnectionRun
{
    /// <summary>Merges a batch of leads with their records and writes the outcome through the write protocol (<see cref="LeadPlanExecutor"/>).</summary>
    private async Task ProcessAsync(List<(LeadMemory Lead, CrmRecord Record)> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var now = svc.Env.Time.GetUtcNow();
        var plans = new List<LeadSyncPlan>(batch.Count);
        foreach (var (lead, record) in batch)
        {
            NoteCompared(record.CrmId);
            var state = StateFor(lead, now);
            if (state.Status == SyncStatus.Conflict
                || !SyncStateMachine.IsAllowed(state.Status, SyncStatus.Pending, state.RetryCount, svc.Env.Options.MaxRetries))
            {
                continue; // waits for a person (open conflict) or exhausted its automatic retries
            }

            if (CrmValueRules.RecordProblem(record) is { } recordProblem)
            {
                // A value no CRM should send (or no store can hold) fails this lead only; the run goes on.
                await FailLeadAsync(lead, new CrmSyncDataException($"The CRM record cannot be synced: {recordProblem}", $"{Serialization.WireValue.Format(Provider)} record {InboundCrmGateway.Shorten(record.CrmId)}", Provider), cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (CrmValueRules.LeadProblem(lead) is { } leadProblem)
            {
                await FailLeadAsync(lead, new CrmSyncValidationException($"Lead '{lead.Id}' cannot be synced: its {leadProblem.Problem}.", leadProblem.Field, Provider), cancellationToken).ConfigureAwait(false);
                continue;
            }

            var direction = options.PushLocalChanges ? SyncDirection.Bidirectional : SyncDirection.Pull;
            var plan = LeadSyncPlan.Create(lead, record, state, direction, svc.Fields.For(connection), now);
            if (plan.UnknownStage is not null)
            {
                Log.UnknownStage(svc.Env.Logger, Provider, plan.UnknownStage, record.CrmId);
            }

            plans.Add(plan);
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
