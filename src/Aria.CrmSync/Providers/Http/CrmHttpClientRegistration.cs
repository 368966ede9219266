using System.Net;
using Aria.CrmSync.Providers.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;

namespace Aria.CrmSync.Gateways.Http;

/// <summary>
/// Registers a CRM's named <see cref="HttpClient"/>: standard resilience (outer), bearer auth, response buffering,
/// and innermost the broker hop that sends brokered connections' requests to Composio instead of the CRM.
/// </summary>
/// <remarks>
/// The pipeline: attempt timeout 30 s, total 120 s, three retries with jittered exponential back-off (from 500 ms,
/// honouring <c>Retry-After</c>) of idempotent requests only, after 5xx, 408, timeouts and dropped connections (the
/// CRM's 429s are left to the gateway: <see cref="CrmHttpGateway.SendWithRateLimitRetriesAsync"/>), one circuit breaker
/// per host; then the bearer token of the connection (<see cref="CrmTokenCache"/>) with one refresh on a rejecting 401
/// (<see cref="ICrmTokenRefresher"/>); then the response body is read inside the pipeline so a body cut short is retried
/// like a failed attempt.
/// </remarks>
public static class CrmHttpClientRegistration
{
    /// <summary>Registers the named client a gateway sends through (and <see cref="CrmTokenCache"/>, once).</summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The client name, the gateway's own (for example <c>Aria.CrmSync.Pipedrive</c>).</param>
    /// <param name="configureResilience">Adjusts the standard resilience options, or <see langword="null"/>.</param>
    /// <returns>The client builder, for more handlers or a primary handler.</returns>
    public static IHttpClientBuilder AddCrmHttpClient(this IServiceCollection services, string name, Action<HttpStandardResilienceOptions>? configureResilience = null)
    {
        services.TryAddSingleton<CrmTokenCache>();
        services.TryAddTransient<CrmAuthenticationHandler>();
        var builder = services.AddHttpClient(name);
        builder.ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan); // the resilience pipeline times out
        builder.AddStandardResilienceHandler(options =>
            {
                options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(30);
                options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(120);
                options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(60);
                options.Retry.MaxRetryAttempts = 3;
                options.Retry.Delay = TimeSpan.FromMilliseconds(500);
                options.Retry.UseJitter = true;
                options.Retry.ShouldRetryAfterHeader = true;
                options.Retry.ShouldHandle = ShouldRetryAsync;
                configureResilience?.Invoke(options);
            })
            .SelectPipelineByAuthority(); // one circuit per org / host, not one for every connection
        builder.AddHttpMessageHandler<CrmAuthenticationHandler>();
        builder.AddHttpMessageHandler(() => new CrmResponseBufferingHandler()); // body failures happen inside the retries

        // Innermost, after every handler the host adds: requests of brokered connections leave here for the broker
        // (Composio) instead of the primary handler, so host handlers see the same provider request either way.
        services.PostConfigure<HttpClientFactoryOptions>(name, o => o.HttpMessageHandlerBuilderActions.Add(
            b => b.AdditionalHandlers.Add(new CrmBrokerHandler(b.Services.GetService<ICrmBroker>()))));
        return builder;
    }

    /// <summary>
    /// Retries transient failures (5xx, 408, timeouts, dropped connections) of requests that are safe to repeat.
    /// Writes that could duplicate (creating a note) are not retried here: the engine's outbox retries them with a
    /// lookup first. The CRM's 429s are left to the gateway, which pauses the connection's rate gate; a broker's own
    /// 429 (Composio's rate limit, no <c>Retry-After</c> documented) is retried like a 5xx, with the exponential back-off.
    /// </summary>
    private static ValueTask<bool> ShouldRetryAsync(RetryPredicateArguments<HttpResponseMessage> args)
    {
        var request = args.Context.GetRequestMessage();
        if (request is null || !CrmHttpRequestOptions.IsIdempotent(request))
        {
            return ValueTask.FromResult(false);
        }

        if (args.Outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests } && CrmBrokerTrace.Of(request)?.Failure is not CrmRateLimitedException)
        {
            return ValueTask.FromResult(false);
        }

        return ValueTask.FromResult(HttpClientResiliencePredicates.IsTransient(args.Outcome));
    }
}
