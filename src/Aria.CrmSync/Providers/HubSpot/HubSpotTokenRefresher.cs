using System.Globalization;
using System.Net;
using System.Text.Json;
using Aria.CrmSync.Gateways.Http;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>
/// Refreshes HubSpot OAuth access tokens: <c>POST /oauth/v1/token</c> (form: <c>grant_type=refresh_token</c>, the
/// refresh token, client id and secret) → new access token with <c>expires_in</c>. A refused refresh token
/// (<c>invalid_grant</c> / <c>BAD_REFRESH_TOKEN</c>) needs the user to authorise again. Private-app tokens are never
/// refreshed (the authentication handler only refreshes <see cref="CrmCredentialKind.OAuth"/> connections).
/// </summary>
internal sealed class HubSpotTokenRefresher(IHttpClientFactory clients, IOptionsMonitor<HubSpotOptions> options, TimeProvider time) : ICrmTokenRefresher
{
    private const string Endpoint = "oauth.token";

    public CrmProvider Provider => CrmProvider.HubSpot;

    public async ValueTask<bool> IsTokenRejectedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return false;
        }

        // HubSpot: 401 EXPIRED_AUTHENTICATION (expired) or INVALID_AUTHENTICATION (unknown/revoked); both are worth one refresh.
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body);
            var category = HubSpotJson.Text(document.RootElement, "category");
            return category is null or "EXPIRED_AUTHENTICATION" or "INVALID_AUTHENTICATION";
        }
        catch (JsonException)
        {
            return true;
        }
    }

    public async Task<CrmTokenSet> RefreshAsync(CrmConnection connection, string refreshToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(refreshToken);
        var settings = options.Get(connection.OptionsName);
        if (string.IsNullOrEmpty(settings.ClientId) || string.IsNullOrEmpty(settings.ClientSecret))
        {
            throw new CrmConnectionException(CrmProvider.HubSpot,
                $"The HubSpot access token of connection '{connection.ConnectionKey}' expired and HubSpotOptions{(connection.OptionsName.Length == 0 ? string.Empty : $" '{connection.OptionsName}'")} has no ClientId/ClientSecret to refresh it");
        }

        var uri = new Uri(connection.InstanceUrl ?? settings.BaseAddress, "/oauth/v1/token");
        using var content = new FormUrlEncodedContent(
        [
            new("grant_type", "refresh_token"),
            new("client_id", settings.ClientId),
            new("client_secret", settings.ClientSecret),
            new("refresh_token", refreshToken),
        ]);
        var issuedAt = time.GetUtcNow();
        HttpResponseMessage response;
        byte[] body;
        try
        {
            response = await clients.CreateClient(HubSpotOptions.OAuthHttpClientName).PostAsync(uri, content, cancellationToken).ConfigureAwait(false);
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new CrmConnectionException(CrmProvider.HubSpot, $"HubSpot token refresh ({Endpoint}) failed: {ex.GetType().Name}", ex);
        }

        using (response)
        {
            var result = new CrmHttpResponse(Endpoint, response.StatusCode, response.Headers, response.Content.Headers, body);
            if (!result.IsSuccess)
            {
                throw Refused(connection, result);
            }

            using var document = result.Json(CrmProvider.HubSpot);
            var root = HubSpotJson.RootObject(document, result);
            var access = HubSpotJson.Text(root, "access_token");
            if (string.IsNullOrEmpty(access))
            {
                throw HubSpotJson.Unexpected(result, "the token response has no access_token");
            }

            var expiresIn = long.TryParse(HubSpotJson.Text(root, "expires_in"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : (long?)null;
            return new CrmTokenSet
            {
                AccessToken = access,
                RefreshToken = HubSpotJson.Text(root, "refresh_token") is { Length: > 0 } rotated ? rotated : null,
                IssuedAt = issuedAt,
                ExpiresAt = expiresIn is { } s ? issuedAt.AddSeconds(s) : null,
            };
        }
    }

    private static CrmConnectionException Refused(CrmConnection connection, CrmHttpResponse response)
    {
        string? error = null, status = null;
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            error = HubSpotJson.Text(document.RootElement, "error");
            status = HubSpotJson.Text(document.RootElement, "status");
        }
        catch (JsonException)
        {
        }

        var code = status ?? error ?? $"HTTP {(int)response.Status}";
        if (error == "invalid_grant" || status == "BAD_REFRESH_TOKEN")
        {
            return new CrmConnectionException(CrmProvider.HubSpot,
                $"HubSpot refused the refresh token of connection '{connection.ConnectionKey}' ({code}); the user must authorise the app again",
                requiresReauthorization: true);
        }

        return new CrmConnectionException(CrmProvider.HubSpot,
            $"HubSpot token refresh for connection '{connection.ConnectionKey}' failed ({code})",
            innerException: null);
    }
}
