using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Durability;

/// <content>A batch of sync-state writes is one transaction: when the database fails one statement, none is written.</content>
public abstract partial class DurableStoreTests
{
    [Fact]
    public async Task WriteManyAsync_DatabaseRefusesOneStatement_WritesNoneOfTheBatch()
    {
        var (states, _, _) = OpenInstance();
        var first = await states.InsertAsync(State("lead-a"));
        var second = await states.InsertAsync(State("lead-b"));

        // The third write gives lead-b the row id lead-a holds: the primary key refuses it after two writes went through.
        var error = await Assert.ThrowsAsync<CrmSyncStoreException>(async () => await states.WriteManyAsync(
        [
            State("lead-new"),
            first with { RetryCount = 3 },
            second with { Id = first.Id },
        ]));

        Assert.True(error.IsConstraintViolation);
        Assert.Null(await states.GetAsync("lead-new"));
        Assert.Equal((0, 1L), ((await states.GetAsync("lead-a"))!.RetryCount, (await states.GetAsync("lead-a"))!.Version));
        Assert.Equal(second.Id, (await states.GetAsync("lead-b"))!.Id);
    }
}
