using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Storage.Tests.Contracts;

/// <summary>The <see cref="ICrmConnectionScheduler"/> contract (fleet scheduling on the registry's table), run against SQLite and PostgreSQL.</summary>
public abstract class ConnectionSchedulerContract
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));

    /// <summary>Creates a registry (empty store) that is also the scheduler.</summary>
    protected abstract Task<ICrmConnectionRegistry> CreateRegistryAsync(TimeProvider time);

    [Fact]
    public async Task ClaimDue_TakesNewAndLongestOverdueFirst_SkipsPausedAndNotDue_AndCompleteSetsTheNextDueTime()
    {
        var registry = await CreateRegistryAsync(Time);
        var scheduler = (ICrmConnectionScheduler)registry;
        foreach (var user in new[] { "u1", "u2", "u3", "u4" })
        {
            await registry.AddAsync(user, CrmProvider.Salesforce);
        }

        // Give u1..u3 due times: u3 most overdue, then u1; u2 not due yet. u4 stays new (due now, first).
        var all = await scheduler.ClaimDueAsync("setup", 10, 10, Ttl);
        Assert.Equal(4, all.Count);
        var now = Time.GetUtcNow();
        Assert.True(await scheduler.CompleteAsync(all.Single(l => l.UserId == "u1"), now.AddMinutes(-1), synced: true));
        Assert.True(await scheduler.CompleteAsync(all.Single(l => l.UserId == "u2"), now.AddMinutes(5), synced: true));
        Assert.True(await scheduler.CompleteAsync(all.Single(l => l.UserId == "u3"), now.AddMinutes(-3), synced: true));
        Assert.Equal(1, await scheduler.ReleaseAllAsync("setup")); // u4: released, still due (never completed)
        await registry.AddAsync("u5", CrmProvider.HubSpot);
        await registry.PauseAsync("u5", CrmProvider.HubSpot, "reauthorization");

        var claimed = await scheduler.ClaimDueAsync("a", 10, 10, Ttl);

        Assert.Equal(["u4", "u3", "u1"], claimed.Select(l => l.UserId));
        Assert.All(claimed, l => Assert.Equal(("a", now + Ttl), (l.Owner, l.ExpiresAt)));
        Assert.Equal(now.AddMinutes(-3), claimed[1].DueAt);
        Assert.Empty(await scheduler.ClaimDueAsync("b", 10, 10, Ttl)); // all leased or not due

        foreach (var lease in claimed)
        {
            Assert.True(await scheduler.CompleteAsync(lease, now.AddMinutes(10), synced: true));
        }

        Time.Advance(TimeSpan.FromMinutes(5));
        var later = await scheduler.ClaimDueAsync("b", 10, 10, Ttl);
        Assert.Equal(["u2"], later.Select(l => l.UserId));
    }

    [Fact]
    public async Task ClaimDue_HonoursTheProcessCapAndTheTenantCapAcrossOwners()
    {
        var registry = await CreateRegistryAsync(Time);
        var scheduler = (ICrmConnectionScheduler)registry;
        for (var i = 0; i < 5; i++)
        {
            await registry.AddAsync($"t1-user{i}", CrmProvider.HubSpot);
            Assert.True(await scheduler.SetTenantAsync($"t1-user{i}", CrmProvider.HubSpot, "tenant-1"));
            await registry.AddAsync($"t2-user{i}", CrmProvider.Salesforce);
            Assert.True(await scheduler.SetTenantAsync($"t2-user{i}", CrmProvider.Salesforce, "tenant-2"));
        }

        Assert.False(await scheduler.SetTenantAsync("nobody", CrmProvider.HubSpot, "tenant-1"));

        var a = await scheduler.ClaimDueAsync("a", 3, 2, Ttl);
        Assert.Equal(3, a.Count); // the process cap
        Assert.True(a.GroupBy(l => l.TenantId).All(g => g.Count() <= 2));

        var b = await scheduler.ClaimDueAsync("b", 10, 2, Ttl);
        Assert.Single(b); // each tenant has 2 live leases in all: 3 by "a", so one more
        var live = a.Concat(b).GroupBy(l => l.TenantId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["tenant-1"] = 2, ["tenant-2"] = 2 }, live);

        var done = a.First(l => l.TenantId == "tenant-1");
        Assert.True(await scheduler.CompleteAsync(done, Time.GetUtcNow().AddMinutes(1), synced: true));
        var next = await scheduler.ClaimDueAsync("b", 10, 2, Ttl);
        Assert.Equal(["tenant-1"], next.Select(l => l.TenantId));
        Assert.NotEqual(done.UserId, next[0].UserId); // the completed one is not due yet
    }

    [Fact]
    public async Task ExpiredLease_IsTakenOverWithAHigherToken_AndTheOldOwnerCanNeitherRenewNorComplete()
    {
        var registry = await CreateRegistryAsync(Time);
        var scheduler = (ICrmConnectionScheduler)registry;
        await registry.AddAsync("u1", CrmProvider.Salesforce);
        await registry.AddAsync("u2", CrmProvider.Salesforce);
        var crashed = await scheduler.ClaimDueAsync("crashed", 10, 10, Ttl);

        Time.Advance(Ttl - TimeSpan.FromSeconds(1));
        Assert.Empty(await scheduler.ClaimDueAsync("b", 10, 10, Ttl)); // still live
        Time.Advance(TimeSpan.FromSeconds(1));
        var taken = await scheduler.ClaimDueAsync("b", 10, 10, Ttl);

        Assert.Equal(["u1", "u2"], taken.Select(l => l.UserId));
        Assert.All(taken, l => Assert.Equal(crashed.Single(c => c.UserId == l.UserId).Token + 1, l.Token));
        Assert.False(await scheduler.CompleteAsync(crashed[0], Time.GetUtcNow().AddMinutes(1), synced: true));
        Assert.Empty(await scheduler.RenewAsync("crashed", Ttl));
        Assert.Equal(0, await scheduler.ReleaseAllAsync("crashed"));
        Assert.True(await scheduler.CompleteAsync(taken[0], Time.GetUtcNow().AddMinutes(1), synced: true));
    }

    [Fact]
    public async Task Heartbeat_KeepsTheLeases_AndReleaseAll_FreesThemAtOnce()
    {
        var registry = await CreateRegistryAsync(Time);
        var scheduler = (ICrmConnectionScheduler)registry;
        await registry.AddAsync("u1", CrmProvider.HubSpot);
        await registry.AddAsync("u2", CrmProvider.HubSpot);
        var held = await scheduler.ClaimDueAsync("a", 10, 10, Ttl);

        for (var beat = 0; beat < 4; beat++)
        {
            Time.Advance(TimeSpan.FromSeconds(20));
            var renewed = await scheduler.RenewAsync("a", Ttl);
            Assert.Equal(["u1", "u2"], renewed.Select(l => l.UserId).Order(StringComparer.Ordinal));
            Assert.All(renewed, l => Assert.Equal(Time.GetUtcNow() + Ttl, l.ExpiresAt));
            Assert.Empty(await scheduler.ClaimDueAsync("b", 10, 10, Ttl));
        }

        Assert.Equal(2, await scheduler.ReleaseAllAsync("a"));
        var b = await scheduler.ClaimDueAsync("b", 10, 10, Ttl); // still due: nothing was completed
        Assert.Equal(2, b.Count);
        Assert.All(b, l => Assert.Equal(held.Single(h => h.UserId == l.UserId).Token + 1, l.Token));
    }

    [Fact]
    public async Task ConcurrentClaimers_NeverGetTheSameConnection()
    {
        var registry = await CreateRegistryAsync(Time);
        var scheduler = (ICrmConnectionScheduler)registry;
        for (var i = 0; i < 120; i++)
        {
            await registry.AddAsync($"user-{i:D3}", i % 2 == 0 ? CrmProvider.Salesforce : CrmProvider.HubSpot);
        }

        var owners = Enumerable.Range(0, 6).Select(i => $"owner-{i}").ToArray();
        var results = await Task.WhenAll(owners.Select(owner => Task.Run(async () =>
        {
            var mine = new List<CrmConnectionLease>();
            for (var round = 0; round < 10; round++)
            {
                mine.AddRange(await scheduler.ClaimDueAsync(owner, 4, 100, Ttl));
            }

            return mine;
        })));

        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(120, all.Count);
        Assert.Equal(120, all.Select(l => (l.UserId, l.Provider)).Distinct().Count());
    }
}
