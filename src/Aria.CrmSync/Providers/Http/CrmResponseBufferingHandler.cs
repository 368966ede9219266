using Aria.CrmSync.Gateways.Http;
namespace Aria.CrmSync.Providers.Http;

/// <summary>
/// Reads each response body inside the HTTP pipeline (innermost handler), so a body cut short or a connection reset
/// while it arrives fails the attempt where the resilience handler sees it (and retries an idempotent request),
/// instead of surfacing later from <see cref="HttpClient"/>'s own buffering, outside every retry. It also counts the
/// attempts that reach the transport (<see cref="CrmHttpRequestOptions.Attempts"/>).
/// </summary>
internal sealed class CrmResponseBufferingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(CrmHttpRequestOptions.Attempts, out var attempts))
        {
            Interlocked.Increment(ref attempts.Value);
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        return response;
    }
}
