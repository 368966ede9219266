using Aria.CrmSync;
using Aria.CrmSync.Notifications;
using Aria.CrmSync.Sync;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the change notification path (<see cref="ICrmChangeNotifier"/>).</summary>
public static class CrmChangeNotificationBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="ICrmChangeNotifier"/>: CRM change notifications (Salesforce Change Data Capture, HubSpot webhooks)
    /// become debounced, batched targeted syncs of the engine registered by <c>AddAriaCrmSync</c>. Calling it again only
    /// configures the options.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddChangeNotifications(this IAriaCrmSyncBuilder builder, Action<CrmChangeNotifierOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<CrmChangeNotifierOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddSingleton<ICrmChangeNotifier>(sp => new CrmChangeNotifier(
            sp.GetRequiredService<ICrmSyncService>() as CrmSyncService
                ?? throw new InvalidOperationException("Change notifications need the engine registered by AddAriaCrmSync (ICrmSyncService was replaced)."),
            sp.GetRequiredService<IOptionsMonitor<CrmChangeNotifierOptions>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILogger<CrmChangeNotifier>>()));
        return builder;
    }
}
