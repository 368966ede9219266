using Aria.CrmSync;
using Aria.CrmSync.Health;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Aria.CrmSync health checks to <c>services.AddHealthChecks()</c>.</summary>
public static class CrmSyncHealthChecksBuilderExtensions
{
    /// <summary>The tag every Aria.CrmSync check carries.</summary>
    public const string Tag = "aria-crmsync";

    /// <summary>
    /// Adds four checks: <c>aria-crmsync-store</c> (the store answers; Degraded while the worker's passes fail),
    /// <c>aria-crmsync-connections</c> (connections needing re-authorisation: failure status; paused on quota: Degraded),
    /// <c>aria-crmsync-dead-letters</c> (dead-lettered leads above <see cref="CrmSyncHealthCheckOptions.DeadLetterThreshold"/>:
    /// Degraded) and <c>aria-crmsync-audit</c> (each registered user's audit chain verified within
    /// <see cref="CrmSyncHealthCheckOptions.AuditVerificationWindow"/>; a broken chain: failure status).
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="configure">Configures <see cref="CrmSyncHealthCheckOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddAriaCrmSyncChecks(this IHealthChecksBuilder builder, Action<CrmSyncHealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string[] names = ["aria-crmsync-store", "aria-crmsync-connections", "aria-crmsync-dead-letters", "aria-crmsync-audit"];
        foreach (var name in names)
        {
            var options = builder.Services.AddOptions<CrmSyncHealthCheckOptions>(name)
                .Validate(o => o.DeadLetterThreshold >= 0 && o.AuditVerificationWindow > TimeSpan.Zero && o.MaxAuditChainsPerCheck > 0, "CrmSyncHealthCheckOptions: DeadLetterThreshold must be 0 or more, AuditVerificationWindow and MaxAuditChainsPerCheck positive.");
            if (configure is not null)
            {
                options.Configure(configure);
            }
        }

        builder.Services.TryAddSingleton<CrmSyncAuditHealthCheck>(); // one instance: it remembers verifications for the window
        string[] tags = [Tag];
        return builder
            .AddCheck<CrmSyncStoreHealthCheck>(names[0], HealthStatus.Unhealthy, tags)
            .AddCheck<CrmSyncConnectionsHealthCheck>(names[1], HealthStatus.Unhealthy, tags)
            .AddCheck<CrmSyncDeadLetterHealthCheck>(names[2], HealthStatus.Degraded, tags)
            .AddCheck<CrmSyncAuditHealthCheck>(names[3], HealthStatus.Unhealthy, tags);
    }
}
