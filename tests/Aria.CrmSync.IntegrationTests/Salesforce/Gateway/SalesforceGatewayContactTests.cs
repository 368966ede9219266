namespace Aria.CrmSync.IntegrationTests.Salesforce.Gateway;

public class SalesforceGatewayContactTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    private static string Contact(SfGatewayHost host, string first, string last, string? email = null, string? title = null)
        => host.Org.Insert("Contact", new Dictionary<string, object?> { ["FirstName"] = first, ["LastName"] = last, ["Email"] = email, ["Title"] = title });

    private static void Role(SfGatewayHost host, string opportunity, string contact, string? role, bool primary = false)
        => host.Org.Insert("OpportunityContactRole", new Dictionary<string, object?> { ["OpportunityId"] = opportunity, ["ContactId"] = contact, ["Role"] = role, ["IsPrimary"] = primary });

    [Fact]
    public async Task GetContacts_ReadsEachOpportunitysContactRoles_WithTheirContacts_InOneQuery()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opps = host.Seed(3);
        var ada = Contact(host, "Ada", "Lovelace", "ada@example.com", "CTO");
        var bob = Contact(host, "Bob", "Brown", "bob@example.com", "Buyer");
        var cy = Contact(host, "Cy", "Young");
        Role(host, opps[0], bob, "Evaluator");
        Role(host, opps[0], ada, "Decision Maker", primary: true);
        Role(host, opps[0], bob, "Technical Buyer"); // a second role of the same contact: one stakeholder, first role kept
        Role(host, opps[1], cy, null);
        host.Emulator.Calls.Reset();

        var contacts = await ((ICrmContactReader)host.Gateway).GetContactsAsync(host.Connection, opps);

        Assert.Equal(1, host.Emulator.Calls.ApiCalls);
        Assert.Equal(opps.Order(StringComparer.Ordinal), contacts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(
            [
                new CrmContact { Id = ada, Name = "Ada Lovelace", Email = "ada@example.com", Title = "CTO", Role = "Decision Maker", IsPrimary = true },
                new CrmContact { Id = bob, Name = "Bob Brown", Email = "bob@example.com", Title = "Buyer", Role = "Evaluator" },
            ],
            contacts[opps[0]]);
        Assert.Equal([new CrmContact { Id = cy, Name = "Cy Young" }], contacts[opps[1]]);
        Assert.Empty(contacts[opps[2]]);
    }

    [Fact]
    public async Task GetContacts_ManyOpportunities_QueriesInChunksOf200_AndAnswersForEveryId()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opps = host.Seed(250);
        var ada = Contact(host, "Ada", "Lovelace");
        Role(host, opps[0], ada, "Economic Buyer", primary: true);
        Role(host, opps[249], ada, "Influencer");
        host.Emulator.Calls.Reset();

        var contacts = await ((ICrmContactReader)host.Gateway).GetContactsAsync(host.Connection, opps);

        Assert.Equal(2, host.Emulator.Calls.ApiCalls);
        Assert.Equal(250, contacts.Count);
        Assert.Equal("Economic Buyer", Assert.Single(contacts[opps[0]]).Role);
        Assert.Equal(("Influencer", false), (Assert.Single(contacts[opps[249]]).Role, contacts[opps[249]][0].IsPrimary));
        Assert.Equal(248, contacts.Values.Count(c => c.Count == 0));
    }

    [Fact]
    public async Task GetContacts_AFifteenCharacterId_IsAnsweredUnderTheIdTheCallerGave()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        var opp = host.Seed(1)[0];
        var ada = Contact(host, "Ada", "Lovelace");
        Role(host, opp, ada, "Decision Maker");

        var contacts = await ((ICrmContactReader)host.Gateway).GetContactsAsync(host.Connection, [opp[..15]]);

        Assert.Equal(ada, Assert.Single(contacts[opp[..15]]).Id);
    }

    [Fact]
    public async Task GetContactChanges_ListsTheOpportunitiesOfAddedDeletedAndEditedRoles_AndOfEditedContacts()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        await using var host = await SfGatewayHost.StartAsync(emulator: o => o.TimeProvider = clock, transport: Transport);
        var opps = host.Seed(4);
        var ada = Contact(host, "Ada", "Lovelace", "ada@example.com");
        var bob = Contact(host, "Bob", "Brown");
        var loner = Contact(host, "Lone", "Contact");
        Role(host, opps[0], ada, "Decision Maker", primary: true);
        Role(host, opps[1], ada, "Evaluator");
        var bobRole = host.Org.Insert("OpportunityContactRole", new Dictionary<string, object?> { ["OpportunityId"] = opps[2], ["ContactId"] = bob, ["Role"] = "Other" });
        var reader = (ICrmContactReader)host.Gateway;

        var initial = await reader.GetContactChangesAsync(host.Connection, null).ToListAsync();
        Assert.Equal(opps.Take(3).Order(StringComparer.Ordinal), initial.SelectMany(p => p.CrmIds).Distinct().Order(StringComparer.Ordinal));
        var cursor = initial[^1].Cursor;
        clock.Advance(TimeSpan.FromSeconds(1)); // a compound cursor resumes after its second's last id: later changes need a later second

        host.Org.Update("Contact", ada, new Dictionary<string, object?> { ["Email"] = "ada@analytical.example" }); // both of Ada's deals
        host.Org.Delete("OpportunityContactRole", bobRole); // Bob leaves deal 2
        Role(host, opps[3], bob, "Influencer"); // and joins deal 3
        host.Org.Update("Contact", loner, new Dictionary<string, object?> { ["Title"] = "Nobody's contact" }); // on no deal
        var changes = await reader.GetContactChangesAsync(host.Connection, cursor).ToListAsync();

        Assert.Equal(opps.Order(StringComparer.Ordinal), changes.SelectMany(p => p.CrmIds).Distinct().Order(StringComparer.Ordinal));
        Assert.Empty((await reader.GetContactChangesAsync(host.Connection, changes[^1].Cursor).ToListAsync()).SelectMany(p => p.CrmIds));
    }

    [Fact]
    public async Task GetContacts_AnIdThatIsNotASalesforceId_IsATypedErrorAndSendsNothing()
    {
        await using var host = await SfGatewayHost.StartAsync(transport: Transport);
        host.Emulator.Calls.Reset();

        var error = await Assert.ThrowsAsync<CrmSyncValidationException>(() => ((ICrmContactReader)host.Gateway).GetContactsAsync(host.Connection, ["006' OR Id != '"]));

        Assert.Equal("crmIds", error.Field);
        Assert.Equal(0, host.Emulator.Calls.ApiCalls);
    }
}

public sealed class SalesforceGatewayContactViaComposioTests : SalesforceGatewayContactTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}
