using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Providers.Composio;

/// <summary>Source-generated log messages of the Composio broker: ids, statuses and endpoints, never the API key or CRM tokens.</summary>
internal static partial class ComposioLog
{
    [LoggerMessage(4000, LogLevel.Debug, "{Provider} {Endpoint} of connection {ConnectionKey} went through Composio account {AccountId}: HTTP {Status}, log {LogId}.")]
    public static partial void Proxied(ILogger logger, string provider, string endpoint, string connectionKey, string accountId, int status, string? logId);

    [LoggerMessage(4001, LogLevel.Warning, "Composio refused {Provider} {Endpoint} of connection {ConnectionKey} (account {AccountId}): HTTP {Status} {Error}, request {RequestId}.")]
    public static partial void Refused(ILogger logger, string provider, string endpoint, string connectionKey, string accountId, int status, string? error, string? requestId);

    [LoggerMessage(4002, LogLevel.Information, "Composio rate limit on account {AccountId} ({Endpoint}); pausing {DelayMs} ms ({Streak} in a row).")]
    public static partial void RateLimited(ILogger logger, string accountId, string endpoint, double delayMs, int streak);

    [LoggerMessage(4003, LogLevel.Warning, "Composio reported {Provider} {Endpoint} of connection {ConnectionKey} (account {AccountId}) as failed without the CRM's answer, log {LogId}.")]
    public static partial void FailedWithoutStatus(ILogger logger, string provider, string endpoint, string connectionKey, string accountId, string? logId);

    [LoggerMessage(4004, LogLevel.Warning, "Composio returned a malformed proxy response for {Provider} {Endpoint} (account {AccountId}, HTTP {Status}).")]
    public static partial void Malformed(ILogger logger, string provider, string endpoint, string accountId, int status);
}
