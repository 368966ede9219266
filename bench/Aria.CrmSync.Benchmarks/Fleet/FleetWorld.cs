using System.Collections.Concurrent;
using System.Globalization;
using Aria.CrmSync.Benchmarks.Harness;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.Benchmarks.Fleet;

/// <summary>
/// One emulated org or portal per user, all behind one loopback server that routes each request by its bearer token
/// (<see cref="EmulatorServer.StartRoutedAsync"/>), with a per-call latency drawn from the settings' range. Lives in the
/// driver process, so it survives the killed workers. Records what the CRM users and the ARIA app did, to check the end.
/// </summary>
internal sealed class FleetWorld : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, CrmEmulator> _byToken = new(StringComparer.Ordinal);

    private FleetWorld(EmulatorServer server) => Server = server;

    public EmulatorServer Server { get; }

    public List<FleetUser> Users { get; } = [];

    public static async Task<FleetWorld> StartAsync(FleetSettings settings)
    {
        FleetWorld? world = null;
        var server = await EmulatorServer.StartRoutedAsync(r => r.BearerToken is { } token && world!._byToken.TryGetValue(token, out var e) ? e : null);
        world = new FleetWorld(server);
        for (var u = 0; u < settings.Users; u++)
        {
            var provider = u % 2 == 0 ? CrmProvider.Salesforce : CrmProvider.HubSpot;
            var seed = settings.Seed + u;
            CrmEmulator emulator = provider == CrmProvider.Salesforce
                ? new SalesforceEmulator(new SalesforceEmulatorOptions { Seed = seed, DailyApiRequestLimit = int.MaxValue, ConcurrentRequestLimit = 25, BaseAddress = server.BaseAddress })
                : new HubSpotEmulator(new HubSpotEmulatorOptions { Seed = seed, RequestsPerInterval = 190, DailyLimit = long.MaxValue / 4, BaseAddress = server.BaseAddress });
            AddLatency(emulator, settings.LatencyMs, seed);
            var user = new FleetUser(FormattableString.Invariant($"fleet-user-{u:D5}"), provider, emulator, "tenant-" + (u % settings.Tenants).ToString(CultureInfo.InvariantCulture));
            if (emulator is SalesforceEmulator sf)
            {
                var tokens = sf.IssueTokens();
                user.AccessToken = tokens.AccessToken;
                user.RefreshToken = tokens.RefreshToken;
            }
            else
            {
                user.AccessToken = ((HubSpotEmulator)emulator).CreatePrivateAppToken();
            }

            if (!world._byToken.TryAdd(user.AccessToken, emulator))
            {
                throw new InvalidOperationException("Two emulators issued the same token; choose another seed.");
            }

            using (emulator.Faults.Suspend())
            {
                for (var i = 0; i < settings.Leads; i++)
                {
                    var crmId = EmulatedDeals.Insert(emulator, i);
                    user.CrmIds.Add(crmId);
                    if (i % 10 == 0)
                    {
                        EmulatedDeals.AddCall(emulator, crmId, i);
                        user.Calls[i] = 1;
                    }
                }
            }

            world.Users.Add(user);
        }

        return world;
    }

    public long ApiCalls => Users.Sum(u => u.Emulator.Calls.ApiCalls);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        foreach (var user in Users)
        {
            await user.Emulator.DisposeAsync();
        }
    }

    /// <summary>Latency on every call, uniform over the range in four steps (the first matching rule fires).</summary>
    private static void AddLatency(CrmEmulator emulator, (int Min, int Max) range, int seed)
    {
        emulator.Faults.Reset(seed);
        const int steps = 4;
        for (var s = 0; s < steps; s++)
        {
            var ms = range.Min + ((range.Max - range.Min) * s / (steps - 1));
            emulator.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Rate = 1.0 / (steps - s), Latency = TimeSpan.FromMilliseconds(ms) });
        }
    }
}

/// <summary>A user with one CRM connection, and what was done to its deals and leads.</summary>
internal sealed class FleetUser(string userId, CrmProvider provider, CrmEmulator emulator, string tenant)
{
    public string UserId { get; } = userId;

    public CrmProvider Provider { get; } = provider;

    public CrmEmulator Emulator { get; } = emulator;

    public string Tenant { get; } = tenant;

    public string AccessToken { get; set; } = string.Empty;

    public string? RefreshToken { get; set; }

    public List<string> CrmIds { get; } = [];

    /// <summary>Gets the last amount a CRM user wrote per lead index.</summary>
    public ConcurrentDictionary<int, decimal> CrmAmounts { get; } = new();

    /// <summary>Gets the last close date the ARIA app wrote per lead index.</summary>
    public ConcurrentDictionary<int, DateOnly> AriaCloseDates { get; } = new();

    /// <summary>Gets the notes the app queued per lead index.</summary>
    public ConcurrentDictionary<int, int> Notes { get; } = new();

    /// <summary>Gets the calls logged in the CRM per lead index.</summary>
    public ConcurrentDictionary<int, int> Calls { get; } = new();

    public static string LeadId(string userId, int i) => FormattableString.Invariant($"{userId}-lead-{i:D4}");
}
