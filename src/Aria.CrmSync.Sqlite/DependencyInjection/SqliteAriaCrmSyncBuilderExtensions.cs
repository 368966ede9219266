using Aria.CrmSync;
using Aria.CrmSync.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses the SQLite stores on an <see cref="IAriaCrmSyncBuilder"/>.</summary>
public static class SqliteAriaCrmSyncBuilderExtensions
{
    /// <summary>
    /// Uses durable SQLite stores in one database file for sync state, cursors, leases, lead memories, lead events, the
    /// connection registry and the audit trail, replacing stores chosen earlier. The schema is created or migrated at host start (or on first use).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">The SQLite connection string, for example <c>Data Source=crm-sync.db</c>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseSqliteStores(this IAriaCrmSyncBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        return builder.UseSqliteStores(options => options.ConnectionString = connectionString);
    }

    /// <summary>Uses durable SQLite stores configured by <paramref name="configure"/> (see <see cref="UseSqliteStores(IAriaCrmSyncBuilder, string)"/>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures <see cref="SqliteStoreOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseSqliteStores(this IAriaCrmSyncBuilder builder, Action<SqliteStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<SqliteStoreOptions>().Configure(configure);
        return Register(builder);
    }

    /// <summary>Uses durable SQLite stores with <see cref="SqliteStoreOptions"/> bound from a configuration section.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section holding <see cref="SqliteStoreOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder UseSqliteStores(this IAriaCrmSyncBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<SqliteStoreOptions>().Bind(configuration);
        return Register(builder);
    }

    private static IAriaCrmSyncBuilder Register(IAriaCrmSyncBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SqliteStoreOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteStoreOptions>, SqliteStoreOptionsValidator>());
        services.TryAddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value));

        services.RemoveAll<ISyncStateStore>();
        services.RemoveAll<IAuditStore>();
        services.RemoveAll<ILeadMemoryStore>();
        services.AddSingleton<ISyncStateStore>(sp => new SqliteSyncStateStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IAuditStore>(sp => new SqliteAuditStore(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton<ILeadMemoryStore>(sp => new SqliteLeadMemoryStore(sp.GetRequiredService<SqliteDatabase>()));
        services.RemoveAll<ICrmConnectionRegistry>();
        services.RemoveAll<ICrmConnectionScheduler>();
        services.TryAddSingleton(sp => new SqliteConnectionRegistry(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<ICrmConnectionRegistry>(sp => sp.GetRequiredService<SqliteConnectionRegistry>());
        services.AddSingleton<ICrmConnectionScheduler>(sp => sp.GetRequiredService<SqliteConnectionRegistry>()); // the same table: one instance
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SqliteStoreInitializer>());
        return builder;
    }
}
