using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Contracts;

/// <summary>The behaviour every <see cref="ILeadMemoryStore"/> must have. Subclass it once per implementation.</summary>
public abstract partial class LeadMemoryStoreContract
{
    protected abstract Task<ILeadMemoryStore> CreateStoreAsync();

    [Fact]
    public async Task InsertAsync_ThenGetAsync_RoundTripsEveryField()
    {
        var store = await CreateStoreAsync();
        var lead = Lead("lead-1");

        var stored = await store.InsertAsync(lead);
        var read = await store.GetAsync("user-1", "lead-1");

        Assert.Equal(1, stored.Version);
        Assert.Equal(Json(lead with { Version = 1 }), Json(read));
    }

    [Fact]
    public async Task UnknownProvider_RoundTrips_AndIsFoundByItsWireValue()
    {
        var store = await CreateStoreAsync();
        var pipedrive = new CrmProvider("pipedrive");
        await store.InsertAsync(Lead("lead-p", provider: pipedrive, crmId: "deal-9"));
        await store.InsertAsync(Lead("lead-h", crmId: "deal-9"));
        await store.AddEventsAsync([Event("lead-p", "act-1", T0, source: pipedrive)]);

        var found = await store.FindByCrmIdAsync("user-1", new CrmProvider("pipedrive"), "deal-9");
        var linked = await store.ListLinkedAsync("user-1", pipedrive).ToListAsync();

        Assert.Equal("lead-p", found?.Id);
        Assert.Equal(pipedrive, found?.CrmProvider);
        Assert.Equal("lead-p", Assert.Single(linked).Id);
        Assert.Null(await store.FindByCrmIdAsync("user-1", new CrmProvider("zoho"), "deal-9"));
    }

    [Fact]
    public async Task GetAsync_AnotherUsersLead_IsNull()
    {
        var store = await CreateStoreAsync();
        await store.InsertAsync(Lead("lead-1"));
        Assert.Null(await store.GetAsync("user-2", "lead-1"));
        Assert.Null(await store.GetAsync("user-1", "missing"));
    }

    [Fact]
    public async Task InsertAsync_Duplicate_Throws()
    {
        var store = await CreateStoreAsync();
        await store.InsertAsync(Lead("lead-1"));
        await Assert.ThrowsAsync<CrmSyncConcurrencyException>(async () => await store.InsertAsync(Lead("lead-1")));
    }

    [Fact]
    public async Task UpdateAsync_ChecksVersionAndOwner()
    {
        var store = await CreateStoreAsync();
        var v1 = await store.InsertAsync(Lead("lead-1"));

        var v2 = await store.UpdateAsync(v1 with { ExpectedValue = 1m, LifecycleStage = LifecycleStages.Account, ExpectedCloseDate = null });
        await Assert.ThrowsAsync<CrmSyncConcurrencyException>(async () => await store.UpdateAsync(v1 with { ExpectedValue = 2m }));
        await Assert.ThrowsAsync<CrmSyncNotFoundException>(async () => await store.UpdateAsync(v2 with { UserId = "user-2" }));

        var read = (await store.GetAsync("user-1", "lead-1"))!;
        Assert.Equal(2, read.Version);
        Assert.Equal(1m, read.ExpectedValue);
        Assert.Null(read.ExpectedCloseDate);
        Assert.Equal(LifecycleStages.Account, read.LifecycleStage);
    }

    [Fact]
    public async Task FindByCrmIdAsync_AndListLinkedAsync_AreScopedToUserAndProvider()
    {
        var store = await CreateStoreAsync();
        await store.InsertAsync(Lead("b", crmId: "2"));
        await store.InsertAsync(Lead("a", crmId: "1"));
        await store.InsertAsync(Lead("c", provider: CrmProvider.Salesforce, crmId: "006000000000001AAA"));
        await store.InsertAsync(Lead("d", unlinked: true, crmId: null));
        await store.InsertAsync(Lead("e", userId: "user-2", crmId: "1"));

        Assert.Equal("a", (await store.FindByCrmIdAsync("user-1", CrmProvider.HubSpot, "1"))!.Id);
        Assert.Equal("e", (await store.FindByCrmIdAsync("user-2", CrmProvider.HubSpot, "1"))!.Id);
        Assert.Null(await store.FindByCrmIdAsync("user-1", CrmProvider.Salesforce, "1"));
        Assert.Equal(["a", "b"], (await store.ListLinkedAsync("user-1", CrmProvider.HubSpot).ToListAsync()).Select(l => l.Id));
        Assert.Equal(["c"], (await store.ListLinkedAsync("user-1", CrmProvider.Salesforce).ToListAsync()).Select(l => l.Id));
    }

    [Fact]
    public async Task FindByCrmIdsAsync_FindsEachLinkedRecordsLead_AsFindByCrmIdAsyncWould()
    {
        var store = await CreateStoreAsync();
        await store.InsertAsync(Lead("b", crmId: "2"));
        await store.InsertAsync(Lead("a", crmId: "1"));
        await store.InsertAsync(Lead("a2", crmId: "1")); // a second lead linking record 1: the lowest id wins, as FindByCrmIdAsync picks
        await store.InsertAsync(Lead("c", provider: CrmProvider.Salesforce, crmId: "3"));
        await store.InsertAsync(Lead("d", unlinked: true, crmId: null));
        await store.InsertAsync(Lead("e", userId: "user-2", crmId: "2"));

        var found = await store.FindByCrmIdsAsync("user-1", CrmProvider.HubSpot, ["2", "1", "3", "missing", "1"]);

        Assert.Equal(["1:a", "2:b"], found.Select(l => $"{l.CrmId}:{l.Id}").Order(StringComparer.Ordinal));
        Assert.Equal("a", (await store.FindByCrmIdAsync("user-1", CrmProvider.HubSpot, "1"))!.Id);
        Assert.Equal(Json(await store.GetAsync("user-1", "b")), Json(found.Single(l => l.Id == "b")));
        Assert.Equal(["e"], (await store.FindByCrmIdsAsync("user-2", CrmProvider.HubSpot, ["1", "2"])).Select(l => l.Id));
        Assert.Equal(["c"], (await store.FindByCrmIdsAsync("user-1", CrmProvider.Salesforce, ["3", "1"])).Select(l => l.Id));
        Assert.Empty(await store.FindByCrmIdsAsync("user-1", CrmProvider.HubSpot, []));
    }

    [Fact]
    public async Task FindByCrmIdsAsync_AThousandIds_OneLookup()
    {
        var store = await CreateStoreAsync();
        for (var i = 0; i < 1200; i++)
        {
            await store.InsertAsync(Lead($"lead-{i:D4}", crmId: $"deal-{i}"));
        }

        var wanted = Enumerable.Range(0, 1200).Where(i => i % 3 != 0).Select(i => $"deal-{i}").Append("deal-9999").ToList();
        var found = await store.FindByCrmIdsAsync("user-1", CrmProvider.HubSpot, wanted);

        Assert.Equal(800, found.Count);
        Assert.All(found, l => Assert.Equal($"deal-{int.Parse(l.Id[5..], System.Globalization.CultureInfo.InvariantCulture)}", l.CrmId));
        Assert.DoesNotContain(found, l => int.Parse(l.Id[5..], System.Globalization.CultureInfo.InvariantCulture) % 3 == 0);
    }

    [Fact]
    public async Task AddEventsAsync_DeduplicatesByLeadSourceAndExternalId()
    {
        var store = await CreateStoreAsync();
        await store.InsertAsync(Lead("lead-1"));

        var first = await store.AddEventsAsync([Event("lead-1", "1", T0.AddDays(2)), Event("lead-1", "2", T0.AddDays(1))]);
        var second = await store.AddEventsAsync([Event("lead-1", "2", T0.AddDays(1)) with { Id = "another-id" }, Event("lead-1", "3", T0), Event("lead-1", "1", T0, source: CrmProvider.Salesforce)]);

        Assert.Equal(2, first);
        Assert.Equal(2, second);
        var events = await store.GetEventsAsync("user-1", "lead-1").ToListAsync();
        Assert.Equal(["3", "1", "2", "1"], events.Select(e => e.ExternalId));
        Assert.Equal(Json(Event("lead-1", "2", T0.AddDays(1))), Json(events[2]));
        Assert.Empty(await store.GetEventsAsync("user-2", "lead-1").ToListAsync());
    }

    [Fact]
    public async Task AddEventsAsync_ConcurrentDuplicates_StoreOne()
    {
        var store = await CreateStoreAsync();
        await store.InsertAsync(Lead("lead-1"));

        var added = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () => await store.AddEventsAsync([Event("lead-1", "same", T0)]))));

        Assert.Equal(1, added.Sum());
        Assert.Single(await store.GetEventsAsync("user-1", "lead-1").ToListAsync());
    }

    [Fact]
    public async Task AddEventsAsync_InvalidEvent_WritesNothing()
    {
        var store = await CreateStoreAsync();
        await store.InsertAsync(Lead("lead-1"));

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.AddEventsAsync([Event("lead-1", "ok", T0), Event("lead-1", "bad", T0) with { Id = string.Empty }]));

        Assert.Empty(await store.GetEventsAsync("user-1", "lead-1").ToListAsync());
    }
}
