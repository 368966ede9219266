using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.Tests.TestSupport;

/// <summary>
/// A host wired with <c>AddSalesforceEmulator</c>/<c>AddHubSpotEmulator</c> over one seeded Opportunity (Acme, 1,200) and
/// one seeded deal (Globex, 900), with user <c>u1</c> connected to both.
/// </summary>
public static class SeededEmulatorHost
{
    public static (ServiceProvider Provider, string Opportunity, string Deal) Build(
        SalesforceEmulator salesforce,
        HubSpotEmulator hubSpot,
        Action<IServiceCollection>? services = null,
        Action<IAriaCrmSyncBuilder>? builder = null)
    {
        var opportunity = salesforce.Org.InsertOpportunity("Acme", SalesforceStages.Prospecting, new DateOnly(2027, 3, 1), amount: 1200m);
        var deal = hubSpot.InsertDeal("Globex", HubSpotDealStages.AppointmentScheduled, amount: 900m, closeDate: new DateOnly(2027, 4, 15)).Id;
        var tokens = salesforce.IssueTokens();

        var collection = new ServiceCollection();
        services?.Invoke(collection);
        var sync = collection.AddAriaCrmSync()
            .UseInMemoryStores()
            .UseInMemoryConnections(c =>
            {
                c.Add(new CrmConnection { UserId = "u1", Provider = CrmProvider.Salesforce, AccessToken = tokens.AccessToken, RefreshToken = tokens.RefreshToken, InstanceUrl = tokens.InstanceUrl });
                c.Add(new CrmConnection { UserId = "u1", Provider = CrmProvider.HubSpot, AccessToken = hubSpot.CreatePrivateAppToken(), CredentialKind = CrmCredentialKind.StaticToken });
            })
            .AddSalesforceEmulator(salesforce)
            .AddHubSpotEmulator(hubSpot);
        builder?.Invoke(sync);
        return (collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }), opportunity, deal);
    }
}
