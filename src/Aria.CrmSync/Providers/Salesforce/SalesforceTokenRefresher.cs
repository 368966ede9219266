using System.Globalization;
using System.Net;
using System.Text.Json;
using Aria.CrmSync.Gateways.Http;
using Aria.CrmSync.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Providers.Salesforce;

/// <summary>
/// Salesforce's OAuth refresh: a 401 with <c>INVALID_SESSION_ID</c> means the access token expired; a new one comes
/// from <c>POST {LoginUrl}/services/oauth2/token</c> (<c>grant_type=refresh_token</c>). <c>invalid_grant</c> (revoked
/// or expired refresh token) needs the user to authorise again. Tokens and the client secret never reach a message.
/// </summary>
internal sealed class SalesforceTokenRefresher(
    IHttpClientFactory httpClientFactory,
    IOptionsMonitor<SalesforceOptions> optionsMonitor,
    SalesforceRegistrations registrations,
    TimeProvider time,
    ILogger<SalesforceTokenRefresher>? logger = null) : ICrmTokenRefresher
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    private const string Endpoint = "salesforce.oauth.token";

    public CrmProvider Provider => CrmProvider.Salesforce;

    public async ValueTask<bool> IsTokenRejectedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return false;
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var errors = SalesforceError.ReadAll(body);
        return errors.Count == 0 || errors.Any(e => e.Code == "INVALID_SESSION_ID"); // an unreadable 401 is a rejected token too
    }

    public async Task<CrmTokenSet> RefreshAsync(CrmConnection connection, string refreshToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(refreshToken);
        var options = registrations.Get(optionsMonitor, connection.OptionsName);
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "refresh_token"),
            new("refresh_token", refreshToken),
            new("client_id", options.ClientId),
            new("format", "json"),
        };
        if (!string.IsNullOrEmpty(options.ClientSecret))
        {
            form.Add(new("client_secret", options.ClientSecret));
        }

        var secrets = new[] { refreshToken, connection.AccessToken, options.ClientSecret };
        var uri = new Uri(options.LoginUrl.AbsoluteUri.TrimEnd('/') + "/services/oauth2/token");
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.ParseAdd("application/json");
        request.WithConnection(connection, Endpoint, idempotent: false); // with rotation a repeated refresh could burn the new token
        request.Options.Set(CrmHttpRequestOptions.Anonymous, true);
        request.Options.Set(CrmHttpRequestOptions.Unmetered, true);

        HttpResponseMessage response;
        byte[] body;
        try
        {
            using var http = httpClientFactory.CreateClient(SalesforceOptions.HttpClientName);
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or TimeoutException or IOException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            throw new CrmConnectionException(CrmProvider.Salesforce, $"Salesforce token refresh failed: {SecretRedactor.Redact(ex.Message, secrets)}", ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var error = SalesforceError.ReadAll(body).FirstOrDefault();
                var code = error?.Code ?? "unknown_error";
                var description = SecretRedactor.Redact(error?.Message, secrets);
                if (code == "invalid_grant")
                {
                    SalesforceLog.RefreshRefused(_logger, connection.ConnectionKey, code);
                    return Throw(new CrmConnectionException(CrmProvider.Salesforce, $"Salesforce refused the refresh token of connection '{connection.ConnectionKey}' (invalid_grant: {description}); the user must authorise again", requiresReauthorization: true));
                }

                // invalid_client / invalid_client_id: the connected app's settings are wrong, not the user's grant.
                return Throw(new CrmConnectionException(CrmProvider.Salesforce, $"Salesforce token refresh failed with HTTP {(int)response.StatusCode} {code}: {description}".TrimEnd(' ', ':')));
            }

            return Read(body, connection, secrets);
        }
    }

    private static CrmTokenSet Throw(Exception exception) => throw exception;

    private CrmTokenSet Read(byte[] body, CrmConnection connection, string?[] secrets)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = SalesforceJson.Object(document.RootElement, Endpoint, "the token response");
            var access = SalesforceJson.String(root, "access_token", Endpoint);
            if (string.IsNullOrEmpty(access))
            {
                throw SalesforceJson.Unexpected(Endpoint, "'access_token' is missing");
            }

            Uri? instance = null;
            if (SalesforceJson.String(root, "instance_url", Endpoint) is { } instanceText)
            {
                instance = Uri.TryCreate(instanceText, UriKind.Absolute, out var parsed) && SalesforceOptionsValidator.IsServerUrl(parsed)
                    ? parsed
                    : throw SalesforceJson.Unexpected(Endpoint, "'instance_url' is not an https URL");
            }

            DateTimeOffset? issuedAt = SalesforceJson.String(root, "issued_at", Endpoint) is { } issued
                && long.TryParse(issued, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : time.GetUtcNow();
            SalesforceLog.TokenRefreshed(_logger, connection.ConnectionKey);
            return new CrmTokenSet
            {
                AccessToken = access,
                RefreshToken = SalesforceJson.String(root, "refresh_token", Endpoint) is { Length: > 0 } rotated ? rotated : null,
                InstanceUrl = instance,
                IssuedAt = issuedAt,
            };
        }
        catch (JsonException ex)
        {
            throw new CrmSyncDataException($"Salesforce returned a malformed token response ({body.Length} bytes): {SecretRedactor.Redact(ex.Message, secrets)}", Endpoint, CrmProvider.Salesforce, ex);
        }
    }
}
