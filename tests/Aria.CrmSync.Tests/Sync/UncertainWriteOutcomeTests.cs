using Aria.CrmSync.Sync;

namespace Aria.CrmSync.Tests.Sync;

/// <summary>
/// What a record read back after a write call failed with an unknown outcome says about a plan's CRM write
/// (<see cref="LeadSyncPlan.OutcomeShownBy"/>). The engine acts on it: it settles a landed write, drops the claim of one
/// that did not land, and leaves anything else unconfirmed.
/// </summary>
public sealed class UncertainWriteOutcomeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset ReadAt = Now.AddMinutes(-5);
    private static readonly CrmSyncOptions Options = new() { FieldRules = { [LeadFields.ExpectedValue] = ConflictResolution.AriaWins } };

    /// <summary>The lead changed its amount (1000 → 2000) and its close date since both sides agreed: the plan pushes both.</summary>
    private static LeadSyncPlan PushPlan()
    {
        var record = new CrmRecord { CrmId = "006000000000001AAA", Provider = CrmProvider.Salesforce, Name = "Acme", Stage = "Prospecting", Amount = 1000m, CloseDate = new DateOnly(2026, 6, 30), LastModifiedAt = ReadAt };
        var lead = new LeadMemory { Id = "lead-1", UserId = "u", CompanyName = "Acme", CrmProvider = CrmProvider.Salesforce, CrmId = record.CrmId, CreatedAt = Now, UpdatedAt = Now };
        var agreed = LeadSyncPlan.Create(lead with { ExpectedValue = 1000m, ExpectedCloseDate = new DateOnly(2026, 6, 30) }, record, State(), SyncDirection.Bidirectional, Options, Now).NewBase;
        var plan = LeadSyncPlan.Create(lead with { ExpectedValue = 2000m, ExpectedCloseDate = new DateOnly(2026, 7, 31) }, record, State() with { BaseSnapshot = agreed }, SyncDirection.Bidirectional, Options, Now);
        Assert.Equal(2, plan.ToCrm.Count);
        return plan;
    }

    private static CrmSyncState State() => new() { Id = "s", LeadMemoryId = "lead-1", Status = SyncStatus.Synced, CreatedAt = Now, UpdatedAt = Now };

    [Fact]
    public void EveryWrittenValueShown_Landed_WhoeverWroteIt()
    {
        var plan = PushPlan();
        var after = plan.Record with { Amount = 2000m, CloseDate = new DateOnly(2026, 7, 31), LastModifiedAt = Now };

        Assert.Equal(UncertainWriteOutcome.Landed, plan.OutcomeShownBy(after));
    }

    [Fact]
    public void EveryValueFromBefore_OnARecordNotModifiedSinceItWasRead_NotLanded()
    {
        var plan = PushPlan();

        Assert.Equal(UncertainWriteOutcome.NotLanded, plan.OutcomeShownBy(plan.Record));
    }

    [Fact]
    public void ValuesFromBefore_OnARecordModifiedSince_Unknown()
    {
        // The write may have landed and a person set the values back, or it did not land and a person changed
        // something else (here the name): the read-back cannot tell.
        var plan = PushPlan();
        var after = plan.Record with { Name = "Acme Ltd", LastModifiedAt = Now };

        Assert.Equal(UncertainWriteOutcome.Unknown, plan.OutcomeShownBy(after));
    }

    [Fact]
    public void SomeWrittenValuesShown_OrANewValue_Unknown()
    {
        var plan = PushPlan();

        Assert.Equal(UncertainWriteOutcome.Unknown, plan.OutcomeShownBy(plan.Record with { Amount = 2000m, LastModifiedAt = Now }));
        Assert.Equal(UncertainWriteOutcome.Unknown, plan.OutcomeShownBy(plan.Record with { Amount = 5000m, CloseDate = new DateOnly(2026, 7, 31), LastModifiedAt = Now }));
    }
}
