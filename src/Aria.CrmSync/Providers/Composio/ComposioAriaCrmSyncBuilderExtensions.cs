using Aria.CrmSync;
using Aria.CrmSync.Providers.Composio;
using Aria.CrmSync.Providers.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Composio-brokered connections (the CRM credentials stay in Composio connected accounts) to Aria.CrmSync.</summary>
/// <remarks>
/// With <c>AddComposio(...)</c>, every request of a <see cref="CrmCredentialKind.Brokered"/> connection (one with a
/// <see cref="CrmConnection.BrokerAccountId"/>) goes through Composio's proxy (<c>POST /tools/execute/proxy</c>) inside
/// the Salesforce and HubSpot clients' own pipelines, so the gateways, their retries (idempotent requests only),
/// rate budgets and error mapping are the same as for direct connections. Other connections of the same host keep
/// calling the CRM directly. <c>UseComposioConnections(...)</c> resolves users to their connected accounts.
/// </remarks>
public static class ComposioAriaCrmSyncBuilderExtensions
{
    /// <summary>Adds Composio-brokered connections, configured in code.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures <see cref="ComposioOptions"/> (at least <see cref="ComposioOptions.ApiKey"/>).</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddComposio(this IAriaCrmSyncBuilder builder, Action<ComposioOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder.Services).Configure(configure);
        return builder;
    }

    /// <summary>Adds Composio-brokered connections with options bound from a configuration section (e.g. <c>AriaCrmSync:Composio</c>: <c>ApiKey</c>, <c>BaseAddress</c>, <c>ConnectedAccounts:0:…</c>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section holding <see cref="ComposioOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddComposio(this IAriaCrmSyncBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(builder.Services).Bind(configuration);
        return builder;
    }

    /// <summary>
    /// Resolves connections with <see cref="ComposioConnectionResolver"/>: users map to their connected accounts through
    /// <see cref="ComposioOptions.ConnectedAccounts"/> and any registered <see cref="IComposioConnectedAccountSource"/>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseComposioConnections(this IAriaCrmSyncBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ICrmConnectionResolver>();
        builder.Services.TryAddSingleton<ComposioConnectionResolver>();
        builder.Services.AddSingleton<ICrmConnectionResolver>(sp => sp.GetRequiredService<ComposioConnectionResolver>());
        return builder;
    }

    /// <summary>Resolves connections through Composio, finding connected accounts with the host's <typeparamref name="TSource"/> (its integrations table).</summary>
    /// <typeparam name="TSource">The implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseComposioConnections<TSource>(this IAriaCrmSyncBuilder builder)
        where TSource : class, IComposioConnectedAccountSource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IComposioConnectedAccountSource, TSource>());
        return builder.UseComposioConnections();
    }

    /// <summary>
    /// Resolves connections through Composio, finding each user's connected account id with a host callback (like the
    /// seed, which reads <c>composio_connection_id</c> from the user's integration row); <see langword="null"/> when none.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="findConnectedAccountId">Returns the connected account id of a user for a CRM, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseComposioConnections(this IAriaCrmSyncBuilder builder, Func<string, CrmProvider, CancellationToken, ValueTask<string?>> findConnectedAccountId)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(findConnectedAccountId);
        builder.Services.AddSingleton<IComposioConnectedAccountSource>(new CallbackConnectedAccountSource(findConnectedAccountId));
        return builder.UseComposioConnections();
    }

    private static OptionsBuilder<ComposioOptions> AddCore(IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(ICrmBroker)))
        {
            services.TryAddSingleton(TimeProvider.System);
            services.AddSingleton<ICrmBroker, ComposioBroker>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ComposioOptions>, ComposioOptionsValidator>());
            services.AddHttpClient(ComposioOptions.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan) // the CRM client's resilience pipeline times out each attempt
                .RedactLoggedHeaders(_ => true) // x-api-key never reaches the HTTP client logs
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
                {
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    AutomaticDecompression = System.Net.DecompressionMethods.All,
                });
        }

        return services.AddOptions<ComposioOptions>().ValidateOnStart();
    }

    private sealed class CallbackConnectedAccountSource(Func<string, CrmProvider, CancellationToken, ValueTask<string?>> find) : IComposioConnectedAccountSource
    {
        public async ValueTask<ComposioConnectedAccount?> FindAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
        {
            var id = await find(userId, provider, cancellationToken).ConfigureAwait(false);
            return string.IsNullOrWhiteSpace(id) ? null : new ComposioConnectedAccount { UserId = userId, Provider = provider, ConnectedAccountId = id };
        }
    }
}
