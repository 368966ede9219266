using Aria.CrmSync.Benchmarks.Harness;

namespace Aria.CrmSync.IntegrationTests.Scale;

/// <summary>
/// The API-call harness of docs/benchmarks.md on a tiny workload: the batched sync reaches the computed lower bound,
/// ends in the same state as the seed plan's one-lead-at-a-time way, and no lead fails. (Figures and timings come
/// from the full run, never from a test.)
/// </summary>
public class HarnessSmokeTests
{
    [Fact]
    public async Task Harness_TinyWorkload_BatchedSyncMatchesTheBaselineAtTheLowerBound()
    {
        var settings = new HarnessSettings { Leads = 120, Notes = 20, HubSpotTiers = [190], Seed = 7 };

        var rows = await ScaleHarness.RunAsync(settings, TextWriter.Null);

        Assert.Equal(["Salesforce", "HubSpot 190/10 s"], rows.Select(r => r.Scenario));
        foreach (var row in rows)
        {
            Assert.True(row.Failures == 0, $"{row.Scenario}: {row.Failures} failures");
            Assert.True(row.SameEndStateAsBaseline, $"{row.Scenario}: end state differs from the per-lead baseline");
            Assert.True(row.Calls <= row.LowerBound * 1.1, $"{row.Scenario}: {row.Calls} calls, bound {row.LowerBound} ({row.Formula})");
            Assert.True(row.BaselineCalls > row.Calls * 10, $"{row.Scenario}: baseline {row.BaselineCalls} vs {row.Calls}");
            Assert.Equal(settings.Leads * (settings.CrmOnlyShare + settings.AriaOnlyShare + settings.BothShare), row.LeadsCompared, precision: 0);
        }

        var markdown = ScaleHarness.ToMarkdown(rows, settings);
        Assert.Contains("| Salesforce |", markdown);
    }
}
