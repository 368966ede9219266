namespace Aria.CrmSync;

/// <summary>What a CRM rate limit applies to.</summary>
public enum CrmRateLimitScope
{
    /// <summary>A short rolling window (HubSpot's ten-second window, a search-per-second limit).</summary>
    Burst,

    /// <summary>A daily allocation (Salesforce's 24-hour API requests, HubSpot's daily limit): the connection pauses until it resets.</summary>
    Daily,

    /// <summary>Too many concurrent requests (Salesforce's concurrent long-running request cap).</summary>
    Concurrency,
}

/// <summary>
/// The CRM refused a call because a rate limit or API quota was reached. <see cref="RetryAfter"/> says when to try
/// again; callers pause the connection instead of retrying in a loop. Code <c>CRM_RATE_LIMITED</c>, status 429.
/// </summary>
public class CrmRateLimitedException : CrmSyncException
{
    /// <summary>The error code.</summary>
    public const string ErrorCode = "CRM_RATE_LIMITED";

    /// <summary>Initializes a new instance.</summary>
    /// <param name="provider">The CRM.</param>
    /// <param name="retryAfter">How long to wait, when the CRM said or the limit implies it.</param>
    /// <param name="scope">What the limit applies to.</param>
    /// <param name="message">The message; defaults to a description of the limit.</param>
    /// <param name="innerException">The cause.</param>
    public CrmRateLimitedException(CrmProvider provider, TimeSpan? retryAfter, CrmRateLimitScope scope = CrmRateLimitScope.Burst, string? message = null, Exception? innerException = null)
        : base(
            message ?? $"{Serialization.WireValue.Format(provider)} rate limit reached ({scope}){(retryAfter is { } r ? $"; retry after {r.TotalSeconds:0.###} s" : string.Empty)}",
            ErrorCode,
            429,
            Build(provider, retryAfter, scope),
            innerException)
    {
        RetryAfter = retryAfter;
        Scope = scope;
    }

    /// <summary>Gets how long to wait before the next call, when known.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Gets what the limit applies to.</summary>
    public CrmRateLimitScope Scope { get; }

    private static Dictionary<string, object?> Build(CrmProvider provider, TimeSpan? retryAfter, CrmRateLimitScope scope)
    {
        var details = ProviderDetails(provider);
        details["scope"] = scope.ToString().ToLowerInvariant();
        if (retryAfter is { } r)
        {
            details["retry_after_seconds"] = r.TotalSeconds;
        }

        return details;
    }
}
