using Aria.CrmSync.Gateways.Http;
namespace Aria.CrmSync.Providers.Http;

/// <summary>
/// Sends the requests of <see cref="CrmCredentialKind.Brokered"/> connections through the registered
/// <see cref="ICrmBroker"/> (Composio) instead of to the CRM; every other request passes on unchanged. It sits inside
/// the resilience and authentication handlers of both CRM clients, so brokered calls keep the same retry rules
/// (idempotent requests only) and the gateways stay unaware of the broker.
/// </summary>
internal sealed class CrmBrokerHandler(ICrmBroker? broker) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (CrmHttpRequestOptions.IsAnonymous(request)
            || !request.Options.TryGetValue(CrmHttpRequestOptions.Connection, out var connection)
            || connection.CredentialKind != CrmCredentialKind.Brokered)
        {
            return base.SendAsync(request, cancellationToken);
        }

        var provider = Serialization.WireValue.Format(connection.Provider);
        if (string.IsNullOrWhiteSpace(connection.BrokerAccountId))
        {
            throw new CrmConnectionException(connection.Provider, $"The {provider} connection '{connection.ConnectionKey}' is brokered but names no broker account (Composio connected account id); the user must connect {provider} again", requiresReauthorization: true);
        }

        if (broker is null)
        {
            throw new CrmConnectionException(connection.Provider, $"The {provider} connection '{connection.ConnectionKey}' is brokered, but no broker is registered: call AddComposio(...) on the Aria.CrmSync builder");
        }

        return broker.SendAsync(request, connection, cancellationToken);
    }
}
