using System.Globalization;

namespace Aria.CrmSync.Soak.Model;

/// <summary>The four synced lead fields, in the order the model keeps them.</summary>
public enum Field
{
    Lifecycle,
    Status,
    Amount,
    CloseDate,
}

/// <summary>The values of the four synced fields, in canonical text (what both sides are compared on).</summary>
public sealed class FieldValues
{
    private readonly string?[] _values = new string?[4];

    public string? this[Field field]
    {
        get => _values[(int)field];
        set => _values[(int)field] = value;
    }

    public StagePair Stage
    {
        get => new(this[Field.Lifecycle] ?? string.Empty, this[Field.Status] ?? string.Empty);
        set
        {
            this[Field.Lifecycle] = value.Lifecycle;
            this[Field.Status] = value.Status;
        }
    }

    public static FieldValues Of(StagePair stage, decimal? amount, DateOnly? closeDate)
    {
        var values = new FieldValues { Stage = stage };
        values[Field.Amount] = Amount(amount);
        values[Field.CloseDate] = Date(closeDate);
        return values;
    }

    public static string? Amount(decimal? value)
        => value is { } d ? d.ToString("0.############################", CultureInfo.InvariantCulture) is var text && text == "-0" ? "0" : text : null;

    public static string? Date(DateOnly? value) => value?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public FieldValues Copy()
    {
        var copy = new FieldValues();
        _values.CopyTo(copy._values, 0);
        return copy;
    }

    public override string ToString() => $"{this[Field.Lifecycle]}/{this[Field.Status]} amount={this[Field.Amount] ?? "null"} close={this[Field.CloseDate] ?? "null"}";
}

/// <summary>A field whose observed outcome differs from what the model expected.</summary>
/// <remarks>
/// <see cref="InUnknownOutcomeWindow"/> marks the case docs/reliability.md documents as not guaranteed: since the two
/// sides last agreed on the field, a person edited the side an earlier sync had claimed a write to while that write's
/// outcome was still unknown to the engine (its sync died, or its read-back failed, before it settled).
/// </remarks>
public sealed record ModelViolation(int Round, string LeadId, Field Field, string Kind, string? Expected, string? Observed, string? Agreed, string? LeadSide, string? CrmSide, bool InUnknownOutcomeWindow = false)
{
    public override string ToString()
        => $"round {Round} {LeadId}.{Field}: {Kind}: expected {Expected ?? "null"}, observed {Observed ?? "null"} (agreed {Agreed ?? "null"}, lead edit {LeadSide ?? "null"}, CRM edit {CrmSide ?? "null"}){(InUnknownOutcomeWindow ? " [unknown-outcome window]" : string.Empty)}";
}

/// <summary>
/// What one lead and its CRM record must end up holding, computed from what people did, not from the engine: per field
/// the value both sides last agreed on (observed equal on both sides), the latest value a person set on each side since,
/// and the field rules applied as documented (a field changed on one side only takes that side's value; changed on both
/// to different values, the field's rule decides: CRM wins or ARIA wins; manual is not used). The stage and status are
/// one CRM field: when the per-field outcome is a pair no CRM stage expresses, the CRM's stage decides it (the engine
/// writes the stage the outcome's status implies, or none, and takes the CRM's pair on the next pass).
/// </summary>
public sealed class LeadModel
{
    public required string LeadId { get; init; }

    public required string UserId { get; init; }

    public required CrmProvider Provider { get; init; }

    public required string CrmId { get; init; }

    /// <summary>Gets the values both sides last showed alike.</summary>
    public required FieldValues Agreed { get; init; }

    /// <summary>Gets the lead side as people left it (the agreed value where nobody changed the lead).</summary>
    public required FieldValues LeadSide { get; init; }

    /// <summary>Gets the CRM side as people left it.</summary>
    public required FieldValues CrmSide { get; init; }

    /// <summary>Gets or sets a value indicating whether a person changed the lead's stage since both sides last agreed on it.</summary>
    public bool LeadStageEdited { get; set; }

    /// <summary>Gets or sets a value indicating whether a person changed the CRM's stage since both sides last agreed on it.</summary>
    public bool CrmStageEdited { get; set; }

    /// <summary>Gets the summaries pushed for the lead (unique tokens), each expected exactly once in the CRM.</summary>
    public List<string> Summaries { get; } = [];

    /// <summary>Gets the ids of CRM activities created on the record, each expected exactly once as a lead event.</summary>
    public List<string> Activities { get; } = [];

    /// <summary>
    /// Gets the fields a person edited, since both sides last agreed on them, on a side that an unconfirmed write of the
    /// engine targeted at that moment (its outcome unknown to the engine): the documented unknown-outcome window.
    /// </summary>
    public HashSet<Field> EditedInUnknownOutcomeWindow { get; } = [];

    /// <summary>Gets a value indicating whether both sides changed the stage since they last agreed: no more stage edits until they agree.</summary>
    public bool StageFrozen => LeadStageEdited && CrmStageEdited;

    /// <summary>Gets or sets the number of observations at which the field values were not yet equal on both sides.</summary>
    public int Unsettled { get; set; }

    /// <summary>Computes the outcome the rules give, for every field.</summary>
    public FieldValues Expected(IReadOnlyDictionary<Field, ConflictResolution> rules)
    {
        var result = new FieldValues();
        foreach (var field in Enum.GetValues<Field>())
        {
            result[field] = Resolve(Agreed[field], LeadSide[field], CrmSide[field], rules[field]);
        }

        // One CRM stage holds both fields: a pair it cannot express settles to what the CRM shows after the write.
        var pair = result.Stage;
        if (!StagePair.Valid.Contains(pair))
        {
            result.Stage = pair.Status switch
            {
                "won" => StagePair.Won,
                "lost" => StagePair.Lost,
                _ when pair.Lifecycle is "lead" or "opportunity" => new StagePair(pair.Lifecycle, "active"),
                _ => CrmSide.Stage,
            };
        }

        return result;
    }

    /// <summary>
    /// Records what both sides show now: every field equal on both sides is agreed, after checking it against the rules'
    /// outcome (a difference is a violation: an edit was lost or a rule was not applied).
    /// </summary>
    public void Observe(int round, FieldValues lead, FieldValues crm, IReadOnlyDictionary<Field, ConflictResolution> rules, List<ModelViolation> violations)
    {
        var expected = Expected(rules);
        var unsettled = false;

        // One CRM stage holds both stage fields: they are agreed together or not at all (a lifecycle equal on both sides
        // while the statuses differ is halfway through settling a pair, not an agreement).
        var stageAgreed = lead[Field.Lifecycle] == crm[Field.Lifecycle] && lead[Field.Status] == crm[Field.Status];
        foreach (var field in Enum.GetValues<Field>())
        {
            if (!string.Equals(lead[field], crm[field], StringComparison.Ordinal) || (field is Field.Lifecycle or Field.Status && !stageAgreed))
            {
                unsettled = true;
                continue;
            }

            var observed = lead[field];
            if (!string.Equals(observed, expected[field], StringComparison.Ordinal))
            {
                var kind = string.Equals(expected[field], LeadSide[field], StringComparison.Ordinal) && string.Equals(observed, CrmSide[field], StringComparison.Ordinal) ? "lead edit lost"
                    : string.Equals(expected[field], CrmSide[field], StringComparison.Ordinal) && string.Equals(observed, LeadSide[field], StringComparison.Ordinal) ? "CRM edit lost"
                    : "unexpected value";
                violations.Add(new ModelViolation(round, LeadId, field, kind, expected[field], observed, Agreed[field], LeadSide[field], CrmSide[field], EditedInUnknownOutcomeWindow.Contains(field)));
            }

            EditedInUnknownOutcomeWindow.Remove(field);

            Agreed[field] = observed;
            LeadSide[field] = observed;
            CrmSide[field] = observed;
        }

        if (stageAgreed)
        {
            LeadStageEdited = false;
            CrmStageEdited = false;
        }

        if (unsettled)
        {
            Unsettled++;
        }
    }

    /// <summary>The three-way rule, per field: one-sided changes flow; two-sided different changes follow the rule.</summary>
    internal static string? Resolve(string? agreed, string? lead, string? crm, ConflictResolution rule)
    {
        if (string.Equals(lead, crm, StringComparison.Ordinal))
        {
            return lead;
        }

        var leadChanged = !string.Equals(lead, agreed, StringComparison.Ordinal);
        var crmChanged = !string.Equals(crm, agreed, StringComparison.Ordinal);
        if (!leadChanged)
        {
            return crm;
        }

        if (!crmChanged)
        {
            return lead;
        }

        return rule switch
        {
            ConflictResolution.AriaWins => lead,
            ConflictResolution.CrmWins => crm,
            _ => throw new NotSupportedException($"The soak model does not use the {rule} rule."),
        };
    }
}
