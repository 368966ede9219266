using Aria.CrmSync.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Sync;

/// <summary>
/// What every part of the sync engine shares and none owns: the options, the retry policy, the clock, telemetry and
/// logging (one category, <see cref="CrmSyncService"/>), the provider catalog and the registered gateways by CRM.
/// </summary>
internal sealed class SyncEngineEnvironment
{
    public SyncEngineEnvironment(IOptions<CrmSyncOptions> options, TimeProvider time, CrmSyncTelemetry telemetry, CrmProviderCatalog providers, IEnumerable<ICrmGateway> gateways, ILogger<CrmSyncService>? logger = null)
    {
        Options = options.Value;
        Retry = new RetryPolicy(Options);
        Time = time;
        Telemetry = telemetry;
        Providers = providers;
        Logger = (ILogger?)logger ?? NullLogger.Instance;
        var byProvider = new Dictionary<CrmProvider, ICrmGateway>();
        foreach (var gateway in gateways)
        {
            byProvider[gateway.Provider] = gateway as InboundCrmGateway ?? new InboundCrmGateway(gateway);
        }

        Gateways = byProvider;
    }

    public CrmSyncOptions Options { get; }

    public RetryPolicy Retry { get; }

    public TimeProvider Time { get; }

    public CrmSyncTelemetry Telemetry { get; }

    public CrmProviderCatalog Providers { get; }

    public ILogger Logger { get; }

    /// <summary>Gets the gateway of each registered CRM (the last registration wins), each behind the inbound checks.</summary>
    public IReadOnlyDictionary<CrmProvider, ICrmGateway> Gateways { get; }
}

/// <summary>The parts a <see cref="ConnectionRun"/> works with (it owns none of them).</summary>
/// <param name="Leads">The lead store.</param>
/// <param name="States">The sync-state store (states, cursors, leases).</param>
/// <param name="StateWriter">Optimistic sync-state changes.</param>
/// <param name="Audit">The audit trail.</param>
/// <param name="Executor">The write protocol.</param>
/// <param name="Notes">The note sender.</param>
/// <param name="Failures">Failure recording.</param>
/// <param name="Activities">The activity puller (its mapping and quarantine audit).</param>
/// <param name="Env">The shared environment.</param>
/// <param name="Fields">The connections' fields (<see cref="ConnectionFields.For"/>).</param>
internal sealed record ConnectionRunParts(ILeadMemoryStore Leads, ISyncStateStore States, SyncStateWriter StateWriter, ICrmAuditService Audit, LeadPlanExecutor Executor, NoteSender Notes, SyncFailures Failures, ActivityPuller Activities, SyncEngineEnvironment Env, ConnectionFields Fields);
