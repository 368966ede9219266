using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>Source-generated log messages of the HubSpot gateway and webhooks: ids, counts and codes, never tokens or secrets.</summary>
internal static partial class HubSpotLog
{
    [LoggerMessage(3100, LogLevel.Information, "HubSpot {Policy} rate limit on connection {ConnectionKey} ({Endpoint}); pausing {DelayMs} ms, attempt {Attempt}.")]
    public static partial void RateLimited(ILogger logger, string policy, string connectionKey, string endpoint, double delayMs, int attempt);

    [LoggerMessage(3101, LogLevel.Warning, "HubSpot daily limit reached on connection {ConnectionKey}; the connection pauses for {PauseMinutes} min.")]
    public static partial void DailyLimit(ILogger logger, string connectionKey, double pauseMinutes);

    [LoggerMessage(3102, LogLevel.Debug, "HubSpot deal pipelines of connection {ConnectionKey} loaded: {Pipelines} pipeline(s), {Stages} stage(s).")]
    public static partial void PipelinesLoaded(ILogger logger, string connectionKey, int pipelines, int stages);

    [LoggerMessage(3103, LogLevel.Warning, "HubSpot stage '{Stage}' of pipeline '{Pipeline}' is not in the portal's pipelines (connection {ConnectionKey}).")]
    public static partial void UnknownStage(ILogger logger, string stage, string? pipeline, string connectionKey);

    [LoggerMessage(3104, LogLevel.Information, "HubSpot {ObjectType} change stream: more than one page of records share hs_lastmodifieddate {Timestamp:O}; reading them by id range.")]
    public static partial void EqualTimestampGroup(ILogger logger, string objectType, DateTimeOffset timestamp);

    [LoggerMessage(3105, LogLevel.Debug, "HubSpot {ObjectType} change stream: group at {Timestamp:O} read with {Records} record(s) in {Queries} search(es).")]
    public static partial void EqualTimestampGroupRead(ILogger logger, string objectType, DateTimeOffset timestamp, int records, int queries);

    [LoggerMessage(3110, LogLevel.Warning, "HubSpot webhook rejected with {StatusCode}: {Reason}")]
    public static partial void WebhookRejected(ILogger logger, int statusCode, string reason);

    [LoggerMessage(3111, LogLevel.Information, "HubSpot webhook: {Events} event(s), {Duplicates} duplicate(s), {Stale} out of order, {Ignored} ignored, {Pulls} pull(s) of {Deals} deal(s).")]
    public static partial void WebhookProcessed(ILogger logger, int events, int duplicates, int stale, int ignored, int pulls, int deals);

    [LoggerMessage(3112, LogLevel.Warning, "HubSpot webhook: pull of lead {LeadMemoryId} (deal {DealId}) failed with {Code}.")]
    public static partial void WebhookPullFailed(ILogger logger, string leadMemoryId, string dealId, string? code);

    [LoggerMessage(3113, LogLevel.Debug, "HubSpot webhook: no user is mapped to portal {PortalId}.")]
    public static partial void WebhookUnknownPortal(ILogger logger, long portalId);
}
