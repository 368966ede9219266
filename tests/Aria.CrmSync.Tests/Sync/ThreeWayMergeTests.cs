using Aria.CrmSync.Sync;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Aria.CrmSync.Tests.Sync;

/// <summary>Three-way merge: examples and properties (FsCheck) over a small value domain with nulls.</summary>
public class ThreeWayMergeTests
{
    private const string F = "expected_value";
    private static readonly string?[] Domain = [null, "a", "b", "c"];

    [Fact]
    public void Merge_SeedRules_ResolveConflicts()
    {
        var options = new CrmSyncOptions();
        Assert.Equal(ConflictResolution.CrmWins, options.RuleFor(LeadFields.LifecycleStage));
        Assert.Equal(ConflictResolution.CrmWins, options.RuleFor(LeadFields.ExpectedValue));
        Assert.Equal(ConflictResolution.CrmWins, options.RuleFor(LeadFields.ExpectedCloseDate));
        Assert.Equal(ConflictResolution.CrmWins, options.RuleFor(LeadFields.Status));
        Assert.Equal(ConflictResolution.Merge, options.RuleFor(LeadFields.Notes));
        Assert.Equal(ConflictResolution.CrmWins, options.RuleFor("anything_else"));
    }

    [Fact]
    public void Merge_OnlyCrmChanged_TakesCrm()
    {
        var r = Merge("a", "a", "b", ConflictResolution.Manual);
        Assert.Equal(FieldOutcome.TakeCrm, r.Fields[0].Outcome);
        Assert.Equal("b", r.ToLead[F]);
        Assert.Empty(r.ToCrm);
    }

    [Fact]
    public void Merge_OnlyLeadChanged_PushesLead()
    {
        var r = Merge("a", "b", "a", ConflictResolution.Manual);
        Assert.Equal(FieldOutcome.PushLead, r.Fields[0].Outcome);
        Assert.Equal("b", r.ToCrm[F]);
        Assert.Empty(r.ToLead);
    }

    [Fact]
    public void Merge_BothChangedToSameValue_IsInSync()
    {
        var r = Merge("a", "b", "b", ConflictResolution.Manual);
        Assert.Equal(FieldOutcome.InSync, r.Fields[0].Outcome);
        Assert.Equal("b", r.NewBase[F]);
    }

    [Fact]
    public void Merge_NotComparable_IsSkippedAndKeepsBase()
    {
        var r = ThreeWayMerge.Merge(Dict(F, "a"), Dict(F, "b"), new Dictionary<string, string?>(), [F], _ => ConflictResolution.CrmWins);
        Assert.Equal(FieldOutcome.Skipped, r.Fields[0].Outcome);
        Assert.Equal("a", r.NewBase[F]);
        Assert.Empty(r.ToLead);
        Assert.Empty(r.ToCrm);
    }

    [Property(MaxTest = 500)]
    public Property Merge_WithAutomaticRules_Converges()
        => Prop.ForAll(Arb.From(Scenario(ConflictResolution.CrmWins, ConflictResolution.AriaWins)), s =>
        {
            var r = Merge(s.Base, s.Lead, s.Crm, s.Rule, s.BaseKnown);
            var lead = r.ToLead.TryGetValue(F, out var l) ? l : s.Lead;
            var crm = r.ToCrm.TryGetValue(F, out var c) ? c : s.Crm;
            return lead == crm && r.NewBase.TryGetValue(F, out var b) && b == lead;
        });

    [Property(MaxTest = 500)]
    public Property Merge_OneSidedChange_AlwaysFlowsWithoutConflict()
        => Prop.ForAll(Arb.From(Scenario(ConflictResolution.CrmWins, ConflictResolution.AriaWins, ConflictResolution.Manual)), s =>
        {
            var r = Merge(s.Base, s.Lead, s.Crm, s.Rule, baseKnown: true);
            var outcome = r.Fields[0].Outcome;
            if (s.Lead == s.Base && s.Crm != s.Base)
            {
                return outcome == FieldOutcome.TakeCrm && r.ToLead[F] == s.Crm && r.ToCrm.Count == 0;
            }

            if (s.Crm == s.Base && s.Lead != s.Base)
            {
                return outcome == FieldOutcome.PushLead && r.ToCrm[F] == s.Lead && r.ToLead.Count == 0;
            }

            return true;
        });

    [Property(MaxTest = 500)]
    public Property Merge_ReportsAConflictExactlyWhenBothSidesChangedDifferently()
        => Prop.ForAll(Arb.From(Scenario(ConflictResolution.CrmWins, ConflictResolution.AriaWins, ConflictResolution.Manual)), s =>
        {
            var r = Merge(s.Base, s.Lead, s.Crm, s.Rule, s.BaseKnown);
            var expected = s.Lead != s.Crm && (s.BaseKnown
                ? s.Lead != s.Base && s.Crm != s.Base
                : s.Lead is not null && s.Crm is not null);
            return r.Conflicts.Any() == expected;
        });

    [Property(MaxTest = 500)]
    public Property Merge_IsIdempotent()
        => Prop.ForAll(Arb.From(Scenario(ConflictResolution.CrmWins, ConflictResolution.AriaWins, ConflictResolution.Manual)), s =>
        {
            var first = Merge(s.Base, s.Lead, s.Crm, s.Rule, s.BaseKnown);
            var lead = first.ToLead.TryGetValue(F, out var l) ? l : s.Lead;
            var crm = first.ToCrm.TryGetValue(F, out var c) ? c : s.Crm;
            var second = ThreeWayMerge.Merge(first.NewBase, Dict(F, lead), Dict(F, crm), [F], _ => s.Rule);
            return second.ToLead.Count == 0 && second.ToCrm.Count == 0
                && (second.Conflicts.Any() == first.Fields[0].Outcome is FieldOutcome.ConflictOpen);
        });

    [Property(MaxTest = 500)]
    public Property Merge_ManualConflict_WritesNothingAndKeepsBase()
        => Prop.ForAll(Arb.From(Scenario(ConflictResolution.Manual)), s =>
        {
            var r = Merge(s.Base, s.Lead, s.Crm, s.Rule, s.BaseKnown);
            if (r.Fields[0].Outcome != FieldOutcome.ConflictOpen)
            {
                return true;
            }

            var baseKept = s.BaseKnown ? r.NewBase[F] == s.Base : !r.NewBase.ContainsKey(F);
            return r.ToLead.Count == 0 && r.ToCrm.Count == 0 && baseKept;
        });

    [Property(MaxTest = 300)]
    public Property Merge_FieldsAreIndependent()
        => Prop.ForAll(Arb.From(Gen.Elements(Domain).ArrayOf(9)), values =>
        {
            string[] fields = ["f1", "f2", "f3"];
            var baseline = new Dictionary<string, string?>();
            var lead = new Dictionary<string, string?>();
            var crm = new Dictionary<string, string?>();
            for (var i = 0; i < 3; i++)
            {
                baseline[fields[i]] = values[i * 3];
                lead[fields[i]] = values[(i * 3) + 1];
                crm[fields[i]] = values[(i * 3) + 2];
            }

            var together = ThreeWayMerge.Merge(baseline, lead, crm, fields, _ => ConflictResolution.CrmWins);
            return fields.All(f =>
            {
                var alone = ThreeWayMerge.Merge(Dict(f, baseline[f]), Dict(f, lead[f]), Dict(f, crm[f]), [f], _ => ConflictResolution.CrmWins);
                return alone.Fields[0].Outcome == together.Fields.Single(x => x.Field == f).Outcome
                    && alone.NewBase[f] == together.NewBase[f];
            });
        });

    private static Gen<(string? Base, string? Lead, string? Crm, ConflictResolution Rule, bool BaseKnown)> Scenario(params ConflictResolution[] rules)
        => from b in Gen.Elements(Domain)
           from l in Gen.Elements(Domain)
           from c in Gen.Elements(Domain)
           from rule in Gen.Elements(rules)
           from known in Gen.Elements(true, true, false)
           select (b, l, c, rule, known);

    private static MergeResult Merge(string? b, string? l, string? c, ConflictResolution rule, bool baseKnown = true)
        => ThreeWayMerge.Merge(baseKnown ? Dict(F, b) : new Dictionary<string, string?>(), Dict(F, l), Dict(F, c), [F], _ => rule);

    private static Dictionary<string, string?> Dict(string key, string? value) => new() { [key] = value };
}
