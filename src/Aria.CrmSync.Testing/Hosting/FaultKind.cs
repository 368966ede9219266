namespace Aria.CrmSync.Testing;

/// <summary>A fault an emulator can inject into a request.</summary>
public enum FaultKind
{
    /// <summary>HTTP 500 with the provider's error body; the request is not processed.</summary>
    ServerError,

    /// <summary>HTTP 503 with the provider's error body; the request is not processed.</summary>
    ServiceUnavailable,

    /// <summary>Adds <see cref="FaultRule.Latency"/> before the request is processed normally.</summary>
    Latency,

    /// <summary>The request hangs until the client gives up (or <see cref="FaultRule.Latency"/> passes); not processed.</summary>
    Timeout,

    /// <summary>The connection drops before the request is processed.</summary>
    DropConnection,

    /// <summary>The request is processed, then the connection drops before the response arrives (an uncertain failure).</summary>
    ResponseLost,

    /// <summary>The request is processed and the response body is cut short.</summary>
    TruncatedBody,

    /// <summary>The request is processed and the response body is replaced by malformed JSON.</summary>
    MalformedJson,

    /// <summary>The provider's rate-limit response (Salesforce 403 REQUEST_LIMIT_EXCEEDED, HubSpot 429); not processed.</summary>
    RateLimited,
}
