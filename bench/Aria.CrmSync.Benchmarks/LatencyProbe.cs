using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.Benchmarks;

/// <summary>
/// <c>-- latency [--crm both|salesforce|hubspot] [--leads 1000] [--per-minute 1000] [--seconds 60] [--poll-interval 60] [--debounce-ms 250] [--mode both|realtime|polling]</c>:
/// CRM commit → lead updated, on the emulators. Salesforce realtime: Change Data Capture over the emulator's Pub/Sub
/// server (gRPC, TLS, loopback) → subscriber → debounced targeted syncs. HubSpot realtime: the emulator's signed webhook
/// deliveries over loopback HTTP → <c>MapHubSpotWebhooks</c> on Kestrel → debounced targeted syncs. Polling: a
/// connection sync every <c>--poll-interval</c> seconds (the worker's default is 60). Edits are spread evenly (one
/// record each, round robin); a watcher reads the edited leads every 10 ms. Reports p50/p95/p99 and REST API calls per change.
/// </summary>
internal static partial class LatencyProbe
{
    private const string User = "bench-user";

    public static async Task<int> RunAsync(string[] args)
    {
        var leads = Option(args, "--leads", 1000);
        var perMinute = Option(args, "--per-minute", 1000);
        var seconds = Option(args, "--seconds", 60);
        var pollInterval = TimeSpan.FromSeconds(Option(args, "--poll-interval", 60));
        var debounce = TimeSpan.FromMilliseconds(Option(args, "--debounce-ms", 250));
        var mode = args.SkipWhile(a => a != "--mode").Skip(1).FirstOrDefault() ?? "both";
        var crm = args.SkipWhile(a => a != "--crm").Skip(1).FirstOrDefault() ?? "both";
        var rows = new List<Row>();
        var worlds = new (string Name, Func<int, TimeSpan, Task<ILatencyWorld>> Create)[] { ("salesforce", SalesforceWorld.CreateAsync), ("hubspot", HubSpotWorld.CreateAsync) };
        foreach (var (name, create) in worlds.Where(w => crm == "both" || crm == w.Name))
        {
            if (mode is "both" or "realtime")
            {
                await using var world = await create(leads, debounce);
                rows.Add(await RunModeAsync(world, realtime: true, perMinute, seconds, pollInterval, debounce));
            }

            if (mode is "both" or "polling")
            {
                await using var world = await create(leads, debounce);
                rows.Add(await RunModeAsync(world, realtime: false, perMinute, seconds, pollInterval, debounce));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| Path | Leads | Edits | Rate | p50 | p95 | p99 | Max | Not seen | REST calls per change |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Path} | {r.Leads:N0} | {r.Edits:N0} | {r.PerMinute:N0}/min | {Ms(r.P50)} | {Ms(r.P95)} | {Ms(r.P99)} | {Ms(r.Max)} | {r.NotSeen} | {r.CallsPerChange:0.000} |"));
        }

        return rows.All(r => r.NotSeen == 0) ? 0 : 1;
    }

    private static async Task<Row> RunModeAsync(ILatencyWorld world, bool realtime, int perMinute, int seconds, TimeSpan pollInterval, TimeSpan debounce)
    {
        var sync = world.Services.GetRequiredService<ICrmSyncService>();
        var store = world.Services.GetRequiredService<ILeadMemoryStore>();
        var leadCount = world.CrmIds.Count;
        var leadIds = new List<string>(leadCount);
        foreach (var id in world.CrmIds)
        {
            leadIds.Add((await store.FindByCrmIdAsync(User, world.Provider, id))!.Id);
        }

        using var stop = new CancellationTokenSource();
        var poller = Task.CompletedTask;
        if (realtime)
        {
            await world.StartRealtimeAsync();
        }
        else
        {
            poller = PollAsync(sync, world.Provider, pollInterval, stop.Token);
        }

        var apiBefore = world.ApiCalls;
        var pending = new ConcurrentDictionary<string, (decimal Amount, long Started)>(StringComparer.Ordinal);
        var latencies = new ConcurrentBag<double>();
        var watcher = WatchAsync(store, pending, latencies, stop.Token);
        var edits = perMinute * seconds / 60;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < edits; i++)
        {
            var due = TimeSpan.FromMilliseconds(i * 60_000d / perMinute);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var index = i % leadCount;
            var amount = 100_000m + i;
            world.Edit(world.CrmIds[index], amount);
            pending[leadIds[index]] = (amount, Stopwatch.GetTimestamp());
        }

        var deadline = clock.Elapsed + (realtime ? TimeSpan.FromSeconds(30) : pollInterval + TimeSpan.FromSeconds(30));
        while (!pending.IsEmpty && clock.Elapsed < deadline)
        {
            await Task.Delay(50);
        }

        var calls = world.ApiCalls - apiBefore;
        await stop.CancelAsync();
        await watcher;
        await poller;
        if (realtime)
        {
            await world.StopRealtimeAsync();
        }

        var sorted = latencies.Order().ToList();
        return new Row(realtime ? world.RealtimePath(debounce) : $"{(world.Provider == CrmProvider.Salesforce ? "Salesforce" : "HubSpot")}: polling every {pollInterval.TotalSeconds:0} s", leadCount, edits, perMinute,
            Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99), sorted.Count > 0 ? sorted[^1] : double.NaN, pending.Count, (double)calls / edits);
    }

    private static async Task PollAsync(ICrmSyncService sync, CrmProvider provider, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(interval, cancellationToken);
                await sync.SyncConnectionAsync(User, provider, new ConnectionSyncOptions { IncludeActivities = false }, cancellationToken: cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task WatchAsync(ILeadMemoryStore store, ConcurrentDictionary<string, (decimal Amount, long Started)> pending, ConcurrentBag<double> latencies, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var (leadId, (amount, started)) in pending)
                {
                    var lead = await store.GetAsync(User, leadId, cancellationToken);
                    if (lead?.ExpectedValue == amount && pending.TryRemove(new KeyValuePair<string, (decimal, long)>(leadId, (amount, started))))
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }

                await Task.Delay(10, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static double Percentile(List<double> sorted, double p)
        => sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Ms(double ms) => double.IsNaN(ms) ? "–" : ms >= 1000 ? string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:0.00} s") : string.Create(CultureInfo.InvariantCulture, $"{ms:0} ms");

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed record Row(string Path, int Leads, int Edits, int PerMinute, double P50, double P95, double P99, double Max, int NotSeen, double CallsPerChange);
}
