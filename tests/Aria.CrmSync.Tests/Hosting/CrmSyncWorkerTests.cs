using Aria.CrmSync.Hosting;
using Aria.CrmSync.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
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
        var worker = new CrmSyncWorker(h.Sync, Options.Create(settings), h.Time, NullLogger<CrmSyncWorker>.Instance);

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
}
