using System.Collections.Concurrent;
using Aria.CrmSync.Testing;
using Aria.CrmSync.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.Tests.DependencyInjection;

/// <summary>
/// <c>AddGateway&lt;TDecorator&gt;()</c> with a <see cref="DelegatingCrmGateway"/> wraps the registered gateways instead of
/// replacing them: a metrics and a caching decorator stacked over the real Salesforce and HubSpot gateways (emulators
/// over HTTP) while the engine syncs.
/// </summary>
public sealed class GatewayDecoratorTests
{
    [Fact]
    public async Task CachingAndMetricsDecorators_WrapBothGateways_AndTheEngineSyncsThroughThem()
    {
        await using var salesforce = new SalesforceEmulator();
        await using var hubSpot = new HubSpotEmulator();
        var (built, opportunity, deal) = SeededEmulatorHost.Build(
            salesforce,
            hubSpot,
            services => services.AddSingleton<GatewayMetrics>(),
            sync => sync.AddGateway<MetricsGateway>().AddGateway<CachingGateway>());
        await using var provider = built;
        var metrics = provider.GetRequiredService<GatewayMetrics>();
        var links = provider.GetRequiredService<ICrmLinkService>();
        var sync = provider.GetRequiredService<ICrmSyncService>();
        var leads = provider.GetRequiredService<ILeadMemoryStore>();

        // Both gateways are kept (none replaced), each wrapped once by each decorator in registration order.
        var gateways = provider.GetServices<ICrmGateway>().ToList();
        Assert.Equal([CrmProvider.Salesforce, CrmProvider.HubSpot], gateways.Select(g => g.Provider).Order(Comparer<CrmProvider>.Create((a, b) => string.CompareOrdinal(b.Value, a.Value))));
        Assert.All(gateways, g => Assert.IsType<MetricsGateway>(Assert.IsType<CachingGateway>(g).Inner));

        foreach (var (crm, crmId, emulator) in new[] { (CrmProvider.Salesforce, opportunity, (CrmEmulator)salesforce), (CrmProvider.HubSpot, deal, hubSpot) })
        {
            var lead = Assert.Single(await links.ImportCrmRecordsAsync("u1", crm));
            Assert.Equal(crmId, lead.CrmId);

            // A pull reads the record through the cache: the second one reaches neither the metrics layer nor the CRM.
            Assert.True((await sync.PullStageChangesAsync("u1", lead.Id)).Success);
            var callsAfterFirstPull = emulator.Calls.ApiCalls;
            Assert.True((await sync.PullStageChangesAsync("u1", lead.Id)).Success);
            Assert.Equal(callsAfterFirstPull, emulator.Calls.ApiCalls);
            Assert.Equal(1, metrics.Count(crm, nameof(ICrmGateway.GetRecordAsync)));

            // A push goes through both decorators to the CRM, and the cache forgets the record it wrote.
            lead = (await leads.GetAsync("u1", lead.Id))!;
            await leads.UpdateAsync(lead with { ExpectedValue = 2500m, UpdatedAt = DateTimeOffset.UtcNow });
            var pushed = await sync.TriggerManualSyncAsync("u1", lead.Id);
            Assert.True(pushed.Success, pushed.Error);
            Assert.True(metrics.Count(crm, nameof(ICrmGateway.UpdateRecordsAsync)) >= 1);
            var read = await gateways.Single(g => g.Provider == crm).GetRecordAsync(await provider.GetRequiredService<ICrmConnectionResolver>().ResolveAsync("u1", crm), crmId);
            Assert.Equal(2500m, read!.Amount);
        }

        Assert.Equal(2500m, Convert.ToDecimal(salesforce.Org.Get("Opportunity", opportunity)!["Amount"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("2500", hubSpot.GetObject("deals", deal)!["amount"]);
    }

    [Fact]
    public void Decorator_WithoutAGatewayBelowIt_AddsNothing_AndAPlainGatewayIsStillAdded()
    {
        var services = new ServiceCollection();
        var builder = services.AddAriaCrmSync().UseInMemoryStores().AddGateway<CachingGateway>();

        Assert.DoesNotContain(services, d => d.ServiceType == typeof(ICrmGateway));
        builder.AddGateway<PlainGateway>();
        Assert.Single(services, d => d.ServiceType == typeof(ICrmGateway));
    }

    [Fact]
    public async Task DelegatingBase_ForwardsRecordCreation_OrRefusesItTyped()
    {
        var plain = new CachingGateway(new PlainGateway(), new GatewayMetrics());
        var connection = new CrmConnection { UserId = "u1", Provider = new CrmProvider("plain"), AccessToken = "t", CredentialKind = CrmCredentialKind.StaticToken };

        Assert.Equal(new CrmProvider("plain"), plain.Provider);
        Assert.Equal(7, plain.MaxUpdateBatchSize);
        await Assert.ThrowsAsync<NotSupportedException>(() => plain.CreateRecordAsync(connection, new Dictionary<string, string?>()));
    }

    public sealed class GatewayMetrics
    {
        private readonly ConcurrentDictionary<(CrmProvider, string), int> _calls = new();

        public void Record(CrmProvider provider, string method) => _calls.AddOrUpdate((provider, method), 1, (_, n) => n + 1);

        public int Count(CrmProvider provider, string method) => _calls.TryGetValue((provider, method), out var n) ? n : 0;
    }

    /// <summary>Counts calls per CRM and method (a metrics decorator).</summary>
    public sealed class MetricsGateway(ICrmGateway inner, GatewayMetrics metrics) : DelegatingCrmGateway(inner)
    {
        public override Task<CrmRecord?> GetRecordAsync(CrmConnection connection, string crmId, CancellationToken cancellationToken = default)
        {
            metrics.Record(Provider, nameof(GetRecordAsync));
            return base.GetRecordAsync(connection, crmId, cancellationToken);
        }

        public override Task<IReadOnlyList<CrmWriteResult>> UpdateRecordsAsync(CrmConnection connection, IReadOnlyList<CrmRecordUpdate> updates, CancellationToken cancellationToken = default)
        {
            metrics.Record(Provider, nameof(UpdateRecordsAsync));
            return base.UpdateRecordsAsync(connection, updates, cancellationToken);
        }
    }

    /// <summary>Caches single-record reads per connection and forgets the records it writes (a caching decorator).</summary>
    public sealed class CachingGateway(ICrmGateway inner, GatewayMetrics metrics) : DelegatingCrmGateway(inner)
    {
        private readonly ConcurrentDictionary<(string, string), CrmRecord> _cache = new();

        public GatewayMetrics Metrics => metrics;

        public override async Task<CrmRecord?> GetRecordAsync(CrmConnection connection, string crmId, CancellationToken cancellationToken = default)
        {
            if (_cache.TryGetValue((connection.ConnectionKey, crmId), out var cached))
            {
                return cached;
            }

            var record = await base.GetRecordAsync(connection, crmId, cancellationToken);
            if (record is not null)
            {
                _cache[(connection.ConnectionKey, crmId)] = record;
            }

            return record;
        }

        public override async Task<IReadOnlyList<CrmWriteResult>> UpdateRecordsAsync(CrmConnection connection, IReadOnlyList<CrmRecordUpdate> updates, CancellationToken cancellationToken = default)
        {
            foreach (var update in updates)
            {
                _cache.TryRemove((connection.ConnectionKey, update.CrmId), out _);
            }

            return await base.UpdateRecordsAsync(connection, updates, cancellationToken);
        }
    }

    /// <summary>A gateway for a CRM of its own that serves nothing (only for registration and forwarding checks).</summary>
    public sealed class PlainGateway : ICrmGateway
    {
        public CrmProvider Provider { get; } = new("plain");

        public int MaxUpdateBatchSize => 7;

        public Task<CrmRecord?> GetRecordAsync(CrmConnection connection, string crmId, CancellationToken cancellationToken = default) => Task.FromResult<CrmRecord?>(null);

        public Task<IReadOnlyList<CrmRecord>> GetRecordsAsync(CrmConnection connection, IReadOnlyList<string> crmIds, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<CrmRecord>>([]);

        public IAsyncEnumerable<CrmChangePage> GetChangesAsync(CrmConnection connection, CrmCursor? since, CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<CrmChangePage>();

        public Task<IReadOnlyList<CrmWriteResult>> UpdateRecordsAsync(CrmConnection connection, IReadOnlyList<CrmRecordUpdate> updates, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<CrmWriteResult>>([]);

        public Task<IReadOnlyList<CrmNoteResult>> CreateNotesAsync(CrmConnection connection, IReadOnlyList<CrmNoteRequest> notes, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<CrmNoteResult>>([]);

        public IAsyncEnumerable<CrmActivity> GetActivitiesAsync(CrmConnection connection, string crmId, DateTimeOffset? since = null, CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<CrmActivity>();

        public IAsyncEnumerable<CrmActivityPage> GetActivityChangesAsync(CrmConnection connection, CrmCursor? since, CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<CrmActivityPage>();
    }
}
