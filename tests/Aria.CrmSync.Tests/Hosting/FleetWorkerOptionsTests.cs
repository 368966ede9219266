using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Tests.Hosting;

/// <summary>Fleet mode of <c>AddSyncWorker</c>: its options are checked at start-up, and note claims expire as fast as leases.</summary>
public class FleetWorkerOptionsTests
{
    [Theory]
    [InlineData("heartbeat")]
    [InlineData("ttl")]
    [InlineData("caps")]
    [InlineData("jitter")]
    [InlineData("static-connections")]
    public async Task AddSyncWorker_RefusesUnusableFleetOptions(string problem)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().AddSyncWorker(o =>
        {
            o.Fleet = new CrmFleetOptions();
            switch (problem)
            {
                case "heartbeat": o.Fleet.HeartbeatInterval = TimeSpan.FromSeconds(20); break; // more than half the 30 s TTL
                case "ttl": o.Fleet.LeaseTtl = TimeSpan.FromMilliseconds(500); break;
                case "caps": o.Fleet.MaxConcurrentPerTenant = 0; break;
                case "jitter": o.Fleet.Jitter = 1.5; break;
                default: o.Connections.Add(("user-1", CrmProvider.HubSpot)); break;
            }
        });
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Fleet", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, 20)]
    [InlineData(false, 300)]
    public void NoteClaimDuration_IsCappedAtTheLeaseTtl_InFleetModeOnly(bool fleet, int expectedSeconds)
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().AddSyncWorker(o => o.Fleet = fleet ? new CrmFleetOptions { LeaseTtl = TimeSpan.FromSeconds(20), HeartbeatInterval = TimeSpan.FromSeconds(5) } : null);
        using var provider = services.BuildServiceProvider();

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), provider.GetRequiredService<IOptions<CrmSyncOptions>>().Value.NoteClaimDuration);
    }

    [Fact]
    public void UseInMemoryStores_AfterADatabaseStore_LeavesNoSchedulerOfTheOtherStore()
    {
        var services = new ServiceCollection();
        services.AddSingleton(Moq.Mock.Of<ICrmConnectionScheduler>()); // as a database store registers it
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections();
        using var provider = services.BuildServiceProvider();

        Assert.Null(provider.GetService<ICrmConnectionScheduler>());
    }
}
