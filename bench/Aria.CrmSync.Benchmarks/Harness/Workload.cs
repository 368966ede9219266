namespace Aria.CrmSync.Benchmarks.Harness;

/// <summary>Which leads change where, drawn once from the seed and applied identically to every instance.</summary>
internal sealed class Workload
{
    private Workload(int leads, int[] crmOnly, int[] ariaOnly, int[] both, int[] notes)
    {
        Leads = leads;
        CrmOnly = crmOnly;
        AriaOnly = ariaOnly;
        Both = both;
        Notes = notes;
    }

    public int Leads { get; }

    public int[] CrmOnly { get; }

    public int[] AriaOnly { get; }

    public int[] Both { get; }

    public int[] Notes { get; }

    public int CrmChanged => CrmOnly.Length + Both.Length;

    public static Workload Create(HarnessSettings settings)
    {
        var random = new Random(settings.Seed);
        var order = Enumerable.Range(0, settings.Leads).OrderBy(_ => random.Next()).ToArray();
        var crm = (int)(settings.Leads * settings.CrmOnlyShare);
        var aria = (int)(settings.Leads * settings.AriaOnlyShare);
        var both = (int)(settings.Leads * settings.BothShare);
        var notes = Enumerable.Range(0, settings.Leads).OrderBy(_ => random.Next()).Take(Math.Min(settings.Notes, settings.Leads)).ToArray();
        return new Workload(settings.Leads, order[..crm], order[crm..(crm + aria)], order[(crm + aria)..(crm + aria + both)], notes);
    }

    public static decimal InitialAmount(int i) => 10_000m + (i * 10m);

    public static decimal CrmAmount(int i) => 20_000m + (i * 10m);

    public static decimal AriaAmount(int i) => 30_000m + (i * 10m);

    public static DateOnly InitialCloseDate(int i) => new DateOnly(2026, 6, 1).AddDays(i % 200);

    public static DateOnly AriaCloseDate(int i) => new DateOnly(2027, 1, 1).AddDays(i % 200);
}

/// <summary>The provider limits the lower bound is computed from (documented in docs/benchmarks.md).</summary>
internal static class LowerBound
{
    public static (int Total, string Formula) Salesforce(Workload w, int notes)
    {
        var changes = Ceil(w.CrmChanged, 2000);
        var reads = Ceil(w.AriaOnly.Length, 2000);
        var preRead = Ceil(w.AriaOnly.Length, 2000);
        var writes = Ceil(w.AriaOnly.Length, 200);
        var noteCalls = Ceil(notes, 75);
        const int activities = 3;
        return (changes + reads + preRead + writes + noteCalls + activities,
            $"⌈{w.CrmChanged}/2000⌉ changes + ⌈{w.AriaOnly.Length}/2000⌉ reads + ⌈{w.AriaOnly.Length}/2000⌉ pre-write reads + ⌈{w.AriaOnly.Length}/200⌉ writes + ⌈{notes}/75⌉ note graphs + 3 activity queries (Task, Event, Note)");
    }

    public static (int Total, string Formula) HubSpot(Workload w, int notes)
    {
        var changes = Ceil(w.CrmChanged, 200);
        var reads = Ceil(w.AriaOnly.Length + w.CrmChanged, 100); // search lags writes: a changed hit is read by id before anything is written for it
        var preRead = Ceil(w.AriaOnly.Length, 100);
        var writes = Ceil(w.AriaOnly.Length, 100);
        var noteCalls = Ceil(notes, 100);
        var activities = 4 + Math.Max(1, Ceil(notes, 200)); // the note stream reads ARIA's new notes back (this run or the next)
        return (changes + reads + preRead + writes + noteCalls + activities,
            $"⌈{w.CrmChanged}/200⌉ searches + ⌈({w.AriaOnly.Length}+{w.CrmChanged})/100⌉ reads (changed hits re-read by id) + ⌈{w.AriaOnly.Length}/100⌉ pre-write reads + ⌈{w.AriaOnly.Length}/100⌉ writes + ⌈{notes}/100⌉ note batches + 4 + ⌈{notes}/200⌉ activity searches (pipelines are cached since the first sync)");
    }

    private static int Ceil(int n, int per) => n == 0 ? 0 : ((n - 1) / per) + 1;
}
