using System.Diagnostics;
using System.Text.Json;
using Aria.CrmSync.Benchmarks.Fleet;
using Aria.CrmSync.Testing;

namespace Aria.CrmSync.Benchmarks.Harness;

/// <summary>What the engine child process runs: one connection sync against the harness's emulator over loopback.</summary>
internal sealed record EngineRequest(string Provider, string BaseAddress, string DatabasePath, long ClockOffsetTicks, int? RequestsPer10s, string? AccessToken, string? RefreshToken, string? InstanceUrl, string? ClientId, string? ClientSecret);

/// <summary>
/// What the engine child process measured: PeakManagedBytes is the most managed memory allocated at once
/// (<see cref="GC.GetTotalMemory(bool)"/>, garbage not yet collected included); PeakHeapAfterGcBytes the largest heap a
/// garbage collection left (what survived it, gen2 garbage not yet collected included), sampled with
/// <see cref="GC.GetGCMemoryInfo()"/>; PeakLiveBytes the most memory a forced full collection found live (one every
/// 250 ms: the engine's own live memory, at a small cost in wall time), PeakLiveAtSeconds when it was found (seconds
/// from the start of the sync, to set against <see cref="Phases"/>). <see cref="GC.GetTotalMemory(bool)"/> reads the
/// heap after its collection, when the run's other threads have resumed and allocated again, so PeakLiveBytes includes
/// what they allocated meanwhile; PeakSurvivedBytes is what those same forced collections found live, as the collector
/// reported it for the collection itself (<see cref="GCMemoryInfo.PromotedBytes"/> of the last full blocking
/// collection: everything that survived a full collection), found at PeakSurvivedAtSeconds. PeakLiveByPhase is the most
/// those collections found live (survived) in each phase, a sample counted in the phase of the last progress report
/// before it ("start": before the first).
/// </summary>
internal sealed record EngineReport(bool Completed, string? Reason, int Failures, int LeadsCompared, double WallSeconds, long IdleManagedBytes, long PeakManagedBytes, long PeakHeapAfterGcBytes, long PeakLiveBytes, double PeakLiveAtSeconds, long PeakSurvivedBytes, double PeakSurvivedAtSeconds, long PeakWorkingSetBytes, string Phases, string PeakLiveByPhase);

/// <summary>
/// The measured connection sync in a child process (<c>harness --engine-process</c>): the library and its SQLite
/// stores alone in the process, the emulator staying in the harness process behind its loopback server, so the
/// child's peak managed memory is the engine's (plus the stores' managed side), apart from the emulator's.
/// </summary>
internal static class EngineProcess
{
    /// <summary>Runs the measured sync of <paramref name="instance"/> in a child process and returns its report.</summary>
    public static async Task<EngineReport> RunAsync(CrmInstance instance, int? requestsPer10s, TextWriter log)
    {
        var salesforce = instance.Emulator as SalesforceEmulator;
        var request = new EngineRequest(
            instance.Provider == CrmProvider.Salesforce ? "salesforce" : "hubspot",
            instance.BaseAddress.ToString(),
            instance.DatabasePath,
            instance.Clock.Offset.Ticks,
            requestsPer10s,
            instance.Connection.AccessToken,
            instance.Connection.RefreshToken,
            instance.Connection.InstanceUrl?.ToString(),
            salesforce?.Options.ClientId,
            salesforce?.Options.ClientSecret);
        var requestPath = Path.Combine(Path.GetTempPath(), $"aria-bench-engine-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(requestPath, JsonSerializer.Serialize(request));
        try
        {
            var start = new ProcessStartInfo(FleetProcess.DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { typeof(EngineProcess).Assembly.Location, "harness-engine", requestPath })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["DOTNET_gcServer"] = "0";
            using var process = Process.Start(start) ?? throw new InvalidOperationException("The engine process did not start.");
            var errors = process.StandardError.ReadToEndAsync();
            string? last = null;
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                log.WriteLine($"  [engine] {line}");
                last = line;
            }

            await process.WaitForExitAsync();
            if (process.ExitCode != 0 || last is null)
            {
                throw new InvalidOperationException($"The engine process failed ({process.ExitCode}): {await errors}");
            }

            return JsonSerializer.Deserialize<EngineReport>(last) ?? throw new InvalidOperationException("No engine report.");
        }
        finally
        {
            File.Delete(requestPath);
        }
    }

    /// <summary>The child: <c>harness-engine request.json</c>; prints the report as its last line of output.</summary>
    public static async Task<int> MainAsync(string requestPath)
    {
        var request = JsonSerializer.Deserialize<EngineRequest>(await File.ReadAllTextAsync(requestPath))!;
        var provider = request.Provider == "salesforce" ? CrmProvider.Salesforce : CrmProvider.HubSpot;
        var clock = new ShiftedClock();
        clock.Advance(TimeSpan.FromTicks(request.ClockOffsetTicks));
        var connection = provider == CrmProvider.Salesforce
            ? new CrmConnection { UserId = CrmInstance.UserId, Provider = provider, InstanceUrl = new Uri(request.InstanceUrl!), AccessToken = request.AccessToken, RefreshToken = request.RefreshToken }
            : new CrmConnection { UserId = CrmInstance.UserId, Provider = provider, CredentialKind = CrmCredentialKind.StaticToken, AccessToken = request.AccessToken };
        await using var services = CrmInstance.BuildServices(connection, new Uri(request.BaseAddress), request.DatabasePath, clock, request.RequestsPer10s, request.ClientId, request.ClientSecret, handler: null);
        var sync = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ICrmSyncService>(services);

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var idle = GC.GetTotalMemory(forceFullCollection: true);
        var peak = idle;
        var peakAfterGc = 0L;
        var peakLive = idle;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                var gc = GC.GetGCMemoryInfo();
                peakAfterGc = Math.Max(peakAfterGc, gc.HeapSizeBytes - gc.FragmentedBytes);
                await Task.Delay(5).ConfigureAwait(false);
            }
        });
        var stopwatch = new Stopwatch();
        var peakLiveAt = 0.0;
        var peakSurvived = 0L;
        var peakSurvivedAt = 0.0;
        var byPhase = new Dictionary<string, long>();
        PhaseClock? phases = null;
        var liveSampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                var live = GC.GetTotalMemory(forceFullCollection: true);
                if (live > peakLive)
                {
                    peakLive = live;
                    peakLiveAt = stopwatch.Elapsed.TotalSeconds;
                }

                var full = GC.GetGCMemoryInfo(GCKind.FullBlocking);
                var phase = phases?.Current?.ToString() ?? "start";
                byPhase[phase] = Math.Max(byPhase.GetValueOrDefault(phase), full.PromotedBytes);
                if (full.PromotedBytes > peakSurvived)
                {
                    peakSurvived = full.PromotedBytes;
                    peakSurvivedAt = stopwatch.Elapsed.TotalSeconds;
                }

                await Task.Delay(250).ConfigureAwait(false);
            }
        });
        stopwatch.Start();
        phases = new PhaseClock(stopwatch);
        var result = await sync.SyncConnectionAsync(CrmInstance.UserId, provider, progress: phases);
        stopwatch.Stop();
        await sampling.CancelAsync();
        await sampler;
        await liveSampler;
        peak = Math.Max(peak, GC.GetTotalMemory(false));
        using var self = Process.GetCurrentProcess();
        var report = new EngineReport(result.Completed, result.Reason, result.Failures.Count, result.LeadsCompared, stopwatch.Elapsed.TotalSeconds, idle, peak, peakAfterGc, peakLive, peakLiveAt, peakSurvived, peakSurvivedAt, self.PeakWorkingSet64, phases.Describe(), string.Join(", ", byPhase.Select(p => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{p.Key} {p.Value / 1048576.0:N1} MiB"))));
        Console.WriteLine(JsonSerializer.Serialize(report));
        return 0;
    }
}
