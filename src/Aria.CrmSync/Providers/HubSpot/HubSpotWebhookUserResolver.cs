using System.Globalization;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>The default <see cref="IHubSpotWebhookUserResolver"/>: <see cref="HubSpotWebhookOptions.PortalUsers"/>.</summary>
internal sealed class OptionsHubSpotWebhookUserResolver(IOptionsMonitor<HubSpotWebhookOptions> options) : IHubSpotWebhookUserResolver
{
    public ValueTask<IReadOnlyList<string>> GetUsersAsync(long portalId, CancellationToken cancellationToken = default)
        => ValueTask.FromResult<IReadOnlyList<string>>(
            options.CurrentValue.PortalUsers.TryGetValue(portalId.ToString(CultureInfo.InvariantCulture), out var users) ? [.. users] : []);
}
