using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Contracts;

/// <summary>Hostile values through <see cref="ISyncStateStore"/>: every store accepts or refuses the same values, with a typed error.</summary>
public abstract partial class SyncStateStoreContract
{
    [Theory]
    [MemberData(nameof(HostileValues.Texts), MemberType = typeof(HostileValues))]
    public async Task HostileText_InStateJsonAndMessages_RoundTripsOrIsRefusedTyped(string name, bool storable)
    {
        var text = HostileValues.Text(name);
        var store = await CreateStoreAsync(TimeProvider.System);
        var state = Rich("lead-" + name) with
        {
            ErrorMessage = text,
            BaseSnapshot = new Dictionary<string, string?> { ["lifecycle_stage"] = text },
            Outbox = [new OutboxItem { IdempotencyKey = "k-" + name, Text = text, CreatedAt = T0 }],
        };

        if (storable)
        {
            await store.InsertAsync(state);
            var read = await store.GetAsync(state.LeadMemoryId);
            Assert.Equal(text, read!.ErrorMessage);
            Assert.Equal(text, read.BaseSnapshot["lifecycle_stage"]);
            Assert.Equal(text, Assert.Single(read.Outbox).Text);
        }
        else
        {
            var error = await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.InsertAsync(state));
            Assert.Equal("state.ErrorMessage", error.Field);
            if (name != "over-1-mib") // a JSON column may hold up to 16 MiB; the text of one column at most 1 MiB
            {
                var json = await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.InsertAsync(state with { ErrorMessage = null }));
                Assert.Equal("state.BaseSnapshot", json.Field);
            }

            Assert.Null(await store.GetAsync(state.LeadMemoryId));
        }

        Assert.Equal(1, (await store.InsertAsync(State("after-" + name))).Version);
    }

    [Theory]
    [MemberData(nameof(HostileValues.BadIds), MemberType = typeof(HostileValues))]
    public async Task BadIds_AreRefusedTyped(string name)
    {
        var id = HostileValues.Id(name);
        var store = await CreateStoreAsync(TimeProvider.System);

        Assert.Equal("state.LeadMemoryId", (await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.InsertAsync(State("l-" + name) with { LeadMemoryId = id }))).Field);
        Assert.Equal("state.UserId", (await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.InsertAsync(State("l-" + name, userId: id)))).Field);
        Assert.Equal("cursor.ConnectionKey", (await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.SaveCursorAsync(new SyncCursorRecord(id, "records", new CrmCursor(T0, null), T0)))).Field);
        Assert.Equal("resource", (await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.TryAcquireLeaseAsync(id, "worker", TimeSpan.FromMinutes(1)))).Field);
        Assert.Equal(1, (await store.InsertAsync(State(HostileValues.LongestId) with { Id = "sync-longest" })).Version);
    }
}
