using System.Globalization;
using System.Text;
using Aria.CrmSync.Soak.Model;

namespace Aria.CrmSync.Soak.Driver;

/// <summary>What a soak run did and found. <see cref="Passed"/> is false when any check failed.</summary>
public sealed class SoakReport
{
    public required SoakOptions Options { get; init; }

    public TimeSpan Duration { get; set; }

    public int RoundsRun { get; set; }

    public long LeadEdits { get; set; }

    public long CrmEdits { get; set; }

    public long SummariesPushed { get; set; }

    public long ActivitiesCreated { get; set; }

    public long ManualSyncs { get; set; }

    public long ConnectionSyncs { get; set; }

    public long RetriesCounted { get; set; }

    public long FailuresRecorded { get; set; }

    public long WholeCallFailures { get; set; }

    public long ApiCalls { get; set; }

    public long HttpRequests { get; set; }

    public Dictionary<string, long> FaultsInjected { get; set; } = [];

    public long TokenExpiries { get; set; }

    public int Crashes { get; set; }

    public int WorkerRuns { get; set; }

    public long AuditEntries { get; set; }

    public int ChainsVerified { get; set; }

    public int AnchorsVerified { get; set; }

    public int DuplicatedNotes { get; set; }

    public int LostNotes { get; set; }

    public int DuplicatedEvents { get; set; }

    public int LostEvents { get; set; }

    /// <summary>Gets the edits lost outside the documented unknown-outcome window (a failure).</summary>
    public int LostEdits => Violations.Count(v => !v.InUnknownOutcomeWindow);

    /// <summary>
    /// Gets the edits lost in the documented unknown-outcome window (docs/reliability.md, "What is not guaranteed"): a
    /// person edited the side a write of unknown outcome targeted. Counted and listed, not a failure of the run.
    /// </summary>
    public int LostInUnknownOutcomeWindow => Violations.Count(v => v.InUnknownOutcomeWindow);

    public int Unconverged { get; set; }

    /// <summary>Gets the failures and retries whose audit entry a killed worker did not get to write (state written, then killed).</summary>
    public int CrashWindowGaps { get; set; }

    /// <summary>Gets or sets the scheduling decisions of a deterministic run (0 for a run with worker processes).</summary>
    public long SchedulerSteps { get; set; }

    /// <summary>Gets or sets how often a deterministic run waited for real time (a run with stalls may not replay exactly).</summary>
    public long SchedulerStalls { get; set; }

    public List<ModelViolation> Violations { get; } = [];

    /// <summary>Gets every other failed check, one line each.</summary>
    public List<string> Problems { get; } = [];

    public bool Passed => LostEdits == 0 && Problems.Count == 0;

    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"soak: {Options.Leads} leads, {Options.Users} users, {RoundsRun} rounds, store {Options.Store}, {Options.Workers} worker(s), fault rate {Options.FaultRate:P0}, seed {Options.Seed}");
        s.AppendLine(c, $"  duration            {Duration:hh\\:mm\\:ss}");
        s.AppendLine(c, $"  person edits        lead {LeadEdits}, CRM {CrmEdits}; summaries {SummariesPushed}; CRM activities {ActivitiesCreated}");
        s.AppendLine(c, $"  operations          connection syncs {ConnectionSyncs}, manual syncs {ManualSyncs}, retries {RetriesCounted}, failures {FailuresRecorded}, whole-call failures {WholeCallFailures}");
        s.AppendLine(c, $"  CRM traffic         {HttpRequests} HTTP requests ({ApiCalls} counted API calls)");
        s.AppendLine(c, $"  faults injected     {FaultsInjected.Values.Sum()} ({string.Join(", ", FaultsInjected.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}"))}), token expiries {TokenExpiries}");
        s.AppendLine(c, $"  crashes             {Crashes} worker kills ({WorkerRuns} worker runs)");
        s.AppendLine(c, $"  audit               {AuditEntries} entries, {ChainsVerified} chains verified, {AnchorsVerified} verified against an earlier anchor, crash-window gaps {CrashWindowGaps}");
        s.AppendLine(c, $"  duplicates          notes {DuplicatedNotes}, lead events {DuplicatedEvents}");
        s.AppendLine(c, $"  lost                edits {LostEdits} (and {LostInUnknownOutcomeWindow} in the documented unknown-outcome window), notes {LostNotes}, events {LostEvents}; unconverged leads {Unconverged}");
        foreach (var violation in Violations.Take(20))
        {
            s.AppendLine("  VIOLATION " + violation);
        }

        foreach (var problem in Problems.Take(40))
        {
            s.AppendLine("  PROBLEM " + problem);
        }

        s.Append(Passed ? "  result              PASSED" : $"  result              FAILED ({LostEdits} violations, {Problems.Count} problems)");
        return s.ToString();
    }
}
