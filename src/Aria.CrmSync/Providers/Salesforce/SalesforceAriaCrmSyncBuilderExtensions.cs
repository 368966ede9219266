using Aria.CrmSync;
using Aria.CrmSync.Gateways.Http;
using Aria.CrmSync.Providers.Salesforce;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Salesforce gateway (Opportunities) to Aria.CrmSync.</summary>
public static class SalesforceAriaCrmSyncBuilderExtensions
{
    /// <summary>Adds the Salesforce gateway with the default (unnamed) options.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures <see cref="SalesforceOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddSalesforce(this IAriaCrmSyncBuilder builder, Action<SalesforceOptions> configure)
        => AddSalesforce(builder, Options.Options.DefaultName, configure);

    /// <summary>
    /// Adds the Salesforce gateway with options named <paramref name="name"/>; connections select them through
    /// <see cref="CrmConnection.OptionsName"/> (several orgs or connected apps can coexist). Call once per name.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The options name (empty for the default).</param>
    /// <param name="configure">Configures <see cref="SalesforceOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddSalesforce(this IAriaCrmSyncBuilder builder, string name, Action<SalesforceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder.Services, name).Configure(configure);
        return builder;
    }

    /// <summary>Adds the Salesforce gateway with the default options bound from a configuration section (e.g. <c>AriaCrmSync:Salesforce</c>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section holding <see cref="SalesforceOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddSalesforce(this IAriaCrmSyncBuilder builder, IConfiguration configuration)
        => AddSalesforce(builder, Options.Options.DefaultName, configuration);

    /// <summary>Adds the Salesforce gateway with options named <paramref name="name"/> bound from a configuration section.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The options name (empty for the default).</param>
    /// <param name="configuration">The section holding <see cref="SalesforceOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IAriaCrmSyncBuilder AddSalesforce(this IAriaCrmSyncBuilder builder, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(builder.Services, name).Bind(configuration);
        return builder;
    }

    private static OptionsBuilder<SalesforceOptions> AddCore(IServiceCollection services, string name)
    {
        var registrations = services.FirstOrDefault(d => d.ServiceType == typeof(SalesforceRegistrations))?.ImplementationInstance as SalesforceRegistrations;
        if (registrations is null)
        {
            registrations = new SalesforceRegistrations();
            services.AddSingleton(registrations);
            CrmHttpClientRegistration.AddCrmHttpClient(services, SalesforceOptions.HttpClientName, configureResilience: null)
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
                {
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5), // the gateway keeps its client: let connections follow DNS
                    AutomaticDecompression = System.Net.DecompressionMethods.All,
                });
            services.AddSingleton(CrmProviderDescriptor.Salesforce);
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ICrmGateway, SalesforceGateway>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ICrmTokenRefresher, SalesforceTokenRefresher>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SalesforceOptions>, SalesforceOptionsValidator>());
        }

        registrations.Add(name);
        return services.AddOptions<SalesforceOptions>(name).ValidateOnStart();
    }
}
