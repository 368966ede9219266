using System.Diagnostics.CodeAnalysis;
using Aria.CrmSync;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the HubSpot app webhook endpoint.</summary>
public static class HubSpotWebhookEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST</c> <paramref name="pattern"/> to HubSpot's webhook deliveries: the raw body is read (at most
    /// <see cref="HubSpotWebhookOptions.MaxBodyBytes"/>), checked by <see cref="HubSpotWebhookProcessor.QueueAsync"/>
    /// (v3 signature against the app's client secret, request timestamp, shape) and its deal events queued on
    /// <see cref="ICrmChangeNotifier"/> for the users of the event's portal (<see cref="IHubSpotWebhookUserResolver"/>);
    /// the answer (200, or 401 bad signature, 400 bad body, 413 too large, 500 retry later) is sent before any CRM read,
    /// with no body. Register <c>AddHubSpotWebhooks</c> and <c>AddChangeNotifications</c> on the Aria.CrmSync builder.
    /// </summary>
    /// <remarks>
    /// HubSpot signs the target URL as configured in the app. Behind a proxy or load balancer, let
    /// <c>UseForwardedHeaders</c> restore the public scheme and host so that the URL checked is the one HubSpot called.
    /// </remarks>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route pattern, e.g. <c>/hubspot/webhooks</c>.</param>
    /// <returns>The endpoint's convention builder (to add host filters, rate limiting, …).</returns>
    /// <exception cref="InvalidOperationException"><c>AddHubSpotWebhooks</c> or <c>AddChangeNotifications</c> is not registered.</exception>
    public static IEndpointConventionBuilder MapHubSpotWebhooks(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/hubspot/webhooks")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var registered = endpoints.ServiceProvider.GetService<IServiceProviderIsService>();
        if (registered is not null && !(registered.IsService(typeof(ICrmChangeNotifier)) && registered.IsService(typeof(HubSpotWebhookProcessor))))
        {
            throw new InvalidOperationException("MapHubSpotWebhooks needs AddHubSpotWebhooks() and AddChangeNotifications() on the Aria.CrmSync builder.");
        }

        return endpoints.MapPost(pattern, HandleAsync).WithDisplayName("HubSpot webhooks");
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var processor = services.GetRequiredService<HubSpotWebhookProcessor>();
        var limit = services.GetRequiredService<IOptionsMonitor<HubSpotWebhookOptions>>().CurrentValue.MaxBodyBytes;
        var request = context.Request;
        if (request.ContentLength > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }

        // At most one byte more than the limit is read: the processor refuses a longer body with 413.
        var body = await ReadAsync(request.Body, limit + 1, context.RequestAborted).ConfigureAwait(false);
        var headers = request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString()));
        var result = await processor.QueueAsync(request.Method, new Uri(request.GetEncodedUrl()), headers, body, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = result.StatusCode;
    }

    private static async Task<ReadOnlyMemory<byte>> ReadAsync(Stream body, int max, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(max, 16 * 1024)];
        var length = 0;
        while (length < max)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, Math.Min(max, buffer.Length * 2));
            }

            var read = await body.ReadAsync(buffer.AsMemory(length, buffer.Length - length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return buffer.AsMemory(0, length);
    }
}
