using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Serialization;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Sync;

/// <summary>Activity pulls: CRM activities become lead events, once each; activities that cannot be imported are audited.</summary>
internal sealed class ActivityPuller(LeadLoader loader, ILeadMemoryStore leads, ISyncStateStore states, SyncStateWriter stateWriter, ICrmAuditService audit, SyncFailures failures, SyncEngineEnvironment env)
{
    private readonly LeadLoader _loader = loader;
    private readonly ILeadMemoryStore _leads = leads;
    private readonly ISyncStateStore _states = states;
    private readonly SyncStateWriter _stateWriter = stateWriter;
    private readonly ICrmAuditService _audit = audit;
    private readonly SyncFailures _failures = failures;
    private readonly CrmSyncOptions _options = env.Options;
    private readonly TimeProvider _time = env.Time;
    private readonly ILogger _logger = env.Logger;
    private readonly CrmSyncTelemetry _telemetry = env.Telemetry;

    private const string ActivityStreamPrefix = "activities:";

    public async Task<SyncResult> PullActivitiesAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        var load = await _loader.LoadAsync(userId, leadMemoryId, "pull_activities", cancellationToken).ConfigureAwait(false);
        if (load.Failure is { } failure)
        {
            return failure;
        }

        var ctx = load.Context!;
        using var activity = _telemetry.StartActivity("sync.pull_activities", ctx.Provider, leadMemoryId);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var stream = ActivityStreamPrefix + leadMemoryId;
            var cursor = await _states.GetCursorAsync(ctx.Connection.ConnectionKey, stream, cancellationToken).ConfigureAwait(false);
            DateTimeOffset? since = cursor is null ? null : cursor.Cursor.Timestamp - _options.ActivityOverlap;

            var activities = new List<CrmActivity>();
            await foreach (var item in ctx.Gateway.GetActivitiesAsync(ctx.Connection, ctx.CrmId, since, cancellationToken).ConfigureAwait(false))
            {
                activities.Add(item);
            }

            var now = _time.GetUtcNow();
            var quarantined = activities
                .Where(a => !IsAriaNote(a))
                .Select(a => (Lead: ctx.Lead, Activity: a, Problem: CrmValueRules.ActivityProblem(a)!))
                .Where(q => q.Problem is not null)
                .ToList();
            await AuditQuarantinedActivitiesAsync(ctx.Provider, quarantined, cancellationToken).ConfigureAwait(false);
            var events = activities
                .Where(a => !IsAriaNote(a) && CrmValueRules.ActivityProblem(a) is null)
                .Select(a => ToLeadEvent(ctx.Lead, ctx.Provider, a, now))
                .ToList();
            var added = events.Count == 0 ? 0 : await _leads.AddEventsAsync(events, cancellationToken).ConfigureAwait(false);

            var latest = activities.Count == 0 ? (DateTimeOffset?)null : activities.Max(a => a.LastModifiedAt ?? a.OccurredAt);
            if (latest is { } watermark && (cursor is null || watermark > cursor.Cursor.Timestamp))
            {
                await _states.SaveCursorAsync(new SyncCursorRecord(ctx.Connection.ConnectionKey, stream, new CrmCursor(watermark, null), now), cancellationToken).ConfigureAwait(false);
            }

            if (added > 0)
            {
                await TouchLastActivityAsync(ctx.Lead, events.Max(e => e.OccurredAt), cancellationToken).ConfigureAwait(false);
            }

            var state = await _stateWriter.MutateAsync(leadMemoryId, s => s with { LastPullAt = now, LastSyncAt = now, UpdatedAt = now }, cancellationToken).ConfigureAwait(false);
            await _audit.LogSyncOperationAsync(userId, leadMemoryId, CrmAuditOperation.Pull, ctx.Provider, true, new Dictionary<string, object?>
            {
                ["crm_id"] = ctx.CrmId,
                ["activities_count"] = activities.Count,
                ["activities_new"] = added,
                ["activity_types"] = activities.Select(a => a.ActivityType).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            }, cancellationToken: cancellationToken).ConfigureAwait(false);

            _telemetry.OperationCompleted("pull_activities", ctx.Provider, true, Stopwatch.GetElapsedTime(started));
            return new SyncResult { LeadMemoryId = leadMemoryId, Success = true, Status = state.Status, ActivitiesSynced = added, RetryCount = state.RetryCount };
        }
        catch (Exception ex) when (SyncFailures.IsOperational(ex, cancellationToken))
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            return await _failures.FailAsync(ctx, "pull_activities", ex, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records each activity that cannot be imported (an id, a time or a text outside <see cref="CrmValueRules"/>) as a
    /// failed <c>error</c> entry of its lead, naming the activity and the rule; the other activities are imported.
    /// </summary>
    public async Task AuditQuarantinedActivitiesAsync(CrmProvider provider, IReadOnlyList<(LeadMemory Lead, CrmActivity Activity, string Problem)> quarantined, CancellationToken cancellationToken)
    {
        if (quarantined.Count == 0)
        {
            return;
        }

        var drafts = quarantined.Select(q =>
        {
            var error = new CrmSyncDataException($"Activity not imported: {q.Problem}", $"{WireValue.Format(provider)} activity {InboundCrmGateway.Shorten(q.Activity.ExternalId)}", provider);
            return new CrmAuditEntry
            {
                Id = string.Empty, // assigned by the trail, as are the time and the chain fields
                UserId = q.Lead.UserId,
                LeadMemoryId = q.Lead.Id,
                Operation = CrmAuditOperation.Error,
                Provider = provider,
                Success = false,
                Details = Auditing.AuditDetails.From(new Dictionary<string, object?>
                {
                    ["operation"] = "pull_activities",
                    ["code"] = error.Code,
                    ["activity_id"] = InboundCrmGateway.Shorten(q.Activity.ExternalId),
                    ["activity_type"] = InboundCrmGateway.Shorten(q.Activity.ActivityType),
                    ["quarantined"] = true,
                }),
                ErrorMessage = error.Message,
                CreatedAt = default,
            };
        }).ToList();
        Diagnostics.Log.ActivitiesQuarantined(_logger, quarantined.Count, WireValue.Format(provider));
        await _audit.LogManyAsync(drafts, cancellationToken).ConfigureAwait(false);
    }

    internal static bool IsAriaNote(CrmActivity activity)
        => activity.ActivityType == "note"
            && ((activity.Body?.TrimStart().StartsWith("[ARIA]", StringComparison.Ordinal) ?? false)
                || (activity.Subject?.TrimStart().StartsWith("[ARIA]", StringComparison.Ordinal) ?? false));

    internal static LeadEvent ToLeadEvent(LeadMemory lead, CrmProvider provider, CrmActivity activity, DateTimeOffset now) => new()
    {
        Id = EventId(lead.Id, provider, activity.ExternalId),
        UserId = lead.UserId,
        LeadMemoryId = lead.Id,
        EventType = activity.ActivityType,
        Direction = activity.Direction,
        Subject = activity.Subject,
        Content = activity.Body,
        OccurredAt = activity.OccurredAt,
        Source = provider,
        ExternalId = activity.ExternalId,
        Metadata = activity.Status is null
            ? activity.Metadata
            : new Dictionary<string, string?>(activity.Metadata) { ["status"] = activity.Status },
        CreatedAt = now,
    };

    /// <summary>A stable event id per (lead, CRM, activity), so the same activity maps to the same event everywhere.</summary>
    internal static string EventId(string leadMemoryId, CrmProvider provider, string externalId)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{leadMemoryId}\n{WireValue.Format(provider)}\n{externalId}"), hash);
        return "evt-" + Convert.ToHexStringLower(hash[..16]);
    }

    private async Task TouchLastActivityAsync(LeadMemory lead, DateTimeOffset occurredAt, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= _options.ConcurrencyAttempts; attempt++)
        {
            var current = attempt == 1 ? lead : await _leads.GetAsync(lead.UserId, lead.Id, cancellationToken).ConfigureAwait(false);
            if (current is null || (current.LastActivityAt is { } last && last >= occurredAt))
            {
                return;
            }

            try
            {
                await _leads.UpdateAsync(current with { LastActivityAt = occurredAt }, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (CrmSyncConcurrencyException)
            {
            }
        }
    }
}
