using Aria.CrmSync.Soak.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace Aria.CrmSync.Soak.Worker;

/// <summary>
/// Builds one sync worker the way a host would: <c>AddAriaCrmSync()</c> with the soak's field rules and short retry
/// delays, the SQLite or PostgreSQL stores, the host's connection resolver, and both gateways pointed at the emulators'
/// loopback addresses. The sync-state store is wrapped to journal failures and retries. In a deterministic soak
/// (a <see cref="SimEnvironment"/>), the worker runs on the virtual clock, talks to the emulators through their in-process
/// handlers, and every store call and CRM request is a yield point of the scheduler.
/// </summary>
public static class WorkerHost
{
    public static ServiceProvider Build(WorkerConfig config, ICrmConnectionResolver resolver, Journal journal, Action<ILoggingBuilder>? logging = null, Action<IAriaCrmSyncBuilder>? configure = null, SimEnvironment? sim = null)
    {
        var services = new ServiceCollection();
        if (sim is not null)
        {
            services.AddSingleton<TimeProvider>(sim.Clock);
        }

        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Warning);
            logging?.Invoke(b);
        });

        var builder = services.AddAriaCrmSync(o =>
        {
            foreach (var (field, rule) in config.FieldRules)
            {
                o.FieldRules[field] = rule;
            }

            o.RetryBaseDelay = TimeSpan.FromMilliseconds(config.RetryBaseDelayMs);
            o.RetryMaxDelay = TimeSpan.FromMilliseconds(config.RetryMaxDelayMs);
            o.NoteClaimDuration = TimeSpan.FromSeconds(config.NoteClaimSeconds);
            if (sim is not null)
            {
                o.RetryJitter = 0; // the retry's due time must follow from the seed
            }
        });

        if (config.Store == "memory")
        {
            builder.UseInMemoryStores(); // replaced below by the simulation's shared instances
        }
        else if (config.Store == "sqlite")
        {
            builder.UseSqliteStores(config.ConnectionString);
        }
        else
        {
            builder.UsePostgreSqlStores(o =>
            {
                o.ConnectionString = config.ConnectionString;
                o.Schema = config.Schema ?? "public";
            });
        }

        services.RemoveAll<ICrmConnectionResolver>();
        services.AddSingleton(resolver);

        builder.AddSalesforce(o =>
        {
            o.ClientId = config.SalesforceClientId;
            o.ClientSecret = config.SalesforceClientSecret;
            o.LoginUrl = config.SalesforceUrl;
            o.RateLimits.DailyQuotaPause = TimeSpan.FromMilliseconds(250);
        });
        builder.AddHubSpot(o =>
        {
            o.BaseAddress = config.HubSpotUrl;
            o.ClientId = config.HubSpotClientId;
            o.ClientSecret = config.HubSpotClientSecret;
            o.RateLimits = new CrmRateLimits { RequestsPerWindow = 1_000_000, Window = TimeSpan.FromMilliseconds(500), DailyQuotaPause = TimeSpan.FromMilliseconds(250) };
            o.SearchRequestsPerSecond = 100_000;
        });

        foreach (var name in new[] { SalesforceOptions.HttpClientName, HubSpotOptions.HttpClientName })
        {
            services.PostConfigure<HttpStandardResilienceOptions>(name + "-standard", o =>
            {
                o.Retry.Delay = TimeSpan.FromMilliseconds(10);
                o.Retry.UseJitter = false;
                o.Retry.BackoffType = DelayBackoffType.Constant;
                o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
                o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(60);
                o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(60);
                if (!config.DefaultCircuitBreaker)
                {
                    o.CircuitBreaker.FailureRatio = 0.5;
                    o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(1);
                }
            });
        }

        configure?.Invoke(builder);
        if (sim is not null)
        {
            Simulate(services, config, sim);
        }

        // Journal the state transitions the audit trail must account for.
        var store = services.Last(d => d.ServiceType == typeof(ISyncStateStore));
        services.Remove(store);
        services.AddSingleton<ISyncStateStore>(sp => new JournalingSyncStateStore((ISyncStateStore)store.ImplementationFactory!(sp), journal));

        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    private static void Simulate(IServiceCollection services, WorkerConfig config, SimEnvironment sim)
    {
        if (config.Store == "memory")
        {
            services.RemoveAll<ILeadMemoryStore>();
            services.RemoveAll<ISyncStateStore>();
            services.RemoveAll<IAuditStore>();
            services.AddSingleton(sim.Leads);
            services.AddSingleton(sim.SyncStates);
            services.AddSingleton(sim.Audit);
        }

        Wrap<ILeadMemoryStore>(services, inner => new SimLeadStore(inner, sim.Scheduler.YieldAsync, sim.Trace));
        Wrap<ISyncStateStore>(services, inner => new SimStateStore(inner, sim.Scheduler.YieldAsync, sim.Trace));
        Wrap<IAuditStore>(services, inner => new SimAuditStore(inner, sim.Scheduler.YieldAsync));

        foreach (var (name, emulator) in new (string, Testing.CrmEmulator)[]
        {
            (SalesforceOptions.HttpClientName, sim.World.Salesforce),
            (HubSpotOptions.HttpClientName, sim.World.HubSpot),
            (HubSpotOptions.OAuthHttpClientName, sim.World.HubSpot),
        })
        {
            services.AddHttpClient(name)
                .ConfigurePrimaryHttpMessageHandler(() => new SimHttpHandler(emulator.CreateHandler(), sim.Scheduler, sim.Trace))
                .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        }
    }

    private static void Wrap<T>(IServiceCollection services, Func<T, T> wrap)
        where T : class
    {
        var inner = services.Last(d => d.ServiceType == typeof(T));
        services.Remove(inner);
        services.AddSingleton(sp => wrap((T)(inner.ImplementationInstance ?? inner.ImplementationFactory?.Invoke(sp) ?? ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!))));
    }
}
