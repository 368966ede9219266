using Aria.CrmSync.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Tests.Health;

public sealed class CrmSyncHealthCheckTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services;

    public CrmSyncHealthCheckTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections();
        services.AddHealthChecks().AddAriaCrmSyncChecks(o => o.DeadLetterThreshold = 1);
        _services = services.BuildServiceProvider();
    }

    private ICrmConnectionRegistry Registry => _services.GetRequiredService<ICrmConnectionRegistry>();

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    [Fact]
    public async Task Checks_NothingWrong_AllHealthy()
    {
        await Registry.AddAsync("user-a", CrmProvider.Salesforce);
        await _services.GetRequiredService<ICrmAuditService>().LogSyncOperationAsync("user-a", "lead-1", CrmAuditOperation.Pull, CrmProvider.Salesforce, true);

        var report = await RunAsync();

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(4, report.Entries.Count);
        Assert.All(report.Entries.Keys, k => Assert.StartsWith("aria-crmsync-", k, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connections_ReauthorizationIsUnhealthy_QuotaIsDegraded()
    {
        await Registry.AddAsync("user-a", CrmProvider.Salesforce);
        await Registry.AddAsync("user-b", CrmProvider.HubSpot);
        await Registry.PauseAsync("user-b", CrmProvider.HubSpot, PauseReasons.Quota, _time.GetUtcNow().AddHours(2));
        Assert.Equal(HealthStatus.Degraded, (await RunAsync()).Entries["aria-crmsync-connections"].Status);

        await Registry.PauseAsync("user-a", CrmProvider.Salesforce, PauseReasons.Reauthorization);
        var entry = (await RunAsync()).Entries["aria-crmsync-connections"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("user-a/salesforce", entry.Description, StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromHours(2)); // the quota pause ended by itself
        await Registry.ResumeAsync("user-a", CrmProvider.Salesforce);
        Assert.Equal(HealthStatus.Healthy, (await RunAsync()).Entries["aria-crmsync-connections"].Status);
    }

    [Fact]
    public async Task DeadLetters_AboveTheThreshold_Degraded()
    {
        var states = _services.GetRequiredService<ISyncStateStore>();
        await states.InsertAsync(State("lead-1", SyncStatus.Error, 5));
        Assert.Equal(HealthStatus.Healthy, (await RunAsync()).Entries["aria-crmsync-dead-letters"].Status); // 1 is the threshold

        await states.InsertAsync(State("lead-2", SyncStatus.Error, 5));
        await states.InsertAsync(State("lead-3", SyncStatus.Error, 2)); // still retrying: not dead
        var entry = (await RunAsync()).Entries["aria-crmsync-dead-letters"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(2, entry.Data["dead_lettered"]);
    }

    [Fact]
    public async Task Audit_BrokenChain_UnhealthyOnceTheWindowPasses()
    {
        var audit = _services.GetRequiredService<ICrmAuditService>();
        await Registry.AddAsync("user-a", CrmProvider.Salesforce);
        await audit.LogSyncOperationAsync("user-a", "lead-1", CrmAuditOperation.Pull, CrmProvider.Salesforce, true);
        await audit.LogSyncOperationAsync("user-a", "lead-1", CrmAuditOperation.Push, CrmProvider.Salesforce, true);
        Assert.Equal(HealthStatus.Healthy, (await RunAsync()).Entries["aria-crmsync-audit"].Status);

        ((InMemoryAuditStore)_services.GetRequiredService<IAuditStore>()).TamperWithChain("user-a", chain => chain.RemoveAt(0));
        Assert.Equal(HealthStatus.Healthy, (await RunAsync()).Entries["aria-crmsync-audit"].Status); // verified within the window

        _time.Advance(TimeSpan.FromHours(1));
        var entry = (await RunAsync()).Entries["aria-crmsync-audit"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("user-a", entry.Description, StringComparison.Ordinal);
    }

    private Task<HealthReport> RunAsync() => _services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

    private CrmSyncState State(string leadId, SyncStatus status, int retries) => new()
    {
        Id = "state-" + leadId,
        LeadMemoryId = leadId,
        UserId = "user-a",
        Provider = CrmProvider.Salesforce,
        CrmId = "006000000000001AAA",
        Status = status,
        RetryCount = retries,
        CreatedAt = _time.GetUtcNow(),
        UpdatedAt = _time.GetUtcNow(),
    };
}
