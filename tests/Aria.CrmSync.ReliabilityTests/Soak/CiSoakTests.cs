using Aria.CrmSync.Soak.Driver;
using Xunit.Abstractions;

namespace Aria.CrmSync.ReliabilityTests.Soak;

/// <summary>
/// The soak (<see cref="SoakDriver"/>, the same code as <c>tools/Aria.CrmSync.Soak</c>) at CI size: a few dozen leads,
/// half on Salesforce and half on HubSpot, three chaos rounds with faults in about 20 % of the API calls, expiring
/// tokens and worker processes killed at random points and started again; then a quiescent pass. It must end with every
/// lead and CRM record equal to the reference model, no duplicated or lost note or lead event, no lost edit, an
/// <c>error</c> audit entry for every failure and a <c>retry</c> entry for every retry the workers saw, and every
/// user's audit chain verifying (also against an anchor exported mid-run). The seeds differ on every test run and are
/// printed with the command that replays them (<c>ARIA_SOAK_SEED</c> fixes them); a run with processes does not replay
/// exactly (worker timing decides where kills fall), the deterministic soak (<see cref="DeterministicSoakTests"/>) does.
/// </summary>
public sealed class CiSoakTests(ITestOutputHelper output)
{
    private static readonly SoakOptions CiSize = new()
    {
        Leads = 60,
        Users = 2,
        Rounds = 3,
        FaultRate = 0.2,
        Crashes = 3,
        EditRate = 0.3,
        ManualRate = 0.25,
        NoteClaimSeconds = 4,
    };

    private static readonly int FirstSeed = int.TryParse(Environment.GetEnvironmentVariable("ARIA_SOAK_SEED"), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var seed)
        ? seed
        : Random.Shared.Next(1, 1_000_000_000);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Sqlite_OneWorkerProcess_KilledAndRestarted_EndsEqualToTheModel(int run)
    {
        var report = await RunAsync(CiSize with { Store = "sqlite", Workers = 1, Seed = FirstSeed + run });

        AssertSound(report);
    }

    [PostgresTheory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task PostgreSql_TwoWorkerProcesses_KilledAndRestarted_EndsEqualToTheModel(int run)
    {
        var report = await RunAsync(CiSize with { Store = "postgres", Workers = 2, Postgres = PostgresFactAttribute.ConnectionString, Seed = FirstSeed + 100 + run });

        AssertSound(report);
    }

    private async Task<SoakReport> RunAsync(SoakOptions options)
    {
        output.WriteLine($"seed {options.Seed}; replay: {options.ReplayCommand()}");
        using var log = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        SoakReport report;
        try
        {
            report = await SoakDriver.RunAsync(options, log, timeout.Token);
        }
        finally
        {
            output.WriteLine(log.ToString());
        }

        output.WriteLine(report.ToString());
        return report;
    }

    private static void AssertSound(SoakReport report)
    {
        var summary = report + "\nreplay (not exact: worker processes): " + report.Options.ReplayCommand();
        Assert.True(report.Passed, summary);
        Assert.Equal(report.Options.Rounds, report.RoundsRun);

        // The chaos happened: faults of several kinds, failed calls (each needing its error entry), and at least one
        // killed worker whose work another worker process took over on the same store. (How many leads fail and are
        // retried automatically varies from run to run; the long soak in docs/reliability.md counts them.)
        Assert.True(report.FaultsInjected.Count >= 3 && report.FaultsInjected.Values.Sum() >= 10, summary);
        Assert.True(report.Crashes >= 1, summary);
        Assert.True(report.WorkerRuns > report.Crashes, summary);
        Assert.True(report.FailuresRecorded + report.WholeCallFailures > 0, summary);
        Assert.True(report.LeadEdits > 0 && report.CrmEdits > 0 && report.SummariesPushed > 0 && report.ActivitiesCreated > 0, summary);

        // Every lead and CRM record equals the model; nothing duplicated or lost. The one exception is the documented
        // unknown-outcome window (docs/reliability.md, "What is not guaranteed": a person edited the side a write of
        // unknown outcome targeted), which the report counts apart and the deterministic soak allows too; any other
        // violation fails.
        Assert.Equal(0, report.Unconverged);
        Assert.All(report.Violations, v => Assert.True(v.InUnknownOutcomeWindow, summary));
        Assert.Equal(0, report.LostEdits);
        Assert.Equal(0, report.LostNotes);
        Assert.Equal(0, report.LostEvents);
        Assert.Equal(0, report.DuplicatedNotes);
        Assert.Equal(0, report.DuplicatedEvents);

        // Every failure has its error entry and every retry its retry entry (Problems lists each one missing), and every
        // user's chain verifies, also against the anchor exported mid-run.
        Assert.Empty(report.Problems);
        Assert.Equal(report.Options.Users, report.ChainsVerified);
        Assert.Equal(report.Options.Users, report.AnchorsVerified);
    }
}
