namespace Aria.CrmSync.Sync;

/// <summary>
/// What syncing one lead with its CRM record will write: computed purely (no I/O) from the lead, the record and the
/// sync state, then applied by the single-lead and whole-connection paths alike.
/// </summary>
internal sealed partial record LeadSyncPlan
{
    public required LeadMemory Lead { get; init; }

    public required CrmRecord Record { get; init; }

    public required CrmSyncState State { get; init; }

    public required SyncDirection Direction { get; init; }

    /// <summary>Gets the maximum number of automatic retries (<see cref="CrmSyncOptions.MaxRetries"/>), for the state transitions.</summary>
    public required int MaxRetries { get; init; }

    /// <summary>Gets how many resolved conflicts the state keeps (<see cref="CrmSyncOptions.ResolvedConflictsKept"/>).</summary>
    public required int ResolvedConflictsKept { get; init; }

    /// <summary>Gets the lead fields to write from the CRM.</summary>
    public required IReadOnlyDictionary<string, string?> ToLead { get; init; }

    /// <summary>Gets the lead fields whose values go to the CRM.</summary>
    public required IReadOnlyDictionary<string, string?> ToCrm { get; init; }

    /// <summary>Gets <see cref="ToCrm"/> translated to CRM fields (stage, amount, close date), only those that differ.</summary>
    public required IReadOnlyDictionary<string, string?> CrmFields { get; init; }

    /// <summary>Gets the base snapshot once the writes succeed.</summary>
    public required IReadOnlyDictionary<string, string?> NewBase { get; init; }

    /// <summary>Gets lead-only changes a pull leaves pending.</summary>
    public required IReadOnlyList<PendingChange> Deferred { get; init; }

    /// <summary>Gets the conflicts detected (resolved by rule, or open when manual).</summary>
    public required IReadOnlyList<SyncConflict> Conflicts { get; init; }

    /// <summary>Gets a CRM stage the stage map does not know, if any.</summary>
    public string? UnknownStage { get; init; }

    /// <summary>Gets the base the merge compared against (<see cref="EffectiveBase"/>).</summary>
    public required IReadOnlyDictionary<string, string?> Baseline { get; init; }

    /// <summary>Gets the CRM's values in lead terms, as read.</summary>
    public required IReadOnlyDictionary<string, string?> CrmValues { get; init; }

    /// <summary>Gets the fields whose outcome the merge decided (everything but skipped fields and open conflicts).</summary>
    public required IReadOnlyCollection<string> Decided { get; init; }

    /// <summary>Gets the connection's fields and their translation (the default fields, and its catalogue's custom fields).</summary>
    public required ConnectionFieldMap Fields { get; init; }

    /// <summary>
    /// Gets the fields of this lead that could not be synced, each a <see cref="CrmSyncFieldValueException"/> (a value
    /// that is not of its field's type, a picklist value without a mapping, an amount in another currency, a value the CRM
    /// would refuse). Those fields are left as they are (their base is kept) while the others sync; the lead then fails
    /// with the first (<see cref="LeadPlanExecutor"/>), so it is retried like any failure.
    /// </summary>
    public IReadOnlyList<CrmSyncFieldValueException> FieldErrors { get; init; } = [];

    public bool ChangesSomething => ToLead.Count > 0 || CrmFields.Count > 0 || Conflicts.Count > 0 || Deferred.Count > 0 || Decision is not null;

    /// <summary>The plan of the four default fields (no catalogue).</summary>
    public static LeadSyncPlan Create(LeadMemory lead, CrmRecord record, CrmSyncState state, SyncDirection direction, CrmSyncOptions options, DateTimeOffset now)
        => Create(lead, record, state, direction, ConnectionFieldMap.Default(options, record.Provider), now);

    public static LeadSyncPlan Create(LeadMemory lead, CrmRecord record, CrmSyncState state, SyncDirection direction, ConnectionFieldMap fields, DateTimeOffset now)
    {
        var options = fields.Options;
        var errors = new List<CrmSyncFieldValueException>();
        var leadValues = fields.FromLead(lead, errors, state.BaseSnapshot);
        var crmValues = fields.FromCrm(record, out var unknownStage, errors);
        foreach (var error in errors)
        {
            // Not comparable: skipped by the merge, its base kept, so nothing is written for it and it is read again next time.
            leadValues.Remove(error.Field);
            crmValues.Remove(error.Field);
        }

        var baseline = EffectiveBase(state, leadValues, crmValues);
        var merge = ThreeWayMerge.Merge(baseline, leadValues, crmValues, fields.Fields, fields.RuleFor);

        // A pull leaves lead-only changes where they are: they stay pending, and their base is not advanced.
        var toCrm = new Dictionary<string, string?>(merge.ToCrm, StringComparer.Ordinal);
        var newBase = new Dictionary<string, string?>(merge.NewBase, StringComparer.Ordinal);
        var deferred = new List<PendingChange>();
        if (direction == SyncDirection.Pull)
        {
            foreach (var (field, value) in toCrm)
            {
                if (baseline.TryGetValue(field, out var oldBase))
                {
                    newBase[field] = oldBase;
                }
                else
                {
                    newBase.Remove(field);
                }

                deferred.Add(new PendingChange { Field = field, Value = value, ChangedAt = now });
            }

            toCrm.Clear();
        }

        var afterLeadWrite = new Dictionary<string, string?>(leadValues, StringComparer.Ordinal);
        foreach (var (field, value) in merge.ToLead)
        {
            afterLeadWrite[field] = value;
        }

        var crmFields = toCrm.Count > 0 ? fields.ToCrmFields(afterLeadWrite, toCrm.Keys, record, errors) : [];
        foreach (var error in errors)
        {
            if (!toCrm.ContainsKey(error.Field))
            {
                continue;
            }

            // Cannot be written (no CRM value in the map, another currency, a value the CRM would refuse): not pushed, base kept.
            toCrm.Remove(error.Field);
            if (baseline.TryGetValue(error.Field, out var oldBase))
            {
                newBase[error.Field] = oldBase;
            }
            else
            {
                newBase.Remove(error.Field);
            }
        }

        var failed = errors.Count == 0 ? null : errors.Select(e => e.Field).ToHashSet(StringComparer.Ordinal);
        var conflicts = merge.Conflicts.Where(f => failed?.Contains(f.Field) != true).Select(f => new SyncConflict
        {
            Field = f.Field,
            AriaValue = f.LeadValue,
            CrmValue = f.CrmValue,
            BaseValue = f.BaseValue,
            Resolution = f.Resolution!.Value,
            ResolvedValue = f.ResolvedValue,
            DetectedAt = now,
            ResolvedAt = f.Outcome == FieldOutcome.ConflictResolved ? now : null,
        }).ToList();

        return new LeadSyncPlan
        {
            MaxRetries = options.MaxRetries,
            ResolvedConflictsKept = options.ResolvedConflictsKept,
            Lead = lead,
            Record = record,
            State = state,
            Direction = direction,
            ToLead = merge.ToLead,
            ToCrm = toCrm,
            CrmFields = crmFields,
            NewBase = newBase,
            Deferred = deferred,
            Conflicts = conflicts,
            UnknownStage = unknownStage,
            Baseline = baseline,
            CrmValues = crmValues,
            Decided = merge.Fields.Where(f => f.Outcome is not (FieldOutcome.Skipped or FieldOutcome.ConflictOpen) && failed?.Contains(f.Field) != true).Select(f => f.Field).ToList(),
            Fields = fields,
            FieldErrors = errors,
        };
    }

    /// <summary>Gets a value indicating whether the plan writes the lead or the CRM.</summary>
    public bool Writes => ToLead.Count > 0 || CrmFields.Count > 0;

    /// <summary>
    /// The base snapshot to compare against: the values both sides last agreed on, adjusted where an earlier sync's write
    /// is still unconfirmed (<see cref="PendingChange.Unconfirmed"/>: it stopped before recording the outcome). Per field,
    /// with v the value it was writing: when neither side moved except to v (each shows v or its value from before), the
    /// earlier inputs stand and the same merge is made again (finishing the write); when one side moved elsewhere, a person
    /// changed it after the write: compared against the other side's value, that change flows; when both did, v is the
    /// base and the field's rule decides. A write's own result is never taken for a person's change.
    /// </summary>
    /// <remarks>
    /// The lifecycle stage and the status are judged together: on the CRM they are one field (the stage), written in one
    /// request, and on the lead they are written in one update, so a write of the pair landed or did not land as a whole,
    /// and a person changes the pair as a whole. A side has moved when its pair is neither the pair written nor the pair
    /// from before; judged field by field, a person's new stage whose status happens to equal the status from before
    /// would be taken as "moved" for the lifecycle (the write landed) and "not moved" for the status (it did not), and the
    /// merge would keep half of the person's stage and push the other half back over it.
    /// </remarks>
    public static IReadOnlyDictionary<string, string?> EffectiveBase(CrmSyncState state, IReadOnlyDictionary<string, string?> leadValues, IReadOnlyDictionary<string, string?> crmValues)
    {
        var stage = state.PendingChanges.Where(p => p.Unconfirmed && IsStageField(p.Field) && crmValues.ContainsKey(p.Field)).ToList();
        var stageLeadMoved = Moved(stage, leadValues, p => p.LeadValueBefore);
        var stageCrmMoved = Moved(stage, crmValues, p => p.CrmValueBefore);
        Dictionary<string, string?>? effective = null;
        foreach (var pending in state.PendingChanges)
        {
            if (!pending.Unconfirmed || !crmValues.TryGetValue(pending.Field, out var crm))
            {
                continue;
            }

            var lead = leadValues.GetValueOrDefault(pending.Field);
            var leadMoved = IsStageField(pending.Field) ? stageLeadMoved : Moved([pending], leadValues, p => p.LeadValueBefore);
            var crmMoved = IsStageField(pending.Field) ? stageCrmMoved : Moved([pending], crmValues, p => p.CrmValueBefore);
            if (!leadMoved && !crmMoved)
            {
                continue;
            }

            effective ??= new Dictionary<string, string?>(state.BaseSnapshot, StringComparer.Ordinal);
            effective[pending.Field] = leadMoved && crmMoved ? pending.Value : leadMoved ? crm : lead;
        }

        return effective ?? state.BaseSnapshot;
    }

    private static bool IsStageField(string field) => field is LeadFields.LifecycleStage or LeadFields.Status;

    /// <summary>Whether a side shows neither the values written nor its values from before (all of them, for the stage pair).</summary>
    private static bool Moved(IReadOnlyList<PendingChange> writes, IReadOnlyDictionary<string, string?> side, Func<PendingChange, string?> before)
        => writes.Count > 0
            && !writes.All(p => string.Equals(side.GetValueOrDefault(p.Field), p.Value, StringComparison.Ordinal))
            && !writes.All(p => string.Equals(side.GetValueOrDefault(p.Field), before(p), StringComparison.Ordinal));

    /// <summary>
    /// The sync state to record before any write (version-checked, so that two syncs never write on the same snapshot):
    /// the base (<see cref="ClaimedBase"/>: the agreement already found for the fields it does not write, the base it
    /// compared against for the others), and every value about to be written to the lead or the CRM as an unconfirmed
    /// pending change with both sides' values before. A sync that stops before it settles (a lost response, a crash) thus
    /// leaves nothing that the next sync would take for a person's change.
    /// </summary>
    public CrmSyncState Claim(CrmSyncState current, DateTimeOffset now)
    {
        var leadValues = Fields.FromLead(Lead);
        var pending = current.PendingChanges.Where(p => !(p.Unconfirmed && Decided.Contains(p.Field))).ToList();
        foreach (var (field, value) in ToLead.Concat(ToCrm))
        {
            pending.Add(new PendingChange
            {
                Field = field,
                Value = value,
                ChangedAt = now,
                Unconfirmed = true,
                LeadValueBefore = leadValues.GetValueOrDefault(field),
                CrmValueBefore = CrmValues.GetValueOrDefault(field),
            });
        }

        return current.Claim() with
        {
            UserId = Lead.UserId,
            Provider = Record.Provider,
            CrmId = Record.CrmId,
            BaseSnapshot = ClaimedBase(),
            CrmLastModifiedAt = Latest(current.CrmLastModifiedAt, Record.LastModifiedAt),
            PendingChanges = pending,
            UpdatedAt = now,
        };
    }

    /// <summary>
    /// The base recorded with the claim: for every field the plan does not write, the agreement the merge found (both
    /// sides already show it, so it holds whatever becomes of the writes); for the fields it writes, the base it compared
    /// against (their outcome is claimed as unconfirmed pending changes). Recording only the compared base would lose an
    /// agreement that a sync failing before it settles (its push refused, say) found, and a later one-sided change of such
    /// a field would then look like a conflict, or like a change of the other side.
    /// </summary>
    private Dictionary<string, string?> ClaimedBase()
    {
        var claimed = new Dictionary<string, string?>(NewBase, StringComparer.Ordinal);
        foreach (var field in ToLead.Keys.Concat(ToCrm.Keys))
        {
            if (Baseline.TryGetValue(field, out var value))
            {
                claimed[field] = value;
            }
            else
            {
                claimed.Remove(field);
            }
        }

        return claimed;
    }

    /// <summary>
    /// The sync state once some of the plan's writes are known not to have happened (refused, or the lead changed first).
    /// Their claims go; an earlier sync's unconfirmed write of the same field, which the plan's claim replaced
    /// (<see cref="Claim"/>), comes back: that this plan's write did not happen says nothing of whether the earlier one
    /// did. (A plan read from a lagging change feed makes the earlier write again; dropping its claim with the refused
    /// repeat would make the earlier write, had it landed, look like a lead change, and a person's later CRM edit like a
    /// conflict.)
    /// </summary>
    public CrmSyncState WithoutUnconfirmed(CrmSyncState current, IEnumerable<KeyValuePair<string, string?>> notWritten, DateTimeOffset now)
    {
        var values = notWritten.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        bool Refused(PendingChange p) => p.Unconfirmed && values.TryGetValue(p.Field, out var value) && string.Equals(value, p.Value, StringComparison.Ordinal);
        var refusedFields = current.PendingChanges.Where(Refused).Select(p => p.Field).ToHashSet(StringComparer.Ordinal);
        if (refusedFields.Count == 0)
        {
            return current;
        }

        var pending = current.PendingChanges.Where(p => !Refused(p)).ToList();
        pending.AddRange(State.PendingChanges.Where(p => p.Unconfirmed && refusedFields.Contains(p.Field) && !pending.Any(q => q.Unconfirmed && q.Field == p.Field)));
        return current with { PendingChanges = pending, UpdatedAt = now };
    }

    /// <summary>
    /// What the CRM record, read again right after a write call failed with an unknown outcome (a lost or unreadable
    /// response, a timeout), says about this plan's CRM write: <see cref="UncertainWriteOutcome.Landed"/> when it shows
    /// every value written (both sides agree, whoever wrote it); <see cref="UncertainWriteOutcome.NotLanded"/> when it shows
    /// every value from before and was not modified since the plan read it; otherwise (a person changed it meanwhile)
    /// <see cref="UncertainWriteOutcome.Unknown"/>, and the write stays unconfirmed.
    /// </summary>
    public UncertainWriteOutcome OutcomeShownBy(CrmRecord current)
    {
        var values = Fields.FromCrm(current, out _);
        if (ToCrm.All(kv => string.Equals(values.GetValueOrDefault(kv.Key), kv.Value, StringComparison.Ordinal)))
        {
            return UncertainWriteOutcome.Landed;
        }

        var untouched = current.LastModifiedAt is { } modified && modified == Record.LastModifiedAt;
        return untouched && ToCrm.Keys.All(f => string.Equals(values.GetValueOrDefault(f), CrmValues.GetValueOrDefault(f), StringComparison.Ordinal))
            ? UncertainWriteOutcome.NotLanded
            : UncertainWriteOutcome.Unknown;
    }

    /// <summary>
    /// The sync state once the plan's lead writes succeeded but its CRM writes did not settle (refused, failed, or of
    /// unknown outcome). The lead took the CRM's values, so both sides agree on them whatever became of the CRM writes:
    /// their claims give way to the agreement in the base (unless another sync settled them first), so that a person who
    /// later sets the lead back is not taken for a lead write that never happened. The CRM writes known not to have
    /// landed (<paramref name="crmNotWritten"/>) drop their claims; the others stay unconfirmed.
    /// </summary>
    public CrmSyncState AfterUnsettledPush(CrmSyncState current, bool crmNotWritten, DateTimeOffset now)
    {
        var state = crmNotWritten ? WithoutUnconfirmed(current, ToCrm, now) : current;
        var agreed = state.PendingChanges
            .Where(p => p.Unconfirmed && ToLead.TryGetValue(p.Field, out var value) && string.Equals(value, p.Value, StringComparison.Ordinal))
            .ToList();
        if (agreed.Count == 0)
        {
            return state;
        }

        var baseline = new Dictionary<string, string?>(state.BaseSnapshot, StringComparer.Ordinal);
        foreach (var pending in agreed)
        {
            baseline[pending.Field] = pending.Value;
        }

        return state with { BaseSnapshot = baseline, PendingChanges = [.. state.PendingChanges.Where(p => !agreed.Contains(p))], UpdatedAt = now };
    }

    /// <summary>
    /// The sync state after the plan's writes succeeded: the operation that started from <paramref name="current"/> ends
    /// in the settled status (<see cref="SyncTransitions.Settle(CrmSyncState, CrmSyncState, SyncStatus, int)"/>: an
    /// illegal end throws <see cref="CrmSyncStateTransitionException"/>). <paramref name="crmWrittenAt"/> is the CRM's
    /// last-modified time reported for the plan's CRM write, when the CRM reports one.
    /// </summary>
    public CrmSyncState Settle(CrmSyncState current, DateTimeOffset now, DateTimeOffset? crmWrittenAt = null)
    {
        if (Decision is not null)
        {
            return SettleDecision(current, now, crmWrittenAt);
        }

        var next = current with
        {
            UserId = Lead.UserId,
            Provider = Record.Provider,
            CrmId = Record.CrmId,
            BaseSnapshot = NewBase,
            CrmLastModifiedAt = Latest(current.CrmLastModifiedAt, Latest(Record.LastModifiedAt, crmWrittenAt)),
            ConflictLog = SyncStateRetention.CompactConflictLog([.. current.ConflictLog, .. Conflicts], ResolvedConflictsKept),
            PendingChanges = [.. current.PendingChanges.Where(p => p.Field == LeadFields.Notes), .. Deferred],
            SyncDirection = Direction,
            LastSyncAt = now,
            LastPullAt = now,
            LastPushAt = CrmFields.Count > 0 ? now : current.LastPushAt,
            ErrorMessage = null,
            RetryCount = 0,
            NextAttemptAt = null,
            UpdatedAt = now,
        };
        return current.Settle(next, SettledStatus(next), MaxRetries);
    }

    /// <summary>
    /// Whether a change-feed hit shows the record as it was before a version this state already agreed with (HubSpot's
    /// search index lags writes: "it may take a few moments for newly created or updated records to appear" —
    /// https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm). Merging such a hit would take the
    /// old values for a CRM change and pull them over the lead. The newer version reaches the feed later, inside the
    /// connection sync's overlap window.
    /// </summary>
    public static bool IsStale(CrmRecord hit, CrmSyncState state)
        => state.CrmLastModifiedAt is { } known && hit.LastModifiedAt is { } seen && seen < known && state.CrmId == hit.CrmId;

    /// <summary>The later of two optional times.</summary>
    public static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b)
        => a is null ? b : b is null ? a : (a > b ? a : b);

    public static SyncStatus SettledStatus(CrmSyncState state)
        => state.OpenConflicts.Any() ? SyncStatus.Conflict
            : state.PendingChanges.Count > 0 || state.Outbox.Any(o => o.Status is OutboxItemStatus.Pending or OutboxItemStatus.InFlight) ? SyncStatus.Pending
            : SyncStatus.Synced;

    /// <summary>The audit entries describing what the plan did (conflicts, the pull, the push).</summary>
    public IEnumerable<(CrmAuditOperation Operation, IReadOnlyDictionary<string, object?> Details)> AuditEntries(IReadOnlyDictionary<string, string?> changes, IReadOnlyDictionary<string, string?> pushed)
    {
        if (Decision is not null)
        {
            yield return DecisionEntry();
            yield break;
        }

        foreach (var conflict in Conflicts)
        {
            yield return ConflictEntry(conflict);
        }

        yield return PullEntry(changes.Keys);
        if (pushed.Count > 0)
        {
            yield return (CrmAuditOperation.Push, new Dictionary<string, object?>
            {
                ["crm_id"] = Record.CrmId,
                ["fields_pushed"] = pushed.Keys.Order(StringComparer.Ordinal).ToArray(),
            });
        }
    }

    /// <summary>
    /// The audit entries of the plan's lead writes alone, for a sync that wrote the lead but did not settle (its push was
    /// refused or failed): the conflicts the lead's write resolved (the CRM's value won) and the pull. The lead changed
    /// and the change is agreed (<see cref="AfterUnsettledPush"/>), so no later sync would describe it.
    /// </summary>
    public IEnumerable<(CrmAuditOperation Operation, IReadOnlyDictionary<string, object?> Details)> LeadWriteAuditEntries()
    {
        if (ToLead.Count == 0 || Decision is not null)
        {
            yield break; // a decision's lead write is described when it settles
        }

        foreach (var conflict in Conflicts.Where(c => !c.IsOpen && ToLead.ContainsKey(c.Field)))
        {
            yield return ConflictEntry(conflict);
        }

        yield return PullEntry(ToLead.Keys);
    }

    private static (CrmAuditOperation, IReadOnlyDictionary<string, object?>) ConflictEntry(SyncConflict conflict)
        => (conflict.IsOpen ? CrmAuditOperation.ConflictDetected : CrmAuditOperation.ConflictResolved,
            new Dictionary<string, object?>(Auditing.CrmAuditService.ConflictDetails(conflict.Field, conflict.AriaValue, conflict.CrmValue, conflict.Resolution, conflict.ResolvedValue))
            {
                ["base_value"] = conflict.BaseValue,
                ["manual"] = false,
            });

    private (CrmAuditOperation, IReadOnlyDictionary<string, object?>) PullEntry(IEnumerable<string> fieldsUpdated)
        => (CrmAuditOperation.Pull, new Dictionary<string, object?>
        {
            ["crm_id"] = Record.CrmId,
            ["direction"] = Serialization.WireValue.Format(Direction),
            ["fields_updated"] = fieldsUpdated.Order(StringComparer.Ordinal).ToArray(),
            ["deferred_fields"] = Deferred.Select(d => d.Field).ToArray(),
        });
}
