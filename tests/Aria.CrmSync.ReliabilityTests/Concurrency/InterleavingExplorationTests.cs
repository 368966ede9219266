using Aria.CrmSync.Soak.Simulation;
using Aria.CrmSync.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Xunit.Abstractions;

namespace Aria.CrmSync.ReliabilityTests.Concurrency;

/// <summary>
/// Races explored systematically: for each scenario, hundreds of seeds each fix one interleaving (at the granularity of
/// every store and CRM call) of two syncs of the same lead, a host edit, a CRM user's edit and a note push. After the
/// race and a quiet sync, no update may be lost: both sides hold every person's latest change (or the rule's winner of a
/// real conflict), each note is in the CRM once, and the audit chain verifies. A failure names the seed to replay.
/// </summary>
public sealed class InterleavingExplorationTests(ITestOutputHelper output)
{
    private const int Seeds = 250;
    private const string Lead = "lead-1";
    private const string Opp = "006000000000001AAA";
    private static readonly DateOnly Close0 = new(2026, 6, 30);
    private static readonly DateOnly CloseCrm = new(2026, 9, 30);
    private static readonly DateOnly CloseHost = new(2027, 1, 15);

    [Fact]
    public Task TwoSyncsOfTheSameLead_Racing_LoseNothing() => ExploreAsync(
        "two manual syncs",
        prepare: async race =>
        {
            await race.EditLeadAsync(l => l with { ExpectedValue = 2000m });
            await race.Crm.UserEditAsync(Opp, closeDate: CloseCrm);
        },
        actors: race => [() => race.Sync.TriggerManualSyncAsync(race.User, Lead), () => race.Sync.TriggerManualSyncAsync(race.User, Lead)],
        expect: (2000m, CloseCrm));

    [Fact]
    public Task ConnectionSyncAndManualSync_Racing_LoseNothing() => ExploreAsync(
        "a connection sync and a manual sync",
        prepare: async race =>
        {
            await race.EditLeadAsync(l => l with { ExpectedValue = 2000m });
            await race.Crm.UserEditAsync(Opp, closeDate: CloseCrm);
        },
        actors: race => [() => race.Sync.SyncConnectionAsync(race.User, CrmProvider.Salesforce), () => race.Sync.TriggerManualSyncAsync(race.User, Lead)],
        expect: (2000m, CloseCrm));

    [Fact]
    public Task HostEditRacingASync_IsNeverLost() => ExploreAsync(
        "a host edit racing a sync",
        prepare: async race =>
        {
            await race.EditLeadAsync(l => l with { ExpectedValue = 2000m });
            await race.Crm.UserEditAsync(Opp, closeDate: CloseCrm);
        },
        actors: race => [() => race.Sync.TriggerManualSyncAsync(race.User, Lead), () => race.EditLeadAsync(l => l with { ExpectedValue = 3000m })],
        expect: (3000m, CloseCrm));

    [Fact]
    public Task HostEditRacingAConnectionSync_IsNeverLost() => ExploreAsync(
        "a host edit racing a connection sync",
        prepare: async race => await race.Crm.UserEditAsync(Opp, closeDate: CloseCrm),
        actors: race => [() => race.Sync.SyncConnectionAsync(race.User, CrmProvider.Salesforce), () => race.EditLeadAsync(l => l with { ExpectedValue = 3000m })],
        expect: (3000m, CloseCrm));

    [Fact]
    public Task CrmUserEditRacingASync_IsNeverLost() => ExploreAsync(
        "a CRM user's edit racing a sync",
        prepare: race => race.EditLeadAsync(l => l with { ExpectedValue = 2000m }),
        actors: race => [() => race.Sync.TriggerManualSyncAsync(race.User, Lead), () => race.Crm.UserEditAsync(Opp, closeDate: CloseCrm)],
        expect: (2000m, CloseCrm));

    [Fact]
    public Task ConflictResolvedByRule_WithTwoSyncsAndAHostEditRacing() => ExploreAsync(
        "a conflict (ARIA wins on amounts) with two syncs and a host edit racing",
        prepare: async race =>
        {
            await race.EditLeadAsync(l => l with { ExpectedValue = 2000m });
            await race.Crm.UserEditAsync(Opp, amount: 5000m);
        },
        actors: race =>
        [
            () => race.Sync.SyncConnectionAsync(race.User, CrmProvider.Salesforce),
            () => race.Sync.TriggerManualSyncAsync(race.User, Lead),
            () => race.EditLeadAsync(l => l with { ExpectedCloseDate = CloseHost }),
        ],
        expect: (2000m, CloseHost),
        rules: o => o.FieldRules[LeadFields.ExpectedValue] = ConflictResolution.AriaWins);

    [Fact]
    public Task NotePushRacingDeliveries_WritesTheNoteOnce() => ExploreAsync(
        "a summary push racing a connection sync and a manual sync",
        prepare: _ => Task.CompletedTask,
        actors: race =>
        [
            () => race.Sync.PushSummaryAsync(race.User, Lead, "Budget confirmed"),
            () => race.Sync.SyncConnectionAsync(race.User, CrmProvider.Salesforce),
            () => race.Sync.TriggerManualSyncAsync(race.User, Lead),
        ],
        expect: (1000m, Close0),
        notes: 1);

    [Fact]
    public Task SamePushFromTwoHosts_WritesTheNoteOnce() => ExploreAsync(
        "the same summary pushed twice at once",
        prepare: _ => Task.CompletedTask,
        actors: race =>
        [
            () => race.Sync.PushSummaryAsync(race.User, Lead, "Budget confirmed"),
            () => race.Sync.PushSummaryAsync(race.User, Lead, "Budget confirmed"),
        ],
        expect: (1000m, Close0),
        notes: 1);

    private async Task ExploreAsync(string scenario, Func<Race, Task> prepare, Func<Race, Func<Task>[]> actors, (decimal Amount, DateOnly Close) expect, Action<CrmSyncOptions>? rules = null, int? notes = null)
    {
        var failures = new List<string>();
        var decisions = 0L;
        for (var seed = 1; seed <= Seeds; seed++)
        {
            await using var race = await Race.CreateAsync(seed, rules);
            await prepare(race);
            var errors = await race.Scheduler.RunAsync(TimeSpan.FromSeconds(20), actors(race));
            decisions += race.Scheduler.Decisions;
            foreach (var error in errors.OfType<Exception>())
            {
                failures.Add($"seed {seed}: an actor threw {error.GetType().Name}: {error.Message}");
            }

            // Quiet syncs: whatever the race left pending is settled now.
            for (var i = 0; i < 3; i++)
            {
                await race.Sync.TriggerManualSyncAsync(race.User, Lead);
            }

            var lead = (await race.Leads.GetAsync(race.User, Lead))!;
            var record = race.Crm.Get(Opp);
            if (lead.ExpectedValue != expect.Amount || record.Amount != expect.Amount || lead.ExpectedCloseDate != expect.Close || record.CloseDate != expect.Close)
            {
                failures.Add($"seed {seed}: lead ({lead.ExpectedValue}, {lead.ExpectedCloseDate}), CRM ({record.Amount}, {record.CloseDate}), expected ({expect.Amount}, {expect.Close})");
            }

            if (notes is { } count && race.Crm.Notes.Count != count)
            {
                failures.Add($"seed {seed}: {race.Crm.Notes.Count} notes in the CRM, expected {count} ({string.Join(", ", race.Crm.Notes.Select(n => n.Key))})");
            }

            var state = (await race.Services.GetRequiredService<ISyncStateStore>().GetAsync(Lead))!;
            if (state.Status != SyncStatus.Synced || state.Outbox.Any(o => o.Status != OutboxItemStatus.Done))
            {
                failures.Add($"seed {seed}: the lead ends {state.Status} with outbox [{string.Join(", ", state.Outbox.Select(o => o.Status))}]");
            }

            var verification = await race.Services.GetRequiredService<ICrmAuditService>().VerifyAsync(race.User);
            if (!verification.IsValid)
            {
                failures.Add($"seed {seed}: the audit chain does not verify: {verification.Message}");
            }
        }

        output.WriteLine($"{scenario}: {Seeds} interleavings, {decisions / Seeds} scheduling decisions each on average, {failures.Count} failures");
        Assert.True(failures.Count == 0, $"{scenario}: {failures.Count} failing interleavings:\n" + string.Join("\n", failures.Take(10)));
    }

    /// <summary>One interleaving's world: the engine over yielding in-memory stores and the fake CRM.</summary>
    private sealed class Race : IAsyncDisposable
    {
        private Race(Interleaver scheduler, FakeCrm crm, ServiceProvider services)
        {
            Scheduler = scheduler;
            Crm = crm;
            Services = services;
        }

        public string User => "user-1";

        public Interleaver Scheduler { get; }

        public FakeCrm Crm { get; }

        public ServiceProvider Services { get; }

        public ICrmSyncService Sync => Services.GetRequiredService<ICrmSyncService>();

        public ILeadMemoryStore Leads => Services.GetRequiredService<ILeadMemoryStore>();

        public static async Task<Race> CreateAsync(int seed, Action<CrmSyncOptions>? rules)
        {
            var scheduler = new Interleaver(seed);
            var crm = new FakeCrm(scheduler);
            var services = new ServiceCollection();
            services.AddAriaCrmSync(o =>
                {
                    o.RetryJitter = 0;
                    rules?.Invoke(o);
                })
                .UseInMemoryStores()
                .UseInMemoryConnections(r => r.Add(new CrmConnection { UserId = "user-1", Provider = CrmProvider.Salesforce, AccessToken = "token-1", InstanceUrl = new Uri("https://example.my.salesforce.com") }))
                .AddGateway(crm);
            services.Replace(ServiceDescriptor.Singleton<ILeadMemoryStore>(new SimLeadStore(new InMemoryLeadMemoryStore(), scheduler.YieldAsync, trace: null)));
            services.Replace(ServiceDescriptor.Singleton<ISyncStateStore>(new SimStateStore(new InMemorySyncStateStore(), scheduler.YieldAsync, trace: null)));
            services.Replace(ServiceDescriptor.Singleton<IAuditStore>(new SimAuditStore(new InMemoryAuditStore(), scheduler.YieldAsync)));
            var race = new Race(scheduler, crm, services.BuildServiceProvider());

            crm.Put(Opp, "Prospecting", 1000m, Close0);
            var now = DateTimeOffset.UtcNow;
            await race.Leads.InsertAsync(new LeadMemory { Id = Lead, UserId = race.User, CompanyName = "Acme", CrmProvider = CrmProvider.Salesforce, CrmId = Opp, ExpectedValue = 1000m, ExpectedCloseDate = Close0, CreatedAt = now, UpdatedAt = now });
            var linked = await race.Sync.TriggerManualSyncAsync(race.User, Lead); // the base both sides agree on
            Assert.True(linked.Success, linked.Error);
            return race;
        }

        /// <summary>The host application changes the lead: read, change, write with the version read; again on a conflict.</summary>
        public async Task EditLeadAsync(Func<LeadMemory, LeadMemory> edit)
        {
            while (true)
            {
                var lead = (await Leads.GetAsync(User, Lead))!;
                try
                {
                    await Leads.UpdateAsync(edit(lead) with { UpdatedAt = DateTimeOffset.UtcNow });
                    return;
                }
                catch (CrmSyncConcurrencyException)
                {
                }
            }
        }

        public async ValueTask DisposeAsync() => await Services.DisposeAsync();
    }
}
