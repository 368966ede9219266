using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Aria.CrmSync.Gateways.Http;
using Aria.CrmSync.Providers.Http;
using Aria.CrmSync.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Providers.Composio;

/// <summary>
/// Carries the CRM requests of brokered connections through Composio's proxy and hands the gateways the CRM's own
/// response.
/// </summary>
/// <remarks>
/// <para>What this follows of Composio's public API reference and SDKs (<c>POST /api/v3/tools/execute/proxy</c>,
/// <c>ComposioHQ/composio-base-py</c> <c>tool_proxy_params.py</c>/<c>tools.py</c>, <c>ComposioHQ/composio</c>
/// <c>ts/packages/core/src/models/Tools.ts</c> and <c>proxyParamsTransform.ts</c>, docs.composio.dev
/// <c>reference/errors</c>):</para>
/// <list type="bullet">
/// <item>Request: <c>x-api-key</c> header; JSON body <c>{connected_account_id, endpoint, method, body?, binary_body?,
/// parameters?}</c>; <c>endpoint</c> is "an absolute URL or a path relative to the base URL of the connected
/// account"; <c>method</c> is one of GET, POST, PUT, DELETE, PATCH, HEAD; <c>parameters</c> are
/// <c>[{name, value, type: "header"|"query"}]</c> on the wire (the SDKs' <c>in</c> is renamed <c>type</c> before
/// sending); <c>body</c> is a JSON value; other bodies go as <c>binary_body: {base64, content_type}</c>.</item>
/// <item>Response (HTTP 200): <c>{status, data, headers, binary_data?}</c>: <c>status</c> is "the HTTP status code
/// returned from the proxied API", <c>data</c> its (parsed) body and <c>headers</c> its headers, so a CRM failure
/// arrives as HTTP 200 with <c>status</c> ≥ 400.</item>
/// <item>Composio's own errors: <c>{error: {message, code, slug, status, request_id, suggested_fix, errors}}</c>
/// with 400, 401 (no valid API key), 403 (the key lacks the permission), 404, 409, 422, 429 and 5xx; no
/// <c>Retry-After</c> header is documented.</item>
/// </list>
/// <para>What is assumed (not documented for the proxy): that <c>successful</c>, <c>error</c> and <c>log_id</c> may
/// also appear, as on <c>/tools/execute/{slug}</c> (<c>successful: false</c> with a CRM status ≥ 400 is read as that
/// CRM error; without a CRM status it is a failure Composio reports without the CRM's answer); that 404/410/422 on the
/// proxy mean the connected account is unknown, expired or unusable (the user must connect again); that <c>data</c>
/// is the CRM's JSON body as parsed JSON, or a string for a body that is not JSON; that <c>headers</c> values are
/// strings; and that a relative endpoint is appended to the provider base Composio keeps for the account (the
/// Salesforce <c>instance_url</c>, <c>https://api.hubapi.com</c>).</para>
/// </remarks>
internal sealed partial class ComposioBroker(IHttpClientFactory clients, IOptionsMonitor<ComposioOptions> options, TimeProvider time, CrmProviderCatalog providers, ILogger<ComposioBroker>? logger = null) : ICrmBroker
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>The broker's name in exception details and audit entries.</summary>
    public const string Name = "composio";

    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };

    /// <summary>Request headers never forwarded to the CRM: credentials, hop-by-hop and framing headers.</summary>
    private static readonly HashSet<string> DroppedRequestHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "Cookie", "x-api-key", "Host", "Connection", "Keep-Alive", "Transfer-Encoding",
        "TE", "Trailer", "Upgrade", "Expect", "Content-Length", "Accept-Encoding", "traceparent", "tracestate", "Request-Id", "Correlation-Context",
    };

    /// <summary>CRM response headers not copied: the body is re-encoded here, so its original framing no longer applies.</summary>
    private static readonly HashSet<string> DroppedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Content-Encoding", "Transfer-Encoding", "Connection", "Keep-Alive", "Set-Cookie", "Trailer", "Upgrade",
    };

    private readonly ConcurrentDictionary<string, int> _rateLimitStreaks = new(StringComparer.Ordinal);

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CrmConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(connection);
        ComposioOptions settings;
        try
        {
            settings = options.CurrentValue;
        }
        catch (OptionsValidationException ex)
        {
            throw new CrmSyncException($"The Composio options are not valid: {string.Join(" ", ex.Failures)}", connection.Provider, ex);
        }

        var accountId = connection.BrokerAccountId!.Trim();
        var endpoint = CrmHttpRequestOptions.EndpointOf(request);
        var trace = CrmBrokerTrace.Of(request);
        if (trace is null)
        {
            trace = new CrmBrokerTrace(Name, accountId);
            request.Options.Set(CrmBrokerTrace.Key, trace);
        }
        else
        {
            trace.Reset(); // a new attempt of the same request
        }

        var call = new Call(request, connection, accountId, endpoint, trace, settings);
        using var proxy = new HttpRequestMessage(HttpMethod.Post, ProxyUri(settings.BaseAddress))
        {
            Content = await WrapAsync(call, cancellationToken).ConfigureAwait(false),
        };
        proxy.Headers.TryAddWithoutValidation("x-api-key", settings.ApiKey);
        proxy.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        // Transport failures (resets, timeouts, a body cut short) propagate: the resilience handler retries them for
        // idempotent requests and the gateway turns them into CrmConnectionException.
        using var response = await clients.CreateClient(ComposioOptions.HttpClientName)
            .SendAsync(proxy, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;

        JsonDocument? document = null;
        try
        {
            try
            {
                document = body.Length == 0 ? null : JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                document = null;
            }

            var root = document?.RootElement;
            if (status is >= 200 and < 300 && root is { } wrapped && ErrorStatusOf(wrapped) is { } errorStatus)
            {
                return BrokerError(call, response, errorStatus, root, body); // Composio's error object inside a 2xx
            }

            if (status is >= 200 and < 300 || (root is { } envelope && IsProxyEnvelope(envelope)))
            {
                if (root is not { ValueKind: JsonValueKind.Object } result)
                {
                    throw Malformed(call, status, body.Length, "not a JSON object");
                }

                _rateLimitStreaks.TryRemove(accountId, out _);
                return Unwrap(call, result);
            }

            return BrokerError(call, response, status, root, body);
        }
        finally
        {
            document?.Dispose();
        }
    }

    private static Uri ProxyUri(Uri baseAddress)
    {
        var text = baseAddress.AbsoluteUri;
        return new Uri(text.EndsWith('/') ? text + "tools/execute/proxy" : text + "/tools/execute/proxy");
    }

    /// <summary>Whether a body is the proxy's result shape (<c>status</c> plus <c>data</c> or <c>headers</c>) rather than Composio's error shape.</summary>
    private static bool IsProxyEnvelope(JsonElement root)
        => root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Number
            && (root.TryGetProperty("data", out _) || root.TryGetProperty("headers", out _))
            && !(root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object);

    /// <summary>The status of a Composio error object that stands alone (no <c>status</c> or <c>data</c> of a proxy result).</summary>
    private static int? ErrorStatusOf(JsonElement root)
        => root.ValueKind == JsonValueKind.Object && !root.TryGetProperty("status", out _) && !root.TryGetProperty("data", out _)
            && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
            && error.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Number && status.TryGetInt32(out var value) && value is >= 400 and <= 599
                ? value
                : null;

    /// <summary>
    /// Maps a Composio error. 429, 408 and 5xx become responses standing for Composio's failure: the resilience handler
    /// retries them for idempotent requests (with its exponential back-off, or Composio's <c>Retry-After</c>) and the
    /// gateway then ends the call with <see cref="CrmBrokerTrace.Failure"/> (for 429 a <see cref="CrmRateLimitedException"/>
    /// whose <c>RetryAfter</c> doubles with each 429 in a row, pausing the connection). The rest throw at once.
    /// </summary>
    private HttpResponseMessage BrokerError(Call call, HttpResponseMessage response, int status, JsonElement? root, byte[] body)
    {
        var provider = call.Connection.Provider;
        var name = Format(provider);
        var error = root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("error", out var e) ? e : (JsonElement?)null;
        var message = Clean(error is { ValueKind: JsonValueKind.Object } o ? Text(o, "message") : error is { ValueKind: JsonValueKind.String } s ? s.GetString() : root is { ValueKind: JsonValueKind.Object } x ? Text(x, "message") : null, call)
            ?? (root is null && body.Length > 0 ? "an unreadable error body" : "no message");
        if (error is { ValueKind: JsonValueKind.Object } details)
        {
            call.Trace.RequestId = Text(details, "request_id");
            call.Trace.BrokerError = Text(details, "slug") ?? (details.TryGetProperty("code", out var code) && code.ValueKind is JsonValueKind.Number or JsonValueKind.String ? code.ToString() : null);
        }

        call.Trace.LogId ??= root is { ValueKind: JsonValueKind.Object } withLog ? Text(withLog, "log_id") : null;
        call.Trace.BrokerStatus = status;
        ComposioLog.Refused(_logger, name, call.Endpoint, call.Connection.ConnectionKey, call.AccountId, status, call.Trace.BrokerError, call.Trace.RequestId);

        if (status == 429)
        {
            var streak = _rateLimitStreaks.AddOrUpdate(call.AccountId, 1, static (_, n) => Math.Min(n + 1, 30));
            var delay = RetryAfterOf(response) ?? Backoff(call.Settings, streak);
            ComposioLog.RateLimited(_logger, call.AccountId, call.Endpoint, delay.TotalMilliseconds, streak);
            call.Trace.Failure = new CrmRateLimitedException(provider, delay, CrmRateLimitScope.Burst,
                $"Composio rate limit reached for {name} {call.Endpoint} (connection '{call.Connection.ConnectionKey}'): {message}; retry after {delay.TotalSeconds:0.###} s");
            var limited = Passthrough(call, HttpStatusCode.TooManyRequests, body);
            limited.Headers.RetryAfter = response.Headers.RetryAfter; // Composio's own, if it ever sends one; else the pipeline's exponential back-off
            return limited;
        }

        _rateLimitStreaks.TryRemove(call.AccountId, out _);
        if (status >= 500 || status == 408)
        {
            // Retryable: the resilience handler repeats idempotent requests; the gateway ends with this failure.
            call.Trace.Failure = new CrmConnectionException(provider, $"Composio failed {name} {call.Endpoint} with HTTP {status}: {message}");
            return Passthrough(call, (HttpStatusCode)status, body);
        }

        var failure = status switch
        {
            401 => new CrmConnectionException(provider, $"Composio rejected the API key (HTTP 401) for {name} {call.Endpoint}: {message}"),
            403 => new CrmConnectionException(provider, $"Composio refused {name} {call.Endpoint} (HTTP 403): the API key lacks the permission: {message}"),
            404 or 410 or 422 => new CrmConnectionException(provider,
                $"Composio connected account '{call.AccountId}' of connection '{call.Connection.ConnectionKey}' is {(status == 404 ? "unknown" : status == 410 ? "expired" : "not usable")} (HTTP {status}): {message}; the user must connect {name} again",
                requiresReauthorization: true),
            _ => new CrmConnectionException(provider, $"Composio rejected the proxy request for {name} {call.Endpoint} (HTTP {status}): {message}"),
        };
        throw failure.WithDetails(call.Trace.Details());
    }

    /// <summary>A response standing for Composio's own failure, so the HTTP pipeline retries (5xx) or the gateway pauses (429).</summary>
    private static HttpResponseMessage Passthrough(Call call, HttpStatusCode status, byte[] body)
    {
        var response = new HttpResponseMessage(status) { RequestMessage = call.Request, Content = new ByteArrayContent(body) };
        response.Content.Headers.ContentType = JsonMediaType;
        return response;
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } retry)
        {
            return null;
        }

        if (retry.Delta is { } delta)
        {
            return delta;
        }

        return retry.Date is { } date ? (date > time.GetUtcNow() ? date - time.GetUtcNow() : TimeSpan.Zero) : null;
    }

    internal static TimeSpan Backoff(ComposioOptions settings, int streak)
    {
        var factor = Math.Pow(2, Math.Clamp(streak - 1, 0, 20));
        var delay = TimeSpan.FromTicks((long)Math.Min(settings.RateLimitBackoff.Ticks * factor, settings.MaxRateLimitBackoff.Ticks));
        return delay < settings.RateLimitBackoff ? settings.RateLimitBackoff : delay;
    }

    private CrmSyncDataException Malformed(Call call, int status, int? length, string what)
    {
        var provider = call.Connection.Provider;
        var failure = CrmWriteFailure.WithDetails(new CrmSyncDataException(
            $"Composio returned a malformed proxy response for {Format(provider)} (HTTP {status}{(length is { } n ? $", {n} bytes" : string.Empty)}): {what}",
            $"composio {call.Endpoint}",
            provider), call.Trace.Details());
        ComposioLog.Malformed(_logger, Format(provider), call.Endpoint, call.AccountId, status);
        return failure;
    }

    private static string? ErrorText(JsonElement result)
    {
        if (!result.TryGetProperty("error", out var error))
        {
            return null;
        }

        return error.ValueKind switch
        {
            JsonValueKind.String => error.GetString(),
            JsonValueKind.Object => Text(error, "message"),
            _ => null,
        };
    }

    /// <summary>Redacts a message Composio returned (the API key and any credential-like text) and shortens it.</summary>
    private static string? Clean(string? message, Call call)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return null;
        }

        var redacted = SecretRedactor.Redact(message.Trim(), [call.Settings.ApiKey]);
        return redacted.Length <= 300 ? redacted : redacted[..300] + "…";
    }

    private static string? Text(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private string Format(CrmProvider provider) => providers.GetDisplayName(provider);

    private sealed record Call(HttpRequestMessage Request, CrmConnection Connection, string AccountId, string Endpoint, CrmBrokerTrace Trace, ComposioOptions Settings);
}
