using Aria.CrmSync.Sync;
using Aria.CrmSync.Tests.TestSupport;

namespace Aria.CrmSync.Tests.Sync;

/// <summary>The rules of a contact pull: storable contacts, the comparison that keeps re-runs silent, audit details without personal data.</summary>
public class StakeholderPullTests
{
    [Fact]
    public void Storable_RepairsCrmText_AsEveryCrmTextIs_AndRefusesAnIdNoStoreHolds()
    {
        var (repaired, problem) = StakeholderPull.Storable([new CrmContact { Id = "003A", Name = "Ada\0Lovelace", Title = "C\ud800TO", Email = "ada@example.com" }]);

        Assert.Null(problem);
        Assert.Equal(new CrmContact { Id = "003A", Name = "Ada\u2400Lovelace", Title = "C\uFFFDTO", Email = "ada@example.com" }, Assert.Single(repaired));
        foreach (var id in new[] { " ", "003\nA", new string('1', 257) })
        {
            var (contacts, refused) = StakeholderPull.Storable([new CrmContact { Id = "003B" }, new CrmContact { Id = id }]);
            Assert.Empty(contacts);
            Assert.StartsWith("a contact id ", refused, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Details_NameContactsByIdAndAttributesByName_NeverTheirValues()
    {
        CrmContact[] before = [new() { Id = "1", Name = "Ada", Email = "ada@example.com", Role = "Decision Maker", IsPrimary = true }, new() { Id = "2", Name = "Bob" }];
        CrmContact[] after = [new() { Id = "1", Name = "Ada", Email = "ada@new.example", Role = "Economic Buyer", IsPrimary = true }, new() { Id = "3", Name = "Cy", Title = "CFO" }];

        var details = StakeholderPull.Details("006X", before, after);
        var json = Serialization.CrmSyncJson.Serialize(details);

        Assert.Equal(("pull_contacts", "006X", "pull", 2), ((string)details["operation"]!, (string)details["crm_id"]!, (string)details["direction"]!, (int)details["stakeholders_count"]!));
        Assert.Equal(["3"], (string[])details["contacts_added"]!);
        Assert.Equal(["2"], (string[])details["contacts_removed"]!);
        Assert.Equal(["1"], (string[])details["contacts_changed"]!);
        Assert.Equal(["email", "role"], (string[])details["attributes_changed"]!);
        foreach (var personal in new[] { "Ada", "ada@", "Bob", "Cy", "CFO", "Decision", "Economic" })
        {
            Assert.DoesNotContain(personal, json, StringComparison.Ordinal);
        }

        Assert.True(StakeholderPull.Same(after, [.. after.Select(c => c with { })]));
        Assert.False(StakeholderPull.Same(after, [after[1], after[0]])); // the gateways' order is part of what is stored
    }

    [Fact]
    public async Task IncludeContacts_WithAGatewayThatReadsNoContacts_SkipsThePhase_AndTheRunCompletes()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", crmId: "006000000000001AAA", stage: LifecycleStages.Lead, value: 100m, closeDate: new DateOnly(2026, 6, 1));
        h.Salesforce.Put("006000000000001AAA", "Prospecting", 100m, new DateOnly(2026, 6, 1));
        var phases = new List<ConnectionSyncPhase>();

        var run = await h.Sync.SyncConnectionAsync(SyncHarness.UserId, CrmProvider.Salesforce, new ConnectionSyncOptions { IncludeContacts = true }, new SyncProgress(phases));

        Assert.True(run.Completed, run.Reason);
        Assert.Equal(0, run.StakeholdersUpdated);
        Assert.DoesNotContain(ConnectionSyncPhase.Contacts, phases);
        Assert.Empty((await h.GetLeadAsync("lead-1")).Stakeholders);
    }

    private sealed class SyncProgress(List<ConnectionSyncPhase> phases) : IProgress<ConnectionSyncProgress>
    {
        public void Report(ConnectionSyncProgress value) => phases.Add(value.Phase);
    }
}
