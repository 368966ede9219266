using Aria.CrmSync.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Tests.TestSupport;

/// <summary>The real engine over in-memory stores, a fake clock and test gateways, wired through DI.</summary>
public sealed class SyncHarness : IAsyncDisposable
{
    public const string UserId = "user-123";
    public const string AccessToken = "00Dxx0000001gPL!AQ4AQFakeAccessTokenValue1234567890";
    public const string RefreshToken = "5Aep861TSESvWeug_FakeRefreshTokenValue0987654321";

    private readonly ServiceProvider _provider;

    public SyncHarness(Action<CrmSyncOptions>? configure = null, Action<ILoggingBuilder>? logging = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 2, 4, 9, 0, 0, TimeSpan.Zero));
        Salesforce = new FakeCrmGateway(CrmProvider.Salesforce, Time);
        HubSpot = new FakeCrmGateway(CrmProvider.HubSpot, Time);

        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Trace);
            logging?.Invoke(b);
        });
        services.AddSingleton<TimeProvider>(Time);
        services.AddAriaCrmSync(o =>
            {
                o.RetryJitter = 0;
                configure?.Invoke(o);
            })
            .UseInMemoryStores()
            .UseInMemoryConnections(c => c
                .Add(new CrmConnection { UserId = UserId, Provider = CrmProvider.Salesforce, AccessToken = AccessToken, RefreshToken = RefreshToken, InstanceUrl = new Uri("https://example.my.salesforce.com") })
                .Add(new CrmConnection { UserId = UserId, Provider = CrmProvider.HubSpot, AccessToken = "pat-na1-" + AccessToken, CredentialKind = CrmCredentialKind.StaticToken }))
            .AddGateway(Salesforce)
            .AddGateway(HubSpot);
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FakeTimeProvider Time { get; }

    public FakeCrmGateway Salesforce { get; }

    public FakeCrmGateway HubSpot { get; }

    public IServiceProvider Services => _provider;

    public ICrmSyncService Sync => _provider.GetRequiredService<ICrmSyncService>();

    public ICrmAuditService Audit => _provider.GetRequiredService<ICrmAuditService>();

    public ILeadMemoryStore Leads => _provider.GetRequiredService<ILeadMemoryStore>();

    public ISyncStateStore States => _provider.GetRequiredService<ISyncStateStore>();

    public InMemoryAuditStore AuditStore => (InMemoryAuditStore)_provider.GetRequiredService<IAuditStore>();

    public FakeCrmGateway Gateway(CrmProvider provider) => provider == CrmProvider.Salesforce ? Salesforce : HubSpot;

    public async Task<LeadMemory> AddLeadAsync(
        string id,
        CrmProvider? provider = null,
        string? crmId = "006000000000001AAA",
        string stage = LifecycleStages.Lead,
        decimal? value = null,
        DateOnly? closeDate = null,
        string status = LeadStatuses.Active,
        string userId = UserId,
        bool unlinked = false)
    {
        var now = Time.GetUtcNow();
        return await Leads.InsertAsync(new LeadMemory
        {
            Id = id,
            UserId = userId,
            CompanyName = "Acme Corp",
            CrmProvider = unlinked ? null : provider ?? CrmProvider.Salesforce,
            CrmId = unlinked ? null : crmId,
            LifecycleStage = stage,
            Status = status,
            ExpectedValue = value,
            ExpectedCloseDate = closeDate,
            CreatedAt = now,
            UpdatedAt = now,
        });
    }

    public async Task<LeadMemory> GetLeadAsync(string id) => (await Leads.GetAsync(UserId, id))!;

    public async Task<LeadMemory> EditLeadAsync(string id, Func<LeadMemory, LeadMemory> edit)
    {
        var lead = await GetLeadAsync(id);
        return await Leads.UpdateAsync(edit(lead));
    }

    public async Task<List<CrmAuditEntry>> AuditOfAsync(string leadId)
        => [.. await Audit.QueryAuditLogAsync(new AuditQuery { LeadMemoryId = leadId, Limit = null })];

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
