using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.IntegrationTests.Linking;

/// <summary><see cref="ICrmLinkService"/> over both emulators (in process) and real stores (in-memory and SQLite).</summary>
public sealed class CrmLinkServiceTests : IAsyncLifetime
{
    private const string User = "user-link";
    private readonly string _dir = Directory.CreateTempSubdirectory("aria-link-").FullName;
    private readonly SalesforceEmulator _salesforce = new(new SalesforceEmulatorOptions { BaseAddress = new Uri("https://sf.emulator.local") });
    private readonly HubSpotEmulator _hubSpot = new(new HubSpotEmulatorOptions { BaseAddress = new Uri("https://hs.emulator.local") });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _salesforce.DisposeAsync();
        await _hubSpot.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LinkLeadAsync_TwiceThenOtherLead_IdempotentThenTypedConflict(bool sqlite)
    {
        await using var services = Build(sqlite);
        var links = services.GetRequiredService<ICrmLinkService>();
        var opportunity = _salesforce.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "Acme — renewal", ["StageName"] = "Prospecting", ["CloseDate"] = "2027-03-01", ["Amount"] = 1200m });
        await InsertLeadAsync(services, "lead-a");
        await InsertLeadAsync(services, "lead-b");

        var first = await links.LinkLeadAsync(User, "lead-a", CrmProvider.Salesforce, opportunity);
        var again = await links.LinkLeadAsync(User, "lead-a", CrmProvider.Salesforce, opportunity);
        var conflict = await Assert.ThrowsAsync<CrmLinkConflictException>(() => links.LinkLeadAsync(User, "lead-b", CrmProvider.Salesforce, opportunity));

        Assert.Equal((CrmProvider.Salesforce, opportunity), (first.CrmProvider!.Value, first.CrmId));
        Assert.Equal(first.Version, again.Version); // nothing written the second time
        Assert.Equal("lead-a", conflict.LinkedLeadId);
        Assert.Equal(409, conflict.StatusCode);
        Assert.Equal(CrmLinkConflictException.ErrorCode, conflict.Code);
        Assert.Null((await services.GetRequiredService<ILeadMemoryStore>().GetAsync(User, "lead-b"))!.CrmId);
        var audit = await services.GetRequiredService<ICrmAuditService>().QueryAuditLogAsync(new AuditQuery { UserId = User });
        var link = Assert.Single(audit);
        Assert.Equal(CrmAuditOperation.Pull, link.Operation);
        Assert.Equal("link", link.Details.GetProperty("operation").GetString());
        Assert.Equal(opportunity, link.Details.GetProperty("crm_id").GetString());

        // The lead syncs with the record it is now linked to.
        var result = await services.GetRequiredService<ICrmSyncService>().TriggerManualSyncAsync(User, "lead-a");
        Assert.True(result.Success, result.Error);
        Assert.Equal(1200m, (await services.GetRequiredService<ILeadMemoryStore>().GetAsync(User, "lead-a"))!.ExpectedValue);
    }

    [Fact]
    public async Task LinkLeadAsync_LeadLinkedElsewhereOrRecordMissing_TypedErrorsAndNothingWritten()
    {
        await using var services = Build(sqlite: false);
        var links = services.GetRequiredService<ICrmLinkService>();
        var deal = _hubSpot.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = "Globex", ["dealstage"] = "appointmentscheduled", ["pipeline"] = "default" }).Id;
        var other = _hubSpot.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = "Initech", ["dealstage"] = "appointmentscheduled", ["pipeline"] = "default" }).Id;
        await InsertLeadAsync(services, "lead-a");
        await links.LinkLeadAsync(User, "lead-a", CrmProvider.HubSpot, deal);

        var elsewhere = await Assert.ThrowsAsync<CrmLinkConflictException>(() => links.LinkLeadAsync(User, "lead-a", CrmProvider.HubSpot, other));
        await InsertLeadAsync(services, "lead-b");
        var missing = await Assert.ThrowsAsync<CrmSyncNotFoundException>(() => links.LinkLeadAsync(User, "lead-b", CrmProvider.HubSpot, "999999999"));
        var noLead = await Assert.ThrowsAsync<CrmSyncNotFoundException>(() => links.LinkLeadAsync(User, "lead-zz", CrmProvider.HubSpot, other));

        Assert.Equal(deal, elsewhere.LinkedCrmId);
        Assert.Equal(404, missing.StatusCode);
        Assert.Equal(404, noLead.StatusCode);
        Assert.Null((await services.GetRequiredService<ILeadMemoryStore>().GetAsync(User, "lead-b"))!.CrmId);
        Assert.Single(await services.GetRequiredService<ICrmAuditService>().QueryAuditLogAsync(new AuditQuery { UserId = User }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnlinkLeadAsync_ThenLinkAnotherRecord_Audited(bool sqlite)
    {
        await using var services = Build(sqlite);
        var links = services.GetRequiredService<ICrmLinkService>();
        var first = _salesforce.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "One", ["StageName"] = "Prospecting", ["CloseDate"] = "2027-03-01" });
        var second = _salesforce.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = "Two", ["StageName"] = "Prospecting", ["CloseDate"] = "2027-04-01" });
        await InsertLeadAsync(services, "lead-a");
        await links.LinkLeadAsync(User, "lead-a", CrmProvider.Salesforce, first);
        await services.GetRequiredService<ICrmSyncService>().TriggerManualSyncAsync(User, "lead-a");

        var unlinked = await links.UnlinkLeadAsync(User, "lead-a");
        var twice = await links.UnlinkLeadAsync(User, "lead-a");
        var relinked = await links.LinkLeadAsync(User, "lead-a", CrmProvider.Salesforce, second);
        var result = await services.GetRequiredService<ICrmSyncService>().TriggerManualSyncAsync(User, "lead-a");

        Assert.Null(unlinked.CrmId);
        Assert.Equal(unlinked.Version, twice.Version);
        Assert.Equal(second, relinked.CrmId);
        Assert.True(result.Success, result.Error);
        Assert.Equal(new DateOnly(2027, 4, 1), (await services.GetRequiredService<ILeadMemoryStore>().GetAsync(User, "lead-a"))!.ExpectedCloseDate);
        var operations = (await services.GetRequiredService<ICrmAuditService>().QueryAuditLogAsync(new AuditQuery { UserId = User, Operation = CrmAuditOperation.Pull }))
            .Select(e => e.Details.TryGetProperty("operation", out var o) ? o.GetString() : null).Where(o => o is "link" or "unlink").Reverse().ToList();
        Assert.Equal(["link", "unlink", "link"], operations);
        Assert.True((await services.GetRequiredService<ICrmAuditService>().VerifyAsync(User)).IsValid);
    }

    [Theory]
    [InlineData("salesforce", false)]
    [InlineData("hubspot", true)]
    public async Task ImportCrmRecordsAsync_CreatesLeadsForUnlinkedDealsOnce(string providerWire, bool sqlite)
    {
        var provider = new CrmProvider(providerWire);
        await using var services = Build(sqlite);
        var links = services.GetRequiredService<ICrmLinkService>();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(provider == CrmProvider.Salesforce
                ? _salesforce.Org.Insert("Opportunity", new Dictionary<string, object?> { ["Name"] = $"Deal {i}", ["StageName"] = "Closed Won", ["CloseDate"] = "2027-01-15", ["Amount"] = 100m * (i + 1) })
                : _hubSpot.InsertObject("deals", new Dictionary<string, string?> { ["dealname"] = $"Deal {i}", ["dealstage"] = "closedwon", ["pipeline"] = "default", ["amount"] = $"{100 * (i + 1)}", ["closedate"] = "2027-01-15T00:00:00.000Z" }).Id);
        }

        await InsertLeadAsync(services, "lead-mine");
        await links.LinkLeadAsync(User, "lead-mine", provider, ids[0]);

        var imported = await links.ImportCrmRecordsAsync(User, provider);
        var again = await links.ImportCrmRecordsAsync(User, provider);

        Assert.Equal(ids.Skip(1).Order(), imported.Select(l => l.CrmId!).Order());
        Assert.Empty(again);
        var lead = await services.GetRequiredService<ILeadMemoryStore>().FindByCrmIdAsync(User, provider, ids[2]);
        Assert.NotNull(lead);
        Assert.Equal((provider == CrmProvider.Salesforce ? "lead-sf-" : "lead-hs-") + ids[2], lead.Id);
        Assert.Equal(("Deal 2", 300m, new DateOnly(2027, 1, 15), LeadStatuses.Won), (lead.CompanyName, lead.ExpectedValue!.Value, lead.ExpectedCloseDate!.Value, lead.Status));
        var imports = (await services.GetRequiredService<ICrmAuditService>().QueryAuditLogAsync(new AuditQuery { UserId = User }))
            .Where(e => e.Details.TryGetProperty("operation", out var o) && o.GetString() == "import").ToList();
        Assert.Equal(2, imports.Count);
    }

    [Theory]
    [InlineData("salesforce", true)]
    [InlineData("hubspot", false)]
    public async Task CreateCrmRecordAsync_UnlinkedLead_CreatesTheDealAndLinks(string providerWire, bool sqlite)
    {
        var provider = new CrmProvider(providerWire);
        await using var services = Build(sqlite);
        var links = services.GetRequiredService<ICrmLinkService>();
        await InsertLeadAsync(services, "lead-new", l => l with { CompanyName = "Umbrella", ExpectedValue = 4200.5m, ExpectedCloseDate = new DateOnly(2027, 6, 30), LifecycleStage = LifecycleStages.Opportunity });

        var linked = await links.CreateCrmRecordAsync(User, "lead-new", provider);
        var twice = await Assert.ThrowsAsync<CrmLinkConflictException>(() => links.CreateCrmRecordAsync(User, "lead-new", provider));

        Assert.Equal(provider, linked.CrmProvider);
        Assert.Equal(linked.CrmId, twice.LinkedCrmId);
        if (provider == CrmProvider.Salesforce)
        {
            var record = _salesforce.Org.Get("Opportunity", linked.CrmId!)!;
            Assert.Equal("Umbrella", record["Name"]);
            Assert.Equal(4200.5m, Convert.ToDecimal(record["Amount"], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("2027-06-30", record["CloseDate"] switch
            {
                DateOnly d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                DateTime t => t.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                var other => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture),
            });
        }
        else
        {
            var deal = _hubSpot.GetObject("deals", linked.CrmId!)!;
            Assert.Equal("Umbrella", deal["dealname"]);
            Assert.Equal(4200.5m, decimal.Parse(deal["amount"]!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.StartsWith("2027-06-30", deal["closedate"], StringComparison.Ordinal);
        }

        var create = Assert.Single(await services.GetRequiredService<ICrmAuditService>().QueryAuditLogAsync(new AuditQuery { UserId = User, Operation = CrmAuditOperation.Push }));
        Assert.Equal("create", create.Details.GetProperty("operation").GetString());
        var result = await services.GetRequiredService<ICrmSyncService>().TriggerManualSyncAsync(User, "lead-new");
        Assert.True(result.Success, result.Error);
    }

    [Fact]
    public async Task CreateCrmRecordAsync_SalesforceLeadWithoutCloseDate_ValidationErrorAndNothingCreated()
    {
        await using var services = Build(sqlite: false);
        await InsertLeadAsync(services, "lead-nodate");
        var before = _salesforce.Org.List("Opportunity").Count;

        var ex = await Assert.ThrowsAsync<CrmSyncValidationException>(() => services.GetRequiredService<ICrmLinkService>().CreateCrmRecordAsync(User, "lead-nodate", CrmProvider.Salesforce));

        Assert.Equal(CrmFields.CloseDate, ex.Field);
        Assert.Equal(before, _salesforce.Org.List("Opportunity").Count);
        Assert.Null((await services.GetRequiredService<ILeadMemoryStore>().GetAsync(User, "lead-nodate"))!.CrmId);
    }

    [Fact]
    public async Task PublicMethods_ValidateArguments()
    {
        await using var services = Build(sqlite: false);
        var links = services.GetRequiredService<ICrmLinkService>();
        Assert.Equal("userId", (await Assert.ThrowsAnyAsync<ArgumentException>(() => links.LinkLeadAsync(" ", "l", CrmProvider.HubSpot, "1"))).ParamName);
        Assert.Equal("crmId", (await Assert.ThrowsAnyAsync<ArgumentException>(() => links.LinkLeadAsync("u", "l", CrmProvider.HubSpot, ""))).ParamName);
        Assert.Equal("leadMemoryId", (await Assert.ThrowsAnyAsync<ArgumentException>(() => links.UnlinkLeadAsync("u", null!))).ParamName);
        Assert.Equal("options", (await Assert.ThrowsAnyAsync<ArgumentException>(() => links.ImportCrmRecordsAsync("u", CrmProvider.HubSpot, new CrmImportOptions { MaxRecords = 0 }))).ParamName);
    }

    private ServiceProvider Build(bool sqlite)
    {
        var sf = _salesforce.IssueTokens();
        var collection = new ServiceCollection();
        var aria = collection.AddAriaCrmSync(o => o.RetryJitter = 0);
        if (sqlite)
        {
            aria.UseSqliteStores($"Data Source={Path.Combine(_dir, $"{Guid.NewGuid():N}.db")}");
        }
        else
        {
            aria.UseInMemoryStores();
        }

        aria.UseInMemoryConnections(c =>
            {
                c.Add(new CrmConnection { UserId = User, Provider = CrmProvider.Salesforce, AccessToken = sf.AccessToken, RefreshToken = sf.RefreshToken, InstanceUrl = sf.InstanceUrl });
                c.Add(new CrmConnection { UserId = User, Provider = CrmProvider.HubSpot, AccessToken = _hubSpot.CreatePrivateAppToken(), CredentialKind = CrmCredentialKind.StaticToken });
            })
            .AddSalesforce(o =>
            {
                o.ClientId = _salesforce.Options.ClientId;
                o.ClientSecret = _salesforce.Options.ClientSecret;
                o.LoginUrl = _salesforce.BaseAddress;
            })
            .AddHubSpot(o => o.BaseAddress = _hubSpot.BaseAddress);
        collection.AddHttpClient(SalesforceOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => _salesforce.CreateHandler());
        collection.AddHttpClient(HubSpotOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => _hubSpot.CreateHandler());
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    private static async Task InsertLeadAsync(IServiceProvider services, string id, Func<LeadMemory, LeadMemory>? shape = null)
    {
        var now = DateTimeOffset.UtcNow;
        var lead = new LeadMemory { Id = id, UserId = User, CompanyName = "Company " + id, CreatedAt = now, UpdatedAt = now };
        await services.GetRequiredService<ILeadMemoryStore>().InsertAsync(shape is null ? lead : shape(lead));
    }
}
