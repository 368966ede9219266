using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Providers.Salesforce;

/// <summary>Source-generated log messages of the Salesforce gateway: ids, codes and counts, never tokens or note texts.</summary>
internal static partial class SalesforceLog
{
    [LoggerMessage(3000, LogLevel.Information, "Salesforce access token of connection {ConnectionKey} refreshed.")]
    public static partial void TokenRefreshed(ILogger logger, string connectionKey);

    [LoggerMessage(3001, LogLevel.Warning, "Salesforce refused to refresh the token of connection {ConnectionKey} ({ErrorCode}); the user must authorise again.")]
    public static partial void RefreshRefused(ILogger logger, string connectionKey, string errorCode);

    [LoggerMessage(3002, LogLevel.Warning, "Salesforce daily API requests of connection {ConnectionKey} are exhausted ({ErrorCode}); pausing for {PauseMinutes} min.")]
    public static partial void DailyLimitReached(ILogger logger, string connectionKey, string errorCode, double pauseMinutes);

    [LoggerMessage(3003, LogLevel.Warning, "Salesforce refused a request of connection {ConnectionKey}: concurrent request limit reached.")]
    public static partial void ConcurrencyLimitReached(ILogger logger, string connectionKey);

    [LoggerMessage(3004, LogLevel.Information, "Salesforce query cursor of connection {ConnectionKey} expired ({ErrorCode}); re-querying from the last position.")]
    public static partial void QueryRestarted(ILogger logger, string connectionKey, string errorCode);

    [LoggerMessage(3005, LogLevel.Debug, "Salesforce note {IdempotencyKey} already exists as {NoteId}; not written again.")]
    public static partial void NoteFound(ILogger logger, string idempotencyKey, string noteId);

    [LoggerMessage(3006, LogLevel.Debug, "Salesforce record {CrmId} changed since it was read; its update is refused (PRECONDITION_FAILED).")]
    public static partial void PreconditionFailed(ILogger logger, string crmId);

    [LoggerMessage(3007, LogLevel.Warning, "Salesforce note batch of connection {ConnectionKey} failed before its outcome was known ({Count} notes); they will be looked up on retry.")]
    public static partial void NoteBatchUncertain(ILogger logger, string connectionKey, int count);
}
