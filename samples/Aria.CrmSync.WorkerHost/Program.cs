using Aria.CrmSync;
using Aria.CrmSync.Testing;
using Aria.CrmSync.WorkerHost;
using Microsoft.Extensions.Diagnostics.HealthChecks;

// A generic-host worker as the ARIA backend embeds Aria.CrmSync: options bound from configuration, SQLite by default
// (PostgreSQL with ConnectionStrings:AriaPostgres and Aria:Store=postgresql), the connection registry, the sync worker,
// health checks and the library's ActivitySource/Meter ("Aria.CrmSync"). The CRMs are the in-process emulators, so it
// runs with no account. `dotnet run --project samples/Aria.CrmSync.WorkerHost` runs until Ctrl+C/SIGTERM;
// `-- --Aria:RunFor=00:00:20` stops by itself.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var aria = builder.Configuration.GetSection("Aria");
var userId = aria["UserId"] ?? "aria-worker-user";

// The CRMs: in-process Salesforce and HubSpot emulators (no socket), seeded with a few deals.
var salesforce = new SalesforceEmulator(new SalesforceEmulatorOptions { BaseAddress = new Uri("https://salesforce.emulator.local") });
var hubSpot = new HubSpotEmulator(new HubSpotEmulatorOptions { BaseAddress = new Uri("https://hubspot.emulator.local") });
EmulatorSeed.Seed(salesforce, hubSpot);
builder.Services.AddSingleton(salesforce).AddSingleton(hubSpot);

var sync = builder.Services.AddAriaCrmSync(aria.GetSection("Sync"));
if (string.Equals(aria["Store"], "postgresql", StringComparison.OrdinalIgnoreCase))
{
    sync.UsePostgreSqlStores(builder.Configuration.GetConnectionString("AriaPostgres")
        ?? throw new InvalidOperationException("Aria:Store=postgresql needs ConnectionStrings:AriaPostgres."));
}
else
{
    var path = Path.GetFullPath(aria["SqlitePath"] ?? "aria-crmsync.db");
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    sync.UseSqliteStores($"Data Source={path}");
}

// Where each user's CRM tokens live (ARIA: user_integrations). Here: tokens the emulators issued.
var sfTokens = salesforce.IssueTokens();
sync.UseInMemoryConnections(c =>
    {
        c.Add(new CrmConnection { UserId = userId, Provider = CrmProvider.Salesforce, AccessToken = sfTokens.AccessToken, RefreshToken = sfTokens.RefreshToken, InstanceUrl = sfTokens.InstanceUrl });
        c.Add(new CrmConnection { UserId = userId, Provider = CrmProvider.HubSpot, AccessToken = hubSpot.CreatePrivateAppToken(), CredentialKind = CrmCredentialKind.StaticToken });
    })
    // The gateways, routed to the in-process emulators (a real host calls AddSalesforce(...)/AddHubSpot(...) instead).
    .AddSalesforceEmulator(salesforce)
    .AddHubSpotEmulator(hubSpot)
    .AddSyncWorker(o => aria.GetSection("Worker").Bind(o));

builder.Services.AddHealthChecks().AddAriaCrmSyncChecks(o => aria.GetSection("Health").Bind(o));
builder.Services.AddHostedService<Onboarding>();   // links deals and registers the connections, as ARIA does when a user connects a CRM
builder.Services.AddHostedService<HealthReporter>(); // logs the health report (an ASP.NET Core host maps it to /health instead)

// OpenTelemetry-ready: the library traces and measures under "Aria.CrmSync". With the OpenTelemetry packages:
//   builder.Services.AddOpenTelemetry().WithTracing(t => t.AddSource("Aria.CrmSync")).WithMetrics(m => m.AddMeter("Aria.CrmSync"));
// Here a plain listener counts what the library emits.
using var telemetry = new TelemetryCounter("Aria.CrmSync");

using var host = builder.Build();
if (TimeSpan.TryParse(aria["RunFor"], System.Globalization.CultureInfo.InvariantCulture, out var runFor) && runFor > TimeSpan.Zero)
{
    var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
    _ = Task.Delay(runFor).ContinueWith(_ => lifetime.StopApplication(), TaskScheduler.Default);
}

await host.StartAsync();
await host.WaitForShutdownAsync(); // stops the host, keeps its services for the summary below
var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
Console.WriteLine($"Stopped. Health {report.Status}; {telemetry.Activities} activities and {telemetry.Measurements} measurements from Aria.CrmSync.");
Console.WriteLine($"Salesforce API calls {salesforce.Calls.ApiCalls}, HubSpot API calls {hubSpot.Calls.ApiCalls}.");
return report.Status == HealthStatus.Unhealthy ? 1 : 0;
