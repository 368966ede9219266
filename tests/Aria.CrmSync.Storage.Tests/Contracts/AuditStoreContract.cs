using System.Text.Json;
using Aria.CrmSync.Auditing;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Contracts;

/// <summary>The behaviour every <see cref="IAuditStore"/> must have. Subclass it once per implementation.</summary>
public abstract partial class AuditStoreContract
{
    protected static IAuditChainSealer Sealer => CrmAuditService.Sealer;

    protected abstract Task<IAuditStore> CreateStoreAsync();

    [Fact]
    public async Task AppendAsync_SealsAGaplessLinkedChainPerUser()
    {
        var store = await CreateStoreAsync();

        var first = await store.AppendAsync([Draft("u1"), Draft("u2"), Draft("u1")], Sealer);
        var second = await store.AppendAsync([Draft("u1")], Sealer);

        Assert.Equal([1L, 1, 2], first.Select(e => e.Sequence));
        Assert.Equal(3, second[0].Sequence);
        var chain = await store.ReadChainAsync("u1").ToListAsync();
        Assert.Equal([1L, 2, 3], chain.Select(e => e.Sequence));
        Assert.Null(chain[0].PreviousHash);
        Assert.Equal(chain[0].Hash, chain[1].PreviousHash);
        Assert.Equal(chain[1].Hash, chain[2].PreviousHash);
        Assert.All(chain, e => Assert.Equal(Sealer.ComputeHash(e), e.Hash));
        Assert.Equal(new AuditChainHead("u1", 3, chain[2].Hash), await store.GetChainHeadAsync("u1"));
        Assert.Equal(new AuditChainHead("nobody", 0, null), await store.GetChainHeadAsync("nobody"));
    }

    [Fact]
    public async Task AppendAsync_RoundTripsEveryField()
    {
        var store = await CreateStoreAsync();
        var draft = Draft("u1", "lead-ü", CrmAuditOperation.ConflictResolved, CrmProvider.HubSpot, success: false, at: T0, error: "Ünïcödé 😀 'q' \"dq\" \n line",
            detailsJson: """{"field":"expected_value","aria_value":"100","crm_value":null,"nested":{"list":[1,2.5,"x",true,null]},"emoji":"𝄞"}""");

        var sealedEntry = (await store.AppendAsync([draft], Sealer))[0];
        var read = Assert.Single(await store.ReadChainAsync("u1").ToListAsync());

        Assert.Equal(Json(sealedEntry), Json(read));
        Assert.Equal(T0, read.CreatedAt);
        Assert.Equal(sealedEntry.Hash, Sealer.ComputeHash(read));
    }

    [Fact]
    public async Task AppendAsync_UnknownProvider_RoundTripsAndVerifies()
    {
        var store = await CreateStoreAsync();
        var draft = Draft("u1", "lead-1", CrmAuditOperation.Push, new CrmProvider("dynamics_365"));

        var sealedEntry = (await store.AppendAsync([draft], Sealer))[0];
        var read = Assert.Single(await store.ReadChainAsync("u1").ToListAsync());

        Assert.Equal("dynamics_365", read.Provider.Value);
        Assert.Equal(Json(sealedEntry), Json(read));
        Assert.Equal(sealedEntry.Hash, Sealer.ComputeHash(read));
    }

    [Fact]
    public async Task AppendAsync_NullLead_IsAllowed()
    {
        var store = await CreateStoreAsync();
        await store.AppendAsync([Draft("u1", leadId: null)], Sealer);
        Assert.Null(Assert.Single(await store.ReadChainAsync("u1").ToListAsync()).LeadMemoryId);
    }

    [Fact]
    public async Task AppendAsync_FailureMidBatch_WritesNothing()
    {
        var store = await CreateStoreAsync();
        await store.AppendAsync([Draft("u1")], Sealer);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.AppendAsync([Draft("u1"), Draft("u2"), Draft("u1")], new FailingSealer(failOnCall: 3)));

        Assert.Single(await store.ReadChainAsync("u1").ToListAsync());
        Assert.Empty(await store.ReadChainAsync("u2").ToListAsync());
        Assert.Equal(1, (await store.GetChainHeadAsync("u1")).Sequence);
    }

    [Fact]
    public async Task AppendAsync_ConcurrentWriters_KeepOneValidChain()
    {
        var store = await CreateStoreAsync();

        await Parallel.ForEachAsync(Enumerable.Range(0, 24), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (i, ct) =>
            await store.AppendAsync([Draft("u1", "lead-" + i), Draft("u1", "lead-" + i)], Sealer, ct));

        var chain = await store.ReadChainAsync("u1").ToListAsync();
        Assert.Equal(Enumerable.Range(1, 48).Select(i => (long)i), chain.Select(e => e.Sequence));
        for (var i = 1; i < chain.Count; i++)
        {
            Assert.Equal(chain[i - 1].Hash, chain[i].PreviousHash);
        }
    }

    [Fact]
    public async Task QueryAsync_NewestFirst_WithFiltersLimitAndOffset()
    {
        var store = await CreateStoreAsync();
        var drafts = new List<CrmAuditEntry>();
        for (var i = 0; i < 12; i++)
        {
            drafts.Add(Draft(i % 3 == 0 ? "u2" : "u1", "lead-" + (i % 2), i % 4 == 0 ? CrmAuditOperation.Error : CrmAuditOperation.Push,
                i % 2 == 0 ? CrmProvider.Salesforce : CrmProvider.HubSpot, success: i % 4 != 0, at: T0.AddMinutes(i)));
        }

        var all = await store.AppendAsync(drafts, Sealer);
        IEnumerable<CrmAuditEntry> Expected(Func<CrmAuditEntry, bool> match) => all.Where(match).OrderByDescending(e => e.CreatedAt);

        async Task Check(AuditQuery query, IEnumerable<CrmAuditEntry> expected)
            => Assert.Equal(expected.Select(e => e.Id), (await store.QueryAsync(query).ToListAsync()).Select(e => e.Id));

        await Check(new AuditQuery { Limit = null }, Expected(_ => true));
        await Check(new AuditQuery { UserId = "u1", Limit = null }, Expected(e => e.UserId == "u1"));
        await Check(new AuditQuery { LeadMemoryId = "lead-1", Limit = null }, Expected(e => e.LeadMemoryId == "lead-1"));
        await Check(new AuditQuery { Operation = CrmAuditOperation.Error, Limit = null }, Expected(e => e.Operation == CrmAuditOperation.Error));
        await Check(new AuditQuery { Provider = CrmProvider.HubSpot, Limit = null }, Expected(e => e.Provider == CrmProvider.HubSpot));
        await Check(new AuditQuery { Success = false, UserId = "u2", Limit = null }, Expected(e => !e.Success && e.UserId == "u2"));
        await Check(new AuditQuery { DateStart = T0.AddMinutes(3), DateEnd = T0.AddMinutes(7), Limit = null }, Expected(e => e.CreatedAt >= T0.AddMinutes(3) && e.CreatedAt <= T0.AddMinutes(7)));
        await Check(new AuditQuery { Limit = 4, Offset = 3 }, Expected(_ => true).Skip(3).Take(4));
        await Check(new AuditQuery { Limit = 0 }, []);
    }

    [Fact]
    public async Task QueryAsync_SameTimestamp_OrdersBySequenceDescending()
    {
        var store = await CreateStoreAsync();
        var entries = await store.AppendAsync([Draft("u1"), Draft("u1"), Draft("u1")], Sealer);

        var read = await store.QueryAsync(new AuditQuery { UserId = "u1" }).ToListAsync();

        Assert.Equal(entries.Reverse().Select(e => e.Id), read.Select(e => e.Id));
    }

    [Fact]
    public async Task ReadChainAsync_FromSequence_SkipsEarlierEntries()
    {
        var store = await CreateStoreAsync();
        await store.AppendAsync([Draft("u1"), Draft("u1"), Draft("u1"), Draft("u1")], Sealer);

        Assert.Equal([3L, 4], (await store.ReadChainAsync("u1", 3).ToListAsync()).Select(e => e.Sequence));
    }

    [Fact]
    public async Task QueryAsync_UserFilter_NeverReturnsAnotherUsersEntries()
    {
        var store = await CreateStoreAsync();
        await store.AppendAsync([Draft("alice"), Draft("bob"), Draft("alice", "shared-lead"), Draft("bob", "shared-lead")], Sealer);

        var alice = await store.QueryAsync(new AuditQuery { UserId = "alice", LeadMemoryId = "shared-lead", Limit = null }).ToListAsync();

        Assert.All(alice, e => Assert.Equal("alice", e.UserId));
        Assert.Single(alice);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("al_ce")]
    [InlineData("alice%")]
    [InlineData("alice' OR '1'='1")]
    public async Task AuditService_QueriesExportsAndVerification_NeverIncludeAnotherUsersEntries(string user)
    {
        // Neighbours whose ids a LIKE pattern, a prefix match or an injected predicate would let in.
        string[] others = ["alice", "alice2", "xalice", "al_ce", "alice%", "alice' OR '1'='1", "ALICE"];
        var store = await CreateStoreAsync();
        var audit = new CrmAuditService(store, TimeProvider.System, new Diagnostics.CrmSyncTelemetry());
        var drafts = others.Where(o => o != user).SelectMany(o => new[] { Draft(o, "shared-lead"), Draft(o) }).ToList();
        drafts.InsertRange(3, [Draft(user, "shared-lead"), Draft(user), Draft(user, "shared-lead")]);
        var mine = (await audit.LogManyAsync(drafts)).Where(e => e.UserId == user).Select(e => e.Id).ToHashSet();

        var queried = await audit.QueryAuditLogAsync(new AuditQuery { UserId = user, Limit = null });
        var byLead = await audit.QueryAuditLogAsync(new AuditQuery { UserId = user, LeadMemoryId = "shared-lead", Limit = null });
        var chain = await store.ReadChainAsync(user).ToListAsync();
        using var exported = new MemoryStream();
        var written = await audit.ExportAuditLogAsync(new AuditExportRequest { UserId = user, Format = AuditExportFormat.Json }, exported);
        using var json = JsonDocument.Parse(exported.ToArray());
        var verified = await audit.VerifyAsync(user);

        Assert.Equal(mine, queried.Select(e => e.Id).ToHashSet());
        Assert.Equal(2, byLead.Count);
        Assert.All(byLead, e => Assert.Equal(user, e.UserId));
        Assert.Equal(mine, chain.Select(e => e.Id).ToHashSet());
        Assert.Equal(3, written.EntriesWritten);
        Assert.Equal(mine, json.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToHashSet());
        Assert.True(verified.IsValid, verified.Message);
        Assert.Equal(3, verified.EntriesVerified);
        Assert.Equal(new AuditChainHead(user, 3, chain[^1].Hash), await audit.GetChainHeadAsync(user));
    }

    private sealed class FailingSealer(int failOnCall) : IAuditChainSealer
    {
        private int _calls;

        public CrmAuditEntry Seal(CrmAuditEntry draft, long sequence, string? previousHash)
            => ++_calls == failOnCall ? throw new InvalidOperationException("sealing failed") : Sealer.Seal(draft, sequence, previousHash);

        public string ComputeHash(CrmAuditEntry entry) => Sealer.ComputeHash(entry);
    }
}
