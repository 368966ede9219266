using System.Text.Json;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Contracts;

/// <summary>Hostile values through <see cref="IAuditStore"/>: typed refusals, duplicate ids, and the trail's own clock.</summary>
public abstract partial class AuditStoreContract
{
    [Theory]
    [MemberData(nameof(HostileValues.Texts), MemberType = typeof(HostileValues))]
    public async Task HostileText_InErrorMessages_RoundTripsOrIsRefusedTyped(string name, bool storable)
    {
        var text = HostileValues.Text(name);
        var store = await CreateStoreAsync();
        var draft = Draft("u-" + name, error: text);

        if (storable)
        {
            var written = await store.AppendAsync([draft], Sealer);
            var read = Assert.Single(await store.ReadChainAsync(draft.UserId).ToListAsync());
            Assert.Equal(text, read.ErrorMessage);
            Assert.Equal(written[0].Hash, Sealer.ComputeHash(read));
        }
        else
        {
            var error = await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.AppendAsync([draft], Sealer));
            Assert.Equal("drafts[0].ErrorMessage", error.Field);
            Assert.Equal(0, (await store.GetChainHeadAsync(draft.UserId)).Sequence);
        }

        Assert.Equal(1, (await store.AppendAsync([Draft("after-" + name)], Sealer))[0].Sequence);
    }

    [Theory]
    [MemberData(nameof(HostileValues.BadIds), MemberType = typeof(HostileValues))]
    public async Task BadIds_AreRefusedTyped(string name)
    {
        var id = HostileValues.Id(name);
        var store = await CreateStoreAsync();

        Assert.Equal("drafts[0].UserId", (await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.AppendAsync([Draft(id)], Sealer))).Field);
        Assert.Equal("drafts[1].Id", (await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.AppendAsync([Draft("u1"), Draft("u1") with { Id = id }], Sealer))).Field);
        Assert.Equal("drafts[0].LeadMemoryId", (await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.AppendAsync([Draft("u-" + name, leadId: id)], Sealer))).Field);
        Assert.Equal(0, (await store.GetChainHeadAsync("u1")).Sequence); // the whole batch was refused
    }

    [Fact]
    public async Task AppendAsync_DuplicateId_InTheBatchOrAlreadyStored_IsRefusedTyped()
    {
        var store = await CreateStoreAsync();
        var first = Draft("u1");
        await store.AppendAsync([first], Sealer);

        var inBatch = await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.AppendAsync([Draft("u2") with { Id = "same" }, Draft("u2") with { Id = "same" }], Sealer));
        var stored = await Assert.ThrowsAsync<CrmSyncStoreException>(async () => await store.AppendAsync([Draft("u2"), Draft("u1") with { Id = first.Id }], Sealer));

        Assert.Equal("drafts[1].Id", inBatch.Field);
        Assert.True(stored.IsConstraintViolation);
        Assert.Equal(409, stored.StatusCode);
        Assert.Equal(0, (await store.GetChainHeadAsync("u2")).Sequence); // all or nothing
        Assert.Equal(2, (await store.AppendAsync([Draft("u1")], Sealer))[0].Sequence); // and not stuck
    }

    [Fact]
    public async Task AppendAsync_TimeBeforeTheChainHead_IsRaisedToTheHeadsTime()
    {
        var store = await CreateStoreAsync();
        await store.AppendAsync([Draft("u1", at: T0.AddHours(1))], Sealer);

        var late = await store.AppendAsync([Draft("u1", at: T0), Draft("u2", at: T0)], Sealer);

        Assert.Equal(T0.AddHours(1), late[0].CreatedAt); // a lagging clock cannot date an entry before its predecessor
        Assert.Equal(AuditTimeOf(T0), late[1].CreatedAt); // another chain is not affected
        var chain = await store.ReadChainAsync("u1").ToListAsync();
        Assert.Equal(chain[0].CreatedAt, chain[1].CreatedAt);
        Assert.Equal(late[0].Hash, chain[1].Hash);
    }

    [Fact]
    public async Task ReadBack_DetailsAreTheCanonicalTextThatWasHashed()
    {
        var store = await CreateStoreAsync();
        // Canonical text (keys sorted, no spaces, 1.5 not 1.50, the character itself not an escape), as the audit
        // service writes it; PostgreSQL's jsonb renders it as {"a": {"b": null, ...}}, which must not reach a reader.
        const string canonical = "{\"a\":{\"b\":null,\"y\":[1.5,\"x\"]},\"m\":\"\u2400\",\"z\":1}";
        var draft = Draft("u1") with { Details = JsonDocument.Parse(canonical).RootElement.Clone() };

        var written = (await store.AppendAsync([draft], Sealer))[0];
        var read = Assert.Single(await store.ReadChainAsync("u1").ToListAsync());
        var queried = Assert.Single(await store.QueryAsync(new AuditQuery { UserId = "u1" }).ToListAsync());

        Assert.Equal(canonical, written.Details.GetRawText());
        Assert.Equal(canonical, read.Details.GetRawText());
        Assert.Equal(canonical, queried.Details.GetRawText());
    }

    private static DateTimeOffset AuditTimeOf(DateTimeOffset value) => new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);
}
