using System.Diagnostics;
using System.Diagnostics.Metrics;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aria.CrmSync.WorkerHost;

/// <summary>Seeds the emulators with a few deals.</summary>
internal static class EmulatorSeed
{
    public static void Seed(SalesforceEmulator salesforce, HubSpotEmulator hubSpot)
    {
        string[] stages = ["Prospecting", "Qualification", "Proposal/Price Quote", "Closed Won"];
        for (var i = 0; i < 12; i++)
        {
            salesforce.Org.Insert("Opportunity", new Dictionary<string, object?>
            {
                ["Name"] = $"Salesforce deal {i + 1}",
                ["StageName"] = stages[i % stages.Length],
                ["CloseDate"] = new DateOnly(2027, 1 + (i % 12), 15).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                ["Amount"] = 1000m * (i + 1),
            });
            hubSpot.InsertObject("deals", new Dictionary<string, string?>
            {
                ["dealname"] = $"HubSpot deal {i + 1}",
                ["dealstage"] = i % 3 == 0 ? "closedwon" : "appointmentscheduled",
                ["pipeline"] = "default",
                ["amount"] = (500 * (i + 1)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }
    }
}

/// <summary>What ARIA does when a user connects a CRM: import the deals as leads and register the connection.</summary>
internal sealed partial class Onboarding(ICrmLinkService links, ICrmConnectionRegistry registry, IConfiguration configuration, ILogger<Onboarding> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var userId = configuration["Aria:UserId"] ?? "aria-worker-user";
        foreach (var provider in new[] { CrmProvider.Salesforce, CrmProvider.HubSpot })
        {
            var imported = await links.ImportCrmRecordsAsync(userId, provider, cancellationToken: stoppingToken);
            await registry.AddAsync(userId, provider, stoppingToken);
            LogOnboarded(logger, provider, userId, imported.Count);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Connected {Provider} for {UserId}: {Count} deal(s) imported as leads; the worker syncs it from now on.")]
    private static partial void LogOnboarded(ILogger logger, CrmProvider provider, string userId, int count);
}

/// <summary>Logs the health report every 30 s (an ASP.NET Core host would map <c>/health</c> instead).</summary>
internal sealed partial class HealthReporter(HealthCheckService health, ILogger<HealthReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(3), stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                var report = await health.CheckHealthAsync(stoppingToken);
                LogHealth(logger, report.Status, string.Join(", ", report.Entries.Select(e => $"{e.Key}={e.Value.Status}")));
                await Task.Delay(TimeSpan.FromSeconds(30), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(2, LogLevel.Information, "Health {Status}: {Entries}")]
    private static partial void LogHealth(ILogger logger, HealthStatus status, string entries);
}

/// <summary>Counts the activities and measurements a source and meter emit (what an OpenTelemetry exporter would receive).</summary>
internal sealed class TelemetryCounter : IDisposable
{
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();
    private long _activityCount;
    private long _measurementCount;

    public TelemetryCounter(string name)
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = _ => Interlocked.Increment(ref _activityCount),
        };
        ActivitySource.AddActivityListener(_activities);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _measurementCount));
        _meters.SetMeasurementEventCallback<int>((_, _, _, _) => Interlocked.Increment(ref _measurementCount));
        _meters.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _measurementCount));
        _meters.Start();
    }

    public long Activities => Interlocked.Read(ref _activityCount);

    public long Measurements => Interlocked.Read(ref _measurementCount);

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }
}
