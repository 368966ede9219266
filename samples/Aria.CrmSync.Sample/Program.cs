using System.Diagnostics;
using Aria.CrmSync;
using Aria.CrmSync.Sample;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// dotnet run --project samples/Aria.CrmSync.Sample             two-way sync against local CRM emulators, on SQLite
// dotnet run --project samples/Aria.CrmSync.Sample -- composio the same sync, with both connections brokered by a local Composio emulator
// dotnet run --project samples/Aria.CrmSync.Sample -- serve    the emulators alone, seeded, until Ctrl+C
var command = args.FirstOrDefault(a => !a.StartsWith('-') && !a.Contains('=', StringComparison.Ordinal)) ?? "run";
var options = args.Where(a => a != command).ToArray();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// A container stop (SIGTERM) or a plain kill -INT ends the run the way Ctrl+C does: cleanly, data saved.
using var onSigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
using var onSigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);

try
{
    return command switch
    {
        "run" => await SampleRun.RunAsync(options, cancel.Token),
        "composio" => await SampleRun.RunAsync(options, cancel.Token, throughComposio: true),
        "serve" => await SampleServe.ServeAsync(options, cancel.Token),
        "help" or "--help" or "-h" => Help(),
        _ => Help(),
    };
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.WriteLine("Cancelled.");
    return 130;
}

void Stop(System.Runtime.InteropServices.PosixSignalContext context)
{
    context.Cancel = true;
    cancel.Cancel();
}

static int Help()
{
    Console.WriteLine("""
        Aria.CrmSync sample
          dotnet run --project samples/Aria.CrmSync.Sample            seed (first run) or continue the local Salesforce org and HubSpot portal,
                                                                      edit both sides, sync both ways, report, verify and export the audit trail
          dotnet run --project samples/Aria.CrmSync.Sample -- composio the same run with both connections brokered by a local Composio emulator
                                                                      (POST /api/v3/tools/execute/proxy; the host holds connected account ids, never CRM tokens)
          dotnet run --project samples/Aria.CrmSync.Sample -- serve   start the emulators alone and print their URLs and tokens (Ctrl+C or SIGTERM stops)
        Settings (appsettings.json, environment variables such as Sample__DataDirectory, or --Sample:Seed=7):
          Sample:DataDirectory, Sample:Seed, Sample:SalesforceOpportunities, Sample:HubSpotDeals, Sample:SalesforcePort, Sample:HubSpotPort
          Salesforce:InstanceUrl + Salesforce:AccessToken/RefreshToken (+ ClientId, ClientSecret, LoginUrl) to sync a real org
          HubSpot:AccessToken (private app) or HubSpot:RefreshToken + ClientId + ClientSecret to sync a real portal
        """);
    return 0;
}

/// <summary>The main job: a two-way sync of both CRMs.</summary>
internal static class SampleRun
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken, bool throughComposio = false)
    {
        var configuration = Configuration(args);
        var settings = SampleSettings.Load(configuration);
        if (throughComposio && (settings.Salesforce.IsConfigured || settings.HubSpot.IsConfigured))
        {
            Console.Error.WriteLine("The composio mode runs against the local emulators only: remove the Salesforce/HubSpot credentials from the settings.");
            return 1;
        }

        Directory.CreateDirectory(settings.DataDirectory);
        var started = Stopwatch.StartNew();
        var run = NextRunNumber(settings);
        var realSalesforce = settings.Salesforce.IsConfigured;
        var realHubSpot = settings.HubSpot.IsConfigured;

        Console.WriteLine($"Aria.CrmSync sample — run {run}, data in {Path.GetFullPath(settings.DataDirectory)}");
        await using var crms = await CrmEmulators.StartAsync(settings, cancellationToken);
        Console.WriteLine(crms.Fresh
            ? $"Seeded a new Salesforce org ({settings.SalesforceOpportunities} opportunities) and HubSpot portal ({settings.HubSpotDeals} deals) with notes, tasks, events, calls and meetings."
            : "Loaded the Salesforce org and HubSpot portal the last run left.");
        Console.WriteLine($"  Salesforce {(realSalesforce ? settings.Salesforce.InstanceUrl + " (real org)" : crms.SalesforceUrl + " (emulator)")}");
        Console.WriteLine($"  HubSpot    {(realHubSpot ? "api.hubapi.com (real portal)" : crms.HubSpotUrl + " (emulator)")}");
        await using var composio = throughComposio ? await ComposioBroker.StartAsync(crms, settings.UserId, cancellationToken) : null;
        if (composio is not null)
        {
            Console.WriteLine($"  Composio   {composio.ApiBase} (emulator): connected accounts {composio.SalesforceAccount.ConnectedAccountId} (Salesforce), {composio.HubSpotAccount.ConnectedAccountId} (HubSpot)");
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, Configuration = configuration });
        var aria = builder.Services.AddAriaCrmSync(o => o.FieldRules[LeadFields.ExpectedCloseDate] = ConflictResolution.Manual)
            // The four default fields plus the org's custom fields (region, seats), mapped in appsettings.json.
            .AddFieldCatalog(configuration.GetSection("CrmSync:FieldCatalog"))
            .UseSqliteStores($"Data Source={settings.DatabasePath}")
            // Chain heads are anchored to an append-only file next to the database (a real host keeps it out of the
            // database writers' reach): entries cut off or rewritten in the database are reported by the next run.
            .UseFileAuditAnchorSink(settings.AnchorPath);
        if (composio is not null)
        {
            // The host knows only each user's connected account id (ARIA: user_integrations.composio_connection_id).
            aria.AddComposio(o =>
                {
                    o.ApiKey = composio.ApiKey;
                    o.BaseAddress = composio.ApiBase;
                    o.ConnectedAccounts.Add(composio.SalesforceAccount);
                    o.ConnectedAccounts.Add(composio.HubSpotAccount);
                })
                .UseComposioConnections();
        }
        else
        {
            var connections = Connections(settings, crms);
            aria.UseInMemoryConnections(c =>
            {
                foreach (var connection in connections)
                {
                    c.Add(connection);
                }
            });
        }

        aria.AddSalesforce(o =>
            {
                o.InstanceUrl = realSalesforce ? new Uri(settings.Salesforce.InstanceUrl!) : crms.SalesforceUrl;
                o.LoginUrl = realSalesforce ? new Uri(settings.Salesforce.LoginUrl ?? "https://login.salesforce.com") : crms.SalesforceUrl;
                o.ClientId = realSalesforce ? settings.Salesforce.ClientId ?? string.Empty : crms.Salesforce.Options.ClientId;
                o.ClientSecret = realSalesforce ? settings.Salesforce.ClientSecret : crms.Salesforce.Options.ClientSecret;
            })
            .AddHubSpot(o =>
            {
                if (!realHubSpot)
                {
                    o.BaseAddress = crms.HubSpotUrl;
                    o.ClientId = crms.HubSpot.Options.ClientId;
                    o.ClientSecret = crms.HubSpot.Options.ClientSecret;
                }
                else
                {
                    o.ClientId = settings.HubSpot.ClientId;
                    o.ClientSecret = settings.HubSpot.ClientSecret;
                }
            });

        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        var services = host.Services;
        var sync = services.GetRequiredService<ICrmSyncService>();
        var audit = services.GetRequiredService<ICrmAuditService>();
        var leads = services.GetRequiredService<ILeadMemoryStore>();
        var states = services.GetRequiredService<ISyncStateStore>();
        var time = services.GetRequiredService<TimeProvider>();

        // 1. Link CRM deals to lead memories (first run, or deals created since).
        var linked = await LeadLinker.LinkEmulatedAsync(leads, settings.UserId, crms, time, cancellationToken);
        if (linked > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"Linked {linked} CRM deals to new lead memories; first sync:");
            foreach (var provider in new[] { CrmProvider.Salesforce, CrmProvider.HubSpot })
            {
                await sync.SyncConnectionAsync(settings.UserId, provider, progress: new ConsoleProgress(Report.Name(provider)), cancellationToken: cancellationToken);
            }
        }

        // 2. Between two syncs, both sides change (only on the emulators: the sample never edits a real CRM).
        var before = ApiCalls(crms);
        var proxiedBefore = composio is null ? 0 : composio.Emulator.Calls.Count(Aria.CrmSync.Testing.ComposioEmulator.ProxyEndpoint);
        var notesPushed = new Dictionary<CrmProvider, int>();
        var customFieldEdits = new List<CustomFieldEdit>();
        if (!realSalesforce && !realHubSpot)
        {
            var scenario = new Scenario(crms, leads, sync, settings.UserId, settings.Seed, run);
            await scenario.PlayAsync(cancellationToken);
            notesPushed = scenario.SummariesByProvider;
            customFieldEdits = scenario.CustomFieldEdits;
            Console.WriteLine();
            Console.WriteLine($"Edits since the last sync: {scenario.CrmEdits} in the CRMs, {scenario.LeadEdits} in ARIA, {scenario.BothSides} on both sides (close date, rule: manual), {scenario.Summaries} ARIA summaries pushed as [ARIA] notes, {scenario.Activities} new CRM activities; custom fields: {customFieldEdits.Count(e => !e.ToCrm)} region edits in the CRMs, {customFieldEdits.Count(e => e.ToCrm)} seats edits in ARIA.");
        }

        // 3. The two-way sync of both connections.
        Console.WriteLine();
        Console.WriteLine("Two-way sync:");
        var results = new Dictionary<CrmProvider, ConnectionSyncResult>();
        foreach (var provider in new[] { CrmProvider.Salesforce, CrmProvider.HubSpot })
        {
            results[provider] = await sync.SyncConnectionAsync(settings.UserId, provider, progress: new ConsoleProgress(Report.Name(provider)), cancellationToken: cancellationToken);
        }

        // 4. A person settles the conflicts: those left from earlier runs go to the CRM's value, three new ones keep ARIA's.
        var runStarted = DateTimeOffset.UtcNow - started.Elapsed;
        int resolvedOld = 0, resolvedNew = 0;
        var conflicted = await states.QueryAsync(new SyncStateQuery { UserId = settings.UserId, Statuses = [SyncStatus.Conflict] }, cancellationToken).ToListAsync(cancellationToken);
        foreach (var state in conflicted)
        {
            foreach (var conflict in state.OpenConflicts.ToList())
            {
                var fromEarlierRun = conflict.DetectedAt < runStarted;
                if (!fromEarlierRun && resolvedNew >= 3)
                {
                    continue;
                }

                var outcome = await sync.ResolveConflictAsync(settings.UserId, state.LeadMemoryId, conflict.Field, fromEarlierRun ? ConflictResolution.CrmWins : ConflictResolution.AriaWins, cancellationToken);
                if (outcome.Success && fromEarlierRun)
                {
                    resolvedOld++;
                }
                else if (outcome.Success)
                {
                    resolvedNew++;
                }
            }
        }

        if (resolvedOld + resolvedNew > 0)
        {
            Console.WriteLine($"A person resolved {resolvedNew} new conflict(s) keeping ARIA's value and {resolvedOld} from earlier runs keeping the CRM's; the others wait in status 'conflict'.");
        }

        var after = ApiCalls(crms);
        await CustomFields.PrintCheckAsync(customFieldEdits, crms, leads, states, settings.UserId, cancellationToken);
        await Report.PrintStatusAsync(states, settings.UserId, results, notesPushed, new Dictionary<CrmProvider, long?>
        {
            [CrmProvider.Salesforce] = realSalesforce ? null : after.Salesforce - before.Salesforce,
            [CrmProvider.HubSpot] = realHubSpot ? null : after.HubSpot - before.HubSpot,
        }, cancellationToken);
        if (composio is not null)
        {
            var proxied = composio.Emulator.Calls.Count(Aria.CrmSync.Testing.ComposioEmulator.ProxyEndpoint) - proxiedBefore;
            Console.WriteLine($"  Every CRM call went through Composio: {proxied:N0} proxy calls for the {after.Salesforce - before.Salesforce + after.HubSpot - before.HubSpot:N0} API calls above; {composio.Refreshes} CRM token refresh(es) done by Composio; the sample holds no CRM token.");
        }

        await Report.PrintAuditAsync(audit, settings.UserId, cancellationToken);
        await Report.ExportAsync(audit, settings.UserId, settings.DataDirectory, cancellationToken);

        crms.Save();
        await host.StopAsync(CancellationToken.None);
        Console.WriteLine();
        Console.WriteLine($"Done in {started.Elapsed.TotalSeconds:N1} s. Run again to continue from this state (delete {settings.DataDirectory} to start over).");
        return results.Values.All(r => r.Completed) ? 0 : 2;
    }

    internal static ConfigurationManager Configuration(string[] args)
    {
        var configuration = new ConfigurationManager();
        configuration.SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args);
        return configuration;
    }

    private static List<CrmConnection> Connections(SampleSettings settings, CrmEmulators crms)
    {
        CrmConnection salesforce;
        if (settings.Salesforce.IsConfigured)
        {
            salesforce = new CrmConnection
            {
                UserId = settings.UserId,
                Provider = CrmProvider.Salesforce,
                InstanceUrl = new Uri(settings.Salesforce.InstanceUrl!),
                AccessToken = string.IsNullOrWhiteSpace(settings.Salesforce.AccessToken) ? "expired" : settings.Salesforce.AccessToken,
                RefreshToken = settings.Salesforce.RefreshToken,
            };
        }
        else
        {
            var tokens = crms.Salesforce.IssueTokens();
            salesforce = new CrmConnection
            {
                UserId = settings.UserId,
                Provider = CrmProvider.Salesforce,
                InstanceUrl = crms.SalesforceUrl,
                AccessToken = tokens.AccessToken,
                RefreshToken = tokens.RefreshToken,
            };
        }

        var hubSpot = settings.HubSpot.IsConfigured
            ? new CrmConnection
            {
                UserId = settings.UserId,
                Provider = CrmProvider.HubSpot,
                AccessToken = string.IsNullOrWhiteSpace(settings.HubSpot.AccessToken) ? "expired" : settings.HubSpot.AccessToken,
                RefreshToken = settings.HubSpot.RefreshToken,
                CredentialKind = string.IsNullOrWhiteSpace(settings.HubSpot.RefreshToken) ? CrmCredentialKind.StaticToken : CrmCredentialKind.OAuth,
            }
            : new CrmConnection
            {
                UserId = settings.UserId,
                Provider = CrmProvider.HubSpot,
                AccessToken = crms.HubSpot.CreatePrivateAppToken(),
                CredentialKind = CrmCredentialKind.StaticToken,
            };
        return [salesforce, hubSpot];
    }

    private static (long Salesforce, long HubSpot) ApiCalls(CrmEmulators crms) => (crms.Salesforce.Calls.ApiCalls, crms.HubSpot.Calls.ApiCalls);

    private static int NextRunNumber(SampleSettings settings)
    {
        var path = Path.Combine(settings.DataDirectory, "runs.txt");
        var run = File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out var last) ? last + 1 : 1;
        File.WriteAllText(path, run.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return run;
    }
}

/// <summary>The emulators alone, for curl or any Salesforce/HubSpot client.</summary>
internal static class SampleServe
{
    public static async Task<int> ServeAsync(string[] args, CancellationToken cancellationToken)
    {
        var settings = SampleSettings.Load(SampleRun.Configuration(args));
        await using var crms = await CrmEmulators.StartAsync(settings, cancellationToken);
        var sf = crms.Salesforce.IssueTokens();
        // Exactly what the token endpoint returns (no trailing '/'): clients such as jsforce append '/services/...'.
        var instanceUrl = sf.InstanceUrl.ToString().TrimEnd('/');
        var hsToken = crms.HubSpot.CreatePrivateAppToken();
        var hsOAuth = crms.HubSpot.IssueOAuthTokens();
        Console.WriteLine($"""
            Salesforce org (REST API {crms.Salesforce.Options.ApiVersions[^1]}) at {crms.SalesforceUrl}
              instance_url   {instanceUrl}
              access token   {sf.AccessToken}
              refresh token  {sf.RefreshToken}
              client id      {crms.Salesforce.Options.ClientId}
              client secret  {crms.Salesforce.Options.ClientSecret}
              try: curl -H "Authorization: Bearer {sf.AccessToken}" "{instanceUrl}/services/data/v66.0/query?q=SELECT+Id,Name,StageName,Amount,Region__c,Seats__c+FROM+Opportunity+LIMIT+5"
                   curl -H "Authorization: Bearer {sf.AccessToken}" "{instanceUrl}/services/data/v66.0/sobjects/Opportunity/describe"   (custom fields Region__c, Seats__c)

            HubSpot portal {crms.HubSpot.Options.PortalId} at {crms.HubSpotUrl}
              private app token    {hsToken}
              OAuth access token   {hsOAuth.AccessToken}
              OAuth refresh token  {hsOAuth.RefreshToken}
              client id            {crms.HubSpot.Options.ClientId}
              client secret        {crms.HubSpot.Options.ClientSecret}
              try: curl -H "Authorization: Bearer {hsToken}" "{crms.HubSpotUrl}crm/v3/objects/deals?limit=5&properties=dealname,amount,dealstage,aria_region,seats"
                   curl -H "Authorization: Bearer {hsToken}" "{crms.HubSpotUrl}crm/v3/properties/deals/aria_region"   (custom properties aria_region, seats)

            Serving until Ctrl+C or SIGTERM; the data is saved in {Path.GetFullPath(settings.DataDirectory)} when you stop.
            """);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        crms.Save();
        Console.WriteLine("Stopped; data saved.");
        return 0;
    }
}
