using Aria.CrmSync.Fields;
using Aria.CrmSync.Sync;

namespace Aria.CrmSync.Tests.Sync;

/// <summary>The three-way merge with per-field directions and the catalogue's conflict rules (incl. the unless-blank ones).</summary>
public class FieldRuleMergeTests
{
    private const string F = "region";

    private static Dictionary<string, string?> Dict(string? value) => new(StringComparer.Ordinal) { [F] = value };

    private static FieldMerge Merge(string? b, string? l, string? c, SyncDirection direction, CrmFieldConflictRule rule, out MergeResult result)
    {
        result = ThreeWayMerge.Merge(Dict(b), Dict(l), Dict(c), [F], _ => new FieldRule(direction, rule));
        return Assert.Single(result.Fields);
    }

    [Theory]
    [InlineData(CrmFieldConflictRule.CrmWins, "crm", ConflictResolution.CrmWins)]
    [InlineData(CrmFieldConflictRule.AriaWins, "lead", ConflictResolution.AriaWins)]
    [InlineData(CrmFieldConflictRule.CrmWinsUnlessBlank, "crm", ConflictResolution.CrmWins)]
    [InlineData(CrmFieldConflictRule.AriaWinsUnlessBlank, "lead", ConflictResolution.AriaWins)]
    public void BothChanged_NeitherBlank_TheRuleDecides(CrmFieldConflictRule rule, string winner, ConflictResolution resolution)
    {
        var merge = Merge("base", "lead", "crm", SyncDirection.Bidirectional, rule, out var result);

        Assert.Equal((FieldOutcome.ConflictResolved, resolution, winner), (merge.Outcome, merge.Resolution!.Value, merge.ResolvedValue));
        Assert.Equal(winner, result.NewBase[F]);
        Assert.Equal(winner == "crm", result.ToLead.ContainsKey(F));
        Assert.Equal(winner == "lead", result.ToCrm.ContainsKey(F));
    }

    [Fact]
    public void CrmWinsUnlessBlank_TheCrmClearedIt_TheLeadValueIsKeptAndWritten()
    {
        var merge = Merge("base", "lead", null, SyncDirection.Bidirectional, CrmFieldConflictRule.CrmWinsUnlessBlank, out var result);

        Assert.Equal((ConflictResolution.AriaWins, "lead"), (merge.Resolution!.Value, merge.ResolvedValue));
        Assert.Equal("lead", result.ToCrm[F]);
        Assert.Empty(result.ToLead);
    }

    [Fact]
    public void AriaWinsUnlessBlank_TheLeadClearedIt_TheCrmValueIsTaken()
    {
        var merge = Merge("base", null, "crm", SyncDirection.Bidirectional, CrmFieldConflictRule.AriaWinsUnlessBlank, out var result);

        Assert.Equal((ConflictResolution.CrmWins, "crm"), (merge.Resolution!.Value, merge.ResolvedValue));
        Assert.Equal("crm", result.ToLead[F]);
        Assert.Empty(result.ToCrm);
    }

    [Fact]
    public void Manual_BothChanged_NothingIsWrittenAndTheBaseIsKept()
    {
        var merge = Merge("base", "lead", "crm", SyncDirection.Bidirectional, CrmFieldConflictRule.Manual, out var result);

        Assert.Equal(FieldOutcome.ConflictOpen, merge.Outcome);
        Assert.Empty(result.ToLead);
        Assert.Empty(result.ToCrm);
        Assert.Equal("base", result.NewBase[F]);
    }

    [Theory]
    [InlineData("base", "lead", "base")] // the lead changed: a CRM → lead field takes the CRM value back
    [InlineData("base", "lead", "crm")] // both changed: the CRM is the source, no conflict
    [InlineData("base", "base", "crm")]
    public void PullOnly_TheLeadMirrorsTheCrm(string b, string l, string c)
    {
        var merge = Merge(b, l, c, SyncDirection.Pull, CrmFieldConflictRule.AriaWins, out var result);

        Assert.Equal(FieldOutcome.TakeCrm, merge.Outcome);
        Assert.Equal(c, result.ToLead[F]);
        Assert.Empty(result.ToCrm);
        Assert.Empty(result.Conflicts);
    }

    [Theory]
    [InlineData("base", "base", "crm")] // the CRM changed: a lead → CRM field writes the lead value back
    [InlineData("base", "lead", "crm")]
    [InlineData("base", "lead", "base")]
    public void PushOnly_TheCrmMirrorsTheLead(string b, string l, string c)
    {
        var merge = Merge(b, l, c, SyncDirection.Push, CrmFieldConflictRule.CrmWins, out var result);

        Assert.Equal(FieldOutcome.PushLead, merge.Outcome);
        Assert.Equal(l, result.ToCrm[F]);
        Assert.Empty(result.ToLead);
        Assert.Empty(result.Conflicts);
    }

    [Theory]
    [InlineData(SyncDirection.Pull)]
    [InlineData(SyncDirection.Push)]
    [InlineData(SyncDirection.Bidirectional)]
    public void EqualValues_AreInSyncWhateverTheDirection(SyncDirection direction)
    {
        var merge = Merge("old", "same", "same", direction, CrmFieldConflictRule.CrmWins, out var result);

        Assert.Equal(FieldOutcome.InSync, merge.Outcome);
        Assert.Equal("same", result.NewBase[F]);
    }

    [Theory]
    [InlineData(ConflictResolution.CrmWins, CrmFieldConflictRule.CrmWins)]
    [InlineData(ConflictResolution.AriaWins, CrmFieldConflictRule.AriaWins)]
    [InlineData(ConflictResolution.Manual, CrmFieldConflictRule.Manual)]
    [InlineData(ConflictResolution.Merge, CrmFieldConflictRule.CrmWins)]
    public void DefaultFieldRules_KeepTheirSeedMeaning(ConflictResolution seed, CrmFieldConflictRule rule)
        => Assert.Equal(new FieldRule(SyncDirection.Bidirectional, rule), FieldRule.FromResolution(seed));
}
