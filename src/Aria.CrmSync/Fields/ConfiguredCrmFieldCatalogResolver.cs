using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Fields;

/// <summary>The default resolver: the catalogue of <see cref="CrmFieldCatalogOptions"/> for every connection, built once per options value.</summary>
internal sealed class ConfiguredCrmFieldCatalogResolver(IOptionsMonitor<CrmFieldCatalogOptions> fieldOptions, IOptionsMonitor<CrmSyncOptions> syncOptions) : ICrmFieldCatalogResolver
{
    private readonly Lock _gate = new();
    private (CrmFieldCatalogOptions Fields, CrmSyncOptions Sync, CrmFieldCatalog Catalog)? _built;

    public ValueTask<CrmFieldCatalog> ResolveAsync(CrmConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return ValueTask.FromResult(Current());
    }

    public CrmFieldCatalog Current()
    {
        var fields = fieldOptions.CurrentValue;
        var sync = syncOptions.CurrentValue;
        lock (_gate)
        {
            if (_built is { } built && ReferenceEquals(built.Fields, fields) && ReferenceEquals(built.Sync, sync))
            {
                return built.Catalog;
            }

            var catalog = fields.Build(sync.StageMaps.AsReadOnly());
            _built = (fields, sync, catalog);
            return catalog;
        }
    }
}

/// <summary>
/// Builds the configured catalogue when the host starts, so a mapping error stops the host with the typed
/// <see cref="CrmSyncFieldMappingException"/> listing every problem, before any connection syncs.
/// </summary>
internal sealed class CrmFieldCatalogStartupCheck(ConfiguredCrmFieldCatalogResolver resolver) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        resolver.Current();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
