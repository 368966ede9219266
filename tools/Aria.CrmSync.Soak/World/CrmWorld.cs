using System.Globalization;
using Aria.CrmSync.Soak.Model;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.Soak.World;

/// <summary>
/// The emulated Salesforce org and HubSpot portal of a soak run, served over loopback HTTP from the driver's process (so
/// they survive the workers' crashes), with fault injection, token expiry, and direct data access for what CRM users do
/// (edit deals, log activities) and for reading the outcome. Direct access is never faulted or counted.
/// </summary>
public sealed class CrmWorld : IAsyncDisposable
{
    private static readonly FaultKind[] ChaosKinds =
    [
        FaultKind.ServerError, FaultKind.ServiceUnavailable, FaultKind.Latency, FaultKind.Timeout, FaultKind.DropConnection,
        FaultKind.ResponseLost, FaultKind.TruncatedBody, FaultKind.MalformedJson, FaultKind.RateLimited,
    ];

    private long _tokenExpiries;

    private CrmWorld(SalesforceEmulator salesforce, HubSpotEmulator hubSpot)
    {
        Salesforce = salesforce;
        HubSpot = hubSpot;
    }

    public SalesforceEmulator Salesforce { get; }

    public HubSpotEmulator HubSpot { get; }

    public Uri SalesforceUrl { get; private set; } = null!;

    public Uri HubSpotUrl { get; private set; } = null!;

    public long TokenExpiries => Interlocked.Read(ref _tokenExpiries);

    /// <summary>Gets the calls both emulators served (API and OAuth, faulted or not).</summary>
    public long TotalCalls => Salesforce.Calls.Total + HubSpot.Calls.Total;

    /// <summary>Gets a value indicating whether the emulators are served in process (a deterministic soak): no sockets, no real delays.</summary>
    public bool InProcess { get; private set; }

    /// <summary>The emulators of a deterministic soak: in process, on the virtual clock, faults without real delays.</summary>
    public static CrmWorld CreateInProcess(int seed, TimeProvider time, bool hubSpotSearchLag = true)
    {
        var world = new CrmWorld(
            new SalesforceEmulator(new SalesforceEmulatorOptions { Seed = seed, DailyApiRequestLimit = int.MaxValue, MaxOpenQueryCursors = 1000, TimeProvider = time, BaseAddress = new Uri("https://salesforce.soak.invalid") }),
            new HubSpotEmulator(new HubSpotEmulatorOptions { Seed = seed, RequestsPerInterval = 1_000_000, RateLimitInterval = TimeSpan.FromMilliseconds(500), DailyLimit = long.MaxValue / 4, SearchRequestsPerSecond = 100_000, SearchIndexLag = Lag(hubSpotSearchLag), SearchIndexLagJitter = Jitter(hubSpotSearchLag), TimeProvider = time, BaseAddress = new Uri("https://hubspot.soak.invalid") }))
        {
            InProcess = true,
        };
        world.SalesforceUrl = world.Salesforce.BaseAddress;
        world.HubSpotUrl = world.HubSpot.BaseAddress;
        return world;
    }

    /// <summary>HubSpot's search index lag as modelled: 1 s plus up to 2 s of jitter ("may take a few moments" —
    /// https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm).</summary>
    private static TimeSpan Lag(bool on) => on ? TimeSpan.FromSeconds(1) : TimeSpan.Zero;

    private static TimeSpan Jitter(bool on) => on ? TimeSpan.FromSeconds(2) : TimeSpan.Zero;

    public static async Task<CrmWorld> StartAsync(int seed, bool hubSpotSearchLag = true)
    {
        var world = new CrmWorld(
            new SalesforceEmulator(new SalesforceEmulatorOptions { Seed = seed, DailyApiRequestLimit = int.MaxValue, MaxOpenQueryCursors = 1000 }),
            new HubSpotEmulator(new HubSpotEmulatorOptions { Seed = seed, RequestsPerInterval = 1_000_000, RateLimitInterval = TimeSpan.FromMilliseconds(500), DailyLimit = long.MaxValue / 4, SearchRequestsPerSecond = 100_000, SearchIndexLag = Lag(hubSpotSearchLag), SearchIndexLagJitter = Jitter(hubSpotSearchLag) }));
        world.SalesforceUrl = (await world.Salesforce.StartServerAsync()).BaseAddress;
        world.HubSpotUrl = (await world.HubSpot.StartServerAsync()).BaseAddress;
        return world;
    }

    /// <summary>Injects every chaos fault kind into about <paramref name="rate"/> of all API calls (OAuth excluded), evenly split.</summary>
    public void StartChaos(double rate, int seed)
    {
        var perKind = 1 - Math.Pow(1 - rate, 1.0 / ChaosKinds.Length);
        foreach (var (emulator, offset) in new (CrmEmulator, int)[] { (Salesforce, 0), (HubSpot, 1) })
        {
            emulator.Faults.Reset(seed + offset);
            foreach (var kind in ChaosKinds)
            {
                emulator.Faults.Add(new FaultRule
                {
                    Kind = kind,
                    Rate = perKind,
                    // In process the delays are zero: the emulators would wait in real time, and the scheduler already
                    // decides what runs while a request is in flight.
                    Latency = InProcess ? TimeSpan.Zero : kind == FaultKind.Latency ? TimeSpan.FromMilliseconds(25) : TimeSpan.FromMilliseconds(60),
                });
            }
        }
    }

    /// <summary>Stops injecting faults, keeping the counts.</summary>
    public Dictionary<FaultKind, long> StopChaos()
    {
        var injected = FaultsInjected();
        Salesforce.Faults.Reset();
        HubSpot.Faults.Reset();
        return injected;
    }

    public Dictionary<FaultKind, long> FaultsInjected()
    {
        var total = new Dictionary<FaultKind, long>();
        foreach (var (kind, count) in Salesforce.Faults.Injected.Concat(HubSpot.Faults.Injected))
        {
            total[kind] = total.GetValueOrDefault(kind) + count;
        }

        return total;
    }

    /// <summary>Makes every OAuth access token issued so far invalid (the next call gets a 401 and must refresh).</summary>
    public void ExpireTokens()
    {
        Salesforce.ExpireAccessTokens();
        HubSpot.ExpireAccessTokens();
        Interlocked.Increment(ref _tokenExpiries);
    }

    public string CreateRecord(CrmProvider provider, string name, string stage, decimal? amount, DateOnly closeDate)
    {
        if (provider == CrmProvider.Salesforce)
        {
            return Salesforce.Org.Insert("Opportunity", new Dictionary<string, object?>
            {
                ["Name"] = name,
                ["StageName"] = stage,
                ["Amount"] = amount,
                ["CloseDate"] = closeDate,
            });
        }

        return HubSpot.InsertObject("deals", new Dictionary<string, string?>
        {
            ["dealname"] = name,
            ["pipeline"] = "default",
            ["dealstage"] = stage,
            ["amount"] = amount?.ToString(CultureInfo.InvariantCulture),
            ["closedate"] = HubSpotDate(closeDate),
        }).Id;
    }

    /// <summary>A CRM user changes the record's stage, amount or close date (only what is given).</summary>
    public void Edit(CrmProvider provider, string crmId, string? stage = null, decimal? amount = null, bool clearAmount = false, DateOnly? closeDate = null)
    {
        if (provider == CrmProvider.Salesforce)
        {
            var fields = new Dictionary<string, object?>();
            if (stage is not null)
            {
                fields["StageName"] = stage;
            }

            if (amount is not null || clearAmount)
            {
                fields["Amount"] = amount;
            }

            if (closeDate is not null)
            {
                fields["CloseDate"] = closeDate;
            }

            Salesforce.Org.Update("Opportunity", crmId, fields);
            return;
        }

        var properties = new Dictionary<string, string?>();
        if (stage is not null)
        {
            properties["dealstage"] = stage;
        }

        if (amount is not null || clearAmount)
        {
            properties["amount"] = amount?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;
        }

        if (closeDate is not null)
        {
            properties["closedate"] = HubSpotDate(closeDate.Value);
        }

        HubSpot.UpdateObject("deals", crmId, properties);
    }

    /// <summary>Reads the record as the model compares it: the stage through the seed's table, amount, close date.</summary>
    public FieldValues Read(CrmProvider provider, string crmId)
    {
        if (provider == CrmProvider.Salesforce)
        {
            var row = Salesforce.Org.Get("Opportunity", crmId) ?? throw new InvalidOperationException($"Opportunity {crmId} is gone.");
            var stage = (string)row["StageName"]!;
            return FieldValues.Of(
                Stages.Salesforce.TryGetValue(stage, out var pair) ? pair : new StagePair("?" + stage, "?"),
                row["Amount"] is { } amount ? Convert.ToDecimal(amount, CultureInfo.InvariantCulture) : null,
                row["CloseDate"] is DateOnly date ? date : null);
        }

        var deal = HubSpot.GetObject("deals", crmId) ?? throw new InvalidOperationException($"Deal {crmId} is gone.");
        var dealStage = deal["dealstage"] ?? string.Empty;
        return FieldValues.Of(
            Stages.HubSpot.TryGetValue(dealStage, out var hubSpotPair) ? hubSpotPair : new StagePair("?" + dealStage, "?"),
            string.IsNullOrEmpty(deal["amount"]) ? null : decimal.Parse(deal["amount"]!, NumberStyles.Float, CultureInfo.InvariantCulture),
            ParseHubSpotDate(deal["closedate"]));
    }

    /// <summary>A CRM user logs an activity on the record (a Salesforce task, a HubSpot call); returns its id.</summary>
    public string AddActivity(CrmProvider provider, string crmId, string subject, DateTimeOffset when)
    {
        if (provider == CrmProvider.Salesforce)
        {
            return Salesforce.Org.Insert("Task", new Dictionary<string, object?>
            {
                ["WhatId"] = crmId,
                ["Subject"] = subject,
                ["Status"] = "Completed",
                ["Priority"] = "Normal",
                ["ActivityDate"] = DateOnly.FromDateTime(when.UtcDateTime),
                ["TaskSubtype"] = "Call",
            });
        }

        var call = HubSpot.InsertObject("calls", new Dictionary<string, string?>
        {
            ["hs_call_title"] = subject,
            ["hs_call_body"] = "Logged by the soak: " + subject,
            ["hs_call_direction"] = "OUTBOUND",
            ["hs_timestamp"] = when.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        });
        HubSpot.Associate("calls", call.Id, "deals", crmId, 206);
        return call.Id;
    }

    /// <summary>
    /// Counts, per summary token, the ARIA notes attached to each record that carry it: what a CRM user would see. Each
    /// pushed summary must appear exactly once, on its own record.
    /// </summary>
    public Dictionary<string, List<string>> NotesByToken(CrmProvider provider, Func<string, string?> tokenOf)
    {
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string? token, string recordId)
        {
            if (token is null)
            {
                return;
            }

            if (!found.TryGetValue(token, out var list))
            {
                found[token] = list = [];
            }

            list.Add(recordId);
        }

        if (provider == CrmProvider.Salesforce)
        {
            var links = Salesforce.Org.List("ContentDocumentLink")
                .GroupBy(l => (string)l["ContentDocumentId"]!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(l => (string)l["LinkedEntityId"]!).ToList(), StringComparer.Ordinal);
            foreach (var note in Salesforce.Org.List("ContentNote"))
            {
                var token = tokenOf((string?)note["Title"] ?? string.Empty);
                foreach (var record in links.GetValueOrDefault((string)note["Id"]!) ?? [])
                {
                    if (record.StartsWith("006", StringComparison.Ordinal))
                    {
                        Add(token, record);
                    }
                }

                if (token is not null && !links.ContainsKey((string)note["Id"]!))
                {
                    Add(token, "(unlinked)");
                }
            }

            return found;
        }

        foreach (var note in HubSpot.ListObjects("notes"))
        {
            var token = tokenOf(note["hs_note_body"] ?? string.Empty);
            var deals = HubSpot.GetAssociations("notes", note.Id, "deals").Select(a => a.ToObjectId).Distinct(StringComparer.Ordinal).ToList();
            if (deals.Count == 0)
            {
                Add(token, "(unlinked)");
            }

            foreach (var deal in deals)
            {
                Add(token, deal);
            }
        }

        return found;
    }

    /// <summary>Reads the text of the first ARIA note carrying <paramref name="token"/> as the CRM holds it (Salesforce: the ContentNote's HTML).</summary>
    public string? NoteText(CrmProvider provider, string token)
    {
        if (provider == CrmProvider.Salesforce)
        {
            var note = Salesforce.Org.List("ContentNote").FirstOrDefault(n => ((string?)n["Title"] ?? string.Empty).Contains(token, StringComparison.Ordinal));
            return note?["Content"] as string;
        }

        return HubSpot.ListObjects("notes").FirstOrDefault(n => (n["hs_note_body"] ?? string.Empty).Contains(token, StringComparison.Ordinal))?["hs_note_body"];
    }

    public async ValueTask DisposeAsync()
    {
        await Salesforce.DisposeAsync();
        await HubSpot.DisposeAsync();
    }

    private static string HubSpotDate(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00.000Z";

    private static DateOnly? ParseHubSpotDate(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            return DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime);
        }

        return DateOnly.FromDateTime(DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcDateTime);
    }
}
