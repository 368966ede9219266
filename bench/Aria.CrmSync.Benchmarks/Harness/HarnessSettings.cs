namespace Aria.CrmSync.Benchmarks.Harness;

/// <summary>The workload of the API-call harness (issue 6): defaults are the documented 10,000-lead workload.</summary>
public sealed record HarnessSettings
{
    public int Leads { get; init; } = 10_000;

    /// <summary>Share of leads whose deal changes in the CRM only.</summary>
    public double CrmOnlyShare { get; init; } = 0.10;

    /// <summary>Share of leads that change in ARIA only.</summary>
    public double AriaOnlyShare { get; init; } = 0.10;

    /// <summary>Share of leads whose amount changes on both sides (a conflict; the CRM wins).</summary>
    public double BothShare { get; init; } = 0.05;

    public int Notes { get; init; } = 1_000;

    public int Seed { get; init; } = 42;

    /// <summary>Also run the seed plan's way (one lead at a time) and compare calls and end state.</summary>
    public bool RunBaseline { get; init; } = true;

    /// <summary>HubSpot tiers (requests per 10 s) to measure.</summary>
    public IReadOnlyList<int> HubSpotTiers { get; init; } = [100, 190];

    public bool IncludeSalesforce { get; init; } = true;

    /// <summary>Salesforce emulator latency per request (the org is remote in real life).</summary>
    public TimeSpan SalesforceLatency { get; init; } = TimeSpan.Zero;

    /// <summary>HubSpot emulator latency per request (a real portal answers a batch call in about 100–300 ms).</summary>
    public TimeSpan HubSpotLatency { get; init; } = TimeSpan.Zero;

    /// <summary>Gets the number of custom fields synced beyond the four default ones (<c>--custom-fields 16</c>: 20 fields).</summary>
    public int CustomFields { get; init; }

    /// <summary>Run the measured sync in a child process (the emulator stays here), so its memory is the engine's own.</summary>
    public bool EngineProcess { get; init; }

    public static HarnessSettings Parse(string[] args)
    {
        var settings = new HarnessSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            settings = args[i] switch
            {
                "--leads" => settings with { Leads = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--notes" => settings with { Notes = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--seed" => settings with { Seed = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--no-baseline" => settings with { RunBaseline = false },
                "--custom-fields" => settings with { CustomFields = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--hubspot-tiers" => settings with { HubSpotTiers = Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => int.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToList() },
                "--engine-process" => settings with { EngineProcess = true },
                "--no-salesforce" => settings with { IncludeSalesforce = false },
                "--salesforce-latency-ms" => settings with { SalesforceLatency = TimeSpan.FromMilliseconds(int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture)) },
                "--hubspot-latency-ms" => settings with { HubSpotLatency = TimeSpan.FromMilliseconds(int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture)) },
                _ => settings,
            };
        }

        return settings;
    }
}
