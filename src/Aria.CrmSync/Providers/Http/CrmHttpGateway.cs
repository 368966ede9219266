using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Providers.Http;

/// <summary>
/// The HTTP core shared by the CRM gateways: waits for the connection's rate budget, sends with the connection
/// attached (the pipeline's auth and resilience handlers read it), buffers the response, feeds the provider's limit
/// headers back to the budget, and turns transport failures and error bodies into the library's typed exceptions
/// (adding, for a call a broker carried, the broker's log and request ids).
/// A client is taken from the factory per request, so handler lifetimes (DNS changes) are honoured.
/// </summary>
internal abstract class CrmHttpGateway(Func<HttpClient> createClient, CrmRateGate rateGate, TimeProvider time, CrmSyncTelemetry telemetry)
{
    protected abstract CrmProvider ProviderKind { get; }

    protected TimeProvider Time => time;

    protected CrmRateGate RateGate => rateGate;

    /// <summary>Sends a request and returns the buffered response when its status is a success or in <paramref name="accept"/>.</summary>
    protected async Task<CrmHttpResponse> SendAsync(
        CrmConnection connection,
        HttpMethod method,
        Uri uri,
        HttpContent? content,
        string endpoint,
        bool idempotent,
        CancellationToken cancellationToken,
        params HttpStatusCode[] accept)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var lease = await AcquireAsync(connection, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Waits for the connection's rate budget; a refusal (the daily quota is used up) means nothing was sent.</summary>
    private async ValueTask<IDisposable> AcquireAsync(CrmConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            return await rateGate.AcquireAsync(connection, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Adds provider headers (e.g. Salesforce's <c>Sforce-Query-Options</c>) to a request.</summary>
    protected virtual void PrepareRequest(HttpRequestMessage request, CrmConnection connection)
    {
    }

    /// <summary>Feeds the provider's rate-limit headers to <see cref="RateGate"/>.</summary>
    protected abstract void ObserveLimits(CrmConnection connection, CrmHttpResponse response);

    /// <summary>Turns an error response into the library's typed exception (never echoing credentials).</summary>
    protected abstract CrmSyncException MapError(CrmConnection connection, CrmHttpResponse response);

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException => "timed out",
        Polly.CircuitBreaker.BrokenCircuitException => "circuit open after repeated failures",
        HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } h => $"{h.HttpRequestError} ({h.Message})",
        _ => ex.Message,
    };
}
