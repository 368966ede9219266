using Aria.CrmSync.Fields;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the field catalogue (<see cref="CrmFieldCatalogOptions"/>), its default <see cref="ICrmFieldCatalogResolver"/> and the <see cref="CrmFieldMetadataCache"/>.</summary>
public static class CrmFieldCatalogBuilderExtensions
{
    /// <summary>
    /// Configures the field catalogue in code and registers the default resolver (the configured catalogue for every
    /// connection) unless a resolver is registered already. The catalogue is checked when the host starts.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the catalogue.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddFieldCatalog(this IAriaCrmSyncBuilder builder, Action<CrmFieldCatalogOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = Register(builder);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }

    /// <summary>Binds the field catalogue from a configuration section (see docs/field-mapping.md for its shape) and registers the default resolver.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("CrmSync:FieldCatalog")</c>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddFieldCatalog(this IAriaCrmSyncBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        Register(builder).Bind(configuration);
        return builder;
    }

    private static OptionsBuilder<CrmFieldCatalogOptions> Register(IAriaCrmSyncBuilder builder)
    {
        builder.Services.TryAddSingleton<ConfiguredCrmFieldCatalogResolver>();
        builder.Services.TryAddSingleton<ICrmFieldCatalogResolver>(sp => sp.GetRequiredService<ConfiguredCrmFieldCatalogResolver>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CrmFieldCatalogStartupCheck>());
        builder.Services.TryAddSingleton(sp => new CrmFieldMetadataCache(sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<IOptionsMonitor<CrmFieldCatalogOptions>>()));
        return builder.Services.AddOptions<CrmFieldCatalogOptions>();
    }
}
