using System.Net;
using System.Net.Http.Headers;
using Aria.CrmSync.Gateways.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aria.CrmSync.Providers.Http;

/// <summary>
/// Puts the connection's bearer token on every CRM request; when the CRM rejects an expired OAuth token, refreshes it
/// once (single-flight per connection), persists it through <see cref="ICrmConnectionResolver.SaveTokensAsync"/>, and
/// repeats the request once. A refresh the CRM refuses (<c>invalid_grant</c>) surfaces as
/// <see cref="CrmConnectionException"/> with <see cref="CrmConnectionException.RequiresReauthorization"/> — never a loop.
/// </summary>
internal sealed partial class CrmAuthenticationHandler(
    IEnumerable<ICrmTokenRefresher> refreshers,
    CrmTokenCache cache,
    ICrmConnectionResolver resolver,
    ILogger<CrmAuthenticationHandler>? logger = null) : DelegatingHandler
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    private readonly Dictionary<CrmProvider, ICrmTokenRefresher> _refreshers = refreshers.ToDictionary(r => r.Provider);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (CrmHttpRequestOptions.IsAnonymous(request))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false); // a token request: its own credentials
        }

        if (!request.Options.TryGetValue(CrmHttpRequestOptions.Connection, out var connection))
        {
            throw new InvalidOperationException("CRM requests must carry their connection (CrmHttpRequestOptions.Connection).");
        }

        if (connection.CredentialKind == CrmCredentialKind.Brokered)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var token = cache.AccessTokenFor(connection)
            ?? throw new CrmConnectionException(connection.Provider, $"The {Serialization.WireValue.Format(connection.Provider)} connection of user '{connection.UserId}' has no access token", requiresReauthorization: true);

        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false); // replayable after a refresh
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized
            || connection.CredentialKind != CrmCredentialKind.OAuth
            || !_refreshers.TryGetValue(connection.Provider, out var refresher))
        {
            return response;
        }

        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        if (!await refresher.IsTokenRejectedAsync(response, cancellationToken).ConfigureAwait(false))
        {
            return response;
        }

        LogRefreshing(_logger, connection.Provider, connection.ConnectionKey);
        var fresh = await cache.RefreshAsync(connection, token, async refreshToken =>
        {
            var tokens = await refresher.RefreshAsync(connection, refreshToken, cancellationToken).ConfigureAwait(false);
            await resolver.SaveTokensAsync(connection, tokens, cancellationToken).ConfigureAwait(false);
            return tokens;
        }, cancellationToken).ConfigureAwait(false);

        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fresh);
        if (cache.InstanceUrlFor(connection) is { } instance && Rebase(request.RequestUri, instance) is { } moved)
        {
            // The token response named another instance (the org moved, or My Domain changed): the replay goes there, and
            // later calls do too (the gateways build their addresses from CrmTokenCache.InstanceUrlFor). Salesforce returns
            // instance_url with every refresh (OAuth 2.0 Refresh Token Flow for Renewed Sessions,
            // https://help.salesforce.com/apex/HTViewHelpDoc?id=remoteaccess_oauth_refresh_token_flow.htm).
            LogInstanceMoved(_logger, connection.Provider, connection.ConnectionKey, instance.Authority);
            request.RequestUri = moved;
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The request's address on <paramref name="instance"/> (same path and query), or <see langword="null"/> when it is already there.</summary>
    internal static Uri? Rebase(Uri? requestUri, Uri instance)
    {
        if (requestUri is not { IsAbsoluteUri: true } || !instance.IsAbsoluteUri
            || (string.Equals(requestUri.Scheme, instance.Scheme, StringComparison.OrdinalIgnoreCase) && string.Equals(requestUri.Authority, instance.Authority, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        return new UriBuilder(requestUri) { Scheme = instance.Scheme, Host = instance.Host, Port = instance.Port }.Uri;
    }

    [LoggerMessage(2001, LogLevel.Information, "{Provider} moved connection {ConnectionKey} to the instance {Instance}; the request is replayed there.")]
    private static partial void LogInstanceMoved(ILogger logger, CrmProvider provider, string connectionKey, string instance);

    [LoggerMessage(2000, LogLevel.Information, "{Provider} rejected the access token of connection {ConnectionKey}; refreshing it.")]
    private static partial void LogRefreshing(ILogger logger, CrmProvider provider, string connectionKey);
}
