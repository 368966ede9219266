namespace Aria.CrmSync.Sync;

/// <summary>A person's decision on an open conflict, as a lead plan: it runs through the same write protocol as a sync.</summary>
internal sealed partial record LeadSyncPlan
{
    /// <summary>Gets the person's decision this plan carries out, or <see langword="null"/> for a sync's merge.</summary>
    public ConflictDecision? Decision { get; init; }

    /// <summary>
    /// The plan of a person's decision on the open conflict of <paramref name="field"/>, made on the record as read now:
    /// <c>crm_wins</c> writes the CRM's value to the lead, <c>aria_wins</c> the lead's value to the CRM (with the
    /// precondition of every CRM write, so a CRM change since the read refuses it). With <paramref name="agreed"/> (the
    /// two sides already show the same value) nothing is written and the conflict settles with that value.
    /// </summary>
    /// <exception cref="CrmSyncFieldValueException">The field's value cannot be read or written.</exception>
    public static LeadSyncPlan ForDecision(LeadMemory lead, CrmRecord record, CrmSyncState state, string field, ConflictResolution resolution, bool agreed, ConnectionFieldMap fields)
    {
        var options = fields.Options;
        var errors = new List<CrmSyncFieldValueException>();
        var leadValues = fields.FromLead(lead, errors);
        var crmValues = fields.FromCrm(record, out _, errors);
        if (errors.FirstOrDefault(e => e.Field == field) is { } unreadable)
        {
            throw unreadable;
        }

        var ariaValue = leadValues.GetValueOrDefault(field);
        var crmValue = crmValues.GetValueOrDefault(field);
        var resolved = agreed || resolution == ConflictResolution.CrmWins ? crmValue : ariaValue;
        var toLead = new Dictionary<string, string?>(StringComparer.Ordinal);
        var toCrm = new Dictionary<string, string?>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, string?> crmFields = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (!agreed && resolution == ConflictResolution.CrmWins && !string.Equals(ariaValue, resolved, StringComparison.Ordinal))
        {
            toLead[field] = resolved;
        }
        else if (!agreed && resolution == ConflictResolution.AriaWins)
        {
            crmFields = fields.ToCrmFields(leadValues, [field], record, errors);
            if (errors.FirstOrDefault(e => e.Field == field) is { } unwritable)
            {
                throw unwritable;
            }

            if (crmFields.Count > 0)
            {
                toCrm[field] = resolved;
            }
        }

        return new LeadSyncPlan
        {
            MaxRetries = options.MaxRetries,
            ResolvedConflictsKept = options.ResolvedConflictsKept,
            Lead = lead,
            Record = record,
            State = state,
            Direction = SyncDirection.Bidirectional,
            ToLead = toLead,
            ToCrm = toCrm,
            CrmFields = crmFields,
            NewBase = state.BaseSnapshot,
            Deferred = [],
            Conflicts = [],
            Baseline = state.BaseSnapshot,
            CrmValues = crmValues,
            Decided = [field],
            Fields = fields,
            Decision = new ConflictDecision(field, resolution, resolved, ariaValue, crmValue),
        };
    }

    /// <summary>
    /// The sync state once the decision's writes are made: the open conflict is settled with the resolved value (the
    /// values both sides showed recorded with it), the value becomes the field's agreed base, the decision's claim goes,
    /// and once no conflict is open the lead is <c>synced</c> (<see cref="SyncTransitions.Resolve"/>).
    /// </summary>
    /// <exception cref="CrmSyncValidationException">The conflict is no longer open (another resolution settled it).</exception>
    private CrmSyncState SettleDecision(CrmSyncState current, DateTimeOffset now, DateTimeOffset? crmWrittenAt)
    {
        var decision = Decision!;
        var log = current.ConflictLog.ToList();
        var index = log.FindLastIndex(c => c.Field == decision.Field && c.IsOpen);
        if (index < 0)
        {
            throw new CrmSyncValidationException($"Lead '{Lead.Id}' has no open conflict on '{decision.Field}'.", "field", Record.Provider);
        }

        log[index] = log[index] with { Resolution = decision.Resolution, ResolvedValue = decision.ResolvedValue, ResolvedAt = now, AriaValue = decision.AriaValue, CrmValue = decision.CrmValue };
        return current.Resolve(SyncStateRetention.CompactConflictLog(log, ResolvedConflictsKept), MaxRetries) with
        {
            BaseSnapshot = new Dictionary<string, string?>(current.BaseSnapshot, StringComparer.Ordinal) { [decision.Field] = decision.ResolvedValue },
            CrmLastModifiedAt = Latest(current.CrmLastModifiedAt, Latest(Record.LastModifiedAt, crmWrittenAt)),
            PendingChanges = [.. current.PendingChanges.Where(p => !(p.Unconfirmed && p.Field == decision.Field))],
            LastSyncAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>The audit entry of a settled decision (<c>conflict_resolved</c>, <c>manual: true</c>).</summary>
    private (CrmAuditOperation, IReadOnlyDictionary<string, object?>) DecisionEntry()
    {
        var decision = Decision!;
        return (CrmAuditOperation.ConflictResolved, new Dictionary<string, object?>(Auditing.CrmAuditService.ConflictDetails(decision.Field, decision.AriaValue, decision.CrmValue, decision.Resolution, decision.ResolvedValue))
        {
            ["manual"] = true,
        });
    }
}

/// <summary>A person's decision on an open conflict, with the values both sides showed when it was carried out.</summary>
/// <param name="Field">The conflicting field.</param>
/// <param name="Resolution"><c>crm_wins</c> or <c>aria_wins</c>.</param>
/// <param name="ResolvedValue">The value both sides hold once it is carried out.</param>
/// <param name="AriaValue">The lead's value when the decision was carried out.</param>
/// <param name="CrmValue">The CRM's value when the decision was carried out.</param>
internal sealed record ConflictDecision(string Field, ConflictResolution Resolution, string? ResolvedValue, string? AriaValue, string? CrmValue);
