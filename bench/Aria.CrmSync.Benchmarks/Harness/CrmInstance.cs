using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.Benchmarks.Harness;

/// <summary>One emulated CRM with the library wired to it (SQLite stores in a temp file), seeded with the workload's deals.</summary>
internal sealed class CrmInstance : IAsyncDisposable
{
    public const string UserId = "bench-user";

    /// <summary>A loopback address for in-process emulators (no socket is opened; the gateways accept http on loopback).</summary>
    private static readonly Uri InProcessAddress = new("http://127.0.0.1:9/");

    private readonly string _databasePath;

    private CrmInstance(CrmProvider provider, CrmEmulator emulator, ServiceProvider services, string databasePath, ShiftedClock clock, CrmConnection connection, Uri baseAddress)
    {
        Connection = connection;
        BaseAddress = baseAddress;
        Clock = clock;
        Provider = provider;
        Emulator = emulator;
        Services = services;
        _databasePath = databasePath;
    }

    public CrmProvider Provider { get; }

    /// <summary>Gets the connection the library syncs (its tokens are the emulator's).</summary>
    public CrmConnection Connection { get; }

    /// <summary>Gets the emulator's address (its loopback server when started with one).</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets the SQLite file of the library's stores.</summary>
    public string DatabasePath => _databasePath;

    /// <summary>Gets the clock of the emulator and the library.</summary>
    public ShiftedClock Clock { get; }

    public CrmEmulator Emulator { get; }

    public ServiceProvider Services { get; }

    public ICrmSyncService Sync => Services.GetRequiredService<ICrmSyncService>();

    public ILeadMemoryStore Leads => Services.GetRequiredService<ILeadMemoryStore>();

    public List<string> CrmIds { get; } = [];

    /// <summary>Gets the custom fields synced beyond the four default ones (<c>--custom-fields</c>; none by default).</summary>
    public BenchFields Fields { get; private init; } = BenchFields.Create(0);

    /// <summary>Creates the CRM: <paramref name="requestsPer10s"/> limits HubSpot (null: unlimited, for the baseline).</summary>
    public static async Task<CrmInstance> CreateAsync(CrmProvider provider, int leads, int? requestsPer10s, bool loopback, TimeSpan latency, bool record, int customFields = 0)
    {
        var clock = new ShiftedClock();
        var fields = BenchFields.Create(customFields);
        CrmEmulator emulator;
        if (provider == CrmProvider.Salesforce)
        {
            var options = new SalesforceEmulatorOptions { TimeProvider = clock, Seed = 11, DailyApiRequestLimit = 50_000_000, RecordExchanges = record, ConcurrentRequestLimit = 25, BaseAddress = InProcessAddress };
            fields.Describe(options);
            emulator = new SalesforceEmulator(options);
        }
        else
        {
            var options = new HubSpotEmulatorOptions { TimeProvider = clock, Seed = 11, RequestsPerInterval = requestsPer10s ?? 1_000_000, DailyLimit = 50_000_000, SearchRequestsPerSecond = requestsPer10s is null ? 1_000_000 : 5, RecordExchanges = record, BaseAddress = InProcessAddress };
            fields.Describe(options);
            emulator = new HubSpotEmulator(options);
        }

        if (latency > TimeSpan.Zero)
        {
            emulator.Faults.Add(new FaultRule { Kind = FaultKind.Latency, Latency = latency });
        }

        var baseAddress = loopback ? (await emulator.StartServerAsync()).BaseAddress : emulator.BaseAddress;
        var connection = provider == CrmProvider.Salesforce
            ? Salesforce(emulator, baseAddress)
            : new CrmConnection { UserId = UserId, Provider = CrmProvider.HubSpot, CredentialKind = CrmCredentialKind.StaticToken, AccessToken = ((HubSpotEmulator)emulator).CreatePrivateAppToken() };

        var databasePath = Path.Combine(Path.GetTempPath(), $"aria-bench-{Guid.NewGuid():N}.db");
        var salesforce = emulator as SalesforceEmulator;
        var provider2 = BuildServices(connection, baseAddress, databasePath, clock, requestsPer10s, salesforce?.Options.ClientId, salesforce?.Options.ClientSecret, loopback ? null : emulator.CreateHandler, fields);
        var instance = new CrmInstance(provider, emulator, provider2, databasePath, clock, connection, baseAddress) { Fields = fields };
        await instance.SeedAsync(leads);
        return instance;
    }

    /// <summary>
    /// The library wired to a CRM as the harness runs it: SQLite stores on <paramref name="databasePath"/>, the
    /// connection in memory, the provider's limits (<paramref name="requestsPer10s"/> null: unlimited); also used by
    /// the engine child process (<see cref="EngineProcess"/>) to run the measured sync on the same file.
    /// </summary>
    public static ServiceProvider BuildServices(CrmConnection connection, Uri baseAddress, string databasePath, TimeProvider clock, int? requestsPer10s, string? salesforceClientId, string? salesforceClientSecret, Func<HttpMessageHandler>? handler, BenchFields? fields = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(clock);
        var builder = services.AddAriaCrmSync()
            .UseSqliteStores($"Data Source={databasePath}")
            .UseInMemoryConnections(c => c.Add(connection));
        if (fields is { Count: > 0 })
        {
            // The default four fields and the harness's custom fields, validated against the emulator's metadata.
            builder.AddFieldCatalog(o =>
            {
                foreach (var definition in fields.Definitions)
                {
                    o.Definitions.Add(definition);
                }
            });
        }

        if (connection.Provider == CrmProvider.Salesforce)
        {
            builder.AddSalesforce(o =>
            {
                o.InstanceUrl = baseAddress;
                o.LoginUrl = baseAddress;
                o.ClientId = salesforceClientId ?? string.Empty;
                o.ClientSecret = salesforceClientSecret;
            });
            if (handler is not null)
            {
                services.AddHttpClient(SalesforceOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(handler);
            }
        }
        else
        {
            builder.AddHubSpot(o =>
            {
                o.BaseAddress = baseAddress;
                o.RateLimits.RequestsPerWindow = requestsPer10s ?? 1_000_000;
                o.SearchRequestsPerSecond = requestsPer10s is null ? 1_000_000 : 5;
            });
            if (handler is not null)
            {
                services.AddHttpClient(HubSpotOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(handler);
            }
        }

        return services.BuildServiceProvider();
    }

    /// <summary>The first sync (not measured): every lead takes its deal's values, and the checkpoints are set.</summary>
    public async Task InitialSyncAsync()
    {
        var result = await Sync.SyncConnectionAsync(UserId, Provider);
        if (!result.Completed || result.Failures.Count > 0)
        {
            throw new InvalidOperationException($"The initial sync failed: {result.Reason} {result.Failures.FirstOrDefault()?.Error}");
        }

        // Steady state: an hour later a scheduled sync finds nothing new and its checkpoint settles at now - overlap;
        // the measured sync then reads only what changed since (as every later scheduled run does).
        Clock.Advance(TimeSpan.FromHours(1));
        var quiet = await Sync.SyncConnectionAsync(UserId, Provider);
        if (!quiet.Completed || quiet.LeadsUpdated + quiet.CrmRecordsUpdated > 0)
        {
            throw new InvalidOperationException($"The steady-state sync was not quiet: {quiet.Reason}");
        }

        Clock.Advance(TimeSpan.FromMinutes(10));
    }

    /// <summary>Applies the workload: CRM-side edits as a CRM user would, ARIA-side edits in the lead store, queued notes.</summary>
    public async Task ApplyAsync(Workload workload)
    {
        using (Emulator.Faults.Suspend())
        {
            // CRM users edit their deals over the ten minutes before the sync, not all in one millisecond (a bulk
            // edit at one instant is the equal-timestamp case, measured separately in docs/benchmarks.md).
            var edits = workload.CrmOnly.Concat(workload.Both).ToList();
            var spacing = TimeSpan.FromMinutes(10) / Math.Max(1, edits.Count);
            foreach (var i in edits)
            {
                SetCrmAmount(i, Workload.CrmAmount(i));
                SetCrmCustomField(i, version: 1);
                Clock.Advance(spacing);
            }
        }

        foreach (var i in workload.AriaOnly)
        {
            await EditLeadAsync(i, l => l with { ExpectedCloseDate = Workload.AriaCloseDate(i), CustomFields = WithCustomEdit(l, i) });
        }

        foreach (var i in workload.Both)
        {
            await EditLeadAsync(i, l => l with { ExpectedValue = Workload.AriaAmount(i) });
        }

        foreach (var i in workload.Notes)
        {
            await Sync.QueueSummaryAsync(UserId, LeadId(i), $"Meeting recap {i}: budget confirmed, legal review next.");
        }
    }

    public static string LeadId(int i) => $"lead-{i:D6}";

    public (long ApiCalls, long Total) Calls => (Emulator.Calls.ApiCalls, Emulator.Calls.Total);

    /// <summary>Requests the CRM refused for limits (429, 403 REQUEST_LIMIT_EXCEEDED) among the recorded exchanges.</summary>
    public int Refused => Emulator.Exchanges.Count(e => e.Response.StatusCode == 429 || (e.Response.StatusCode == 403 && e.Response.BodyText.Contains("REQUEST_LIMIT_EXCEEDED", StringComparison.Ordinal)));

    /// <summary>The end state to compare with another instance: lead fields and CRM fields by index, notes per deal.</summary>
    public async Task<List<string>> SnapshotAsync(int leads)
    {
        var rows = new List<string>(leads);
        var salesforceNotes = EmulatedDeals.SalesforceNoteCounts(Emulator);
        for (var i = 0; i < leads; i++)
        {
            var lead = await Leads.GetAsync(UserId, LeadId(i)) ?? throw new InvalidOperationException("lead missing");
            var (amount, close, notes) = CrmValues(i, salesforceNotes);
            var events = 0;
            await foreach (var unused in Leads.GetEventsAsync(UserId, lead.Id))
            {
                events++;
            }

            var custom = Fields.Count == 0 ? string.Empty : "|" + Fields.Snapshot(lead, (Emulator as SalesforceEmulator)?.Org.Get("Opportunity", CrmIds[i]), (Emulator as HubSpotEmulator)?.GetObject("deals", CrmIds[i])?.Properties);
            rows.Add(FormattableString.Invariant($"{i}|{lead.LifecycleStage}|{lead.Status}|{lead.ExpectedValue}|{lead.ExpectedCloseDate}|{amount}|{close}|{notes}|{events}{custom}"));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Emulator.DisposeAsync();
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            try
            {
                File.Delete(_databasePath + suffix);
            }
            catch (IOException)
            {
            }
        }
    }

    private static CrmConnection Salesforce(CrmEmulator emulator, Uri baseAddress)
    {
        var tokens = ((SalesforceEmulator)emulator).IssueTokens();
        return new CrmConnection { UserId = UserId, Provider = CrmProvider.Salesforce, InstanceUrl = baseAddress, AccessToken = tokens.AccessToken, RefreshToken = tokens.RefreshToken };
    }

    private async Task SeedAsync(int leads)
    {
        var now = Clock.GetUtcNow();
        using var quiet = Emulator.Faults.Suspend();
        for (var i = 0; i < leads; i++)
        {
            var crmId = EmulatedDeals.Insert(Emulator, i);
            if (Fields.Count > 0 && Emulator is SalesforceEmulator seededOrg)
            {
                seededOrg.Org.Update("Opportunity", crmId, Fields.SalesforceValues(i, version: 0));
            }
            else if (Fields.Count > 0)
            {
                ((HubSpotEmulator)Emulator).UpdateObject("deals", crmId, Fields.HubSpotValues(i, version: 0));
            }

            if (i % 50 == 0)
            {
                EmulatedDeals.AddCall(Emulator, crmId, i);
            }

            CrmIds.Add(crmId);
            await Leads.InsertAsync(new LeadMemory
            {
                Id = LeadId(i),
                UserId = UserId,
                CompanyName = "Company " + i,
                CrmProvider = Provider,
                CrmId = crmId,
                CreatedAt = now,
                UpdatedAt = now,
            });
        }
    }

    private void SetCrmAmount(int i, decimal amount) => EmulatedDeals.SetAmount(Emulator, CrmIds[i], amount);

    /// <summary>Sets the CRM side of custom field <c>i % N</c> (a CRM edit rides with the amount edit; nothing without custom fields).</summary>
    private void SetCrmCustomField(int i, int version)
    {
        if (Fields.Count == 0)
        {
            return;
        }

        if (Emulator is SalesforceEmulator sf)
        {
            sf.Org.Update("Opportunity", CrmIds[i], Fields.SalesforceValues(i, version, i % Fields.Count));
        }
        else
        {
            ((HubSpotEmulator)Emulator).UpdateObject("deals", CrmIds[i], Fields.HubSpotValues(i, version, i % Fields.Count));
        }
    }

    /// <summary>The lead's custom values with field <c>(i + 1) % N</c> changed by ARIA (unchanged without custom fields).</summary>
    private IReadOnlyDictionary<string, string?> WithCustomEdit(LeadMemory lead, int i)
    {
        if (Fields.Count == 0)
        {
            return lead.CustomFields;
        }

        var k = (i + 1) % Fields.Count;
        return new Dictionary<string, string?>(lead.CustomFields, StringComparer.Ordinal) { [Fields.Definitions[k].LeadField] = Fields.LeadText(k, i, version: 2) };
    }

    private (string? Amount, string? Close, int Notes) CrmValues(int i, Dictionary<string, int>? salesforceNotes) => EmulatedDeals.Values(Emulator, CrmIds[i], salesforceNotes);

    private async Task EditLeadAsync(int i, Func<LeadMemory, LeadMemory> edit)
    {
        var lead = await Leads.GetAsync(UserId, LeadId(i)) ?? throw new InvalidOperationException("lead missing");
        await Leads.UpdateAsync(edit(lead) with { UpdatedAt = Clock.GetUtcNow() });
    }
}
