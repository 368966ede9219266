using Aria.CrmSync;
using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Gateways.Http;
using Aria.CrmSync.Providers.HubSpot;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the HubSpot gateway and HubSpot webhooks to an <see cref="IAriaCrmSyncBuilder"/>.</summary>
/// <remarks>
/// The gateway paces each connection below HubSpot's documented burst limit: a sliding window holds at most 92 % of
/// <see cref="HubSpotOptions.RateLimits"/> in any rolling window, each request counted until its response arrived,
/// corrected live from <c>X-HubSpot-RateLimit-Max</c>/<c>-Remaining</c>; search has its own per-second throttle. A 429 pauses the connection (ten-secondly: the interval; daily: until the quota resets, as
/// <see cref="CrmRateLimitedException"/> with <see cref="CrmRateLimitScope.Daily"/>).
/// </remarks>
public static class HubSpotAriaCrmSyncBuilderExtensions
{
    /// <summary>Adds the HubSpot gateway with the default options (connections with an empty <see cref="CrmConnection.OptionsName"/>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures <see cref="HubSpotOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddHubSpot(this IAriaCrmSyncBuilder builder, Action<HubSpotOptions> configure)
        => builder.AddHubSpot(string.Empty, configure);

    /// <summary>Adds the HubSpot gateway with named options, for connections whose <see cref="CrmConnection.OptionsName"/> is <paramref name="name"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The options name.</param>
    /// <param name="configure">Configures <see cref="HubSpotOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddHubSpot(this IAriaCrmSyncBuilder builder, string name, Action<HubSpotOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<HubSpotOptions>(name).Configure(configure).ValidateOnStart();
        return AddCore(builder);
    }

    /// <summary>Adds the HubSpot gateway with options bound from configuration (<c>BaseAddress</c>, <c>ApiVersion</c>, <c>ClientId</c>, <c>ClientSecret</c>, <c>RateLimits:*</c>, …).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section holding <see cref="HubSpotOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddHubSpot(this IAriaCrmSyncBuilder builder, IConfiguration configuration)
        => builder.AddHubSpot(string.Empty, configuration);

    /// <summary>Adds the HubSpot gateway with named options bound from configuration.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The options name.</param>
    /// <param name="configuration">The section holding <see cref="HubSpotOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddHubSpot(this IAriaCrmSyncBuilder builder, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<HubSpotOptions>(name).Bind(configuration).ValidateOnStart();
        return AddCore(builder);
    }

    /// <summary>
    /// Adds <see cref="HubSpotWebhookProcessor"/> (signature v3 checks, de-duplication, targeted pulls). Portals map to
    /// users through <see cref="HubSpotWebhookOptions.PortalUsers"/> unless the host registers its own
    /// <see cref="IHubSpotWebhookUserResolver"/> (<see cref="UseHubSpotWebhookUserResolver{TResolver}"/>).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures <see cref="HubSpotWebhookOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddHubSpotWebhooks(this IAriaCrmSyncBuilder builder, Action<HubSpotWebhookOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<HubSpotWebhookOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => o.MaxTimestampAge > TimeSpan.Zero && o.MaxClockSkew >= TimeSpan.Zero && o.MaxBodyBytes > 0 && o.DeduplicationCapacity > 0,
            "HubSpotWebhookOptions: MaxTimestampAge, MaxBodyBytes and DeduplicationCapacity must be positive, MaxClockSkew not negative.").ValidateOnStart();
        builder.Services.TryAddSingleton<IHubSpotWebhookUserResolver, OptionsHubSpotWebhookUserResolver>();
        builder.Services.TryAddSingleton<HubSpotWebhookProcessor>();
        return builder;
    }

    /// <summary>Adds webhooks with options bound from configuration (<c>HubSpotOptionsName</c>, <c>MaxTimestampAge</c>, <c>PortalUsers:{portalId}:{n}</c>, …).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section holding <see cref="HubSpotWebhookOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddHubSpotWebhooks(this IAriaCrmSyncBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        builder.AddHubSpotWebhooks();
        builder.Services.AddOptions<HubSpotWebhookOptions>().Bind(configuration);
        return builder;
    }

    /// <summary>Maps webhook portals to users with the host's resolver (its integrations table).</summary>
    /// <typeparam name="TResolver">The implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseHubSpotWebhookUserResolver<TResolver>(this IAriaCrmSyncBuilder builder)
        where TResolver : class, IHubSpotWebhookUserResolver
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IHubSpotWebhookUserResolver>();
        builder.Services.AddSingleton<IHubSpotWebhookUserResolver, TResolver>();
        return builder;
    }

    private static IAriaCrmSyncBuilder AddCore(IAriaCrmSyncBuilder builder)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HubSpotOptions>, HubSpotOptionsValidator>());
        if (services.Any(d => d.ServiceType == typeof(HubSpotGateway)))
        {
            return builder;
        }

        services.TryAddSingleton(TimeProvider.System);
        CrmHttpClientRegistration.AddCrmHttpClient(services, HubSpotOptions.HttpClientName, configureResilience: null);
        services.AddHttpClient(HubSpotOptions.OAuthHttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton(sp => new HubSpotGateway(
            sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<IOptionsMonitor<HubSpotOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<CrmSyncTelemetry>(),
            sp.GetService<ILogger<HubSpotGateway>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICrmGateway, HubSpotGateway>(sp => sp.GetRequiredService<HubSpotGateway>()));
        services.AddSingleton(CrmProviderDescriptor.HubSpot);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICrmTokenRefresher, HubSpotTokenRefresher>());
        return builder;
    }
}
