using System.Collections.Concurrent;
using Aria.CrmSync.Hosting;
using Aria.CrmSync.Serialization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Health;

/// <summary>The stores answer (a sync-state read and a registry read), and the worker's last pass did not fail.</summary>
internal sealed class CrmSyncStoreHealthCheck(ISyncStateStore states, ICrmConnectionRegistry registry, CrmSyncWorkerStatus? worker = null) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await states.GetAsync("aria-crmsync-health-probe", cancellationToken).ConfigureAwait(false);
            await foreach (var _ in registry.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The Aria.CrmSync store is unreachable ({ex.GetType().Name}).", ex);
        }

        if (worker is { ConsecutiveFailures: > 0 } status)
        {
            return HealthCheckResult.Degraded(
                $"The store answers, but the sync worker's last {status.ConsecutiveFailures} pass(es) failed: {status.LastError}",
                data: new Dictionary<string, object> { ["consecutive_failures"] = status.ConsecutiveFailures });
        }

        return HealthCheckResult.Healthy("The Aria.CrmSync store answers.");
    }
}

/// <summary>Connections paused because the user must authorise again (Unhealthy for them: nothing syncs) or on a quota (Degraded).</summary>
internal sealed class CrmSyncConnectionsHealthCheck(ICrmConnectionRegistry registry, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        List<string> reauthorization = [], quota = [], paused = [];
        var total = 0;
        await foreach (var registration in registry.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            total++;
            if (registration.IsDueAt(now))
            {
                continue;
            }

            var key = $"{registration.UserId}/{WireValue.Format(registration.Provider)}";
            (registration.PauseReason switch
            {
                PauseReasons.Reauthorization => reauthorization,
                PauseReasons.Quota => quota,
                _ => paused,
            }).Add(key);
        }

        var data = new Dictionary<string, object>
        {
            ["connections"] = total,
            ["needs_reauthorization"] = reauthorization,
            ["paused_on_quota"] = quota,
            ["paused"] = paused,
        };
        return reauthorization.Count > 0
            ? new HealthCheckResult(context.Registration.FailureStatus, $"{reauthorization.Count} connection(s) need the user to authorise the CRM again: {string.Join(", ", reauthorization)}.", data: data)
            : quota.Count > 0
                ? HealthCheckResult.Degraded($"{quota.Count} connection(s) paused until the CRM's daily quota resets: {string.Join(", ", quota)}.", data: data)
                : HealthCheckResult.Healthy($"{total} connection(s), {paused.Count} paused by the host.", data);
    }
}

/// <summary>Leads whose retries are used up (state <c>error</c>, retry count at the limit) above a threshold: Degraded.</summary>
internal sealed class CrmSyncDeadLetterHealthCheck(ISyncStateStore states, IOptions<CrmSyncOptions> sync, IOptionsMonitor<CrmSyncHealthCheckOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var maxRetries = sync.Value.MaxRetries;
        var threshold = options.Get(context.Registration.Name).DeadLetterThreshold;
        var dead = 0;
        await foreach (var state in states.QueryAsync(new SyncStateQuery { Statuses = [SyncStatus.Error] }, cancellationToken).ConfigureAwait(false))
        {
            if (state.RetryCount >= maxRetries)
            {
                dead++;
            }
        }

        var data = new Dictionary<string, object> { ["dead_lettered"] = dead, ["threshold"] = threshold };
        return dead > threshold
            ? HealthCheckResult.Degraded($"{dead} lead(s) are dead-lettered (in error after {maxRetries} retries); a person must trigger a manual sync.", data: data)
            : HealthCheckResult.Healthy($"{dead} dead-lettered lead(s).", data);
    }
}

/// <summary>
/// Every registered user's audit chain verifies; a verification counts for <see cref="CrmSyncHealthCheckOptions.AuditVerificationWindow"/>,
/// so probes do not re-read whole chains. A broken chain is Unhealthy (the registration's failure status).
/// </summary>
internal sealed class CrmSyncAuditHealthCheck(ICrmAuditService audit, ICrmConnectionRegistry registry, TimeProvider time, IOptionsMonitor<CrmSyncHealthCheckOptions> options) : IHealthCheck
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, AuditVerificationResult Result)> _verified = new(StringComparer.Ordinal);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Get(context.Registration.Name);
        var now = time.GetUtcNow();
        var users = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var registration in registry.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            users.Add(registration.UserId);
        }

        List<string> broken = [];
        var verifiedNow = 0;
        foreach (var userId in users.Take(settings.MaxAuditChainsPerCheck))
        {
            if (!_verified.TryGetValue(userId, out var last) || now - last.At >= settings.AuditVerificationWindow)
            {
                last = (now, await audit.VerifyAsync(userId, cancellationToken: cancellationToken).ConfigureAwait(false));
                _verified[userId] = last;
                verifiedNow++;
            }

            if (!last.Result.IsValid)
            {
                broken.Add($"{userId}: {last.Result.Kind} at #{last.Result.FailedSequence}");
            }
        }

        var data = new Dictionary<string, object> { ["chains"] = Math.Min(users.Count, settings.MaxAuditChainsPerCheck), ["verified_now"] = verifiedNow, ["broken"] = broken };
        return broken.Count > 0
            ? new HealthCheckResult(context.Registration.FailureStatus, $"Audit chain(s) failed verification: {string.Join("; ", broken)}.", data: data)
            : HealthCheckResult.Healthy($"{data["chains"]} audit chain(s) verified within {settings.AuditVerificationWindow}.", data);
    }
}
