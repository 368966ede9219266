using Aria.CrmSync.Hosting;
using Aria.CrmSync.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Tests.Hosting;

public class CrmSyncWorkerTests
{
    [Fact]
    public async Task RunPassAsync_SyncsConfiguredConnectionsAndRunsDueRetries()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", crmId: "006000000000001AAA", value: 1m);
        await h.AddLeadAsync("lead-2", crmId: "006000000000002AAA", value: 2m);
        h.Salesforce.Put("006000000000001AAA", "Proposal", 10m);
        h.Salesforce.Put("006000000000002AAA", "Proposal", 20m);
        var settings = new CrmSyncWorkerOptions();
        settings.Connections.Add((SyncHarness.UserId, CrmProvider.Salesforce));
        var worker = new CrmSyncWorker(h.Sync, Options.Create(settings), h.Time, logger: NullLogger<CrmSyncWorker>.Instance);

        await worker.RunPassAsync(settings, CancellationToken.None);

        Assert.Equal(10m, (await h.GetLeadAsync("lead-1")).ExpectedValue);
        Assert.Equal(20m, (await h.GetLeadAsync("lead-2")).ExpectedValue);
    }

    [Fact]
    public async Task AddSyncWorker_RegistersAHostedServiceAndValidatesOptions()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().AddSyncWorker(o => o.Interval = TimeSpan.Zero);
        using var host = builder.Build();

        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s is CrmSyncWorker);
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Interval", ex.Message);
    }

    [Fact]
    public async Task RunPassAsync_ReadsTheRegistryEveryPass_SkipsPausedAndWarnsWhenEmpty()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", crmId: "006000000000001AAA", value: 1m);
        h.Salesforce.Put("006000000000001AAA", "Proposal", 10m);
        var registry = new InMemoryCrmConnectionRegistry(h.Time);
        var logs = new FakeLogCollector();
        var settings = new CrmSyncWorkerOptions();
        var worker = new CrmSyncWorker(h.Sync, Options.Create(settings), h.Time, registry, logger: new FakeLogger<CrmSyncWorker>(logs));

        await worker.RunPassAsync(settings, CancellationToken.None);
        await worker.RunPassAsync(settings, CancellationToken.None);
        Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 3002); // warned once, not every pass
        Assert.Equal(1m, (await h.GetLeadAsync("lead-1")).ExpectedValue);

        await registry.AddAsync(SyncHarness.UserId, CrmProvider.Salesforce);
        await registry.PauseAsync(SyncHarness.UserId, CrmProvider.Salesforce, "quota");
        await worker.RunPassAsync(settings, CancellationToken.None);
        Assert.Equal(1m, (await h.GetLeadAsync("lead-1")).ExpectedValue); // paused: skipped

        await registry.ResumeAsync(SyncHarness.UserId, CrmProvider.Salesforce);
        await worker.RunPassAsync(settings, CancellationToken.None);
        Assert.Equal(10m, (await h.GetLeadAsync("lead-1")).ExpectedValue);
        Assert.Equal(1, worker.Status.ConnectionCount);
    }

    [Fact]
    public async Task ExecuteAsync_RegistryStoreDown_RetriesWithBackoffAndKeepsRunning()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", crmId: "006000000000001AAA", value: 1m);
        h.Salesforce.Put("006000000000001AAA", "Proposal", 10m);
        var inner = new InMemoryCrmConnectionRegistry(h.Time);
        await inner.AddAsync(SyncHarness.UserId, CrmProvider.Salesforce);
        var registry = new FlakyRegistry(inner) { FailuresLeft = 3 };
        var logs = new FakeLogCollector();
        var settings = new CrmSyncWorkerOptions { Interval = TimeSpan.FromMinutes(1) };
        using var worker = new CrmSyncWorker(h.Sync, Options.Create(settings), h.Time, registry, logger: new FakeLogger<CrmSyncWorker>(logs));

        await worker.StartAsync(CancellationToken.None);
        await WaitForAsync(() => worker.Status.ConsecutiveFailures == 1);
        foreach (var (failures, backoff) in new[] { (2, 2), (3, 4) })
        {
            h.Time.Advance(TimeSpan.FromSeconds(backoff) - TimeSpan.FromMilliseconds(1));
            await Task.Delay(50);
            Assert.Equal(failures - 1, worker.Status.ConsecutiveFailures); // not before the backoff
            h.Time.Advance(TimeSpan.FromMilliseconds(1));
            await WaitForAsync(() => worker.Status.ConsecutiveFailures == failures);
        }

        h.Time.Advance(TimeSpan.FromSeconds(8));
        await WaitForAsync(() => worker.Status.LastSuccessAt is not null);
        await worker.StopAsync(CancellationToken.None);

        Assert.Equal(0, worker.Status.ConsecutiveFailures);
        Assert.Contains("StoreDownException", worker.Status.LastError, StringComparison.Ordinal);
        Assert.Equal(10m, (await h.GetLeadAsync("lead-1")).ExpectedValue);
        var errors = logs.GetSnapshot().Where(r => r.Id.Id == 3003).ToList();
        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.Equal(LogLevel.Error, e.Level));
        Assert.Contains("retrying in 8 s", errors[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunPassAsync_RefreshRefused_PausesTheConnectionForReauthorization()
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", crmId: "006000000000001AAA", value: 1m);
        h.Salesforce.Put("006000000000001AAA", "Proposal", 10m);
        var registry = new InMemoryCrmConnectionRegistry(h.Time);
        await registry.AddAsync(SyncHarness.UserId, CrmProvider.Salesforce);
        var settings = new CrmSyncWorkerOptions();
        var worker = new CrmSyncWorker(h.Sync, Options.Create(settings), h.Time, registry);
        h.Salesforce.FailNext(new CrmConnectionException(CrmProvider.Salesforce, "invalid_grant", requiresReauthorization: true), times: 20);

        await worker.RunPassAsync(settings, CancellationToken.None);

        var registration = (await registry.GetAsync(SyncHarness.UserId, CrmProvider.Salesforce))!;
        Assert.Equal((CrmConnectionState.Paused, PauseReasons.Reauthorization, (DateTimeOffset?)null), (registration.State, registration.PauseReason, registration.PausedUntil));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(5, 32)]
    [InlineData(6, 60)]
    [InlineData(1000, 60)]
    public void Backoff_DoublesFromTwoSecondsUpToTheInterval(int failures, int seconds)
        => Assert.Equal(TimeSpan.FromSeconds(seconds), CrmSyncWorker.Backoff(failures, TimeSpan.FromMinutes(1)));

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    private sealed class StoreDownException() : System.Data.Common.DbException("the database is unreachable");

    /// <summary>A registry whose store is down for the first few reads (a narrow seam: the outage itself).</summary>
    private sealed class FlakyRegistry(ICrmConnectionRegistry inner) : ICrmConnectionRegistry
    {
        public int FailuresLeft { get; set; }

        public ValueTask<CrmConnectionRegistration> AddAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default) => inner.AddAsync(userId, provider, cancellationToken);

        public ValueTask<CrmConnectionRegistration?> GetAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default) => inner.GetAsync(userId, provider, cancellationToken);

        public ValueTask<bool> PauseAsync(string userId, CrmProvider provider, string? reason = null, DateTimeOffset? until = null, CancellationToken cancellationToken = default) => inner.PauseAsync(userId, provider, reason, until, cancellationToken);

        public ValueTask<bool> ResumeAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default) => inner.ResumeAsync(userId, provider, cancellationToken);

        public ValueTask<bool> RemoveAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default) => inner.RemoveAsync(userId, provider, cancellationToken);

        public IAsyncEnumerable<CrmConnectionRegistration> ListAsync(CancellationToken cancellationToken = default)
        {
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new StoreDownException();
            }

            return inner.ListAsync(cancellationToken);
        }
    }
}
