using Aria.CrmSync;
using Aria.CrmSync.PubSub;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Salesforce Change Data Capture subscriber.</summary>
public static class SalesforcePubSubBuilderExtensions
{
    /// <summary>
    /// Adds a hosted service that subscribes to Salesforce Change Data Capture over the Pub/Sub API for each user in
    /// <see cref="SalesforcePubSubOptions.UserIds"/> (or, when it is empty, each due Salesforce connection of the
    /// <see cref="ICrmConnectionRegistry"/>, one host process at a time) and turns change events into targeted syncs through
    /// <see cref="ICrmChangeNotifier"/> (added too). Needs the Salesforce gateway (<c>AddSalesforce</c>) for token refresh.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the subscriber.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddSalesforcePubSub(this IAriaCrmSyncBuilder builder, Action<SalesforcePubSubOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddChangeNotifications();
        builder.Services.AddOptions<SalesforcePubSubOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<Aria.CrmSync.Gateways.Http.CrmTokenCache>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SalesforcePubSubWorker>());
        return builder;
    }
}
