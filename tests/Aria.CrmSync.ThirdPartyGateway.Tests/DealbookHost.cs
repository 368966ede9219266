using Aria.CrmSync.ThirdPartyGateway.Tests.Dealbook;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace Aria.CrmSync.ThirdPartyGateway.Tests;

/// <summary>The whole engine (<c>AddAriaCrmSync()</c>) with the Dealbook gateway in front of a <see cref="DealbookServer"/>.</summary>
internal sealed class DealbookHost : IAsyncDisposable
{
    public const string UserId = "user-dealbook";

    private DealbookHost(DealbookServer server, ServiceProvider services, CrmConnection connection)
    {
        Server = server;
        Services = services;
        Connection = connection;
    }

    public DealbookServer Server { get; }

    public ServiceProvider Services { get; }

    public CrmConnection Connection { get; }

    public ICrmGateway Gateway => Services.GetServices<ICrmGateway>().Single(g => g.Provider == DealbookBuilderExtensions.Dealbook);

    public ICrmSyncService Sync => Services.GetRequiredService<ICrmSyncService>();

    public ILeadMemoryStore Leads => Services.GetRequiredService<ILeadMemoryStore>();

    public ICrmAuditService Audit => Services.GetRequiredService<ICrmAuditService>();

    public static DealbookHost Start(Action<CrmSyncOptions>? sync = null, Action<DealbookOptions>? gateway = null, TimeProvider? time = null, int pageSize = 2)
    {
        var server = new DealbookServer(time, pageSize);
        var (access, refresh) = server.IssueTokens();
        var connection = new CrmConnection { UserId = UserId, Provider = DealbookBuilderExtensions.Dealbook, CredentialKind = CrmCredentialKind.OAuth, AccessToken = access, RefreshToken = refresh };
        var services = new ServiceCollection();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddAriaCrmSync(o =>
            {
                o.RetryJitter = 0;
                sync?.Invoke(o);
            })
            .UseInMemoryStores()
            .UseInMemoryConnections(r => r.Add(connection))
            .AddDealbook(o =>
            {
                o.BaseAddress = server.BaseAddress;
                gateway?.Invoke(o);
            });
        services.AddHttpClient(DealbookOptions.HttpClientName).ConfigurePrimaryHttpMessageHandler(server.CreateHandler);
        services.Configure<HttpStandardResilienceOptions>(DealbookOptions.HttpClientName + "-standard", o => o.Retry.Delay = TimeSpan.FromMilliseconds(10));
        return new DealbookHost(server, services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }), connection);
    }

    public async Task<LeadMemory> AddLeadAsync(string id, string dealId, string stage = LifecycleStages.Lead, decimal? value = null)
    {
        var now = DateTimeOffset.UtcNow;
        return await Leads.InsertAsync(new LeadMemory
        {
            Id = id,
            UserId = UserId,
            CompanyName = "Company " + id,
            CrmProvider = DealbookBuilderExtensions.Dealbook,
            CrmId = dealId,
            LifecycleStage = stage,
            Status = LeadStatuses.Active,
            ExpectedValue = value,
            CreatedAt = now,
            UpdatedAt = now,
        });
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
