using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Aria.CrmSync.Benchmarks.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Aria.CrmSync.Benchmarks.Fleet;

/// <summary>
/// Runs the fleet harness: seeds one PostgreSQL schema and the emulators, syncs every connection once (warm-up), then
/// for each process count starts that many worker processes, edits on both sides while they run, kills one at two
/// thirds of the run (two or more processes), lets the last edits settle, stops the rest cleanly and checks the end
/// state. The figures come from the workers' journals (<see cref="FleetWorker"/>) and the emulators' call counts.
/// </summary>
internal static class FleetDriver
{
    public static async Task<List<FleetRunReport>> RunAsync(FleetSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var postgres = settings.Postgres ?? throw new InvalidOperationException("Set ARIA_CRMSYNC_POSTGRES or pass --postgres: the fleet runs on PostgreSQL.");
        var schema = "fleet_" + Guid.NewGuid().ToString("N")[..10];
        var workDir = Directory.CreateTempSubdirectory("aria-fleet-").FullName;
        await using var world = await FleetWorld.StartAsync(settings);
        var config = new FleetWorkerConfig
        {
            Postgres = postgres,
            Schema = schema,
            ServerAddress = world.Server.BaseAddress,
            IntervalSeconds = settings.Interval.TotalSeconds,
            PerProcess = settings.PerProcess,
            PerTenant = settings.PerTenant,
            LeaseTtlSeconds = settings.LeaseTtl.TotalSeconds,
            HeartbeatSeconds = settings.Heartbeat.TotalSeconds,
            Connections = world.Users.Select(u => new FleetWorkerConnection(u.UserId, u.Provider, u.AccessToken, u.RefreshToken)).ToList(),
        };
        var configPath = Path.Combine(workDir, "fleet.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(config), cancellationToken);

        await using var services = BuildLibrary(config);
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(cancellationToken); // migrations
        }

        try
        {
            var seeding = Stopwatch.StartNew();
            await SeedAsync(services, world, settings, cancellationToken);
            log.WriteLine($"fleet: schema {schema}, {settings.Users} connections × {settings.Leads} leads seeded in {seeding.Elapsed.TotalSeconds:F0} s");

            var warm = Stopwatch.StartNew();
            await WarmUpAsync(configPath, settings, world, log, cancellationToken);
            log.WriteLine($"fleet: warm-up (every connection's first sync with {settings.Processes.Max()} processes) took {warm.Elapsed.TotalSeconds:F0} s");

            var reports = new List<FleetRunReport>();
            foreach (var processes in settings.Processes)
            {
                var report = await RunOnceAsync(processes, configPath, services, world, settings, log, cancellationToken);
                log.WriteLine(report.ToString());
                reports.Add(report);
            }

            return reports;
        }
        finally
        {
            await using var connection = new NpgsqlConnection(postgres);
            await connection.OpenAsync(CancellationToken.None);
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
            Directory.Delete(workDir, recursive: true);
        }
    }

    private static ServiceProvider BuildLibrary(FleetWorkerConfig config)
    {
        var services = new ServiceCollection();
        FleetWorker.AddLibrary(services, config, migrate: true);
        return services.BuildServiceProvider();
    }

    private static async Task SeedAsync(ServiceProvider services, FleetWorld world, FleetSettings settings, CancellationToken cancellationToken)
    {
        var leads = services.GetRequiredService<ILeadMemoryStore>();
        var registry = services.GetRequiredService<ICrmConnectionRegistry>();
        var scheduler = services.GetRequiredService<ICrmConnectionScheduler>();
        var now = TimeProvider.System.GetUtcNow();
        await Parallel.ForEachAsync(world.Users, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (user, ct) =>
        {
            for (var i = 0; i < settings.Leads; i++)
            {
                await leads.InsertAsync(
                    new LeadMemory
                    {
                        Id = FleetUser.LeadId(user.UserId, i),
                        UserId = user.UserId,
                        CompanyName = "Company " + i,
                        CrmProvider = user.Provider,
                        CrmId = user.CrmIds[i],
                        CreatedAt = now,
                        UpdatedAt = now,
                    },
                    ct);
            }

            await registry.AddAsync(user.UserId, user.Provider, ct);
            await scheduler.SetTenantAsync(user.UserId, user.Provider, user.Tenant, ct);
        });
    }

    /// <summary>Every connection's first (full) sync, not measured: the runs then measure steady-state scheduled syncs.</summary>
    private static async Task WarmUpAsync(string configPath, FleetSettings settings, FleetWorld world, TextWriter log, CancellationToken cancellationToken)
    {
        var workers = Enumerable.Range(0, settings.Processes.Max()).Select(i => FleetProcess.Start(configPath, $"warm-{i}")).ToList();
        var deadline = Stopwatch.StartNew();
        var expected = world.Users.Count;
        while (workers.SelectMany(w => w.Journal).Where(j => j.Kind == "done" && j.Value == "True").Select(j => j.UserId).Distinct().Count() < expected)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(20) || workers.Any(w => w.HasExited))
            {
                throw new InvalidOperationException("The warm-up did not sync every connection: " + string.Join(" | ", workers.Select(w => w.Errors)));
            }

            await Task.Delay(500, cancellationToken);
        }

        await Task.WhenAll(workers.Select(w => w.StopAsync()));
        log.WriteLine($"fleet: warm-up done, {world.ApiCalls} API calls so far");
    }

    private static async Task<FleetRunReport> RunOnceAsync(int processes, string configPath, ServiceProvider services, FleetWorld world, FleetSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        // Steady state: every connection due once within the next interval, spread evenly (not a thundering herd).
        await using (var connection = new NpgsqlConnection(settings.Postgres))
        {
            await connection.OpenAsync(cancellationToken);
            var config = JsonSerializer.Deserialize<FleetWorkerConfig>(await File.ReadAllTextAsync(configPath, cancellationToken))!;
            await using var spread = new NpgsqlCommand($"UPDATE \"{config.Schema}\".crm_sync_connections SET next_due_at = now() + random() * make_interval(secs => @interval), lease_owner = NULL, lease_expires_at = NULL", connection);
            spread.Parameters.AddWithValue("interval", settings.Interval.TotalSeconds);
            await spread.ExecuteNonQueryAsync(cancellationToken);
        }

        var callsBefore = world.ApiCalls;
        var workers = Enumerable.Range(0, processes).Select(i => FleetProcess.Start(configPath, $"p{processes}-w{i}")).ToList();
        while (workers.Any(w => !w.Journal.Any(j => j.Kind == "ready")))
        {
            if (workers.Any(w => w.HasExited))
            {
                throw new InvalidOperationException("A worker exited: " + string.Join(" | ", workers.Select(w => w.Errors)));
            }

            await Task.Delay(100, cancellationToken);
        }

        var start = Now();
        var editor = new FleetEditor(services, world, settings.Seed + processes);
        using var stopEdits = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var edits = editor.RunAsync(settings.EditsPerMinute, stopEdits.Token);
        long? killedAt = null;
        FleetProcess? killed = null;
        var killAfter = settings.Duration * 2 / 3;
        if (processes >= 2 && settings.Kill)
        {
            await Task.Delay(killAfter, cancellationToken);
            // The kill must land while the process holds connections (a run takes well under a second, so an idle
            // instant is possible): from the planned moment, wait briefly for the worker holding the most.
            var waitedFor = Stopwatch.StartNew();
            killed = workers.MaxBy(OpenRuns)!;
            while (OpenRuns(killed) == 0 && waitedFor.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(20, cancellationToken);
                killed = workers.MaxBy(OpenRuns)!;
            }

            var holding = string.Join(", ", workers.Select(w => $"{w.Name} {OpenRuns(w)}"));
            killedAt = Now();
            killed.Kill();
            log.WriteLine($"fleet: killed {killed.Name} at +{(killedAt.Value - start) / 1000.0:F1} s (runs in flight: {holding})");
            await Task.Delay(settings.Duration - TimeSpan.FromMilliseconds(killedAt.Value - start), cancellationToken);
        }
        else
        {
            await Task.Delay(settings.Duration, cancellationToken);
        }

        var end = Now();
        await stopEdits.CancelAsync();
        await edits;
        // Settle: at least the quiet time, and until every connection has completed a run that began after the last
        // edit (only then may a value that is not in place count as lost).
        await Task.Delay(settings.Quiet, cancellationToken);
        var settle = Stopwatch.StartNew();
        while (Settled(workers, end) < world.Users.Count && settle.Elapsed < TimeSpan.FromMinutes(15))
        {
            await Task.Delay(1000, cancellationToken);
        }

        log.WriteLine($"fleet: {Settled(workers, end)} of {world.Users.Count} connections synced after the last edit ({settings.Quiet.TotalSeconds + settle.Elapsed.TotalSeconds:F0} s after it)");
        var calls = world.ApiCalls - callsBefore;
        await Task.WhenAll(workers.Where(w => w != killed).Select(w => w.StopAsync()));
        var check = await FleetCheck.RunAsync(services, world, cancellationToken);
        return FleetRunReport.Create(processes, settings, workers, start, end, killed?.Name, killedAt, calls, editor.Applied, check);
    }

    internal static long Now() => TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>How many runs the worker has claimed and not yet finished, by its journal so far.</summary>
    private static int OpenRuns(FleetProcess worker)
    {
        var open = new HashSet<(string, string)>();
        foreach (var entry in worker.Journal)
        {
            if (entry.Kind == "claim")
            {
                open.Add((entry.UserId, entry.Provider));
            }
            else if (entry.Kind == "done")
            {
                open.Remove((entry.UserId, entry.Provider));
            }
        }

        return open.Count;
    }

    /// <summary>How many connections completed a run claimed at or after <paramref name="since"/>.</summary>
    private static int Settled(List<FleetProcess> workers, long since)
    {
        var settled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in workers.SelectMany(w => w.Journal).Where(j => j.Kind is "claim" or "done").GroupBy(j => (j.Process, j.UserId)))
        {
            long claimed = 0;
            foreach (var entry in group.OrderBy(e => e.At))
            {
                if (entry.Kind == "claim")
                {
                    claimed = entry.At;
                }
                else if (entry.Value == "True" && claimed >= since)
                {
                    settled.Add(entry.UserId);
                }
            }
        }

        return settled.Count;
    }
}

/// <summary>Edits while the fleet runs: CRM users change amounts and log calls, the app changes close dates and queues notes.</summary>
internal sealed class FleetEditor(ServiceProvider services, FleetWorld world, int seed)
{
    private readonly Random _random = new(seed);
    private int _counter;

    public int Applied => _counter;

    public async Task RunAsync(int perMinute, CancellationToken cancellationToken)
    {
        var leads = services.GetRequiredService<ILeadMemoryStore>();
        var sync = services.GetRequiredService<ICrmSyncService>();
        var clock = Stopwatch.StartNew();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var due = (int)(clock.Elapsed.TotalMinutes * perMinute);
                while (_counter < due && !cancellationToken.IsCancellationRequested)
                {
                    await EditOnceAsync(leads, sync, _counter, cancellationToken);
                    _counter++;
                }

                await Task.Delay(100, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task EditOnceAsync(ILeadMemoryStore leads, ICrmSyncService sync, int n, CancellationToken cancellationToken)
    {
        var (user, i) = Pick();
        var amount = 50_000m + n;
        using (user.Emulator.Faults.Suspend())
        {
            EmulatedDeals.SetAmount(user.Emulator, user.CrmIds[i], amount);
            user.CrmAmounts[i] = amount;
            if (n % 5 == 0)
            {
                EmulatedDeals.AddCall(user.Emulator, user.CrmIds[i], n);
                user.Calls.AddOrUpdate(i, 1, (_, c) => c + 1);
            }
        }

        (user, i) = Pick();
        var close = new DateOnly(2028, 1, 1).AddDays(n % 3000);
        for (var attempt = 0; ; attempt++)
        {
            var lead = (await leads.GetAsync(user.UserId, FleetUser.LeadId(user.UserId, i), cancellationToken))!;
            try
            {
                await leads.UpdateAsync(lead with { ExpectedCloseDate = close, UpdatedAt = TimeProvider.System.GetUtcNow() }, cancellationToken);
                user.AriaCloseDates[i] = close;
                break;
            }
            catch (CrmSyncConcurrencyException) when (attempt < 20)
            {
                // the sync wrote the lead meanwhile: read it again, as the app would
            }
        }

        (user, i) = Pick();
        await sync.QueueSummaryAsync(user.UserId, FleetUser.LeadId(user.UserId, i), $"Fleet note {n}", FormattableString.Invariant($"fleet-note-{n}"), cancellationToken);
        user.Notes.AddOrUpdate(i, 1, (_, c) => c + 1);
    }

    private (FleetUser User, int Lead) Pick()
    {
        var user = world.Users[_random.Next(world.Users.Count)];
        return (user, _random.Next(user.CrmIds.Count));
    }
}

/// <summary>The end state: every edit on both sides, every note exactly once, every CRM call once as a lead event.</summary>
internal static class FleetCheck
{
    public static async Task<FleetCheckResult> RunAsync(ServiceProvider services, FleetWorld world, CancellationToken cancellationToken)
    {
        var leads = services.GetRequiredService<ILeadMemoryStore>();
        var lost = new ConcurrentBag<string>();
        var duplicates = new ConcurrentBag<string>();
        long duplicated = 0, notesChecked = 0, eventsChecked = 0, editsChecked = 0;
        await Parallel.ForEachAsync(world.Users, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (user, ct) =>
        {
            var salesforceNotes = EmulatedDeals.SalesforceNoteCounts(user.Emulator);
            for (var i = 0; i < user.CrmIds.Count; i++)
            {
                var id = FleetUser.LeadId(user.UserId, i);
                var lead = (await leads.GetAsync(user.UserId, id, ct))!;
                var (amount, close, notes) = EmulatedDeals.Values(user.Emulator, user.CrmIds[i], salesforceNotes);
                if (user.CrmAmounts.TryGetValue(i, out var wanted))
                {
                    Interlocked.Increment(ref editsChecked);
                    if (lead.ExpectedValue != wanted || amount != wanted.ToString(CultureInfo.InvariantCulture))
                    {
                        lost.Add($"{id}: CRM amount {wanted}, lead {lead.ExpectedValue}, CRM {amount}");
                    }
                }

                if (user.AriaCloseDates.TryGetValue(i, out var date))
                {
                    Interlocked.Increment(ref editsChecked);
                    var crmDate = DateOnly.TryParseExact(close, ["yyyy-MM-dd", "MM/dd/yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : (DateOnly?)null;
                    if (lead.ExpectedCloseDate != date || crmDate != date)
                    {
                        lost.Add($"{id}: ARIA close date {date}, lead {lead.ExpectedCloseDate}, CRM {close}");
                    }
                }

                var wantedNotes = user.Notes.GetValueOrDefault(i);
                Interlocked.Add(ref notesChecked, wantedNotes);
                Count(id, "note(s) in the CRM", notes, wantedNotes);
                var calls = 0;
                await foreach (var e in leads.GetEventsAsync(user.UserId, id, ct))
                {
                    if (e.Source == user.Provider && e.Subject?.StartsWith("Call ", StringComparison.Ordinal) == true)
                    {
                        calls++;
                    }
                }

                var wantedCalls = user.Calls.GetValueOrDefault(i);
                Interlocked.Add(ref eventsChecked, wantedCalls);
                Count(id, "call event(s) of the lead", calls, wantedCalls);
            }
        });
        return new FleetCheckResult(editsChecked, notesChecked, eventsChecked, [.. lost], duplicated, [.. duplicates]);

        void Count(string id, string what, int found, int wanted)
        {
            if (found < wanted)
            {
                lost.Add($"{id}: {found} {what}, {wanted} expected");
            }
            else if (found > wanted)
            {
                duplicates.Add($"{id}: {found} {what}, {wanted} expected");
                Interlocked.Add(ref duplicated, found - wanted);
            }
        }
    }
}

internal sealed record FleetCheckResult(long Edits, long Notes, long Events, IReadOnlyList<string> Lost, long Duplicated, IReadOnlyList<string> Duplicates);
