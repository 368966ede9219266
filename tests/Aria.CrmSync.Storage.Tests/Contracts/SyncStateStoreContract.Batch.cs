using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Contracts;

/// <content><see cref="ISyncStateStore.WriteManyAsync"/>: each state written or refused on its own, results in request order.</content>
public abstract partial class SyncStateStoreContract
{
    [Fact]
    public async Task WriteManyAsync_MixedBatch_WritesEachStateOnItsOwnTermsAndAnswersInOrder()
    {
        var store = await CreateStoreAsync(Time);
        var current = await store.InsertAsync(State("lead-current"));
        var stale = await store.InsertAsync(State("lead-stale"));
        await store.UpdateAsync(stale with { ErrorMessage = "someone else" });
        await store.InsertAsync(State("lead-existing"));

        var results = await store.WriteManyAsync(
        [
            Rich("lead-new"),
            current with { Status = SyncStatus.Pending, RetryCount = 2 },
            stale with { ErrorMessage = "stale write" },
            State("lead-missing") with { Version = 4 },
            State("lead-existing") with { ErrorMessage = "second insert" },
        ]);

        Assert.Equal(["lead-new", "lead-current", "lead-stale", "lead-missing", "lead-existing"], results.Select(r => r.LeadMemoryId));
        Assert.Equal([true, true, false, false, false], results.Select(r => r.Succeeded));
        Assert.Equal(1, results[0].Stored!.Version);
        Assert.Equal(2, results[1].Stored!.Version);
        var staleError = Assert.IsType<CrmSyncConcurrencyException>(results[2].Error);
        Assert.Equal((1L, 2L), (staleError.ExpectedVersion, staleError.ActualVersion));
        Assert.IsType<CrmSyncNotFoundException>(results[3].Error);
        Assert.Equal(1, Assert.IsType<CrmSyncConcurrencyException>(results[4].Error).ActualVersion);

        Assert.Equal(Json(Rich("lead-new") with { Version = 1 }), Json(await store.GetAsync("lead-new")));
        var updated = (await store.GetAsync("lead-current"))!;
        Assert.Equal((SyncStatus.Pending, 2, 2L), (updated.Status, updated.RetryCount, updated.Version));
        var untouched = (await store.GetAsync("lead-stale"))!;
        Assert.Equal(("someone else", 2L), (untouched.ErrorMessage, untouched.Version));
        Assert.Null(await store.GetAsync("lead-missing"));
        Assert.Null((await store.GetAsync("lead-existing"))!.ErrorMessage);
    }

    [Fact]
    public async Task WriteManyAsync_StoredVersions_ChainIntoTheNextBatch()
    {
        var store = await CreateStoreAsync(Time);
        var states = Enumerable.Range(0, 120).Select(i => State($"lead-{i:D3}")).ToArray();

        var first = await store.WriteManyAsync(states);
        var second = await store.WriteManyAsync(first.Select(r => r.Stored! with { RetryCount = 1 }).ToArray());

        Assert.All(second, r => Assert.Equal(2, r.Stored!.Version));
        var read = await store.GetManyAsync(states.Select(s => s.LeadMemoryId).ToArray());
        Assert.Equal(120, read.Count);
        Assert.All(read, s => Assert.Equal((1, 2L), (s.RetryCount, s.Version)));
    }

    [Fact]
    public async Task WriteManyAsync_Empty_ReturnsNoResults()
    {
        var store = await CreateStoreAsync(Time);
        Assert.Empty(await store.WriteManyAsync([]));
    }

    [Fact]
    public async Task WriteManyAsync_TwoStatesOfOneLead_ThrowsAndWritesNothing()
    {
        var store = await CreateStoreAsync(Time);

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.WriteManyAsync([State("lead-a"), State("lead-b"), State("lead-a")]));

        Assert.Empty(await store.GetManyAsync(["lead-a", "lead-b"]));
    }
}
