using Aria.CrmSync.Benchmarks.Fleet;
using Xunit.Abstractions;

namespace Aria.CrmSync.ReliabilityTests.Fleet;

/// <summary>
/// The fleet harness (<c>bench … fleet</c>, issue 17) at CI size, as a test of correctness only (no speed target): two
/// host processes with fleet scheduling on one PostgreSQL schema sync 200 connections (half Salesforce, half HubSpot,
/// each its own emulated org or portal, 80–150 ms per call) while CRM users and the app edit both sides and queue
/// notes; one process is killed (SIGKILL) two thirds into the run. No connection may run in both processes at once,
/// the killed process's connections must be taken over within the lease TTL + 5 s, and after the edits settle every
/// edit, note and CRM call must be in place exactly once.
/// </summary>
public sealed class CiFleetTests(ITestOutputHelper output)
{
    [PostgresFact]
    public async Task TwoProcesses_OneKilled_NoDoubleRun_TakeoverWithinTheTtl_NothingLostOrDuplicated()
    {
        var settings = new FleetSettings
        {
            Users = 200,
            Leads = 5,
            Processes = [2],
            Interval = TimeSpan.FromSeconds(10),
            Duration = TimeSpan.FromSeconds(36),
            Quiet = TimeSpan.FromSeconds(20),
            PerProcess = 16,
            PerTenant = 8,
            Tenants = 30,
            LeaseTtl = TimeSpan.FromSeconds(10),
            Heartbeat = TimeSpan.FromSeconds(3),
            EditsPerMinute = 240,
            Postgres = PostgresFactAttribute.ConnectionString,
        };
        using var log = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        List<FleetRunReport> reports;
        try
        {
            reports = await FleetDriver.RunAsync(settings, log, timeout.Token);
        }
        finally
        {
            output.WriteLine(log.ToString());
        }

        var report = Assert.Single(reports);
        output.WriteLine(FleetRunReport.ToMarkdown(reports));

        // The run did what it claims: both processes synced, one was killed holding connections, the edits happened.
        Assert.True(report.CompletedRuns > settings.Users, report.ToString());
        Assert.True(report.HeldByKilled > 0, "the killed process held no connection: " + report);
        Assert.True(report.Check.Edits > 0 && report.Check.Notes > 0, report.ToString());

        Assert.Equal(0, report.DoubleRuns);
        Assert.Equal(0, report.NotTakenOver);
        Assert.InRange(report.TakeoverMaxSeconds!.Value, 0, settings.LeaseTtl.TotalSeconds + 5);
        Assert.Empty(report.Check.Lost);
        Assert.Equal(0, report.Check.Duplicated);
        Assert.True(report.MinSyncs > 0, "a connection was never synced during the run: " + report);
    }
}
