using System.Globalization;

namespace Aria.CrmSync.Benchmarks.Fleet;

/// <summary>
/// The fleet harness (issue 17): <see cref="Users"/> connections (one per user, half Salesforce, half HubSpot, each its
/// own emulated org or portal behind one loopback server) with <see cref="Leads"/> leads each, synced by 1, 2, 4 … host
/// processes on one PostgreSQL schema with fleet scheduling; one process is killed in every run with two or more.
/// </summary>
public sealed record FleetSettings
{
    public int Users { get; init; } = 2_000;

    public int Leads { get; init; } = 50;

    public IReadOnlyList<int> Processes { get; init; } = [1, 2, 4];

    /// <summary>Gets each connection's sync interval (short: the runs measure capacity; long: lateness below capacity).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets how long each run is measured (after its processes start).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Gets how long the edits stop before the end state is checked (the last edits are synced).</summary>
    public TimeSpan Quiet { get; init; } = TimeSpan.FromSeconds(60);

    public int PerProcess { get; init; } = 16;

    public int PerTenant { get; init; } = 8;

    /// <summary>Gets how many tenants the users belong to (user i to tenant i mod this).</summary>
    public int Tenants { get; init; } = 50;

    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets the per-call latency range of the emulators.</summary>
    public (int Min, int Max) LatencyMs { get; init; } = (80, 150);

    /// <summary>Gets the edits per minute (each: a CRM amount, an ARIA close date, a note, and every fifth a CRM activity).</summary>
    public int EditsPerMinute { get; init; } = 600;

    /// <summary>Gets whether a run with two or more processes kills one at a third of its duration.</summary>
    public bool Kill { get; init; } = true;

    public string? Postgres { get; init; } = Environment.GetEnvironmentVariable("ARIA_CRMSYNC_POSTGRES");

    public int Seed { get; init; } = 17;

    public string? UpdateDoc { get; init; }

    public static FleetSettings Parse(string[] args)
    {
        var settings = new FleetSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            settings = args[i] switch
            {
                "--users" => settings with { Users = Int() },
                "--leads" => settings with { Leads = Int() },
                "--processes" => settings with { Processes = Next().Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList() },
                "--interval" => settings with { Interval = TimeSpan.FromSeconds(Int()) },
                "--duration" => settings with { Duration = TimeSpan.FromSeconds(Int()) },
                "--quiet" => settings with { Quiet = TimeSpan.FromSeconds(Int()) },
                "--per-process" => settings with { PerProcess = Int() },
                "--per-tenant" => settings with { PerTenant = Int() },
                "--tenants" => settings with { Tenants = Int() },
                "--ttl" => settings with { LeaseTtl = TimeSpan.FromSeconds(Int()) },
                "--heartbeat" => settings with { Heartbeat = TimeSpan.FromSeconds(Int()) },
                "--edits-per-minute" => settings with { EditsPerMinute = Int() },
                "--no-kill" => settings with { Kill = false },
                "--postgres" => settings with { Postgres = Next() },
                "--seed" => settings with { Seed = Int() },
                "--update-doc" => settings with { UpdateDoc = Next() },
                _ => throw new ArgumentException($"unknown fleet option {args[i]}"),
            };
        }

        return settings;
    }

    public string Command() => FormattableString.Invariant(
        $"dotnet run -c Release --project bench/Aria.CrmSync.Benchmarks -- fleet --users {Users} --leads {Leads} --processes {string.Join(',', Processes)} --interval {Interval.TotalSeconds} --duration {Duration.TotalSeconds} --quiet {Quiet.TotalSeconds} --per-process {PerProcess} --ttl {LeaseTtl.TotalSeconds} --edits-per-minute {EditsPerMinute}{(Kill ? string.Empty : " --no-kill")}");
}
