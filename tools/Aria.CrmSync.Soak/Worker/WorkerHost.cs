using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace Aria.CrmSync.Soak.Worker;

/// <summary>
/// Builds one sync worker the way a host would: <c>AddAriaCrmSync()</c> with the soak's field rules and short retry
/// delays, the SQLite or PostgreSQL stores, the host's connection resolver, and both gateways pointed at the emulators'
/// loopback addresses. The sync-state store is wrapped to journal failures and retries.
/// </summary>
public static class WorkerHost
{
    public static ServiceProvider Build(WorkerConfig config, ICrmConnectionResolver resolver, Journal journal, Action<ILoggingBuilder>? logging = null, Action<IAriaCrmSyncBuilder>? configure = null)
    {
        var services = new ServiceCollection();
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
        });

        if (config.Store == "sqlite")
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

        // Journal the state transitions the audit trail must account for.
        var store = services.Last(d => d.ServiceType == typeof(ISyncStateStore));
        services.Remove(store);
        services.AddSingleton<ISyncStateStore>(sp => new JournalingSyncStateStore((ISyncStateStore)store.ImplementationFactory!(sp), journal));

        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
