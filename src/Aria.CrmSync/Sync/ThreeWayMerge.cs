using Aria.CrmSync.Fields;

namespace Aria.CrmSync.Sync;

/// <summary>What happened to one field in a three-way comparison.</summary>
internal enum FieldOutcome
{
    /// <summary>Both sides hold the same value.</summary>
    InSync,

    /// <summary>Only the CRM changed it: the lead takes the CRM value.</summary>
    TakeCrm,

    /// <summary>Only the lead changed it: the CRM takes the lead value.</summary>
    PushLead,

    /// <summary>Both changed it to different values; a rule decided.</summary>
    ConflictResolved,

    /// <summary>Both changed it to different values; the rule is manual, so nothing is written.</summary>
    ConflictOpen,

    /// <summary>The CRM value is not comparable (e.g. an unknown stage); nothing is written, the base is kept.</summary>
    Skipped,
}

/// <summary>The comparison of one field.</summary>
internal readonly record struct FieldMerge(
    string Field,
    FieldOutcome Outcome,
    string? BaseValue,
    bool BaseKnown,
    string? LeadValue,
    string? CrmValue,
    ConflictResolution? Resolution,
    string? ResolvedValue);

/// <summary>The result of a three-way comparison of a lead and its CRM record against their base snapshot.</summary>
internal sealed class MergeResult
{
    public required IReadOnlyList<FieldMerge> Fields { get; init; }

    /// <summary>Gets the values to write to the lead (field → value).</summary>
    public required IReadOnlyDictionary<string, string?> ToLead { get; init; }

    /// <summary>Gets the values to write to the CRM (lead field → value).</summary>
    public required IReadOnlyDictionary<string, string?> ToCrm { get; init; }

    /// <summary>Gets the new base snapshot once both writes succeed.</summary>
    public required IReadOnlyDictionary<string, string?> NewBase { get; init; }

    public IEnumerable<FieldMerge> Conflicts => Fields.Where(f => f.Outcome is FieldOutcome.ConflictResolved or FieldOutcome.ConflictOpen);
}

/// <summary>
/// Three-way field comparison against the base snapshot (the values both sides agreed on at the last sync): a field
/// changed on one side only flows to the other; changed on both sides to different values is a conflict settled by
/// the field's rule. Pure: no I/O.
/// </summary>
internal static class ThreeWayMerge
{
    public static MergeResult Merge(
        IReadOnlyDictionary<string, string?> baseline,
        IReadOnlyDictionary<string, string?> lead,
        IReadOnlyDictionary<string, string?> crm,
        IEnumerable<string> fields,
        Func<string, ConflictResolution> ruleFor)
        => Merge(baseline, lead, crm, fields, field => FieldRule.FromResolution(ruleFor(field)));

    /// <summary>
    /// The merge with each field's direction and conflict rule. A one-way field mirrors its source: a CRM → lead only
    /// field (<see cref="SyncDirection.Pull"/>) takes the CRM value whenever the two differ, a lead → CRM only field
    /// (<see cref="SyncDirection.Push"/>) writes the lead value whenever they differ; neither has conflicts. The "unless
    /// blank" rules settle a conflict for the named side unless its value is blank, then for the other side.
    /// </summary>
    public static MergeResult Merge(
        IReadOnlyDictionary<string, string?> baseline,
        IReadOnlyDictionary<string, string?> lead,
        IReadOnlyDictionary<string, string?> crm,
        IEnumerable<string> fields,
        Func<string, FieldRule> ruleFor)
    {
        // One pass over a list of fields (20 with a custom catalogue): sized up front, indexed (no boxed enumerator).
        var list = fields as IReadOnlyList<string> ?? [.. fields];
        var results = new List<FieldMerge>(list.Count);
        var toLead = new Dictionary<string, string?>(StringComparer.Ordinal);
        var toCrm = new Dictionary<string, string?>(StringComparer.Ordinal);
        var newBase = new Dictionary<string, string?>(baseline, StringComparer.Ordinal);

        for (var i = 0; i < list.Count; i++)
        {
            var field = list[i];
            var baseKnown = baseline.TryGetValue(field, out var b);
            lead.TryGetValue(field, out var l);
            if (!crm.TryGetValue(field, out var c))
            {
                results.Add(new FieldMerge(field, FieldOutcome.Skipped, b, baseKnown, l, null, null, null));
                continue;
            }

            if (string.Equals(l, c, StringComparison.Ordinal))
            {
                if (!baseKnown || !string.Equals(b, l, StringComparison.Ordinal))
                {
                    newBase[field] = l;
                }

                results.Add(new FieldMerge(field, FieldOutcome.InSync, b, baseKnown, l, c, null, null));
                continue;
            }

            var leadChanged = baseKnown ? !string.Equals(l, b, StringComparison.Ordinal) : l is not null;
            var crmChanged = baseKnown ? !string.Equals(c, b, StringComparison.Ordinal) : c is not null;
            var fieldRule = ruleFor(field);
            if (fieldRule.Direction == SyncDirection.Pull)
            {
                leadChanged = false; // the CRM is the source: the lead mirrors it
            }
            else if (fieldRule.Direction == SyncDirection.Push)
            {
                crmChanged = false; // the lead is the source: the CRM mirrors it
                leadChanged = true;
            }

            if (!leadChanged)
            {
                toLead[field] = c;
                newBase[field] = c;
                results.Add(new FieldMerge(field, FieldOutcome.TakeCrm, b, baseKnown, l, c, null, null));
            }
            else if (!crmChanged)
            {
                toCrm[field] = l;
                newBase[field] = l;
                results.Add(new FieldMerge(field, FieldOutcome.PushLead, b, baseKnown, l, c, null, null));
            }
            else
            {
                var rule = fieldRule.Rule switch
                {
                    CrmFieldConflictRule.AriaWins => ConflictResolution.AriaWins,
                    CrmFieldConflictRule.Manual => ConflictResolution.Manual,
                    CrmFieldConflictRule.CrmWinsUnlessBlank => c is null ? ConflictResolution.AriaWins : ConflictResolution.CrmWins,
                    CrmFieldConflictRule.AriaWinsUnlessBlank => l is null ? ConflictResolution.CrmWins : ConflictResolution.AriaWins,
                    _ => ConflictResolution.CrmWins,
                };
                switch (rule)
                {
                    case ConflictResolution.AriaWins:
                        toCrm[field] = l;
                        newBase[field] = l;
                        results.Add(new FieldMerge(field, FieldOutcome.ConflictResolved, b, baseKnown, l, c, rule, l));
                        break;
                    case ConflictResolution.Manual:
                        results.Add(new FieldMerge(field, FieldOutcome.ConflictOpen, b, baseKnown, l, c, rule, null));
                        break;
                    default:
                        // CRM wins (and merge, which applies to notes only, settles scalar values the same way).
                        toLead[field] = c;
                        newBase[field] = c;
                        results.Add(new FieldMerge(field, FieldOutcome.ConflictResolved, b, baseKnown, l, c, ConflictResolution.CrmWins, c));
                        break;
                }
            }
        }

        return new MergeResult { Fields = results, ToLead = toLead, ToCrm = toCrm, NewBase = newBase };
    }
}
