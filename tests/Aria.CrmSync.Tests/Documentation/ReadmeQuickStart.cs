// <readme-usings>
using Aria.CrmSync;
using Aria.CrmSync.Testing; // the in-process emulators: no account, no network
using Microsoft.Extensions.DependencyInjection;
// </readme-usings>

namespace ReadmeSamples; // outside Aria.CrmSync, so the README's usings are all needed

/// <summary>
/// The README's Quick start, compiled as it is written: the marked usings and body, joined, are the README's ```csharp
/// block (Aria.CrmSync.Tests.Documentation.ReadmeQuickStartTests checks that they are textually identical). The body's
/// <c>Console.WriteLine</c> lines go to the <c>Console</c> writer, so the test reads them without touching
/// the process-wide console.
/// </summary>
internal static class ReadmeQuickStart
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1707", Justification = "Named like the console the README writes to.")]
    public static async Task RunAsync(TextWriter Console)
    {
        // <readme-body>
        // A local Salesforce org with one Opportunity (with a real org: your connected app and the user's tokens).
        await using var salesforce = new SalesforceEmulator();
        string opportunityId = salesforce.Org.Insert("Opportunity", new Dictionary<string, object?>
        {
            ["Name"] = "Acme",
            ["StageName"] = "Prospecting",
            ["CloseDate"] = "2027-03-01",
            ["Amount"] = 1200m,
        });
        SalesforceTokens tokens = salesforce.IssueTokens();

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAriaCrmSync(options =>
            {
                options.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.Manual; // ask a person for amounts
                options.MaxRetries = 5;                                                    // the default
            })
            .UseInMemoryStores()                      // or UseSqliteStores(...) / UsePostgreSqlStores(...)
            .UseInMemoryConnections(connections => connections.Add(new CrmConnection // or UseConnectionResolver<T>()
            {
                UserId = "user-123",
                Provider = CrmProvider.Salesforce,
                AccessToken = tokens.AccessToken,
                RefreshToken = tokens.RefreshToken,
                InstanceUrl = tokens.InstanceUrl,
            }))
            .AddSalesforce(o =>
            {
                o.ClientId = salesforce.Options.ClientId;
                o.ClientSecret = salesforce.Options.ClientSecret;
                o.LoginUrl = salesforce.BaseAddress;
            });
        services.AddHttpClient(SalesforceOptions.HttpClientName) // the emulator instead of the network
            .ConfigurePrimaryHttpMessageHandler(salesforce.CreateHandler);

        await using var provider = services.BuildServiceProvider();
        var sync = provider.GetRequiredService<ICrmSyncService>();
        var audit = provider.GetRequiredService<ICrmAuditService>();
        var links = provider.GetRequiredService<ICrmLinkService>();

        // The app's lead, linked to the Opportunity (idempotent; see "Linking leads to CRM records").
        var now = DateTimeOffset.UtcNow;
        await provider.GetRequiredService<ILeadMemoryStore>().InsertAsync(new LeadMemory
        {
            Id = "lead-456",
            UserId = "user-123",
            CompanyName = "Acme",
            ExpectedValue = 1000m,
            CreatedAt = now,
            UpdatedAt = now,
        });
        await links.LinkLeadAsync("user-123", "lead-456", CrmProvider.Salesforce, opportunityId);

        // Two-way sync of one lead; per-lead failures come back as values, not exceptions.
        SyncResult result = await sync.TriggerManualSyncAsync("user-123", "lead-456");
        Console.WriteLine($"sync: {result.Status}, conflicts: {string.Join(", ", result.Conflicts.Select(c => c.Field))}");

        // Both sides have an amount and its rule is manual: a person settles it (ARIA's 1000 is written to the CRM).
        result = await sync.ResolveConflictAsync("user-123", "lead-456", LeadFields.ExpectedValue, ConflictResolution.AriaWins);
        Console.WriteLine($"resolved: {result.Status}, CRM amount {salesforce.Org.Get("Opportunity", opportunityId)!["Amount"]}");

        // Push a meeting summary as an [ARIA] note (idempotent: a retry never writes it twice).
        await sync.PushSummaryAsync("user-123", "lead-456", "Budget confirmed; legal review next week.");

        // Retries that are due (call it from a timer or a hosted service):
        await sync.ProcessDueRetriesAsync();

        // Compliance: query, verify and export the audit trail.
        var errors = await audit.QueryAuditLogAsync(new AuditQuery { UserId = "user-123", Operation = CrmAuditOperation.Error });
        var verification = await audit.VerifyAsync("user-123");
        Console.WriteLine($"audit: {errors.Count} errors, chain valid {verification.IsValid}");
        await using var file = File.Create(Path.Combine(Path.GetTempPath(), $"audit-{Guid.NewGuid():N}.csv"));
        await audit.ExportAuditLogAsync(new AuditExportRequest { UserId = "user-123", Format = AuditExportFormat.Csv }, file);
        Console.WriteLine($"audit exported to {file.Name}");
        // </readme-body>
    }
}
