namespace Aria.CrmSync.Testing.Conformance;

/// <summary>A fault <see cref="ICrmConformanceControl.InjectFault"/> makes the CRM answer with; the request is not processed.</summary>
public enum CrmConformanceFault
{
    /// <summary>The CRM's own rate-limit answer (for example 429 Too Many Requests with <c>Retry-After</c>, Salesforce's 403 <c>REQUEST_LIMIT_EXCEEDED</c>).</summary>
    RateLimited,

    /// <summary>The CRM's own answer to a failure on its side (HTTP 500 with its error body).</summary>
    ServerError,
}
