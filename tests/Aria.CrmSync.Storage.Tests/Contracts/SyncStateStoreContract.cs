using Microsoft.Extensions.Time.Testing;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Contracts;

/// <summary>The behaviour every <see cref="ISyncStateStore"/> must have. Subclass it once per implementation.</summary>
public abstract partial class SyncStateStoreContract
{
    protected FakeTimeProvider Time { get; } = new(T0);

    /// <summary>Creates an empty store using <paramref name="time"/> for leases.</summary>
    protected abstract Task<ISyncStateStore> CreateStoreAsync(TimeProvider time);

    [Fact]
    public async Task InsertAsync_ThenGetAsync_RoundTripsEveryField()
    {
        var store = await CreateStoreAsync(Time);
        var rich = Rich("lead-1");

        var stored = await store.InsertAsync(rich);
        var read = await store.GetAsync("lead-1");

        Assert.Equal(1, stored.Version);
        Assert.NotNull(read);
        Assert.Equal(Json(rich with { Version = 1 }), Json(read));
    }

    [Fact]
    public async Task UpdateAsync_UnconfirmedWrites_RoundTripWithTheirValuesBefore()
    {
        var store = await CreateStoreAsync(Time);
        var v1 = await store.InsertAsync(State("lead-1"));
        PendingChange[] pending =
        [
            new() { Field = "expected_value", Value = "2000", ChangedAt = T0, Unconfirmed = true, LeadValueBefore = "2000", CrmValueBefore = "1000" },
            new() { Field = "expected_close_date", Value = "2026-12-31", ChangedAt = T0, Unconfirmed = true, LeadValueBefore = null, CrmValueBefore = "2026-12-31" },
            new() { Field = "status", Value = "won", ChangedAt = T0.AddSeconds(1) },
        ];

        await store.UpdateAsync(v1 with { Status = SyncStatus.Pending, PendingChanges = pending, Outbox = [new OutboxItem { IdempotencyKey = "aria-1", Text = "note", CreatedAt = T0, ClaimedUntil = T0.AddSeconds(30) }] });
        var read = (await store.GetAsync("lead-1"))!;

        Assert.Equal(3, read.PendingChanges.Count);
        var value = read.PendingChanges[0];
        Assert.True(value.Unconfirmed);
        Assert.Equal(("expected_value", "2000", "2000", "1000"), (value.Field, value.Value, value.LeadValueBefore, value.CrmValueBefore));
        var close = read.PendingChanges[1];
        Assert.True(close.Unconfirmed);
        Assert.Null(close.LeadValueBefore);
        Assert.Equal("2026-12-31", close.CrmValueBefore);
        var hostChange = read.PendingChanges[2];
        Assert.False(hostChange.Unconfirmed);
        Assert.Null(hostChange.LeadValueBefore);
        Assert.Null(hostChange.CrmValueBefore);
        Assert.Null(hostChange.Extra);
        Assert.Equal(T0.AddSeconds(30), Assert.Single(read.Outbox).ClaimedUntil);
    }

    [Fact]
    public async Task GetAsync_Missing_ReturnsNull()
    {
        var store = await CreateStoreAsync(Time);
        Assert.Null(await store.GetAsync("nope"));
    }

    [Fact]
    public async Task InsertAsync_Duplicate_ThrowsConcurrencyAndKeepsOriginal()
    {
        var store = await CreateStoreAsync(Time);
        await store.InsertAsync(State("lead-1"));

        await Assert.ThrowsAsync<CrmSyncConcurrencyException>(async () => await store.InsertAsync(State("lead-1") with { ErrorMessage = "second" }));

        Assert.Null((await store.GetAsync("lead-1"))!.ErrorMessage);
    }

    [Fact]
    public async Task InsertAsync_NonZeroVersion_Throws()
    {
        var store = await CreateStoreAsync(Time);
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.InsertAsync(State("lead-1") with { Version = 3 }));
    }

    [Fact]
    public async Task UpdateAsync_CurrentVersion_IncrementsVersion()
    {
        var store = await CreateStoreAsync(Time);
        var v1 = await store.InsertAsync(State("lead-1"));

        var v2 = await store.UpdateAsync(v1 with { Status = SyncStatus.Pending, RetryCount = 1 });

        Assert.Equal(2, v2.Version);
        var read = (await store.GetAsync("lead-1"))!;
        Assert.Equal(SyncStatus.Pending, read.Status);
        Assert.Equal(2, read.Version);
    }

    [Fact]
    public async Task UpdateAsync_StaleVersion_ThrowsAndWritesNothing()
    {
        var store = await CreateStoreAsync(Time);
        var v1 = await store.InsertAsync(State("lead-1"));
        await store.UpdateAsync(v1 with { ErrorMessage = "first" });

        var ex = await Assert.ThrowsAsync<CrmSyncConcurrencyException>(async () => await store.UpdateAsync(v1 with { ErrorMessage = "stale" }));

        Assert.Equal(1, ex.ExpectedVersion);
        var read = (await store.GetAsync("lead-1"))!;
        Assert.Equal("first", read.ErrorMessage);
        Assert.Equal(2, read.Version);
    }

    [Fact]
    public async Task UpdateAsync_Missing_ThrowsNotFound()
    {
        var store = await CreateStoreAsync(Time);
        await Assert.ThrowsAsync<CrmSyncNotFoundException>(async () => await store.UpdateAsync(State("ghost") with { Version = 1 }));
    }

    [Fact]
    public async Task UpdateAsync_RacingWritersFromOneVersion_ExactlyOneWins()
    {
        var store = await CreateStoreAsync(Time);
        var v1 = await store.InsertAsync(State("lead-1"));

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await store.UpdateAsync(v1 with { ErrorMessage = "writer-" + i });
                return true;
            }
            catch (CrmSyncConcurrencyException)
            {
                return false;
            }
        })));

        Assert.Equal(1, outcomes.Count(o => o));
        Assert.Equal(2, (await store.GetAsync("lead-1"))!.Version);
    }

    [Fact]
    public async Task UpdateAsync_ReadModifyWriteLoops_LoseNoUpdate()
    {
        var store = await CreateStoreAsync(Time);
        await store.InsertAsync(State("lead-1"));

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 15; i++)
            {
                while (true)
                {
                    var current = (await store.GetAsync("lead-1"))!;
                    try
                    {
                        await store.UpdateAsync(current with { RetryCount = current.RetryCount + 1 });
                        break;
                    }
                    catch (CrmSyncConcurrencyException)
                    {
                    }
                }
            }
        })));

        var final = (await store.GetAsync("lead-1"))!;
        Assert.Equal(90, final.RetryCount);
        Assert.Equal(91, final.Version);
    }

    [Fact]
    public async Task GetManyAsync_ReturnsThoseFound()
    {
        var store = await CreateStoreAsync(Time);
        await store.InsertAsync(State("a"));
        await store.InsertAsync(State("b"));

        var found = await store.GetManyAsync(["a", "b", "missing", "a"]);

        Assert.Equal(["a", "b"], found.Select(s => s.LeadMemoryId).Order());
        Assert.Empty(await store.GetManyAsync([]));
    }

    [Fact]
    public async Task QueryAsync_FiltersAndOrdersByNextAttempt()
    {
        var store = await CreateStoreAsync(Time);
        await store.InsertAsync(State("e1", status: SyncStatus.Error) with { NextAttemptAt = T0.AddMinutes(5), RetryCount = 1 });
        await store.InsertAsync(State("e2", status: SyncStatus.Error) with { NextAttemptAt = T0.AddMinutes(1), RetryCount = 5 });
        await store.InsertAsync(State("e3", status: SyncStatus.Error) with { NextAttemptAt = T0.AddMinutes(30), RetryCount = 0 });
        await store.InsertAsync(State("p1", status: SyncStatus.Pending) with { NextAttemptAt = T0.AddMinutes(2) });
        await store.InsertAsync(State("s1", userId: "user-2") with { Provider = CrmProvider.HubSpot });
        await store.InsertAsync(State("e4", status: SyncStatus.Error)); // no attempt scheduled

        var due = await store.QueryAsync(new SyncStateQuery { Statuses = [SyncStatus.Error, SyncStatus.Pending], DueBefore = T0.AddMinutes(10) }).ToListAsync();
        Assert.Equal(["e2", "p1", "e1"], due.Select(s => s.LeadMemoryId));

        var retryable = await store.QueryAsync(new SyncStateQuery { Statuses = [SyncStatus.Error], DueBefore = T0.AddHours(1), RetryCountBelow = 5 }).ToListAsync();
        Assert.Equal(["e1", "e3"], retryable.Select(s => s.LeadMemoryId));

        Assert.Equal(["s1"], (await store.QueryAsync(new SyncStateQuery { UserId = "user-2" }).ToListAsync()).Select(s => s.LeadMemoryId));
        Assert.Equal(["s1"], (await store.QueryAsync(new SyncStateQuery { Provider = CrmProvider.HubSpot }).ToListAsync()).Select(s => s.LeadMemoryId));
        Assert.Equal(2, (await store.QueryAsync(new SyncStateQuery { Statuses = [SyncStatus.Error], Limit = 2 }).ToListAsync()).Count);
        Assert.Equal(6, (await store.QueryAsync(new SyncStateQuery()).ToListAsync()).Count);
    }

    [Fact]
    public async Task Cursors_AreKeyedByConnectionAndStream_LastWriterWins()
    {
        var store = await CreateStoreAsync(Time);
        Assert.Null(await store.GetCursorAsync("salesforce:u1", "records"));

        await store.SaveCursorAsync(new SyncCursorRecord("salesforce:u1", "records", new CrmCursor(T0, "006A"), T0));
        await store.SaveCursorAsync(new SyncCursorRecord("salesforce:u1", "activities", new CrmCursor(T0.AddDays(1), null), T0));
        await store.SaveCursorAsync(new SyncCursorRecord("salesforce:u1", "records", new CrmCursor(T0.AddSeconds(1), "006B"), T0.AddSeconds(2)));

        var records = await store.GetCursorAsync("salesforce:u1", "records");
        Assert.Equal(new CrmCursor(T0.AddSeconds(1), "006B"), records!.Cursor);
        Assert.Equal(T0.AddSeconds(2), records.UpdatedAt);
        Assert.Equal(new CrmCursor(T0.AddDays(1), null), (await store.GetCursorAsync("salesforce:u1", "activities"))!.Cursor);
        Assert.Null(await store.GetCursorAsync("salesforce:u2", "records"));
    }

    [Fact]
    public async Task Leases_AreExclusiveUntilTheyExpire()
    {
        var store = await CreateStoreAsync(Time);

        var a = await store.TryAcquireLeaseAsync("conn:1", "worker-a", TimeSpan.FromSeconds(30));
        var b = await store.TryAcquireLeaseAsync("conn:1", "worker-b", TimeSpan.FromSeconds(30));
        var other = await store.TryAcquireLeaseAsync("conn:2", "worker-b", TimeSpan.FromSeconds(30));

        Assert.NotNull(a);
        Assert.Null(b);
        Assert.NotNull(other);

        Time.Advance(TimeSpan.FromSeconds(31));
        var taken = await store.TryAcquireLeaseAsync("conn:1", "worker-b", TimeSpan.FromSeconds(30));
        Assert.NotNull(taken);
        Assert.True(taken.Token > a!.Token);

        Assert.Null(await store.RenewLeaseAsync(a, TimeSpan.FromSeconds(30))); // a lost it
        var renewed = await store.RenewLeaseAsync(taken, TimeSpan.FromMinutes(5));
        Assert.NotNull(renewed);
        Assert.Equal(Time.GetUtcNow().AddMinutes(5), renewed.ExpiresAt);

        await store.ReleaseLeaseAsync(a); // no effect: a does not hold it
        Assert.Null(await store.TryAcquireLeaseAsync("conn:1", "worker-c", TimeSpan.FromSeconds(30)));
        await store.ReleaseLeaseAsync(renewed);
        Assert.NotNull(await store.TryAcquireLeaseAsync("conn:1", "worker-c", TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Leases_RacingAcquirers_OneWins()
    {
        var store = await CreateStoreAsync(Time);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () => await store.TryAcquireLeaseAsync("conn:race", "w" + i, TimeSpan.FromMinutes(1)))));

        Assert.Single(results, r => r is not null);
    }
}
