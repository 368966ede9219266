using System.Runtime.ExceptionServices;
using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Gateways.Http;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Sync;

/// <summary>
/// The CRM step of the write protocol (<see cref="LeadPlanExecutor"/>): sends the CRM updates of claimed plans in one
/// call, and settles what a failed call left uncertain (the nothing-written path and the unknown-outcome read-back).
/// </summary>
internal sealed class LeadPlanWrites(SyncStateWriter states, ConnectionFields fields, ILogger logger)
{
    /// <summary>How many times the records of an uncertain write are read back before the writes are left unconfirmed.</summary>
    public const int ReadBackAttempts = 3;

    /// <summary>
    /// Sends the CRM updates of claimed plans (<see cref="LeadSyncPlan.Claim"/>). A call that certainly wrote nothing
    /// (<see cref="CrmWriteOutcome.NothingWritten"/>: it failed before its first write went out, or that write was refused unprocessed) drops the plans' CRM writes claimed as unconfirmed, so that the next
    /// sync compares against the base again instead of taking the writes for made. Any other failure may have written:
    /// the records are read back at once, before a person is likely to change them, and each plan's write is settled by
    /// what its record shows (<see cref="LeadSyncPlan.OutcomeShownBy"/>): landed writes succeed, writes that certainly
    /// did not land drop their claim, and the rest stay unconfirmed for the next sync.
    /// </summary>
    /// <returns>
    /// One result per update (<see langword="null"/> where the call failed and the write did not land, or may not have),
    /// and the call's failure to rethrow once the landed writes are recorded, unless every write landed. A call that
    /// certainly wrote nothing, or whose records cannot be read back, has no result at all.
    /// </returns>
    public async Task<(IReadOnlyList<CrmWriteResult?> Results, ExceptionDispatchInfo? Failure)> UpdateAsync(ICrmGateway gateway, CrmConnection connection, IReadOnlyList<CrmRecordUpdate> updates, IReadOnlyList<LeadSyncPlan> plans, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var results = await gateway.UpdateRecordsAsync(connection, updates, cancellationToken).ConfigureAwait(false);
            foreach (var result in results)
            {
                if (result is { Success: false })
                {
                    fields.WriteRefused(connection, result.ErrorCode); // a field the CRM no longer has, say: its metadata is read again
                }
            }

            return (results, null);
        }
        catch (CrmSyncException ex) when (CrmWriteFailure.NothingWritten(ex))
        {
            fields.WriteFailed(connection, ex);
            foreach (var plan in plans)
            {
                await states.MutateAsync(plan.Lead.Id, s => plan.AfterUnsettledPush(s, crmNotWritten: true, now), cancellationToken).ConfigureAwait(false);
            }

            return (new CrmWriteResult?[plans.Count], ExceptionDispatchInfo.Capture(ex));
        }
        catch (Exception ex) when (SyncFailures.IsOperational(ex, cancellationToken))
        {
            fields.WriteFailed(connection, ex);
            if (await ReadBackUncertainWritesAsync(gateway, connection, plans, now, ex, cancellationToken).ConfigureAwait(false) is not var (results, noneLanded))
            {
                return (new CrmWriteResult?[plans.Count], ExceptionDispatchInfo.Capture(ex)); // the records could not be read either: every write stays unconfirmed
            }

            // When certainly no write landed, the error entry tells the same as a failure before the writes.
            var failure = noneLanded && ex is CrmSyncException crm ? crm.WithWriteOutcome(CrmWriteOutcome.NothingWritten) : ex;
            return (results, results.All(r => r is not null) ? null : ExceptionDispatchInfo.Capture(failure));
        }
    }

    /// <summary>
    /// Reads back the records of a write call that failed with an unknown outcome and settles each plan's claim by what its
    /// record shows. Returns a success result for every write that landed and <see langword="null"/> for the others, and
    /// whether the records show that certainly none landed; or <see langword="null"/> when the records cannot be read
    /// (nothing is settled then).
    /// </summary>
    private async Task<(CrmWriteResult?[] Results, bool NoneLanded)?> ReadBackUncertainWritesAsync(ICrmGateway gateway, CrmConnection connection, IReadOnlyList<LeadSyncPlan> plans, DateTimeOffset now, Exception failure, CancellationToken cancellationToken)
    {
        var provider = plans[0].Record.Provider;
        var results = new CrmWriteResult?[plans.Count];
        int landed = 0, notLanded = 0;

        // Writes the call settled before it failed need no guess: a refused one certainly wrote nothing (a precondition
        // failure, say, though the record may show a person's later change), an answered one landed.
        var uncertain = new List<LeadSyncPlan>(plans.Count);
        for (var i = 0; i < plans.Count; i++)
        {
            if (CrmWriteFailure.KnownResult(failure, i) is not { } known)
            {
                uncertain.Add(plans[i]);
                continue;
            }

            results[i] = known;
            if (known.Success)
            {
                landed++;
            }
            else
            {
                var plan = plans[i];
                await states.MutateAsync(plan.Lead.Id, s => plan.AfterUnsettledPush(s, crmNotWritten: true, now), cancellationToken).ConfigureAwait(false);
                notLanded++;
            }
        }

        var ids = uncertain.Select(p => p.Record.CrmId).ToList();
        IReadOnlyList<CrmRecord>? records = ids.Count == 0 ? [] : null;
        for (var attempt = 1; records is null; attempt++)
        {
            try
            {
                records = await gateway.GetRecordsAsync(connection, ids, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (SyncFailures.IsOperational(ex, cancellationToken))
            {
                // The HTTP pipeline already retried transient failures; an unreadable body is not retried there. A paused
                // connection (daily limit) will not answer now.
                if (attempt < ReadBackAttempts && ex is not CrmRateLimitedException { Scope: CrmRateLimitScope.Daily })
                {
                    continue;
                }

                Log.UncertainWritesUnread(logger, provider, uncertain.Count, ex.GetType().Name);
                foreach (var plan in uncertain.Where(p => p.ToLead.Count > 0))
                {
                    await states.MutateAsync(plan.Lead.Id, s => plan.AfterUnsettledPush(s, crmNotWritten: false, now), cancellationToken).ConfigureAwait(false);
                }

                return null;
            }
        }

        var current = new Dictionary<string, CrmRecord>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            current[record.CrmId] = record;
        }

        for (var i = 0; i < plans.Count; i++)
        {
            if (results[i] is not null)
            {
                continue; // settled by the call's own result
            }

            var plan = plans[i];
            var outcome = current.TryGetValue(plan.Record.CrmId, out var record) ? plan.OutcomeShownBy(record) : UncertainWriteOutcome.Unknown;
            if (outcome == UncertainWriteOutcome.Landed)
            {
                results[i] = new CrmWriteResult { CrmId = plan.Record.CrmId, Success = true, LastModifiedAt = record!.LastModifiedAt };
                landed++;
            }
            else if (outcome == UncertainWriteOutcome.NotLanded || plan.ToLead.Count > 0)
            {
                var notWritten = outcome == UncertainWriteOutcome.NotLanded;
                await states.MutateAsync(plan.Lead.Id, s => plan.AfterUnsettledPush(s, notWritten, now), cancellationToken).ConfigureAwait(false);
                notLanded += notWritten ? 1 : 0;
            }
        }

        Log.UncertainWritesReadBack(logger, provider, plans.Count, landed, notLanded, plans.Count - landed - notLanded);
        return (results, notLanded == plans.Count);
    }

}
