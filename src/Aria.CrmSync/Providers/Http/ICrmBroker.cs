namespace Aria.CrmSync.Providers.Http;

/// <summary>
/// Carries CRM requests of <see cref="CrmCredentialKind.Brokered"/> connections through a broker that holds the CRM
/// credentials (Composio): wraps the provider request into the broker's call and returns the provider's own response
/// (status, headers, body), so the gateways parse and map errors as if they had called the CRM directly.
/// </summary>
internal interface ICrmBroker
{
    /// <summary>Sends <paramref name="request"/> for <paramref name="connection"/> through the broker.</summary>
    /// <param name="request">The provider request, as the gateway built it (absolute provider URL, no credentials).</param>
    /// <param name="connection">The brokered connection (its <see cref="CrmConnection.BrokerAccountId"/> is set).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The provider's response, its body buffered.</returns>
    /// <exception cref="CrmSyncException">The broker refused the call for a reason a retry cannot fix.</exception>
    Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CrmConnection connection, CancellationToken cancellationToken);
}
