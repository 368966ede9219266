using Aria.CrmSync;
using Aria.CrmSync.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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
        builder.Services.RemoveAll<ICrmConnectionRegistry>();
        builder.Services.RemoveAll<ICrmConnectionScheduler>(); // fleet scheduling needs a database store
        builder.Services.AddSingleton<ICrmConnectionRegistry>(sp => new InMemoryCrmConnectionRegistry(sp.GetService<TimeProvider>()));
        return builder;
    }

    /// <summary>
    /// Uses an in-memory connection registry filled from configuration, for small hosts with a fixed set of tenants:
    /// a list of <c>{ "UserId": "...", "Provider": "salesforce" | "hubspot", "Paused": false }</c> objects. The
    /// registry can still be changed at run time (lost at exit). Call it after choosing the stores, which bring their
    /// own registry.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section holding the list, e.g. <c>configuration.GetSection("Aria:Connections")</c>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseConnectionRegistry(this IAriaCrmSyncBuilder builder, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.RemoveAll<ICrmConnectionRegistry>();
        builder.Services.AddSingleton<ICrmConnectionRegistry>(sp =>
        {
            var registry = new InMemoryCrmConnectionRegistry(sp.GetService<TimeProvider>());
            foreach (var entry in configuration.GetChildren())
            {
                var userId = entry["UserId"];
                var provider = entry["Provider"];
                if (string.IsNullOrWhiteSpace(userId) || !CrmProvider.TryParse(provider?.ToLowerInvariant(), out var crm))
                {
                    throw new CrmSyncValidationException($"Connection registry entry '{entry.Path}' needs a UserId and a Provider (a CrmProvider wire value such as salesforce or hubspot).", entry.Path);
                }

                registry.AddAsync(userId, crm).AsTask().GetAwaiter().GetResult();
                if (string.Equals(entry["Paused"], "true", StringComparison.OrdinalIgnoreCase))
                {
                    registry.PauseAsync(userId, crm, "configuration").AsTask().GetAwaiter().GetResult();
                }
            }

            return registry;
        });
        return builder;
    }

    /// <summary>Uses the host's own connection registry.</summary>
    /// <typeparam name="TRegistry">The implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseConnectionRegistry<TRegistry>(this IAriaCrmSyncBuilder builder)
        where TRegistry : class, ICrmConnectionRegistry
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ICrmConnectionRegistry>();
        builder.Services.AddSingleton<ICrmConnectionRegistry, TRegistry>();
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
    /// Anchors each user's audit chain head to an append-only file (one JSON line per anchor, flushed to disk, never
    /// rewritten) on the schedule of <see cref="CrmAuditOptions.AnchorEveryEntries"/> and <see cref="CrmAuditOptions.AnchorInterval"/>,
    /// and lets <see cref="ICrmAuditService.VerifyAgainstAnchorsAsync"/> check the chain against them. Put the file where
    /// the audit store's writers cannot write.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="path">The anchor file (created when missing).</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseFileAuditAnchorSink(this IAriaCrmSyncBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        builder.Services.RemoveAll<IAuditAnchorSink>();
        builder.Services.AddSingleton<IAuditAnchorSink>(new Aria.CrmSync.Auditing.Anchoring.FileAuditAnchorSink(path));
        return builder;
    }

    /// <summary>
    /// Has every audit anchor stamped by an RFC 3161 time-stamp authority (a <c>TimeStampReq</c> for the SHA-256 of the
    /// anchor's <see cref="AuditChainAnchor.CanonicalText"/>, HTTP POST <c>application/timestamp-query</c>) before the
    /// anchor sink registered so far (<see cref="UseFileAuditAnchorSink"/>, the PostgreSQL anchor table, or your own) keeps
    /// it with its token in <see cref="AuditChainAnchor.TimestampToken"/>. A reply is refused with a
    /// <see cref="CrmSyncException"/> unless granted, for this hash and nonce, validly signed, and from a trusted TSA; the
    /// anchor is then retried with the next append. <see cref="ICrmAuditService.VerifyAgainstAnchorsAsync"/> re-checks every
    /// token against its anchor. Call it after choosing the sink it wraps.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="timestampAuthority">The TSA's URL (https; plain http only on loopback).</param>
    /// <param name="trustedCertificates">The TSA's certificate, or the root it chains to (with the id-kp-timeStamping usage).</param>
    /// <param name="configureHttpClient">Configures the TSA's <see cref="HttpClient"/> (named <c>Aria.CrmSync.Rfc3161</c>), for example its primary handler.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseRfc3161AuditAnchorSink(this IAriaCrmSyncBuilder builder, Uri timestampAuthority, System.Security.Cryptography.X509Certificates.X509Certificate2Collection trustedCertificates, Action<IHttpClientBuilder>? configureHttpClient = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var authority = Aria.CrmSync.Auditing.Anchoring.Rfc3161AuditAnchorSink.CheckAuthority(timestampAuthority);
        var trusted = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection(Aria.CrmSync.Auditing.Anchoring.Rfc3161AuditAnchorSink.CheckTrusted(trustedCertificates));
        var inner = builder.Services.LastOrDefault(static d => d.ServiceType == typeof(IAuditAnchorSink))
            ?? throw new InvalidOperationException("UseRfc3161AuditAnchorSink keeps stamped anchors in the anchor sink chosen before it: call UseFileAuditAnchorSink(...) (or another anchor sink) first.");
        var client = builder.Services.AddHttpClient(Aria.CrmSync.Auditing.Anchoring.Rfc3161AuditAnchorSink.HttpClientName, static c => c.Timeout = TimeSpan.FromSeconds(30));
        configureHttpClient?.Invoke(client);
        builder.Services.RemoveAll<IAuditAnchorSink>();
        builder.Services.AddSingleton<IAuditAnchorSink>(sp => new Aria.CrmSync.Auditing.Anchoring.Rfc3161AuditAnchorSink(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(Aria.CrmSync.Auditing.Anchoring.Rfc3161AuditAnchorSink.HttpClientName),
            authority,
            trusted,
            (IAuditAnchorSink)(inner.ImplementationInstance
                ?? inner.ImplementationFactory?.Invoke(sp)
                ?? ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!))));
        return builder;
    }

    /// <summary>Signs audit anchors with <paramref name="certificate"/>'s private key (RSA-PSS or ECDSA, SHA-256).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="certificate">A certificate with its private key (RSA or ECDSA).</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseX509AuditAnchorSigner(this IAriaCrmSyncBuilder builder, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("The anchor-signing certificate must include its private key.", nameof(certificate));
        }

        builder.Services.RemoveAll<IAuditAnchorSigner>();
        builder.Services.AddSingleton<IAuditAnchorSigner>(new Aria.CrmSync.Auditing.Anchoring.X509AuditAnchorSigner(certificate));
        return builder;
    }

    /// <summary>Signs audit anchors with the certificate and private key of a PFX (PKCS#12) file.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="pfxPath">The PFX file.</param>
    /// <param name="password">Its password, if any (read it from a secret store, not from appsettings).</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseX509AuditAnchorSigner(this IAriaCrmSyncBuilder builder, string pfxPath, string? password)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(pfxPath);
        return builder.UseX509AuditAnchorSigner(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(pfxPath, password));
    }

    /// <summary>Signs audit anchors with a certificate (and its private key) from the certificate store, found by thumbprint.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="storeName">The store, for example <see cref="System.Security.Cryptography.X509Certificates.StoreName.My"/>.</param>
    /// <param name="storeLocation">The location, for example <see cref="System.Security.Cryptography.X509Certificates.StoreLocation.CurrentUser"/>.</param>
    /// <param name="thumbprint">The certificate's SHA-1 thumbprint (hex).</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseX509AuditAnchorSigner(this IAriaCrmSyncBuilder builder, System.Security.Cryptography.X509Certificates.StoreName storeName, System.Security.Cryptography.X509Certificates.StoreLocation storeLocation, string thumbprint)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(thumbprint);
        using var store = new System.Security.Cryptography.X509Certificates.X509Store(storeName, storeLocation);
        store.Open(System.Security.Cryptography.X509Certificates.OpenFlags.ReadOnly);
        var found = store.Certificates.Find(System.Security.Cryptography.X509Certificates.X509FindType.FindByThumbprint, thumbprint, validOnly: false);
        return found.Count == 1
            ? builder.UseX509AuditAnchorSigner(found[0])
            : throw new ArgumentException($"Found {found.Count} certificates with thumbprint {thumbprint} in {storeLocation}/{storeName}; expected one.", nameof(thumbprint));
    }

    /// <summary>
    /// Adds a hosted worker that, every <see cref="CrmSyncWorkerOptions.Interval"/>, reads the
    /// <see cref="ICrmConnectionRegistry"/> (plus any <see cref="CrmSyncWorkerOptions.Connections"/>), syncs each
    /// active connection and runs due retries (needs a host: <c>Host.CreateApplicationBuilder()</c>). It warns when
    /// there is nothing to sync, and survives store outages: a failed pass is logged and retried with backoff
    /// (2 s doubling, at most the interval) while the host keeps running.
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
            .Validate(o => o.Fleet is null || (!o.Fleet.Problems().Any() && o.Connections.Count == 0), "CrmSyncWorkerOptions.Fleet: LeaseTtl at least 1 s, HeartbeatInterval at most half of it, positive PollInterval, caps at least 1, Jitter in [0, 1], and no static Connections (register them).")
            .ValidateOnStart();

        // In fleet mode a crashed process's note claims must expire as fast as its connection leases.
        builder.Services.AddSingleton<IPostConfigureOptions<CrmSyncOptions>>(sp => new PostConfigureOptions<CrmSyncOptions, IOptions<CrmSyncWorkerOptions>>(
            Microsoft.Extensions.Options.Options.DefaultName,
            sp.GetRequiredService<IOptions<CrmSyncWorkerOptions>>(),
            static (o, worker) =>
            {
                CrmFleetOptions? fleet;
                try
                {
                    fleet = worker.Value.Fleet;
                }
                catch (OptionsValidationException)
                {
                    return; // the worker's options report their own problem at start-up
                }

                if (fleet is not null && o.NoteClaimDuration > fleet.LeaseTtl)
                {
                    o.NoteClaimDuration = fleet.LeaseTtl;
                }
            }));
        builder.Services.TryAddSingleton<Aria.CrmSync.Hosting.CrmSyncWorkerStatus>();
        builder.Services.AddHostedService<Aria.CrmSync.Hosting.CrmSyncWorker>();
        return builder;
    }

    /// <summary>
    /// Adds a gateway for a custom CRM as the gateway of its <see cref="ICrmGateway.Provider"/>, or a decorator: a
    /// <typeparamref name="TGateway"/> deriving from <see cref="DelegatingCrmGateway"/> wraps every gateway registered
    /// before this call (one instance each, built with the inner gateway as its <see cref="ICrmGateway"/> constructor
    /// argument and other arguments from the container), so decorators stack in registration order. Register decorators
    /// after the gateways (<c>AddSalesforce</c>, <c>AddHubSpot</c>, <c>AddGateway</c>).
    /// </summary>
    /// <typeparam name="TGateway">The implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddGateway<TGateway>(this IAriaCrmSyncBuilder builder)
        where TGateway : class, ICrmGateway
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!typeof(DelegatingCrmGateway).IsAssignableFrom(typeof(TGateway)))
        {
            builder.Services.AddSingleton<ICrmGateway, TGateway>();
            return builder;
        }

        var services = builder.Services;
        for (var i = 0; i < services.Count; i++)
        {
            var inner = services[i];
            if (inner.ServiceType == typeof(ICrmGateway) && !inner.IsKeyedService)
            {
                services[i] = ServiceDescriptor.Singleton<ICrmGateway, TGateway>(
                    sp => ActivatorUtilities.CreateInstance<TGateway>(sp, CreateInner(sp, inner)));
            }
        }

        return builder;
    }

    private static ICrmGateway CreateInner(IServiceProvider services, ServiceDescriptor inner)
        => (ICrmGateway)(inner.ImplementationInstance
            ?? inner.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, inner.ImplementationType!));

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

    /// <summary>
    /// Registers a CRM's <see cref="CrmProviderDescriptor"/> with <see cref="CrmProviderCatalog"/>, and its
    /// <see cref="CrmProviderDescriptor.DefaultStageMap"/> as <see cref="CrmSyncOptions.StageMaps"/> entry unless the
    /// application configured one first. A later descriptor for the same provider replaces an earlier one.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="descriptor">The descriptor.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="CrmSyncValidationException">The descriptor is not valid.</exception>
    public static IAriaCrmSyncBuilder AddCrmProvider(this IAriaCrmSyncBuilder builder, CrmProviderDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(descriptor);
        descriptor.Validate();
        builder.Services.AddSingleton(descriptor);
        if (descriptor.DefaultStageMap is { } create)
        {
            builder.Services.Configure<CrmSyncOptions>(o => o.StageMaps.TryAdd(descriptor.Provider, create()));
        }

        return builder;
    }

    /// <summary>Adds a gateway for a CRM the library does not know, with the CRM's descriptor (see <see cref="AddCrmProvider"/>).</summary>
    /// <typeparam name="TGateway">The implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="descriptor">The CRM's descriptor.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddGateway<TGateway>(this IAriaCrmSyncBuilder builder, CrmProviderDescriptor descriptor)
        where TGateway : class, ICrmGateway
        => builder.AddCrmProvider(descriptor).AddGateway<TGateway>();
}
