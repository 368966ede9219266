using System.Text.Json;
using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Security;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Sync;

/// <summary>
/// How the engine's parts record a failed operation on a lead (the state goes to <c>error</c> with its next automatic
/// attempt, and an <c>error</c> audit entry is written), and the audit drafts they batch.
/// </summary>
internal sealed class SyncFailures(SyncStateWriter states, ICrmAuditService audit, CrmSyncOptions options, RetryPolicy retry, TimeProvider time, CrmSyncTelemetry telemetry, CrmProviderCatalog providers, ILogger logger)
{
    /// <summary>The audit detail (inside <c>error_details</c>) of a failure that certainly wrote nothing.</summary>
    internal const string NothingWrittenDetail = "nothing_written";

    /// <summary>
    /// Records a failed operation: the state goes to <c>error</c> (through <c>pending</c>) with the next automatic
    /// attempt scheduled while retries remain, and an <c>error</c> audit entry is written.
    /// </summary>
    /// <param name="lead">The lead.</param>
    /// <param name="known">The lead's sync state as last known (for the result, when the store cannot be written).</param>
    /// <param name="connection">The connection, when resolved (its secrets are redacted from the message).</param>
    /// <param name="provider">The lead's CRM.</param>
    /// <param name="operation">The operation, as audited.</param>
    /// <param name="exception">The failure.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The failed result.</returns>
    public async Task<SyncResult> FailAsync(LeadMemory lead, CrmSyncState known, CrmConnection? connection, CrmProvider provider, string operation, Exception exception, CancellationToken cancellationToken)
    {
        var code = exception is CrmSyncException crm ? crm.Code : CrmSyncException.DefaultCode;
        var message = SecretRedactor.Redact(Describe(exception), [connection?.AccessToken, connection?.RefreshToken]);
        var retryAfter = (exception as CrmRateLimitedException)?.RetryAfter;
        Log.SyncFailed(logger, operation, lead.Id, provider, code, message);

        CrmSyncState state;
        try
        {
            state = await states.MutateAsync(lead.Id, s =>
            {
                var now = time.GetUtcNow();
                var canRetry = retry.ShouldRetry(s.RetryCount) && exception is not CrmConnectionException { RequiresReauthorization: true };
                return s.Fail(message, canRetry ? now + retry.NextDelay(s.RetryCount, retryAfter) : null, now, options.MaxRetries);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (CrmSyncException stateError) when (stateError is not CrmSyncStateTransitionException)
        {
            state = known.Fail(message, nextAttemptAt: null, time.GetUtcNow(), options.MaxRetries); // for the result only: the store failed
        }

        if (state.Status == SyncStatus.Error && state.NextAttemptAt is null)
        {
            Log.RetriesExhausted(logger, lead.Id, options.MaxRetries);
        }

        await audit.LogSyncOperationAsync(lead.UserId, lead.Id, CrmAuditOperation.Error, provider, false, WithErrorDetails(new Dictionary<string, object?>
        {
            ["operation"] = operation,
            ["code"] = code,
            ["retry_count"] = state.RetryCount,
            ["next_attempt_at"] = state.NextAttemptAt,
            ["dead_lettered"] = state.Status == SyncStatus.Error && state.NextAttemptAt is null,
        }, exception), message, CancellationToken.None).ConfigureAwait(false);

        telemetry.OperationCompleted(operation, provider, false, TimeSpan.Zero);
        return new SyncResult
        {
            LeadMemoryId = lead.Id,
            Success = false,
            Status = state.Status,
            Error = message,
            ErrorCode = code,
            RetryCount = state.RetryCount,
            NextAttemptAt = state.NextAttemptAt,
        };
    }

    /// <summary>Records a failed operation on a loaded lead (see the other overload).</summary>
    public Task<SyncResult> FailAsync(LeadContext ctx, string operation, Exception exception, CancellationToken cancellationToken)
        => FailAsync(ctx.Lead, ctx.State, ctx.Connection, ctx.Provider, operation, exception, cancellationToken);

    /// <summary>An audit entry to append in a batch (<see cref="ICrmAuditService.LogManyAsync"/>).</summary>
    public CrmAuditEntry Draft(string userId, string? leadMemoryId, CrmAuditOperation operation, CrmProvider provider, bool success, IReadOnlyDictionary<string, object?> details, string? error = null)
        => new()
        {
            Id = string.Empty,
            UserId = userId,
            LeadMemoryId = leadMemoryId,
            Operation = operation,
            Provider = provider,
            Success = success,
            Details = Auditing.AuditDetails.From(details),
            ErrorMessage = error,
            CreatedAt = time.GetUtcNow(),
        };

    /// <summary>The CRM's display name (from its registration).</summary>
    public string DisplayName(CrmProvider provider) => providers.GetDisplayName(provider);

    /// <summary>
    /// The failure's structured details for the audit entry (e.g. HTTP status, CRM error code, a broker's log and
    /// request ids, and <c>nothing_written: true</c> when the failed call certainly wrote nothing); the audit service
    /// masks credential-like keys and redacts text.
    /// </summary>
    public static Dictionary<string, object?> WithErrorDetails(Dictionary<string, object?> details, Exception exception)
    {
        if (exception is not CrmSyncException crm)
        {
            return details;
        }

        if (crm.WriteOutcome == CrmWriteOutcome.NothingWritten)
        {
            details["error_details"] = new Dictionary<string, object?>(crm.Details, StringComparer.Ordinal) { [NothingWrittenDetail] = true };
        }
        else if (crm.Details.Count > 0)
        {
            details["error_details"] = crm.Details;
        }

        return details;
    }

    /// <summary>The message of a failure, as recorded.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        CrmSyncException e => e.Message,
        HttpRequestException e => $"CRM request failed: {e.Message}",
        TaskCanceledException or TimeoutException => "CRM request timed out",
        JsonException => "CRM response could not be read",
        _ => exception.Message,
    };

    /// <summary>Whether a failure is one of an operation on a lead (recorded and reported), not a bug or a cancellation.</summary>
    public static bool IsOperational(Exception exception, CancellationToken cancellationToken)
        => exception switch
        {
            OperationCanceledException when cancellationToken.IsCancellationRequested => false,
            CrmSyncStateTransitionException => false,
            CrmSyncException or HttpRequestException or TaskCanceledException or TimeoutException or JsonException or IOException or InvalidDataException => true,
            _ => false,
        };
}
