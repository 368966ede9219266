using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aria.CrmSync.Benchmarks;

/// <summary>
/// <c>-- latency [--leads 1000] [--per-minute 1000] [--seconds 60] [--poll-interval 60] [--debounce-ms 250] [--mode both|realtime|polling]</c>:
/// CRM commit → lead updated, on the Salesforce emulator. Realtime: Change Data Capture over the emulator's Pub/Sub
/// server (gRPC, TLS, loopback) → subscriber → debounced targeted syncs. Polling: a connection sync every
/// <c>--poll-interval</c> seconds (the worker's default is 60). Edits are spread evenly (one opportunity each, round
/// robin); a watcher reads the edited leads every 10 ms. Reports p50/p95/p99 and REST API calls per change.
/// </summary>
internal static class LatencyProbe
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
        var rows = new List<Row>();
        if (mode is "both" or "realtime")
        {
            rows.Add(await RunModeAsync(realtime: true, leads, perMinute, seconds, pollInterval, debounce));
        }

        if (mode is "both" or "polling")
        {
            rows.Add(await RunModeAsync(realtime: false, leads, perMinute, seconds, pollInterval, debounce));
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

    private static async Task<Row> RunModeAsync(bool realtime, int leadCount, int perMinute, int seconds, TimeSpan pollInterval, TimeSpan debounce)
    {
        await using var emulator = new SalesforceEmulator(new SalesforceEmulatorOptions { DailyApiRequestLimit = 100_000_000, ConcurrentRequestLimit = 1000 });
        await using var server = await emulator.StartPubSubServerAsync();
        var opportunities = new List<string>(leadCount);
        for (var i = 0; i < leadCount; i++)
        {
            opportunities.Add(emulator.Org.InsertOpportunity($"Latency {i}", SalesforceStages.Prospecting, new DateOnly(2027, 6, 30), 1000m + i));
        }

        var tokens = emulator.IssueTokens();
        var thumbprint = server.Certificate.GetCertHashString();
        var services = new ServiceCollection();
        services.AddAriaCrmSync()
            .UseInMemoryStores()
            .UseInMemoryConnections(c => c.Add(new CrmConnection { UserId = User, Provider = CrmProvider.Salesforce, AccessToken = tokens.AccessToken, RefreshToken = tokens.RefreshToken, InstanceUrl = tokens.InstanceUrl }))
            .AddSalesforceEmulator(emulator)
            .AddChangeNotifications(o => o.DebounceInterval = debounce)
            .AddSalesforcePubSub(o =>
            {
                o.Endpoint = server.Address;
                o.UserIds.Add(User);
                o.ConfigureHttpHandler = h => h.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint;
            });
        await using var provider = services.BuildServiceProvider();
        var sync = provider.GetRequiredService<ICrmSyncService>();
        var store = provider.GetRequiredService<ILeadMemoryStore>();
        await provider.GetRequiredService<ICrmLinkService>().ImportCrmRecordsAsync(User, CrmProvider.Salesforce);
        var baseline = await sync.SyncConnectionAsync(User, CrmProvider.Salesforce, new ConnectionSyncOptions { FullReconciliation = true, IncludeActivities = false });
        if (!baseline.Completed)
        {
            throw new InvalidOperationException("The baseline sync did not complete: " + baseline.Reason);
        }

        var leadIds = new List<string>(leadCount);
        foreach (var id in opportunities)
        {
            leadIds.Add((await store.FindByCrmIdAsync(User, CrmProvider.Salesforce, id))!.Id);
        }

        var subscriber = provider.GetServices<IHostedService>().Single(s => s.GetType().Name == "SalesforcePubSubWorker");
        using var stop = new CancellationTokenSource();
        var poller = Task.CompletedTask;
        if (realtime)
        {
            await subscriber.StartAsync(CancellationToken.None);
            while (emulator.ChangeEvents.SubscriptionsOpened == 0)
            {
                await Task.Delay(10);
            }
        }
        else
        {
            poller = PollAsync(sync, pollInterval, stop.Token);
        }

        var apiBefore = emulator.Calls.ApiCalls;
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
            emulator.Org.Update("Opportunity", opportunities[index], new Dictionary<string, object?> { ["Amount"] = amount });
            pending[leadIds[index]] = (amount, Stopwatch.GetTimestamp());
        }

        var deadline = clock.Elapsed + (realtime ? TimeSpan.FromSeconds(30) : pollInterval + TimeSpan.FromSeconds(30));
        while (!pending.IsEmpty && clock.Elapsed < deadline)
        {
            await Task.Delay(50);
        }

        var calls = emulator.Calls.ApiCalls - apiBefore;
        await stop.CancelAsync();
        await watcher;
        await poller;
        if (realtime)
        {
            await subscriber.StopAsync(CancellationToken.None);
        }

        var sorted = latencies.Order().ToList();
        return new Row(realtime ? $"Change Data Capture (Pub/Sub), debounce {debounce.TotalMilliseconds:0} ms" : $"Polling every {pollInterval.TotalSeconds:0} s", leadCount, edits, perMinute,
            Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99), sorted.Count > 0 ? sorted[^1] : double.NaN, pending.Count, (double)calls / edits);
    }

    private static async Task PollAsync(ICrmSyncService sync, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(interval, cancellationToken);
                await sync.SyncConnectionAsync(User, CrmProvider.Salesforce, new ConnectionSyncOptions { IncludeActivities = false }, cancellationToken: cancellationToken);
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
