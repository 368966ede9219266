using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Sync;

/// <content>A connection run's page processing: merge, claim, lead writes, batched CRM writes, states and one audit batch.</content>
internal sealed partial class CrmSyncService
{
    private sealed partial class ConnectionRun
    {
        /// <summary>Merges a batch of leads with their records and writes the outcome: leads, then CRM (batched), then states, then audit.</summary>
        private async Task ProcessAsync(List<(LeadMemory Lead, CrmRecord Record)> batch, CancellationToken cancellationToken)
        {
            if (batch.Count == 0)
            {
                return;
            }

            var now = svc._time.GetUtcNow();
            var plans = new List<LeadSyncPlan>(batch.Count);
            foreach (var (lead, record) in batch)
            {
                var state = StateFor(lead, now);
                if (state.Status == SyncStatus.Conflict
                    || !SyncStateMachine.IsAllowed(state.Status, SyncStatus.Pending, state.RetryCount, svc._options.MaxRetries))
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
                var plan = LeadSyncPlan.Create(lead, record, state, direction, svc._options, now);
                if (plan.UnknownStage is not null)
                {
                    Log.UnknownStage(svc._logger, Provider, plan.UnknownStage, record.CrmId);
                }

                plans.Add(plan);
            }

            // 1. Before any write, each lead's state records the plan's base and the writes about to be made (unconfirmed),
            // version-checked against the state this run read: no other sync wrote on this snapshot, and a run stopped
            // halfway leaves nothing the next run would take for a person's change. 2. Leads take the CRM's changes
            // (version-checked; a lead the host changed meanwhile waits for the next run). A lead without CRM writes
            // settles at once.
            var drafts = new List<CrmAuditEntry>();
            var pushes = new List<LeadSyncPlan>();
            foreach (var candidate in plans)
            {
                var plan = candidate;
                if (!plan.Writes)
                {
                    await SettleAsync(plan, now, drafts, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var current = StateFor(plan.Lead, now);
                try
                {
                    _states[plan.Lead.Id] = current.Version == 0
                        ? await svc._states.InsertAsync(plan.Claim(current, now), cancellationToken).ConfigureAwait(false)
                        : await svc._states.UpdateAsync(plan.Claim(current, now), cancellationToken).ConfigureAwait(false);
                }
                catch (CrmSyncConcurrencyException)
                {
                    Log.ConcurrentWrite(svc._logger, plan.Lead.Id, 1); // another writer got there first; the merge is repeated next run
                    continue;
                }

                if (plan.ToLead.Count > 0)
                {
                    try
                    {
                        var updated = await svc._leads.UpdateAsync(LeadFieldMapper.Apply(plan.Lead, plan.ToLead, now), cancellationToken).ConfigureAwait(false);
                        _leadsByCrmId[updated.CrmId!] = updated;
                        plan = plan with { Lead = updated };
                        _leadsUpdated++;
                    }
                    catch (CrmSyncConcurrencyException)
                    {
                        Log.ConcurrentWrite(svc._logger, plan.Lead.Id, 1);
                        var skipped = plan;
                        _states[plan.Lead.Id] = await svc.MutateStateAsync(plan.Lead.Id, s => skipped.WithoutUnconfirmed(s, skipped.ToLead.Concat(skipped.ToCrm), now), cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }

                if (plan.CrmFields.Count == 0)
                {
                    await SettleAsync(plan, now, drafts, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    pushes.Add(plan);
                }
            }

            if (drafts.Count > 0)
            {
                await svc._audit.LogManyAsync(drafts, cancellationToken).ConfigureAwait(false);
                drafts.Clear();
            }

            // 2. The CRM takes the leads' changes, in the CRM's batch sizes; each record succeeds or fails on its own.
            ClaimedWrites? writes = null;
            if (pushes.Count > 0)
            {
                var updates = pushes.Select(p => new CrmRecordUpdate { CrmId = p.Record.CrmId, Fields = p.CrmFields, IfUnmodifiedSince = p.Record.LastModifiedAt, ExpectedValues = LeadFieldMapper.CrmValuesAsRead(p.Record, p.CrmFields.Keys) }).ToList();
                try
                {
                    writes = await svc.UpdateClaimedAsync(gateway, connection, updates, pushes, now, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsOperationalFailure(ex, cancellationToken))
                {
                    // The run stops here; the leads' own updates are still described.
                    var leadWrites = pushes.SelectMany(svc.LeadWriteDrafts).ToList();
                    if (leadWrites.Count > 0)
                    {
                        await svc._audit.LogManyAsync(leadWrites, cancellationToken).ConfigureAwait(false);
                    }

                    throw;
                }

                var results = writes.Results;
                if (results.Count != updates.Count)
                {
                    throw new CrmSyncDataException($"The gateway returned {results.Count} results for {updates.Count} updates", $"{Provider} update", Provider);
                }

                // 3. The sync states record the new agreement; 4. one audit batch describes it.
                for (var i = 0; i < pushes.Count; i++)
                {
                    var plan = pushes[i];
                    var result = results[i];
                    if (result is null)
                    {
                        // The call failed and this write did not land, or may not have: settled by the read-back or left unconfirmed.
                        drafts.AddRange(svc.LeadWriteDrafts(plan));
                        continue;
                    }

                    if (result.Success)
                    {
                        _crmUpdated++;
                        await SettleAsync(plan, now, drafts, cancellationToken, result.LastModifiedAt).ConfigureAwait(false);
                        continue;
                    }

                    // Refused: nothing was written to the CRM.
                    _states[plan.Lead.Id] = await svc.MutateStateAsync(plan.Lead.Id, s => plan.AfterUnsettledPush(s, crmNotWritten: true, now), cancellationToken).ConfigureAwait(false);
                    drafts.AddRange(svc.LeadWriteDrafts(plan));
                    if (result.ErrorCode != CrmWriteResult.PreconditionFailed)
                    {
                        await FailLeadAsync(plan.Lead, svc.RejectedUpdate(Provider, result.CrmId, result), cancellationToken).ConfigureAwait(false);
                    }

                    // A precondition failure means the CRM changed the record meanwhile: the next run sees it in the change stream.
                }
            }

            if (drafts.Count > 0)
            {
                await svc._audit.LogManyAsync(drafts, cancellationToken).ConfigureAwait(false);
            }

            writes?.Failure?.Throw(); // the landed writes of a failed call are recorded; the call's failure ends the run
        }

        /// <summary>Records a plan's new agreement in its sync state and adds the audit entries describing it.</summary>
        private async Task SettleAsync(LeadSyncPlan plan, DateTimeOffset now, List<CrmAuditEntry> drafts, CancellationToken cancellationToken, DateTimeOffset? crmWrittenAt = null)
        {
            var current = StateFor(plan.Lead, now);
            var next = plan.Settle(current, now, crmWrittenAt);
            try
            {
                _states[plan.Lead.Id] = current.Version == 0
                    ? await svc._states.InsertAsync(next, cancellationToken).ConfigureAwait(false)
                    : await svc._states.UpdateAsync(next, cancellationToken).ConfigureAwait(false);
            }
            catch (CrmSyncConcurrencyException)
            {
                Log.ConcurrentWrite(svc._logger, plan.Lead.Id, 1);
                return; // another writer (a per-lead sync) got there first; the merge is repeated next run
            }

            if (!plan.ChangesSomething)
            {
                return;
            }

            var pushed = plan.CrmFields.Count > 0 ? plan.ToCrm : new Dictionary<string, string?>();
            drafts.AddRange(plan.AuditEntries(plan.ToLead, pushed).Select(e => svc.Draft(plan.Lead.UserId, plan.Lead.Id, e.Operation, Provider, true, e.Details)));
            _conflictsResolved += plan.Conflicts.Count(c => !c.IsOpen);
            _conflictsOpen += plan.Conflicts.Count(c => c.IsOpen);
            svc.ReportConflicts(Provider, plan.Lead.Id, plan.Conflicts);
        }
    }
}
