namespace Aria.CrmSync.Gateways.Http;

/// <summary>
/// A provider's OAuth refresh: how to recognise a rejected access token and how to get a new one. Register one per
/// provider (<c>services.TryAddEnumerable(ServiceDescriptor.Singleton&lt;ICrmTokenRefresher, MyRefresher&gt;())</c>); the
/// authentication handler of every client added with <see cref="CrmHttpClientRegistration.AddCrmHttpClient"/> then
/// refreshes an <see cref="CrmCredentialKind.OAuth"/> connection's token once on a rejecting 401, persists the new tokens
/// through <see cref="ICrmConnectionResolver.SaveTokensAsync"/> and repeats the request once.
/// </summary>
public interface ICrmTokenRefresher
{
    /// <summary>Gets the CRM whose connections this refresher serves.</summary>
    CrmProvider Provider { get; }

    /// <summary>
    /// Returns whether the response says the access token is expired or invalid (Salesforce: 401 with
    /// <c>INVALID_SESSION_ID</c>; HubSpot: 401). The body has been buffered and may be read.
    /// </summary>
    /// <param name="response">The 401 response.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="true"/> to refresh and repeat the request; <see langword="false"/> to return the 401 to the gateway.</returns>
    ValueTask<bool> IsTokenRejectedAsync(HttpResponseMessage response, CancellationToken cancellationToken);

    /// <summary>Gets new tokens with the refresh token.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="refreshToken">The newest refresh token.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The new tokens (a missing refresh token or instance URL keeps the old one).</returns>
    /// <exception cref="CrmConnectionException">The refresh token is revoked or expired (<c>invalid_grant</c>): re-authorisation is needed.</exception>
    Task<CrmTokenSet> RefreshAsync(CrmConnection connection, string refreshToken, CancellationToken cancellationToken);
}
