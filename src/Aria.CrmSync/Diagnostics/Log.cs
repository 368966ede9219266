using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Diagnostics;

/// <summary>Source-generated log messages. Arguments are ids, codes and counts: never tokens or lead contents.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Audit export for user {UserId}: {Count} entries as {Format}.")]
    public static partial void AuditExported(ILogger logger, string userId, long count, AuditExportFormat format);

    [LoggerMessage(1001, LogLevel.Error, "Audit chain of user {UserId} is broken: {Kind} at sequence {Sequence} (entry {EntryId}).")]
    public static partial void AuditChainBroken(ILogger logger, string userId, AuditTamperKind kind, long? sequence, string? entryId);

    [LoggerMessage(1100, LogLevel.Information, "{Operation} of lead {LeadMemoryId} ({Provider}) succeeded: {Changed} lead field(s) updated, {Pushed} CRM field(s) written, {Conflicts} conflict(s).")]
    public static partial void SyncSucceeded(ILogger logger, string operation, string leadMemoryId, CrmProvider provider, int changed, int pushed, int conflicts);

    [LoggerMessage(1101, LogLevel.Warning, "{Operation} of lead {LeadMemoryId} ({Provider}) failed with {Code}: {Message}")]
    public static partial void SyncFailed(ILogger logger, string operation, string leadMemoryId, CrmProvider provider, string code, string message);

    [LoggerMessage(1102, LogLevel.Warning, "Unknown {Provider} stage '{Stage}' on record {CrmId}: the lead keeps its lifecycle stage.")]
    public static partial void UnknownStage(ILogger logger, CrmProvider provider, string stage, string crmId);

    [LoggerMessage(1103, LogLevel.Information, "Lead {LeadMemoryId}: conflict on {Field} left for a person to resolve.")]
    public static partial void ManualConflict(ILogger logger, string leadMemoryId, string field);

    [LoggerMessage(1104, LogLevel.Warning, "Lead {LeadMemoryId} exhausted its {MaxRetries} automatic retries and stays in error.")]
    public static partial void RetriesExhausted(ILogger logger, string leadMemoryId, int maxRetries);

    [LoggerMessage(1105, LogLevel.Debug, "Lead {LeadMemoryId}: concurrent write detected, retrying ({Attempt}).")]
    public static partial void ConcurrentWrite(ILogger logger, string leadMemoryId, int attempt);

    [LoggerMessage(1106, LogLevel.Information, "Lead {LeadMemoryId}: retry {RetryCount} scheduled at {NextAttemptAt:O}.")]
    public static partial void RetryScheduled(ILogger logger, string leadMemoryId, int retryCount, DateTimeOffset nextAttemptAt);

    [LoggerMessage(1107, LogLevel.Information, "A {Provider} write call of {Count} record(s) failed with an unknown outcome; read back: {Landed} landed, {NotLanded} did not, {Unknown} still unknown.")]
    public static partial void UncertainWritesReadBack(ILogger logger, CrmProvider provider, int count, int landed, int notLanded, int unknown);

    [LoggerMessage(1108, LogLevel.Warning, "A {Provider} write call of {Count} record(s) failed with an unknown outcome and the records could not be read back ({Error}): the writes stay unconfirmed until the next sync.")]
    public static partial void UncertainWritesUnread(ILogger logger, CrmProvider provider, int count, string error);

    [LoggerMessage(1109, LogLevel.Warning, "{Count} {Provider} activit(y/ies) not imported: an id, time or text is outside what the stores and CRMs accept (each is audited as an error).")]
    public static partial void ActivitiesQuarantined(ILogger logger, int count, string provider);

    [LoggerMessage(1110, LogLevel.Debug, "{Provider} change-feed hit for record {CrmId} is older than the version its sync state agreed with (a lagging search index): not merged.")]
    public static partial void StaleChangeHit(ILogger logger, CrmProvider provider, string crmId);

    [LoggerMessage(1111, LogLevel.Debug, "{Provider} early read of leads with ARIA-side changes stopped ({ErrorCode}); the lead-changes phase reads them by id.")]
    public static partial void EarlyReadStopped(ILogger logger, CrmProvider provider, string errorCode);

    [LoggerMessage(1120, LogLevel.Warning, "{Provider} record {CrmId}: its contacts were not pulled, a contact id is outside what the stores accept (audited as an error).")]
    public static partial void ContactsNotStored(ILogger logger, CrmProvider provider, string crmId);
}
