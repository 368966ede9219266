using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Storage.Tests.Contracts;

/// <summary>The <see cref="ICrmConnectionRegistry"/> contract, run against every implementation.</summary>
public abstract class ConnectionRegistryContract
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));

    protected abstract Task<ICrmConnectionRegistry> CreateRegistryAsync(TimeProvider time);

    [Fact]
    public async Task AddAsync_Twice_RegistersOnceAndKeepsTheFirst()
    {
        var registry = await CreateRegistryAsync(Time);
        var first = await registry.AddAsync("user-b", CrmProvider.HubSpot);
        Time.Advance(TimeSpan.FromMinutes(1));
        var again = await registry.AddAsync("user-b", CrmProvider.HubSpot);

        Assert.Equal(first, again);
        Assert.Equal(CrmConnectionState.Active, first.State);
        Assert.Equal(Time.GetUtcNow().AddMinutes(-1), first.CreatedAt);
        Assert.Single(await registry.ListAsync().ToListAsync());
    }

    [Fact]
    public async Task AddAsync_UnknownProvider_IsListedWithItsWireValue()
    {
        var registry = await CreateRegistryAsync(Time);
        await registry.AddAsync("user-c", new CrmProvider("pipedrive"));

        var listed = Assert.Single(await registry.ListAsync().ToListAsync());

        Assert.Equal(new CrmProvider("pipedrive"), listed.Provider);
        Assert.NotNull(await registry.GetAsync("user-c", new CrmProvider("pipedrive")));
        Assert.Null(await registry.GetAsync("user-c", CrmProvider.HubSpot));
    }

    [Fact]
    public async Task PauseResumeRemove_ChangeTheRegistration_AndReportUnknownConnections()
    {
        var registry = await CreateRegistryAsync(Time);
        await registry.AddAsync("user-a", CrmProvider.Salesforce);
        var until = Time.GetUtcNow().AddHours(6);

        Assert.True(await registry.PauseAsync("user-a", CrmProvider.Salesforce, "quota", until));
        var paused = (await registry.GetAsync("user-a", CrmProvider.Salesforce))!;
        Assert.Equal((CrmConnectionState.Paused, "quota", until), (paused.State, paused.PauseReason, paused.PausedUntil));
        Assert.False(paused.IsDueAt(Time.GetUtcNow()));
        Assert.True(paused.IsDueAt(until));

        Assert.True(await registry.ResumeAsync("user-a", CrmProvider.Salesforce));
        var resumed = (await registry.GetAsync("user-a", CrmProvider.Salesforce))!;
        Assert.Equal((CrmConnectionState.Active, null, null), (resumed.State, resumed.PauseReason, resumed.PausedUntil));

        Assert.False(await registry.PauseAsync("user-x", CrmProvider.Salesforce));
        Assert.False(await registry.ResumeAsync("user-a", CrmProvider.HubSpot));
        Assert.True(await registry.RemoveAsync("user-a", CrmProvider.Salesforce));
        Assert.False(await registry.RemoveAsync("user-a", CrmProvider.Salesforce));
        Assert.Null(await registry.GetAsync("user-a", CrmProvider.Salesforce));
    }

    [Fact]
    public async Task ListAsync_OrdersByUserThenProvider()
    {
        var registry = await CreateRegistryAsync(Time);
        await registry.AddAsync("user-b", CrmProvider.HubSpot);
        await registry.AddAsync("user-a", CrmProvider.HubSpot);
        await registry.AddAsync("user-b", CrmProvider.Salesforce);
        await registry.AddAsync("User-C", CrmProvider.Salesforce);

        var list = await registry.ListAsync().Select(r => (r.UserId, r.Provider)).ToListAsync();

        Assert.Equal([("User-C", CrmProvider.Salesforce), ("user-a", CrmProvider.HubSpot), ("user-b", CrmProvider.HubSpot), ("user-b", CrmProvider.Salesforce)], list);
    }

    [Fact]
    public async Task Methods_ValidateUserId()
    {
        var registry = await CreateRegistryAsync(Time);
        Assert.Equal("userId", (await Assert.ThrowsAnyAsync<ArgumentException>(() => registry.AddAsync(" ", CrmProvider.HubSpot).AsTask())).ParamName);
        Assert.Equal("userId", (await Assert.ThrowsAnyAsync<ArgumentException>(() => registry.PauseAsync(null!, CrmProvider.HubSpot).AsTask())).ParamName);
    }
}
