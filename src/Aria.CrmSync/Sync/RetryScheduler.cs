using Aria.CrmSync.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Sync;

/// <summary>Retries: scheduling one, running the due ones, and counting a retry (<see cref="SyncTransitions.CountRetry"/>).</summary>
internal sealed class RetryScheduler(ISyncStateStore states, SyncStateWriter stateWriter, ICrmAuditService audit, LeadSynchronizer leadSync, SyncEngineEnvironment env)
{
    private readonly ISyncStateStore _states = states;
    private readonly SyncStateWriter _stateWriter = stateWriter;
    private readonly ICrmAuditService _audit = audit;
    private readonly LeadSynchronizer _leadSync = leadSync;
    private readonly CrmSyncOptions _options = env.Options;
    private readonly TimeProvider _time = env.Time;
    private readonly ILogger _logger = env.Logger;
    private readonly CrmSyncTelemetry _telemetry = env.Telemetry;
    private readonly RetryPolicy _retry = env.Retry;

    /// <summary>Returns whether a lead that made <paramref name="retryCount"/> retries may be retried again.</summary>
    public bool ShouldRetry(int retryCount) => _retry.ShouldRetry(retryCount);

    public async Task<RetryScheduleResult> ScheduleRetryAsync(string leadMemoryId, TimeSpan? retryAfter = null, CancellationToken cancellationToken = default)
    {
        var state = await _states.GetAsync(leadMemoryId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return new RetryScheduleResult { LeadMemoryId = leadMemoryId, Success = false, Error = "No sync state found" };
        }

        if (state.Status != SyncStatus.Error)
        {
            // Only a failed lead is retried: counting a retry for any other would move its retry budget for nothing.
            return new RetryScheduleResult { LeadMemoryId = leadMemoryId, Success = false, Status = state.Status, RetryCount = state.RetryCount, Error = $"Lead is not in error ({Serialization.WireValue.Format(state.Status)})" };
        }

        if (!_retry.ShouldRetry(state.RetryCount))
        {
            Log.RetriesExhausted(_logger, leadMemoryId, _options.MaxRetries);
            return new RetryScheduleResult
            {
                LeadMemoryId = leadMemoryId,
                Success = false,
                Status = state.Status,
                RetryCount = state.RetryCount,
                Error = "Max retries exceeded",
            };
        }

        var updated = await CountRetryAsync(state, retryAfter, automatic: false, cancellationToken).ConfigureAwait(false);
        return new RetryScheduleResult
        {
            LeadMemoryId = leadMemoryId,
            Success = true,
            Status = updated.Status,
            RetryCount = updated.RetryCount,
            NextAttemptAt = updated.NextAttemptAt,
        };
    }

    public async Task<RetryRunResult> ProcessDueRetriesAsync(int maxLeads = 100, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var due = new List<CrmSyncState>();
        var query = new SyncStateQuery { Statuses = [SyncStatus.Error, SyncStatus.Pending], DueBefore = now, Limit = maxLeads };
        await foreach (var state in _states.QueryAsync(query, cancellationToken).ConfigureAwait(false))
        {
            if (state.UserId is not null && (state.Status == SyncStatus.Pending || _retry.ShouldRetry(state.RetryCount)))
            {
                due.Add(state);
            }
        }

        int succeeded = 0, failed = 0;
        foreach (var state in due)
        {
            cancellationToken.ThrowIfCancellationRequested();
            CrmSyncState current;
            try
            {
                current = state.Status == SyncStatus.Error
                    ? await CountRetryAsync(state, retryAfter: null, automatic: true, cancellationToken).ConfigureAwait(false)
                    : state;
            }
            catch (CrmSyncConcurrencyException)
            {
                continue; // another worker took it
            }
            catch (CrmSyncStateTransitionException)
            {
                continue; // another worker retried it first (it is no longer in error), or used up its last retry
            }

            var result = await _leadSync.RunFullSyncAsync(current.UserId!, current.LeadMemoryId, manual: false, cancellationToken).ConfigureAwait(false);
            if (result.Success)
            {
                succeeded++;
            }
            else
            {
                failed++;
            }
        }

        return new RetryRunResult(succeeded + failed, succeeded, failed);
    }

    private async Task<CrmSyncState> CountRetryAsync(CrmSyncState state, TimeSpan? retryAfter, bool automatic, CancellationToken cancellationToken)
    {
        CrmSyncState? before = null;
        var updated = await _stateWriter.MutateAsync(state.LeadMemoryId, s =>
        {
            before = s;
            var now = _time.GetUtcNow();
            return s.CountRetry(now + _retry.NextDelay(s.RetryCount, retryAfter), now, _options.MaxRetries);
        }, cancellationToken).ConfigureAwait(false);

        _telemetry.RetryScheduled(updated.Provider);
        Log.RetryScheduled(_logger, updated.LeadMemoryId, updated.RetryCount, updated.NextAttemptAt!.Value);
        if (updated.UserId is not null && updated.Provider is { } provider)
        {
            await _audit.LogSyncOperationAsync(updated.UserId, updated.LeadMemoryId, CrmAuditOperation.Retry, provider, true, new Dictionary<string, object?>
            {
                ["retry_count"] = updated.RetryCount,
                ["max_retries"] = _options.MaxRetries,
                ["next_attempt_at"] = updated.NextAttemptAt,
                ["automatic"] = automatic,
                ["previous_error"] = before?.ErrorMessage,
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return updated;
    }
}
