using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Contracts;

/// <summary>Hostile values through <see cref="ILeadMemoryStore"/>: every store accepts or refuses the same values, with a typed error.</summary>
public abstract partial class LeadMemoryStoreContract
{
    [Theory]
    [MemberData(nameof(HostileValues.Texts), MemberType = typeof(HostileValues))]
    public async Task HostileText_InLeadsAndEvents_RoundTripsOrIsRefusedTyped(string name, bool storable)
    {
        var text = HostileValues.Text(name);
        var store = await CreateStoreAsync();
        var lead = Lead("lead-" + name) with { CompanyName = text, Metadata = new Dictionary<string, string?> { ["note"] = text } };
        var evt = Event("lead-" + name, "1", T0) with { Subject = text, Content = text };

        if (storable)
        {
            await store.InsertAsync(lead);
            Assert.Equal(1, await store.AddEventsAsync([evt]));
            var read = await store.GetAsync(lead.UserId, lead.Id);
            Assert.Equal(text, read!.CompanyName);
            Assert.Equal(text, read.Metadata["note"]);
            var events = await store.GetEventsAsync(lead.UserId, lead.Id).ToListAsync();
            Assert.Equal(text, Assert.Single(events).Subject);
            Assert.Equal(text, events[0].Content);
        }
        else
        {
            var insert = await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.InsertAsync(lead));
            Assert.Equal("lead.CompanyName", insert.Field);
            var add = await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.AddEventsAsync([evt]));
            Assert.Equal("events[0].Subject", add.Field);
            Assert.Null(await store.GetAsync(lead.UserId, lead.Id)); // nothing written
        }

        // The store is not stuck: the next ordinary write goes through.
        Assert.Equal(1, (await store.InsertAsync(Lead("after-" + name))).Version);
    }

    [Theory]
    [MemberData(nameof(HostileValues.BadIds), MemberType = typeof(HostileValues))]
    public async Task BadIds_AreRefusedTyped_AndTheLongestIdIsKept(string name)
    {
        var id = HostileValues.Id(name);
        var store = await CreateStoreAsync();

        Assert.Equal("lead.Id", (await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.InsertAsync(Lead(id)))).Field);
        Assert.Equal("lead.UserId", (await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.InsertAsync(Lead("l-" + name, userId: id)))).Field);
        Assert.Equal("lead.CrmId", (await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.InsertAsync(Lead("l-" + name, crmId: id)))).Field);
        Assert.Equal("events[0].ExternalId", (await Assert.ThrowsAsync<CrmSyncValidationException>(async () => await store.AddEventsAsync([Event("l-" + name, "1", T0) with { ExternalId = id }]))).Field);

        var longest = await store.InsertAsync(Lead(HostileValues.LongestId, userId: HostileValues.LongestId, crmId: HostileValues.LongestId));
        Assert.Equal(HostileValues.LongestId, (await store.FindByCrmIdAsync(HostileValues.LongestId, CrmProvider.HubSpot, HostileValues.LongestId))!.Id);
        Assert.Equal(1, longest.Version);
    }

    [Fact]
    public async Task ExtremeNumbersAndDates_RoundTripExactly()
    {
        var store = await CreateStoreAsync();
        foreach (var (id, value, date) in new (string, decimal, DateOnly)[]
        {
            ("max", decimal.MaxValue, DateOnly.MaxValue),
            ("min", decimal.MinValue, DateOnly.MinValue),
            ("tiny", 0.0000000000000000000000000001m, new DateOnly(1700, 1, 1)),
            ("negative-tiny", -0.0000000000000000000000000001m, new DateOnly(4000, 12, 31)),
        })
        {
            await store.InsertAsync(Lead(id) with { ExpectedValue = value, ExpectedCloseDate = date });
            var read = await store.GetAsync("user-1", id);
            Assert.Equal(value, read!.ExpectedValue);
            Assert.Equal(value.Scale, read.ExpectedValue!.Value.Scale);
            Assert.Equal(date, read.ExpectedCloseDate);
        }
    }
}
