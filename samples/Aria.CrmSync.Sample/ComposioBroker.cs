using Aria.CrmSync.Testing;

namespace Aria.CrmSync.Sample;

/// <summary>
/// The <c>composio</c> mode's broker: a local Composio emulator (loopback) in front of the sample's Salesforce org and
/// HubSpot portal, with one connected account per CRM holding the tokens; the sync only knows the account ids.
/// </summary>
internal sealed class ComposioBroker : IAsyncDisposable
{
    private ComposioBroker(ComposioEmulator emulator, ComposioConnectedAccount salesforce, ComposioConnectedAccount hubSpot)
    {
        Emulator = emulator;
        SalesforceAccount = salesforce;
        HubSpotAccount = hubSpot;
    }

    public ComposioEmulator Emulator { get; }

    public ComposioConnectedAccount SalesforceAccount { get; }

    public ComposioConnectedAccount HubSpotAccount { get; }

    public string ApiKey => Emulator.ApiKey;

    /// <summary>Gets the API base the library is configured with (<c>…/api/v3</c>).</summary>
    public Uri ApiBase => Emulator.ApiBaseAddress;

    /// <summary>Gets how many CRM token refreshes Composio did for the sample's accounts.</summary>
    public int Refreshes
        => (Emulator.GetAccount(SalesforceAccount.ConnectedAccountId)?.Refreshes ?? 0) + (Emulator.GetAccount(HubSpotAccount.ConnectedAccountId)?.Refreshes ?? 0);

    public static async Task<ComposioBroker> StartAsync(CrmEmulators crms, string userId, CancellationToken cancellationToken)
    {
        var emulator = new ComposioEmulator(crms.Salesforce, crms.HubSpot);
        await emulator.StartServerAsync(cancellationToken: cancellationToken);

        // The user connected both CRMs in Composio: it holds the OAuth tokens (Salesforce) and the private-app token (HubSpot).
        var salesforce = emulator.AddConnectedAccount(CrmProvider.Salesforce, userId);
        var hubSpot = emulator.AddConnectedAccount(CrmProvider.HubSpot, userId, privateApp: true);
        return new ComposioBroker(
            emulator,
            new ComposioConnectedAccount { UserId = userId, Provider = CrmProvider.Salesforce, ConnectedAccountId = salesforce.Id },
            new ComposioConnectedAccount { UserId = userId, Provider = CrmProvider.HubSpot, ConnectedAccountId = hubSpot.Id });
    }

    public ValueTask DisposeAsync() => Emulator.DisposeAsync();
}
