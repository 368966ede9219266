namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures Aria.CrmSync: CRM gateways, stores and connection resolution. Returned by <c>AddAriaCrmSync</c>.</summary>
public interface IAriaCrmSyncBuilder
{
    /// <summary>Gets the service collection.</summary>
    IServiceCollection Services { get; }
}
