namespace Aria.CrmSync.IntegrationTests.HubSpot.Gateway;

public class HubSpotContactTests
{
    /// <summary>Gets how the host reaches the CRM; the <c>ViaComposio</c> subclass runs every test again through Composio.</summary>
    protected virtual GatewayTransport Transport => GatewayTransport.Direct;

    private static string Contact(HubSpotGatewayHost h, string? first, string? last, string? email = null, string? title = null)
        => h.Emulator.InsertObject("contacts", new Dictionary<string, string?> { ["firstname"] = first, ["lastname"] = last, ["email"] = email, ["jobtitle"] = title }).Id;

    [Fact]
    public async Task GetContacts_ReadsDealContactAssociations_WithLabelsAsRoles_ThenTheContacts_InTwoCalls()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(transport: Transport);
        var deal = h.InsertDeal("With people");
        var lonely = h.InsertDeal("Nobody");
        var decisionMaker = h.Emulator.DefineAssociationLabel("deals", "contacts", "Decision maker");
        var ada = Contact(h, "Ada", "Lovelace", "ada@example.com", "CTO");
        var bob = Contact(h, "Bob", null, "bob@example.com");
        var cy = Contact(h, null, null);
        h.Emulator.Associate("deals", deal, "contacts", ada, decisionMaker, "USER_DEFINED");
        h.Emulator.Associate("deals", deal, "contacts", bob);
        h.Emulator.Associate("deals", deal, "contacts", cy);
        h.Emulator.Calls.Reset();

        var contacts = await ((ICrmContactReader)h.CrmGateway).GetContactsAsync(h.Connection, [deal, lonely]);

        Assert.Equal(2, h.Emulator.Calls.ApiCalls);
        Assert.Equal(
            [
                new CrmContact { Id = ada, Name = "Ada Lovelace", Email = "ada@example.com", Title = "CTO", Role = "Decision maker" },
                new CrmContact { Id = bob, Name = "Bob", Email = "bob@example.com" },
                new CrmContact { Id = cy },
            ],
            contacts[deal]);
        Assert.Empty(contacts[lonely]);
    }

    [Fact]
    public async Task GetContactChanges_ListsTheDealsOfEditedContacts_AndNothingForContactsOnNoDeal()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(transport: Transport);
        var first = h.InsertDeal("First");
        var second = h.InsertDeal("Second");
        var third = h.InsertDeal("Third");
        var ada = Contact(h, "Ada", "Lovelace");
        var bob = Contact(h, "Bob", "Brown");
        var loner = Contact(h, "Lone", "Contact");
        h.Emulator.Associate("deals", first, "contacts", ada);
        h.Emulator.Associate("deals", second, "contacts", ada);
        h.Emulator.Associate("deals", third, "contacts", bob);
        var reader = (ICrmContactReader)h.CrmGateway;
        var initial = await reader.GetContactChangesAsync(h.Connection, null).ToListAsync();
        Assert.Equal(new[] { first, second, third }.Order(StringComparer.Ordinal), initial.SelectMany(p => p.CrmIds).Distinct().Order(StringComparer.Ordinal));

        await Task.Delay(5); // a later lastmodifieddate than the cursor's
        h.Emulator.UpdateObject("contacts", ada, new Dictionary<string, string?> { ["email"] = "ada@analytical.example" });
        h.Emulator.UpdateObject("contacts", loner, new Dictionary<string, string?> { ["jobtitle"] = "Nobody's contact" });
        var changes = await reader.GetContactChangesAsync(h.Connection, initial[^1].Cursor).ToListAsync();

        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), changes.SelectMany(p => p.CrmIds).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetContacts_NoIds_SendsNothing()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(transport: Transport);
        h.Emulator.Calls.Reset();

        Assert.Empty(await ((ICrmContactReader)h.CrmGateway).GetContactsAsync(h.Connection, []));
        Assert.Equal(0, h.Emulator.Calls.ApiCalls);
    }

    [Fact]
    public async Task GetContacts_AnIdThatIsNotAHubSpotId_IsATypedErrorAndSendsNothing()
    {
        await using var h = await HubSpotGatewayHost.StartAsync(transport: Transport);
        h.Emulator.Calls.Reset();

        await Assert.ThrowsAsync<CrmSyncValidationException>(() => ((ICrmContactReader)h.CrmGateway).GetContactsAsync(h.Connection, ["12/../34"]));
        Assert.Equal(0, h.Emulator.Calls.ApiCalls);
    }
}

public sealed class HubSpotContactViaComposioTests : HubSpotContactTests
{
    protected override GatewayTransport Transport => GatewayTransport.Composio;
}
