namespace Microsoft.Extensions.DependencyInjection;

internal sealed class AriaCrmSyncBuilder(IServiceCollection services) : IAriaCrmSyncBuilder
{
    public IServiceCollection Services { get; } = services;
}
