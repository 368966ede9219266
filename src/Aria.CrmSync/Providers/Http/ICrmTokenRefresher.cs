namespace Aria.CrmSync.Providers.Http;

/// <summary>A provider's OAuth refresh: how to recognise a rejected access token and how to get a new one.</summary>
internal interface ICrmTokenRefresher
{
    /// <summary>Gets the CRM.</summary>
    CrmProvider Provider { get; }

    /// <summary>
    /// Returns whether the response says the access token is expired or invalid (Salesforce: 401 with
    /// <c>INVALID_SESSION_ID</c>; HubSpot: 401). The body has been buffered and may be read.
    /// </summary>
    ValueTask<bool> IsTokenRejectedAsync(HttpResponseMessage response, CancellationToken cancellationToken);

    /// <summary>Gets new tokens with the refresh token.</summary>
    /// <exception cref="CrmConnectionException">The refresh token is revoked or expired (<c>invalid_grant</c>): re-authorisation is needed.</exception>
    Task<CrmTokenSet> RefreshAsync(CrmConnection connection, string refreshToken, CancellationToken cancellationToken);
}
