using Aria.CrmSync;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

// Links the emulators' deals, syncs both connections on SQLite, checks health and the audit chain. Exit code 0 = ok.
await using var salesforce = new SalesforceEmulator(new SalesforceEmulatorOptions { BaseAddress = new Uri("https://sf.emulator.local") });
await using var hubSpot = new HubSpotEmulator(new HubSpotEmulatorOptions { BaseAddress = new Uri("https://hs.emulator.local") });
var opportunity = salesforce.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "Acme", ["StageName"] = "Prospecting", ["CloseDate"] = "2027-03-01", ["Amount"] = 1200m });
hubSpot.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = "Globex", ["dealstage"] = "appointmentscheduled", ["pipeline"] = "default", ["amount"] = "900" });

var database = Path.Combine(Path.GetTempPath(), $"aria-consumer-{Guid.NewGuid():N}.db");
var builder = Host.CreateApplicationBuilder(args);
var tokens = salesforce.IssueTokens();
builder.Services.AddAriaCrmSync()
    .UseSqliteStores($"Data Source={database}")
    .UseInMemoryConnections(c =>
    {
        c.Add(new CrmConnection { UserId = "user-1", Provider = CrmProvider.Salesforce, AccessToken = tokens.AccessToken, RefreshToken = tokens.RefreshToken, InstanceUrl = tokens.InstanceUrl });
        c.Add(new CrmConnection { UserId = "user-1", Provider = CrmProvider.HubSpot, AccessToken = hubSpot.CreatePrivateAppToken(), CredentialKind = CrmCredentialKind.StaticToken });
    })
    .AddSalesforceEmulator(salesforce) // the gateways, routed to the in-process emulators
    .AddHubSpotEmulator(hubSpot);
builder.Services.AddHealthChecks().AddAriaCrmSyncChecks();
using var host = builder.Build();
await host.StartAsync();

var links = host.Services.GetRequiredService<ICrmLinkService>();
var sync = host.Services.GetRequiredService<ICrmSyncService>();
var registry = host.Services.GetRequiredService<ICrmConnectionRegistry>();
var imported = 0;
foreach (var provider in new[] { CrmProvider.Salesforce, CrmProvider.HubSpot })
{
    imported += (await links.ImportCrmRecordsAsync("user-1", provider)).Count;
    await registry.AddAsync("user-1", provider);
    var result = await sync.SyncConnectionAsync("user-1", provider);
    if (!result.Completed)
    {
        Console.Error.WriteLine($"{provider}: {result.Reason}");
        return 1;
    }
}

var lead = await host.Services.GetRequiredService<ILeadMemoryStore>().FindByCrmIdAsync("user-1", CrmProvider.Salesforce, opportunity);
var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
var audit = await host.Services.GetRequiredService<ICrmAuditService>().VerifyAsync("user-1");
await host.StopAsync();
Console.WriteLine($"consumer: {imported} deals imported, lead value {lead?.ExpectedValue}, health {health.Status}, audit chain valid {audit.IsValid} ({audit.EntriesVerified} entries)");
return imported == 2 && lead?.ExpectedValue == 1200m && health.Status == HealthStatus.Healthy && audit.IsValid ? 0 : 1;
