using Aria.CrmSync.Fields;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Aria.CrmSync.Sync;

/// <summary>Registers the sync engine's parts (internal; <c>AddAriaCrmSync</c> calls it before it registers <see cref="ICrmSyncService"/>).</summary>
internal static class SyncEngineRegistration
{
    public static void AddSyncEngineParts(this IServiceCollection services)
    {
        services.TryAddSingleton<SyncEngineEnvironment>();
        services.TryAddSingleton(sp => new SyncStateWriter(sp.GetRequiredService<ISyncStateStore>(), Env(sp).Options, Env(sp).Time, Env(sp).Logger));
        services.TryAddSingleton(sp => new SyncFailures(sp.GetRequiredService<SyncStateWriter>(), sp.GetRequiredService<ICrmAuditService>(), Env(sp).Options, Env(sp).Retry, Env(sp).Time, Env(sp).Telemetry, Env(sp).Providers, Env(sp).Logger));
        services.TryAddSingleton(sp => new ConnectionFields(
            Env(sp),
            sp.GetService<CrmFieldMetadataCache>() ?? new CrmFieldMetadataCache(Env(sp).Time, new CrmFieldCatalogOptions().MetadataCacheDuration),
            sp.GetService<ICrmFieldCatalogResolver>()));
        services.TryAddSingleton(sp => new LeadPlanWrites(sp.GetRequiredService<SyncStateWriter>(), sp.GetRequiredService<ConnectionFields>(), Env(sp).Logger));
        services.TryAddSingleton(sp => new LeadPlanExecutor(sp.GetRequiredService<ILeadMemoryStore>(), sp.GetRequiredService<SyncStateWriter>(), sp.GetRequiredService<ICrmAuditService>(), sp.GetRequiredService<LeadPlanWrites>(), sp.GetRequiredService<SyncFailures>(), Env(sp).Telemetry, Env(sp).Logger));
        services.TryAddSingleton(sp => new NoteSender(sp.GetRequiredService<SyncStateWriter>(), sp.GetRequiredService<ICrmAuditService>(), sp.GetRequiredService<SyncFailures>(), Env(sp).Options, Env(sp).Time));
        services.TryAddSingleton<LeadLoader>();
        services.TryAddSingleton<SyncStateEditor>();
        services.TryAddSingleton<ActivityPuller>();
        services.TryAddSingleton<LeadNotePusher>();
        services.TryAddSingleton<LeadSynchronizer>();
        services.TryAddSingleton<ConflictResolver>();
        services.TryAddSingleton<RetryScheduler>();
        services.TryAddSingleton<ConnectionRunParts>();
        services.TryAddSingleton<ConnectionSynchronizer>();
    }

    private static SyncEngineEnvironment Env(IServiceProvider services) => services.GetRequiredService<SyncEngineEnvironment>();
}
