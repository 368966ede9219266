using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Providers.Http;

namespace Aria.CrmSync.Gateways.Http;

/// <summary>
/// The base of an HTTP gateway (the built-in Salesforce and HubSpot gateways derive from it): waits for the connection's
/// rate budget (<see cref="CrmRateGate"/>), sends with the connection attached (the handlers that
/// <see cref="CrmHttpClientRegistration.AddCrmHttpClient"/> registers read it: bearer token, one token refresh on a 401,
/// retries of idempotent requests, broker), buffers the response, feeds the provider's limit headers back to the budget
/// (<see cref="ObserveLimits"/>), and turns transport failures and error bodies into the library's typed exceptions
/// (<see cref="MapError"/>), each carrying its <see cref="CrmSyncException.WriteOutcome"/> (see <see cref="CrmWriteFailure"/>).
/// </summary>
/// <remarks>
/// A client is taken from <c>createClient</c> per request, so handler lifetimes (DNS changes) are honoured. Derive a
/// gateway from this class, implement <see cref="ICrmGateway"/> with <see cref="SendAsync(CrmConnection, HttpMethod, Uri, HttpContent?, string, bool, CancellationToken, HttpStatusCode[])"/> or
/// <see cref="SendWithRateLimitRetriesAsync"/>, and register its named client with
/// <see cref="CrmHttpClientRegistration.AddCrmHttpClient"/>. docs/gateways.md walks through it.
/// </remarks>
/// <param name="createClient">Creates the gateway's named client (for example <c>() =&gt; factory.CreateClient("pipedrive")</c>).</param>
/// <param name="rateGate">The gateway's rate gate (one per gateway; it keeps one budget per connection).</param>
/// <param name="time">The clock for Retry-After and rate budgets.</param>
/// <param name="telemetry">The library's telemetry (one <c>crm.calls</c> count per request, tagged with the status).</param>
public abstract class CrmHttpGateway(Func<HttpClient> createClient, CrmRateGate rateGate, TimeProvider time, CrmSyncTelemetry telemetry)
{
    /// <summary>The pause after a 429 without a usable <c>Retry-After</c> header (<see cref="SendWithRateLimitRetriesAsync"/>).</summary>
    private static readonly TimeSpan DefaultRateLimitPause = TimeSpan.FromSeconds(1);

    /// <summary>Gets the CRM the gateway calls: it names the provider in errors, telemetry and the rate gate's messages.</summary>
    protected abstract CrmProvider ProviderKind { get; }

    /// <summary>Gets the clock the gateway reads (Retry-After dates, rate budgets).</summary>
    protected TimeProvider Time => time;

    /// <summary>Gets the gateway's rate gate.</summary>
    protected CrmRateGate RateGate => rateGate;

    /// <summary>
    /// Sends one request and returns the buffered response when its status is a success (2xx) or in
    /// <paramref name="accept"/>; any other status is turned into an exception by <see cref="MapError"/>.
    /// </summary>
    /// <param name="connection">The connection the request is made for.</param>
    /// <param name="method">The HTTP method.</param>
    /// <param name="uri">The absolute address.</param>
    /// <param name="content">The body, or <see langword="null"/>.</param>
    /// <param name="endpoint">A stable name of the endpoint for telemetry and messages (for example <c>pipedrive.deals.get</c>); never a URL with secrets.</param>
    /// <param name="idempotent">Whether repeating the request cannot duplicate a write: only such requests are retried after a transient failure (5xx, 408, timeouts).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <param name="accept">Error statuses the caller handles itself (for example 404 for a read of a missing record).</param>
    /// <returns>The buffered response.</returns>
    /// <exception cref="CrmConnectionException">The transport failed (timeout, connection refused, open circuit); <see cref="CrmSyncException.WriteOutcome"/> is <see cref="CrmWriteOutcome.NothingWritten"/> when no attempt went out.</exception>
    /// <exception cref="CrmRateLimitedException">The rate gate refused the request (the daily quota is paused); nothing was sent.</exception>
    /// <exception cref="CrmSyncException">The CRM answered an error status: what <see cref="MapError"/> returned, marked <see cref="CrmWriteOutcome.NothingWritten"/> when a 4xx (other than 408) answered the only attempt.</exception>
    protected Task<CrmHttpResponse> SendAsync(
        CrmConnection connection,
        HttpMethod method,
        Uri uri,
        HttpContent? content,
        string endpoint,
        bool idempotent,
        CancellationToken cancellationToken,
        params HttpStatusCode[] accept)
        => SendAsync(connection, method, uri, content, endpoint, idempotent, countInWindow: true, cancellationToken, accept);

    /// <summary>Sends one request like <see cref="SendAsync(CrmConnection, HttpMethod, Uri, HttpContent?, string, bool, CancellationToken, HttpStatusCode[])"/>; <paramref name="countInWindow"/> false sends it outside the rate gate's short window (a request the CRM limits apart).</summary>
    /// <param name="connection">The connection the request is made for.</param>
    /// <param name="method">The HTTP method.</param>
    /// <param name="uri">The absolute address.</param>
    /// <param name="content">The body, or <see langword="null"/>.</param>
    /// <param name="endpoint">A stable name of the endpoint.</param>
    /// <param name="idempotent">Whether repeating the request cannot duplicate a write.</param>
    /// <param name="countInWindow">Whether the request counts in the rate gate's short window (<see cref="CrmRateGate.AcquireAsync(CrmConnection, bool, CancellationToken)"/>).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <param name="accept">Error statuses the caller handles itself.</param>
    /// <returns>The buffered response.</returns>
    private protected async Task<CrmHttpResponse> SendAsync(
        CrmConnection connection,
        HttpMethod method,
        Uri uri,
        HttpContent? content,
        string endpoint,
        bool idempotent,
        bool countInWindow,
        CancellationToken cancellationToken,
        params HttpStatusCode[] accept)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var lease = await AcquireAsync(connection, countInWindow, cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        request.WithConnection(connection, endpoint, idempotent);
        var attempts = new StrongBox<int>();
        request.Options.Set(CrmHttpRequestOptions.Attempts, attempts);
        PrepareRequest(request, connection);

        HttpResponseMessage response;
        try
        {
            response = await createClient().SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (CrmSyncException ex) when (Volatile.Read(ref attempts.Value) == 0)
        {
            throw CrmWriteFailure.RethrowNothingWritten(ex); // e.g. the token could not be refreshed: nothing went out
        }
        catch (CrmSyncException)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or TimeoutException or IOException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            telemetry.CrmCall(ProviderKind, endpoint, 0);
            var failure = CrmWriteFailure.WithDetails(new CrmConnectionException(ProviderKind, $"{Serialization.WireValue.Format(ProviderKind)} request {endpoint} failed: {Describe(ex)}", ex), CrmBrokerTrace.Of(request)?.Details() ?? []);
            throw Volatile.Read(ref attempts.Value) == 0 ? CrmWriteFailure.MarkNotProcessed(failure) : failure; // an open circuit sends nothing
        }

        using (response)
        {
            byte[] body;
            try
            {
                body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                throw new CrmConnectionException(ProviderKind, $"{Serialization.WireValue.Format(ProviderKind)} response of {endpoint} was cut short: {Describe(ex)}", ex);
            }

            var result = new CrmHttpResponse(endpoint, response.StatusCode, response.Headers, response.Content.Headers, body)
            {
                RefusedUnprocessed = RefusedUnprocessed(response.StatusCode, Volatile.Read(ref attempts.Value)),
            };
            telemetry.CrmCall(ProviderKind, endpoint, (int)response.StatusCode);
            ObserveLimits(connection, result);
            var trace = CrmBrokerTrace.Of(request);
            if (trace?.Failure is { } brokerFailure)
            {
                // The broker (Composio) itself failed: rate-limited or unavailable, after the retries the pipeline allows.
                Activity.Current?.SetTag("crm.error_status", (int)result.Status);
                if (brokerFailure is CrmRateLimitedException { RetryAfter: { } pause })
                {
                    RateGate.PauseWindow(connection, pause);
                }

                throw trace.Apply(brokerFailure);
            }

            if (result.IsSuccess || accept.Contains(result.Status))
            {
                return result;
            }

            Activity.Current?.SetTag("crm.error_status", (int)result.Status);
            var error = MapError(connection, result);
            error = trace?.Apply(error) ?? error; // through a broker: the CRM's error with the broker's ids
            throw result.RefusedUnprocessed ? CrmWriteFailure.MarkNotProcessed(error) : error;
        }
    }

    /// <summary>
    /// Sends one request like <see cref="SendAsync(CrmConnection, HttpMethod, Uri, HttpContent?, string, bool, CancellationToken, HttpStatusCode[])"/>, and when the CRM answers 429 Too Many Requests pauses the
    /// connection's rate gate for the response's <c>Retry-After</c> (seconds or an HTTP date; one second when the header is
    /// missing) and sends again, at most <paramref name="maxRateLimitRetries"/> more times. Every later request of the
    /// connection waits for the same pause. When the CRM still answers 429 the error from <see cref="MapError"/> is thrown,
    /// marked <see cref="CrmWriteOutcome.NothingWritten"/> when every attempt was refused unprocessed.
    /// </summary>
    /// <param name="connection">The connection the request is made for.</param>
    /// <param name="method">The HTTP method.</param>
    /// <param name="uri">The absolute address.</param>
    /// <param name="content">Creates the body for each attempt (an <see cref="HttpContent"/> is sent once), or returns <see langword="null"/>.</param>
    /// <param name="endpoint">A stable name of the endpoint for telemetry and messages.</param>
    /// <param name="idempotent">Whether repeating the request cannot duplicate a write.</param>
    /// <param name="maxRateLimitRetries">How many times a 429 is answered by sending again (0: never).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <param name="accept">Error statuses the caller handles itself (429 among them turns the retries off).</param>
    /// <returns>The buffered response.</returns>
    /// <exception cref="CrmSyncException">As for <see cref="SendAsync(CrmConnection, HttpMethod, Uri, HttpContent?, string, bool, CancellationToken, HttpStatusCode[])"/>.</exception>
    protected async Task<CrmHttpResponse> SendWithRateLimitRetriesAsync(
        CrmConnection connection,
        HttpMethod method,
        Uri uri,
        Func<HttpContent?> content,
        string endpoint,
        bool idempotent,
        int maxRateLimitRetries,
        CancellationToken cancellationToken,
        params HttpStatusCode[] accept)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(accept);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRateLimitRetries);
        if (accept.Contains(HttpStatusCode.TooManyRequests))
        {
            return await SendAsync(connection, method, uri, content(), endpoint, idempotent, cancellationToken, accept).ConfigureAwait(false);
        }

        HttpStatusCode[] accepted = [.. accept, HttpStatusCode.TooManyRequests];
        var refusedSoFar = true; // every attempt so far was refused unprocessed: a give-up then wrote nothing
        for (var attempt = 0; ; attempt++)
        {
            var response = await SendAsync(connection, method, uri, content(), endpoint, idempotent, cancellationToken, accepted).ConfigureAwait(false);
            refusedSoFar &= response.RefusedUnprocessed;
            if (response.Status != HttpStatusCode.TooManyRequests)
            {
                return response;
            }

            if (attempt >= maxRateLimitRetries)
            {
                var error = MapError(connection, response);
                throw refusedSoFar ? CrmWriteFailure.MarkNotProcessed(error) : error;
            }

            // RFC 9110 §10.2.3: Retry-After is a delay in seconds or an HTTP date; the gate holds every request of the connection until then.
            rateGate.PauseWindow(connection, response.RetryAfter(time.GetUtcNow()) ?? DefaultRateLimitPause);
        }
    }

    /// <summary>Waits for the connection's rate budget; a refusal (the daily quota is used up) means nothing was sent.</summary>
    private async ValueTask<IDisposable> AcquireAsync(CrmConnection connection, bool countInWindow, CancellationToken cancellationToken)
    {
        try
        {
            return await rateGate.AcquireAsync(connection, countInWindow, cancellationToken).ConfigureAwait(false);
        }
        catch (CrmSyncException ex)
        {
            throw CrmWriteFailure.RethrowNothingWritten(ex);
        }
    }

    /// <summary>
    /// Whether an error response proves the CRM did not process the request: a 4xx (other than 408) refuses a request
    /// without applying it, provided it answered the only attempt (an earlier attempt may have been applied).
    /// </summary>
    private static bool RefusedUnprocessed(HttpStatusCode status, int attempts)
        => attempts == 1 && (int)status is >= 400 and < 500 && status != HttpStatusCode.RequestTimeout;

    /// <summary>Adds provider headers (e.g. Salesforce's <c>Sforce-Query-Options</c>) to a request before it is sent; does nothing by default.</summary>
    /// <param name="request">The request, with the connection attached.</param>
    /// <param name="connection">The connection.</param>
    protected virtual void PrepareRequest(HttpRequestMessage request, CrmConnection connection)
    {
    }

    /// <summary>Feeds the provider's rate-limit headers to <see cref="RateGate"/> (<see cref="CrmRateGate.Observe"/>); called for every response.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="response">The buffered response.</param>
    protected abstract void ObserveLimits(CrmConnection connection, CrmHttpResponse response);

    /// <summary>
    /// Turns an error response into the library's typed exception, never echoing credentials: <see cref="CrmConnectionException"/>
    /// for 401/403 and 5xx, <see cref="CrmRateLimitedException"/> (with <see cref="CrmHttpResponse.RetryAfter"/>) for 429,
    /// otherwise a <see cref="CrmRequestException"/> with the HTTP status and the provider's own error code from the body.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="response">The buffered error response.</param>
    /// <returns>The exception to throw; not yet thrown, so the toolkit can still set its write outcome.</returns>
    protected abstract CrmSyncException MapError(CrmConnection connection, CrmHttpResponse response);

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException => "timed out",
        Polly.CircuitBreaker.BrokenCircuitException => "circuit open after repeated failures",
        HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } h => $"{h.HttpRequestError} ({h.Message})",
        _ => ex.Message,
    };
}
