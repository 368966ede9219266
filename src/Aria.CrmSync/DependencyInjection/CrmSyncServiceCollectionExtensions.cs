using Aria.CrmSync;
using Aria.CrmSync.Auditing;
using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Sync;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Aria.CrmSync in a service collection.</summary>
public static class CrmSyncServiceCollectionExtensions
{
    /// <summary>
    /// Adds the sync engine (<see cref="ICrmSyncService"/>), lead linking (<see cref="ICrmLinkService"/>) and the audit
    /// trail (<see cref="ICrmAuditService"/>).
    /// Chain <c>.AddSalesforce(...)</c>, <c>.AddHubSpot(...)</c> and a store (<c>.UseInMemoryStores()</c>,
    /// <c>.UseSqliteStores(...)</c>, <c>.UsePostgreSqlStores(...)</c>). Calling it again only applies
    /// <paramref name="configure"/> again.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures <see cref="CrmSyncOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddAriaCrmSync(this IServiceCollection services, Action<CrmSyncOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<CrmSyncOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        AddCore(services);
        return new AriaCrmSyncBuilder(services);
    }

    /// <summary>Adds Aria.CrmSync with options bound from a configuration section.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding <see cref="CrmSyncOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddAriaCrmSync(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<CrmSyncOptions>().Bind(configuration);
        AddCore(services);
        return new AriaCrmSyncBuilder(services);
    }

    private static void AddCore(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(AriaCrmSyncMarker)))
        {
            return;
        }

        services.AddSingleton<AriaCrmSyncMarker>();
        services.AddOptions<CrmSyncOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CrmSyncOptions>, CrmSyncOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CrmSyncOptions>, StoreRegistrationValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new CrmSyncTelemetry(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<ICrmAuditService, CrmAuditService>();
        services.TryAddSingleton<CrmProviderCatalog>();
        services.AddSyncEngineParts();
        services.TryAddSingleton<ICrmSyncService, CrmSyncService>();
        services.TryAddSingleton<ICrmLinkService, Aria.CrmSync.Linking.CrmLinkService>();
        services.TryAddSingleton<ICrmConnectionRegistry>(sp => new InMemoryCrmConnectionRegistry(sp.GetService<TimeProvider>()));
    }

    private sealed class AriaCrmSyncMarker;

    /// <summary>Fails start-up with a clear message when no store was chosen.</summary>
    private sealed class StoreRegistrationValidator(IServiceProvider services) : IValidateOptions<CrmSyncOptions>
    {
        public ValidateOptionsResult Validate(string? name, CrmSyncOptions options)
        {
            var check = services.GetService<IServiceProviderIsService>();
            if (check is null)
            {
                return ValidateOptionsResult.Skip;
            }

            var missing = new[] { typeof(ISyncStateStore), typeof(IAuditStore), typeof(ILeadMemoryStore), typeof(ICrmConnectionResolver) }
                .Where(t => !check.IsService(t))
                .Select(t => t.Name)
                .ToList();
            return missing.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"Aria.CrmSync needs {string.Join(", ", missing)}: call UseInMemoryStores(), UseSqliteStores(...) or UsePostgreSqlStores(...), and UseConnectionResolver<T>() or UseInMemoryConnections(...).");
        }
    }
}
