using Aria.CrmSync;
using Aria.CrmSync.Storage.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses the PostgreSQL stores on an <see cref="IAriaCrmSyncBuilder"/>.</summary>
public static class PostgreSqlAriaCrmSyncBuilderExtensions
{
    /// <summary>
    /// Uses PostgreSQL (or Supabase) for sync state, cursors, leases, lead memories, lead events and the audit trail,
    /// replacing stores chosen earlier. Tables live in the <c>public</c> schema; migrations run at host start (or on
    /// first use), serialised across instances.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UsePostgreSqlStores(this IAriaCrmSyncBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        return builder.UsePostgreSqlStores(options => options.ConnectionString = connectionString);
    }

    /// <summary>Uses the PostgreSQL stores configured by <paramref name="configure"/> (schema, whether to migrate on start).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures <see cref="PostgreSqlStoreOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UsePostgreSqlStores(this IAriaCrmSyncBuilder builder, Action<PostgreSqlStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<PostgreSqlStoreOptions>().Configure(configure);
        return Register(builder);
    }

    /// <summary>Uses the PostgreSQL stores with <see cref="PostgreSqlStoreOptions"/> bound from a configuration section.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section holding <see cref="PostgreSqlStoreOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UsePostgreSqlStores(this IAriaCrmSyncBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<PostgreSqlStoreOptions>().Bind(configuration);
        return Register(builder);
    }

    /// <summary>
    /// Keeps audit anchors in the PostgreSQL table <c>crm_audit_anchors</c> (migration 0004), written through
    /// <paramref name="anchorWriterConnectionString"/> (a login that is a member of
    /// <see cref="PostgreSqlStoreOptions.AnchorWriterRole"/>, which may only read and insert anchors) and read through the
    /// stores' own connection (the runtime role may only read them). Call it after <c>UsePostgreSqlStores(...)</c>; to
    /// time-stamp the anchors too, call <c>UseRfc3161AuditAnchorSink(...)</c> after it.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="anchorWriterConnectionString">The Npgsql connection string of the anchor writer's login.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UsePostgreSqlAuditAnchorSink(this IAriaCrmSyncBuilder builder, string anchorWriterConnectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(anchorWriterConnectionString);
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(anchorWriterConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The anchor writer connection string is not a valid Npgsql connection string: {ex.Message}", nameof(anchorWriterConnectionString));
        }

        if (!builder.Services.Any(static d => d.ServiceType == typeof(PostgreSqlDatabase)))
        {
            throw new InvalidOperationException("UsePostgreSqlAuditAnchorSink keeps anchors next to the PostgreSQL stores: call UsePostgreSqlStores(...) first.");
        }

        builder.Services.RemoveAll<IAuditAnchorSink>();
        builder.Services.AddSingleton<IAuditAnchorSink>(sp => new PostgreSqlAuditAnchorSink(sp.GetRequiredService<PostgreSqlDatabase>(), anchorWriterConnectionString));
        return builder;
    }

    private static IAriaCrmSyncBuilder Register(IAriaCrmSyncBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PostgreSqlStoreOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgreSqlStoreOptions>, PostgreSqlStoreOptionsValidator>());
        services.TryAddSingleton(sp => new PostgreSqlDatabase(sp.GetRequiredService<IOptions<PostgreSqlStoreOptions>>().Value));

        services.RemoveAll<ISyncStateStore>();
        services.RemoveAll<IAuditStore>();
        services.RemoveAll<ILeadMemoryStore>();
        services.AddSingleton<ISyncStateStore>(sp => new PostgreSqlSyncStateStore(sp.GetRequiredService<PostgreSqlDatabase>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IAuditStore>(sp => new PostgreSqlAuditStore(sp.GetRequiredService<PostgreSqlDatabase>()));
        services.AddSingleton<ILeadMemoryStore>(sp => new PostgreSqlLeadMemoryStore(sp.GetRequiredService<PostgreSqlDatabase>()));
        services.RemoveAll<ICrmConnectionRegistry>();
        services.RemoveAll<ICrmConnectionScheduler>();
        services.TryAddSingleton(sp => new PostgreSqlConnectionRegistry(sp.GetRequiredService<PostgreSqlDatabase>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<ICrmConnectionRegistry>(sp => sp.GetRequiredService<PostgreSqlConnectionRegistry>());
        services.AddSingleton<ICrmConnectionScheduler>(sp => sp.GetRequiredService<PostgreSqlConnectionRegistry>()); // the same table: one instance
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgreSqlStoreInitializer>());
        return builder;
    }
}
