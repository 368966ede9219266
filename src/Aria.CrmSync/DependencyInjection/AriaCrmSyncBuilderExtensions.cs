using Aria.CrmSync;
using Aria.CrmSync.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses stores, connection resolution and extra gateways on an <see cref="IAriaCrmSyncBuilder"/>.</summary>
public static class AriaCrmSyncBuilderExtensions
{
    /// <summary>Uses process-local stores (state is lost on restart): for tests, samples and throwaway hosts.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseInMemoryStores(this IAriaCrmSyncBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ISyncStateStore>();
        builder.Services.RemoveAll<IAuditStore>();
        builder.Services.RemoveAll<ILeadMemoryStore>();
        builder.Services.AddSingleton<ISyncStateStore>(sp => new InMemorySyncStateStore(sp.GetService<TimeProvider>()));
        builder.Services.AddSingleton<IAuditStore, InMemoryAuditStore>();
        builder.Services.AddSingleton<ILeadMemoryStore, InMemoryLeadMemoryStore>();
        return builder;
    }

    /// <summary>Uses the host's lead store (ARIA's own tables) instead of the one the chosen store package provides.</summary>
    /// <typeparam name="TStore">The implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseLeadMemoryStore<TStore>(this IAriaCrmSyncBuilder builder)
        where TStore : class, ILeadMemoryStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ILeadMemoryStore>();
        builder.Services.AddSingleton<ILeadMemoryStore, TStore>();
        return builder;
    }

    /// <summary>Resolves connections with the host's <typeparamref name="TResolver"/>.</summary>
    /// <typeparam name="TResolver">The implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseConnectionResolver<TResolver>(this IAriaCrmSyncBuilder builder)
        where TResolver : class, ICrmConnectionResolver
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ICrmConnectionResolver>();
        builder.Services.AddSingleton<ICrmConnectionResolver, TResolver>();
        return builder;
    }

    /// <summary>Resolves connections from an in-process list, seeded by <paramref name="configure"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Adds connections.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseInMemoryConnections(this IAriaCrmSyncBuilder builder, Action<InMemoryCrmConnectionResolver>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var resolver = new InMemoryCrmConnectionResolver();
        configure?.Invoke(resolver);
        builder.Services.RemoveAll<ICrmConnectionResolver>();
        builder.Services.RemoveAll<InMemoryCrmConnectionResolver>();
        builder.Services.AddSingleton(resolver);
        builder.Services.AddSingleton<ICrmConnectionResolver>(resolver);
        return builder;
    }

    /// <summary>Configures the audit trail (e.g. the key that signs exported chain anchors), validated at start-up.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures <see cref="CrmAuditOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder ConfigureAudit(this IAriaCrmSyncBuilder builder, Action<CrmAuditOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<CrmAuditOptions>()
            .Configure(configure)
            .Validate(o => o.AnchorSigningKey is null || (TryKey(o.AnchorSigningKey) is { Length: >= 32 } && !string.IsNullOrWhiteSpace(o.AnchorKeyId)), "CrmAuditOptions.AnchorSigningKey must be Base64 of at least 32 bytes, with an AnchorKeyId.")
            .ValidateOnStart();
        return builder;

        static byte[]? TryKey(string text)
        {
            var buffer = new byte[text.Length];
            return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
        }
    }

    /// <summary>
    /// Adds a hosted worker that syncs the configured connections and runs due retries every
    /// <see cref="CrmSyncWorkerOptions.Interval"/> (needs a host: <c>Host.CreateApplicationBuilder()</c>).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the worker.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddSyncWorker(this IAriaCrmSyncBuilder builder, Action<CrmSyncWorkerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<CrmSyncWorkerOptions>()
            .Configure(configure)
            .Validate(o => o.Interval > TimeSpan.Zero && o.MaxRetriesPerPass > 0, "CrmSyncWorkerOptions: Interval and MaxRetriesPerPass must be positive.")
            .ValidateOnStart();
        builder.Services.AddHostedService<Aria.CrmSync.Hosting.CrmSyncWorker>();
        return builder;
    }

    /// <summary>Adds a gateway (a custom CRM, or a decorator) as the gateway of its <see cref="ICrmGateway.Provider"/>.</summary>
    /// <typeparam name="TGateway">The implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddGateway<TGateway>(this IAriaCrmSyncBuilder builder)
        where TGateway : class, ICrmGateway
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ICrmGateway, TGateway>();
        return builder;
    }

    /// <summary>Adds a gateway instance as the gateway of its <see cref="ICrmGateway.Provider"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="gateway">The gateway.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddGateway(this IAriaCrmSyncBuilder builder, ICrmGateway gateway)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(gateway);
        builder.Services.AddSingleton(gateway);
        return builder;
    }
}
