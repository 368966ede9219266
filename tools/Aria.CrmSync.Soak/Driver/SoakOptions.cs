using System.Globalization;

namespace Aria.CrmSync.Soak.Driver;

/// <summary>The shape of a soak run (command line: <c>--leads 5000 --rounds 50 --fault-rate 0.2 --crashes 20</c>, ...).</summary>
public sealed record SoakOptions
{
    /// <summary>Gets the number of leads, half linked to Salesforce opportunities, half to HubSpot deals.</summary>
    public int Leads { get; init; } = 200;

    /// <summary>Gets the number of chaos rounds (edits on both sides, then a sync phase under faults).</summary>
    public int Rounds { get; init; } = 5;

    /// <summary>Gets the share of API calls that get a fault (429/403 limits, 5xx, latency, hangs, dropped connections, lost responses, truncated and malformed bodies).</summary>
    public double FaultRate { get; init; } = 0.2;

    /// <summary>Gets the number of worker kills (<see cref="System.Diagnostics.Process.Kill(bool)"/>) at random points of the sync phases.</summary>
    public int Crashes { get; init; } = 3;

    /// <summary>Gets the number of users (each with a Salesforce and a HubSpot connection, each its own audit chain).</summary>
    public int Users { get; init; } = 2;

    /// <summary>Gets the store: <c>sqlite</c> (one file) or <c>postgres</c>.</summary>
    public string Store { get; init; } = "sqlite";

    /// <summary>Gets the number of worker processes syncing at once (each round, all of them sync every connection and run retries).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Gets the PostgreSQL connection string (a role that may create schemas); defaults to <c>ARIA_CRMSYNC_POSTGRES</c>.</summary>
    public string? Postgres { get; init; } = Environment.GetEnvironmentVariable("ARIA_CRMSYNC_POSTGRES") is { Length: > 0 } pg ? pg : null;

    public int Seed { get; init; } = 20260301;

    /// <summary>Gets the share of leads a person edits on the lead side per round (and the same share on the CRM side).</summary>
    public double EditRate { get; init; } = 0.25;

    /// <summary>Gets the share of leads that get a summary per round.</summary>
    public double SummaryRate { get; init; } = 0.05;

    /// <summary>Gets the share of leads whose CRM record gets a new activity per round.</summary>
    public double ActivityRate { get; init; } = 0.05;

    /// <summary>Gets the share of leads a person syncs by hand per round.</summary>
    public double ManualRate { get; init; } = 0.02;

    /// <summary>Gets how many times per round every OAuth access token is expired during the sync phase.</summary>
    public int TokenExpiriesPerRound { get; init; } = 2;

    /// <summary>Gets the directory for the database, journals, tokens and logs (a new temporary one when null).</summary>
    public string? WorkDirectory { get; init; }

    public bool KeepFiles { get; init; }

    /// <summary>Gets where to write the report as JSON, if anywhere (not itself in the report: a replay writes the same bytes elsewhere).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? ReportPath { get; init; }

    /// <summary>Gets a value indicating whether the library's default HTTP circuit breaker is kept (it opens at 10 % failures).</summary>
    public bool DefaultCircuitBreaker { get; init; }

    /// <summary>Gets how long a worker holds a note it delivers, in seconds (a killed worker's notes are sent again after it).</summary>
    public int NoteClaimSeconds { get; init; } = 15;

    /// <summary>
    /// Gets a value indicating whether the HubSpot emulator's search index lags writes by 1-3 s, as a real portal's does
    /// (on by default, in both modes; <c>--no-hubspot-search-lag</c> turns it off).
    /// </summary>
    public bool HubSpotSearchLag { get; init; } = true;

    /// <summary>
    /// Gets a value indicating whether the run is a deterministic simulation: workers in process under a seeded scheduler,
    /// virtual time, emulators in process; the same seed gives the same run (see <c>Simulation/SimScheduler.cs</c>).
    /// </summary>
    public bool Deterministic { get; init; }

    /// <summary>Gets how many soaks to run, with consecutive seeds from <see cref="Seed"/> (each reported with its seed).</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>Gets the leads whose every plan, claim, settle, lead write and CRM request a deterministic run traces.</summary>
    public IReadOnlyList<string> Trace { get; init; } = [];

    /// <summary>Gets the command line that runs this soak again (the one seed of a multi-seed run).</summary>
    public string ReplayCommand()
    {
        var c = CultureInfo.InvariantCulture;
        var defaults = new SoakOptions();
        var args = new List<string> { "dotnet run -c Release --project tools/Aria.CrmSync.Soak --" };
        if (Deterministic)
        {
            args.Add("--deterministic");
        }

        args.Add($"--leads {Leads} --users {Users} --rounds {Rounds} --fault-rate {FaultRate.ToString(c)} --crashes {Crashes} --store {Store} --workers {Workers}");
        void Add(bool differs, string text)
        {
            if (differs)
            {
                args.Add(text);
            }
        }

        Add(EditRate != defaults.EditRate, $"--edit-rate {EditRate.ToString(c)}");
        Add(SummaryRate != defaults.SummaryRate, $"--summary-rate {SummaryRate.ToString(c)}");
        Add(ActivityRate != defaults.ActivityRate, $"--activity-rate {ActivityRate.ToString(c)}");
        Add(ManualRate != defaults.ManualRate, $"--manual-rate {ManualRate.ToString(c)}");
        Add(TokenExpiriesPerRound != defaults.TokenExpiriesPerRound, $"--token-expiries {TokenExpiriesPerRound.ToString(c)}");
        Add(DefaultCircuitBreaker, "--default-circuit-breaker");
        Add(NoteClaimSeconds != defaults.NoteClaimSeconds, $"--note-claim-seconds {NoteClaimSeconds.ToString(c)}");
        Add(!HubSpotSearchLag, "--no-hubspot-search-lag");
        args.Add($"--seed {Seed.ToString(c)}");
        return string.Join(' ', args);
    }

    public static SoakOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SoakOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            double Real() => double.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--leads" => options with { Leads = Int() },
                "--rounds" => options with { Rounds = Int() },
                "--fault-rate" => options with { FaultRate = Real() },
                "--crashes" => options with { Crashes = Int() },
                "--users" => options with { Users = Int() },
                "--store" => options with { Store = Next() },
                "--workers" => options with { Workers = Int() },
                "--postgres" => options with { Postgres = Next() },
                "--seed" => options with { Seed = Int() },
                "--edit-rate" => options with { EditRate = Real() },
                "--summary-rate" => options with { SummaryRate = Real() },
                "--activity-rate" => options with { ActivityRate = Real() },
                "--manual-rate" => options with { ManualRate = Real() },
                "--token-expiries" => options with { TokenExpiriesPerRound = Int() },
                "--work-dir" => options with { WorkDirectory = Next() },
                "--keep" => options with { KeepFiles = true },
                "--report" => options with { ReportPath = Next() },
                "--default-circuit-breaker" => options with { DefaultCircuitBreaker = true },
                "--note-claim-seconds" => options with { NoteClaimSeconds = Int() },
                "--hubspot-search-lag" => options with { HubSpotSearchLag = true },
                "--no-hubspot-search-lag" => options with { HubSpotSearchLag = false },
                "--deterministic" => options with { Deterministic = true },
                "--seeds" => options with { Seeds = Int() },
                "--trace" => options with { Trace = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
        }

        if (options.Store is not ("sqlite" or "postgres" or "memory"))
        {
            throw new ArgumentException("--store must be sqlite, postgres or (with --deterministic) memory");
        }

        if (options.Deterministic && options.Store == "postgres")
        {
            throw new ArgumentException("--deterministic runs on --store memory or sqlite (PostgreSQL's driver does real I/O)");
        }

        if (!options.Deterministic && options.Store == "memory")
        {
            throw new ArgumentException("--store memory needs --deterministic (worker processes share a database)");
        }

        if (options.Store == "postgres" && options.Postgres is null)
        {
            throw new ArgumentException("--store postgres needs --postgres or ARIA_CRMSYNC_POSTGRES");
        }

        return options;
    }
}
