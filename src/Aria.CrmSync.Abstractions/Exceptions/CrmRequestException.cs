namespace Aria.CrmSync;

/// <summary>
/// A CRM answered a request with an error the caller cannot fix by waiting (a validation error, a missing record or
/// property, missing permissions), reported the same way for every CRM: <see cref="CrmSyncException.StatusCode"/> and
/// <see cref="HttpStatus"/> are the HTTP status the CRM answered, <see cref="ProviderErrorCode"/> is the CRM's own error
/// code (Salesforce <c>errorCode</c>, HubSpot <c>category</c>), and <see cref="CrmSyncException.Details"/> carry
/// <c>provider</c>, <c>endpoint</c>, <c>http_status</c> and <c>error_code</c> (plus what the CRM adds, never credentials).
/// Code <c>CRM_SYNC_ERROR</c>. Rate limits are <see cref="CrmRateLimitedException"/>; outages, rejected credentials and
/// 5xx answers are <see cref="CrmConnectionException"/>.
/// </summary>
public class CrmRequestException : CrmSyncException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="provider">The CRM that answered.</param>
    /// <param name="endpoint">The endpoint that failed (a name for logs, not a URL with secrets).</param>
    /// <param name="httpStatus">The HTTP status the CRM answered.</param>
    /// <param name="providerErrorCode">The CRM's own error code, when its answer carried one.</param>
    /// <param name="message">What failed; prefixed with <c>CRM sync error: </c>.</param>
    /// <param name="details">More non-secret details from the CRM's answer; the standard keys win over keys of the same name.</param>
    /// <param name="innerException">The cause.</param>
    public CrmRequestException(
        CrmProvider provider,
        string endpoint,
        int httpStatus,
        string? providerErrorCode,
        string message,
        IReadOnlyDictionary<string, object?>? details = null,
        Exception? innerException = null)
        : base(MessagePrefix + message, DefaultCode, httpStatus is >= 400 and < 600 ? httpStatus : 500, Build(provider, endpoint, httpStatus, providerErrorCode, details), innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        Endpoint = endpoint;
        HttpStatus = httpStatus;
        ProviderErrorCode = providerErrorCode;
    }

    /// <summary>Gets the endpoint that failed.</summary>
    public string Endpoint { get; }

    /// <summary>Gets the HTTP status the CRM answered.</summary>
    public int HttpStatus { get; }

    /// <summary>Gets the CRM's own error code (for example Salesforce <c>MALFORMED_QUERY</c>, HubSpot <c>VALIDATION_ERROR</c>), when its answer carried one.</summary>
    public string? ProviderErrorCode { get; }

    private static Dictionary<string, object?> Build(CrmProvider provider, string endpoint, int httpStatus, string? providerErrorCode, IReadOnlyDictionary<string, object?>? extra)
    {
        var details = ProviderDetails(provider);
        details["endpoint"] = endpoint;
        details["http_status"] = httpStatus;
        details["error_code"] = providerErrorCode;
        foreach (var (key, value) in extra ?? new Dictionary<string, object?>())
        {
            details.TryAdd(key, value);
        }

        return details;
    }
}
