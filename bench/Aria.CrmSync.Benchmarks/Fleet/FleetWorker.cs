using System.Globalization;
using System.Text.Json;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Benchmarks.Fleet;

/// <summary>What a fleet worker process needs: the database, the emulators' address, the connections and the schedule.</summary>
internal sealed record FleetWorkerConfig
{
    public required string Postgres { get; init; }

    public required string Schema { get; init; }

    public required Uri ServerAddress { get; init; }

    public required double IntervalSeconds { get; init; }

    public required int PerProcess { get; init; }

    public required int PerTenant { get; init; }

    public required double LeaseTtlSeconds { get; init; }

    public required double HeartbeatSeconds { get; init; }

    public required List<FleetWorkerConnection> Connections { get; init; }
}

internal sealed record FleetWorkerConnection(string UserId, CrmProvider Provider, string AccessToken, string? RefreshToken);

/// <summary>
/// A host process of the fleet (<c>Aria.CrmSync.Benchmarks fleet-worker config.json name</c>): the library's sync
/// worker in fleet mode on PostgreSQL, exactly as a host configures it. It prints journal lines
/// (<c>J|claim|unix-ms|user|provider|lateness-ms</c>, <c>J|done|…|completed</c>, <c>J|lost|…</c>) from the worker's log events.
/// </summary>
internal static class FleetWorker
{
    public static async Task<int> RunAsync(string configPath, string name)
    {
        var config = JsonSerializer.Deserialize<FleetWorkerConfig>(await File.ReadAllTextAsync(configPath))!;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new JournalLoggerProvider(Console.Out));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Aria.CrmSync.Hosting.CrmSyncWorker", LogLevel.Debug);
        AddLibrary(builder.Services, config, migrate: false)
            .AddSyncWorker(o =>
            {
                o.Interval = TimeSpan.FromSeconds(config.IntervalSeconds);
                o.Fleet = new CrmFleetOptions
                {
                    WorkerId = name,
                    MaxConcurrentConnections = config.PerProcess,
                    MaxConcurrentPerTenant = config.PerTenant,
                    LeaseTtl = TimeSpan.FromSeconds(config.LeaseTtlSeconds),
                    HeartbeatInterval = TimeSpan.FromSeconds(config.HeartbeatSeconds),
                };
            });
        using var host = builder.Build();
        await host.StartAsync();
        Console.WriteLine("J|ready|" + Now());

        // The driver stops a worker cleanly by closing its standard input (a killed one just dies).
        await Task.Run(() =>
        {
            while (Console.In.ReadLine() is not null)
            {
            }
        });
        await host.StopAsync();
        Console.WriteLine("J|stopped|" + Now());
        return 0;
    }

    /// <summary>The library as every fleet process configures it (the driver too, to seed and edit).</summary>
    internal static IAriaCrmSyncBuilder AddLibrary(IServiceCollection services, FleetWorkerConfig config, bool migrate)
    {
        var defaults = new SalesforceEmulatorOptions();
        return services.AddAriaCrmSync()
            .UsePostgreSqlStores(o =>
            {
                o.ConnectionString = config.Postgres;
                o.Schema = config.Schema;
                o.RunMigrationsOnStart = migrate;
            })
            .UseInMemoryConnections(c =>
            {
                foreach (var connection in config.Connections)
                {
                    c.Add(new CrmConnection
                    {
                        UserId = connection.UserId,
                        Provider = connection.Provider,
                        CredentialKind = connection.Provider == CrmProvider.HubSpot ? CrmCredentialKind.StaticToken : CrmCredentialKind.OAuth,
                        InstanceUrl = connection.Provider == CrmProvider.Salesforce ? config.ServerAddress : null,
                        AccessToken = connection.AccessToken,
                        RefreshToken = connection.RefreshToken,
                    });
                }
            })
            .AddSalesforce(o =>
            {
                o.InstanceUrl = config.ServerAddress;
                o.LoginUrl = config.ServerAddress;
                o.ClientId = defaults.ClientId;
                o.ClientSecret = defaults.ClientSecret;
            })
            .AddHubSpot(o =>
            {
                o.BaseAddress = config.ServerAddress;
                o.RateLimits.RequestsPerWindow = 190;
            });
    }

    internal static string Now() => FleetDriver.Now().ToString(CultureInfo.InvariantCulture);

    /// <summary>Turns the worker's claim (3101), pass (3000) and lost-lease (3102) events into journal lines.</summary>
    private sealed class JournalLoggerProvider(TextWriter output) : ILoggerProvider, ILogger
    {
        private readonly Lock _gate = new();

        public ILogger CreateLogger(string categoryName) => categoryName == "Aria.CrmSync.Hosting.CrmSyncWorker" ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is not IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                return;
            }

            string? Value(string key) => Convert.ToString(values.FirstOrDefault(v => v.Key == key).Value, CultureInfo.InvariantCulture);
            var line = eventId.Id switch
            {
                3101 => $"J|claim|{Now()}|{Value("UserId")}|{Value("Provider")}|{Value("LatenessMs")}",
                3000 => $"J|done|{Now()}|{Value("UserId")}|{Value("Provider")}|{Value("Completed")}",
                3102 => $"J|lost|{Now()}|{Value("UserId")}|{Value("Provider")}|",
                _ => logLevel >= LogLevel.Warning ? $"W|{eventId.Id}|{formatter(state, exception)}" : null,
            };
            if (line is not null)
            {
                lock (_gate)
                {
                    output.WriteLine(line);
                    output.Flush();
                }
            }
        }

        public void Dispose()
        {
        }
    }
}
