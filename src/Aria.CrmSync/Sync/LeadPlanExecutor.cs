using System.Runtime.ExceptionServices;
using Aria.CrmSync.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Sync;

/// <summary>
/// The engine's one write protocol. Runs lead plans (<see cref="LeadSyncPlan"/>: one for a single-lead sync, a page for
/// a connection sync, a person's decision for a conflict resolution) through claim → lead → CRM → state → audit:
/// <list type="number">
/// <item>before any write, each plan's sync state records the writes about to be made as unconfirmed pending changes,
/// version-checked against the state the plan was made on (<see cref="LeadSyncPlan.Claim"/>), so two writers never
/// write on the same snapshot and a run stopped halfway leaves nothing the next would take for a person's change;</item>
/// <item>the lead takes the CRM's values (version-checked: a lead the host changed meanwhile writes nothing);</item>
/// <item>the CRM takes the lead's values in one batched call, each update with its precondition (the record's
/// modification time and the values read); a call that certainly wrote nothing drops the claims, one of unknown outcome
/// is settled by reading the records back (<see cref="LeadPlanWrites"/>);</item>
/// <item>each sync state records the new agreement (<see cref="LeadSyncPlan.Settle"/>, version-checked);</item>
/// <item>audit entries describe what was written, including the lead writes of plans that did not settle (appended in
/// slices as the plans settle, <see cref="AuditSlices"/>).</item>
/// </list>
/// The executor never retries: each plan's <see cref="LeadPlanOutcome"/> tells its caller what happened, and the caller
/// decides (a single-lead sync compares again, a connection run leaves the lead to its next run).
/// </summary>
internal sealed class LeadPlanExecutor(ILeadMemoryStore leads, SyncStateWriter states, ICrmAuditService audit, LeadPlanWrites writes, SyncFailures failures, CrmSyncTelemetry telemetry, ILogger logger)
{
    /// <summary>Runs <paramref name="plans"/> (each made on its <see cref="LeadSyncPlan.State"/>; version 0: not stored yet).</summary>
    /// <param name="gateway">The CRM's gateway.</param>
    /// <param name="connection">The connection the plans' records belong to.</param>
    /// <param name="plans">The plans, of one connection.</param>
    /// <param name="auditUnchanged">Whether a plan that changes nothing is audited too (a single-lead sync audits every sync).</param>
    /// <param name="now">The time the plans were made.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>One outcome per plan, in order, and the CRM call's failure when some writes did not (surely) land.</returns>
    public async Task<LeadPlanBatch> ExecuteAsync(ICrmGateway gateway, CrmConnection connection, IReadOnlyList<LeadSyncPlan> plans, bool auditUnchanged, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outcomes = new LeadPlanOutcome[plans.Count];
        var drafts = new List<CrmAuditEntry>();
        var pushes = new List<int>();
        var current = plans.ToArray();
        try
        {
            for (var i = 0; i < current.Length; i++)
            {
                await FlushAsync(drafts, cancellationToken, onlyWhenFull: true).ConfigureAwait(false); // the earlier plans' entries, once they fill a slice
                var plan = current[i];
                if (!plan.Writes)
                {
                    outcomes[i] = await SettleAsync(plan, plan.State, null, auditUnchanged, now, drafts, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                // 1. The claim.
                CrmSyncState claimed;
                try
                {
                    claimed = await states.StoreAsync(plan.Claim(plan.State, now), plan.State.Version == 0, cancellationToken).ConfigureAwait(false);
                }
                catch (CrmSyncConcurrencyException ex)
                {
                    Log.ConcurrentWrite(logger, plan.Lead.Id, 1); // another writer got there first
                    outcomes[i] = new LeadPlanOutcome(plan, LeadPlanStatus.StateChanged, null) { Error = ex };
                    continue;
                }

                // 2. The lead.
                var leadWritten = false;
                if (plan.ToLead.Count > 0)
                {
                    try
                    {
                        plan = current[i] = plan with { Lead = await leads.UpdateAsync(plan.Fields.Apply(plan.Lead, plan.ToLead, now), cancellationToken).ConfigureAwait(false) };
                        leadWritten = true;
                    }
                    catch (CrmSyncConcurrencyException ex)
                    {
                        // The host edited the lead first: none of the plan's writes happened.
                        Log.ConcurrentWrite(logger, plan.Lead.Id, 1);
                        var skipped = plan;
                        var state = await states.MutateAsync(plan.Lead.Id, s => skipped.WithoutUnconfirmed(s, skipped.ToLead.Concat(skipped.ToCrm), now), cancellationToken).ConfigureAwait(false);
                        outcomes[i] = new LeadPlanOutcome(plan, LeadPlanStatus.LeadChanged, state) { Error = ex };
                        continue;
                    }
                }

                if (plan.CrmFields.Count == 0)
                {
                    outcomes[i] = await SettleAsync(plan, claimed, null, auditUnchanged, now, drafts, cancellationToken).ConfigureAwait(false) with { LeadWritten = leadWritten };
                }
                else
                {
                    outcomes[i] = new LeadPlanOutcome(plan, LeadPlanStatus.Unsettled, claimed) { LeadWritten = leadWritten };
                    pushes.Add(i);
                }
            }

            await FlushAsync(drafts, cancellationToken).ConfigureAwait(false);
            if (pushes.Count == 0)
            {
                await FailFieldsAsync(outcomes, connection, cancellationToken).ConfigureAwait(false);
                return new LeadPlanBatch(outcomes, null);
            }

            // 3. The CRM, in one call; each record succeeds or fails on its own.
            var pushed = pushes.Select(i => current[i]).ToList();
            var updates = pushed.Select(p => new CrmRecordUpdate { CrmId = p.Record.CrmId, Fields = p.CrmFields, IfUnmodifiedSince = p.Record.LastModifiedAt, ExpectedValues = p.Fields.CrmValuesAsRead(p.Record, p.CrmFields.Keys) }).ToList();
            var (results, failure) = await writes.UpdateAsync(gateway, connection, updates, pushed, now, cancellationToken).ConfigureAwait(false);
            if (results.Count != updates.Count)
            {
                throw new CrmSyncDataException($"The gateway returned {results.Count} results for {updates.Count} updates", $"{connection.Provider} update", connection.Provider);
            }

            // 4. The states, and 5. the audit.
            for (var j = 0; j < pushes.Count; j++)
            {
                var i = pushes[j];
                var plan = current[i];
                var outcome = outcomes[i];
                var result = results[j];
                if (result is null)
                {
                    // The call failed and this write did not land, or may not have: settled by the read-back or left unconfirmed.
                    drafts.AddRange(LeadWriteDrafts(outcome));
                    outcomes[i] = outcome with { State = null, Described = true };
                }
                else if (result.Success)
                {
                    outcomes[i] = await SettleAsync(plan, outcome.State!, result.LastModifiedAt, auditUnchanged, now, drafts, cancellationToken).ConfigureAwait(false) with { LeadWritten = outcome.LeadWritten, CrmResult = result };
                }
                else
                {
                    // Refused: nothing was written to the CRM.
                    var state = await states.MutateAsync(plan.Lead.Id, s => plan.AfterUnsettledPush(s, crmNotWritten: true, now), cancellationToken).ConfigureAwait(false);
                    drafts.AddRange(LeadWriteDrafts(outcome));
                    var status = result.ErrorCode == CrmWriteResult.PreconditionFailed ? LeadPlanStatus.CrmChanged : LeadPlanStatus.Rejected;
                    outcomes[i] = outcome with { Status = status, State = state, CrmResult = result, Described = true };
                }

                await FlushAsync(drafts, cancellationToken, onlyWhenFull: true).ConfigureAwait(false);
            }

            await FlushAsync(drafts, cancellationToken).ConfigureAwait(false);
            await FailFieldsAsync(outcomes, connection, cancellationToken).ConfigureAwait(false);
            return new LeadPlanBatch(outcomes, failure);
        }
        catch (Exception ex) when (SyncFailures.IsOperational(ex, cancellationToken))
        {
            // Stopped midway: the lead writes made so far are still described (no later sync would describe them).
            drafts.AddRange(outcomes.Where(o => o is { LeadWritten: true, Described: false, Status: not LeadPlanStatus.Settled }).SelectMany(LeadWriteDrafts));
            await FlushAsync(drafts, cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The failure of a CRM update the CRM refused (not on its precondition).</summary>
    public CrmSyncException RejectedUpdate(CrmProvider provider, CrmWriteResult result)
        => new($"{failures.DisplayName(provider)} rejected the update of {result.CrmId}: {result.ErrorCode} {result.ErrorMessage}".TrimEnd(), provider);

    /// <summary>Records a plan's new agreement in its sync state and adds the audit entries describing it.</summary>
    private async Task<LeadPlanOutcome> SettleAsync(LeadSyncPlan plan, CrmSyncState current, DateTimeOffset? crmWrittenAt, bool auditUnchanged, DateTimeOffset now, List<CrmAuditEntry> drafts, CancellationToken cancellationToken)
    {
        CrmSyncState state;
        try
        {
            state = await states.StoreAsync(plan.Settle(current, now, crmWrittenAt), current.Version == 0, cancellationToken).ConfigureAwait(false);
        }
        catch (CrmSyncConcurrencyException ex)
        {
            Log.ConcurrentWrite(logger, plan.Lead.Id, 1); // another writer got there first; the merge is made again
            return new LeadPlanOutcome(plan, LeadPlanStatus.StateChanged, null) { Error = ex };
        }

        if (plan.ChangesSomething || auditUnchanged)
        {
            var pushed = plan.CrmFields.Count > 0 ? plan.ToCrm : new Dictionary<string, string?>();
            drafts.AddRange(plan.AuditEntries(plan.ToLead, pushed).Select(e => failures.Draft(plan.Lead.UserId, plan.Lead.Id, e.Operation, plan.Record.Provider, true, e.Details)));
            foreach (var conflict in plan.Conflicts)
            {
                telemetry.ConflictDetected(plan.Record.Provider, conflict.Resolution);
                if (conflict.IsOpen)
                {
                    Log.ManualConflict(logger, plan.Lead.Id, conflict.Field);
                }
            }

            if (plan.Decision is { } decision)
            {
                telemetry.ConflictDetected(plan.Record.Provider, decision.Resolution);
            }
        }

        return new LeadPlanOutcome(plan, LeadPlanStatus.Settled, state) { Described = true };
    }

    /// <summary>
    /// Fails the settled plans that left fields unsynced (<see cref="LeadSyncPlan.FieldErrors"/>): their other fields are
    /// written and agreed, and the lead goes to <c>error</c> with the first field's <see cref="CrmSyncFieldValueException"/>
    /// (retried like any failure, when the field is read and compared again); every failed field has its <c>error</c>
    /// audit entry (operation <c>sync_field</c>, its field, CRM field and problem in <c>error_details</c>).
    /// </summary>
    private async Task FailFieldsAsync(LeadPlanOutcome[] outcomes, CrmConnection connection, CancellationToken cancellationToken)
    {
        for (var i = 0; i < outcomes.Length; i++)
        {
            var outcome = outcomes[i];
            if (outcome is not { Status: LeadPlanStatus.Settled, State: { } state } || outcome.Plan.FieldErrors.Count == 0)
            {
                continue;
            }

            var plan = outcome.Plan;
            var others = plan.FieldErrors.Skip(1).Select(e => failures.Draft(plan.Lead.UserId, plan.Lead.Id, CrmAuditOperation.Error, plan.Record.Provider, false, SyncFailures.WithErrorDetails(new Dictionary<string, object?>
            {
                ["operation"] = FieldOperation,
                ["code"] = e.Code,
            }, e), e.Message)).ToList();
            await FlushAsync(others, cancellationToken).ConfigureAwait(false);
            var failed = await failures.FailAsync(plan.Lead, state, connection, plan.Record.Provider, FieldOperation, plan.FieldErrors[0], cancellationToken).ConfigureAwait(false);
            outcomes[i] = outcome with { FieldFailure = failed, State = await states.MutateAsync(plan.Lead.Id, static s => s, cancellationToken).ConfigureAwait(false) };
        }
    }

    /// <summary>The audited operation of a field that could not be synced.</summary>
    internal const string FieldOperation = "sync_field";

    private IEnumerable<CrmAuditEntry> LeadWriteDrafts(LeadPlanOutcome outcome)
        => outcome.LeadWritten
            ? outcome.Plan.LeadWriteAuditEntries().Select(e => failures.Draft(outcome.Plan.Lead.UserId, outcome.Plan.Lead.Id, e.Operation, outcome.Plan.Record.Provider, true, e.Details))
            : [];

    private Task FlushAsync(List<CrmAuditEntry> drafts, CancellationToken cancellationToken, bool onlyWhenFull = false)
        => AuditSlices.FlushAsync(audit, drafts, onlyWhenFull, cancellationToken);
}

/// <summary>What became of a lead plan run by <see cref="LeadPlanExecutor"/>.</summary>
internal enum LeadPlanStatus
{
    /// <summary>Every write was made and the sync state records the new agreement (audited).</summary>
    Settled,

    /// <summary>Another writer changed the sync state first (at the claim or the settle): compare again.</summary>
    StateChanged,

    /// <summary>The host changed the lead first: none of the plan's writes happened (the claims are dropped).</summary>
    LeadChanged,

    /// <summary>The CRM refused the write on its precondition (the record changed since it was read); nothing was written to it.</summary>
    CrmChanged,

    /// <summary>The CRM refused the write for another reason (<see cref="LeadPlanOutcome.CrmResult"/>); nothing was written to it.</summary>
    Rejected,

    /// <summary>The CRM call failed and the write did not land, or may not have (see <see cref="LeadPlanBatch.Failure"/>).</summary>
    Unsettled,
}

/// <summary>A lead plan's outcome: its status, the plan as run (with the lead as written) and its sync state as last stored.</summary>
/// <param name="Plan">The plan; its <see cref="LeadSyncPlan.Lead"/> is the lead as written.</param>
/// <param name="Status">What happened.</param>
/// <param name="State">The sync state as last stored by the run, or <see langword="null"/> when not known.</param>
internal sealed record LeadPlanOutcome(LeadSyncPlan Plan, LeadPlanStatus Status, CrmSyncState? State)
{
    /// <summary>Gets a value indicating whether the lead took the plan's values.</summary>
    public bool LeadWritten { get; init; }

    /// <summary>Gets the CRM's answer to the plan's update, when it made one.</summary>
    public CrmWriteResult? CrmResult { get; init; }

    /// <summary>Gets the concurrency failure of a <see cref="LeadPlanStatus.StateChanged"/> or <see cref="LeadPlanStatus.LeadChanged"/> plan.</summary>
    public CrmSyncConcurrencyException? Error { get; init; }

    /// <summary>Gets the failure a settled plan ended with when some of its fields could not be synced (<see cref="LeadSyncPlan.FieldErrors"/>).</summary>
    public SyncResult? FieldFailure { get; init; }

    /// <summary>Gets a value indicating whether the plan's writes are in the audit batch.</summary>
    internal bool Described { get; init; }
}

/// <summary>The outcomes of a batch of lead plans, and the CRM call's failure (to rethrow) when some writes did not surely land.</summary>
internal sealed record LeadPlanBatch(IReadOnlyList<LeadPlanOutcome> Outcomes, ExceptionDispatchInfo? Failure);
