namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>
/// Reads every response body inside the HTTP pipeline (innermost handler), so that a body cut short by a dropped
/// connection fails within the resilience handler's scope and is retried like any transient failure of an
/// idempotent request, instead of failing later in <see cref="HttpClient"/> where nothing retries it.
/// </summary>
internal sealed class HubSpotResponseBufferingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
