namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>
/// HubSpot refused a call with an error body (<c>VALIDATION_ERROR</c>, <c>PROPERTY_DOESNT_EXIST</c>, …): a generic
/// <see cref="CrmSyncException"/> whose <see cref="CrmSyncException.Details"/> carry HubSpot's <c>category</c>, the
/// error <c>codes</c>, the HTTP status, the endpoint and the correlation id (never credentials).
/// </summary>
internal sealed class HubSpotApiException : CrmSyncException
{
    public HubSpotApiException(string message, string endpoint, int httpStatus, string? category, IReadOnlyList<string> codes, string? correlationId)
        : base(MessagePrefix + message, DefaultCode, 500, Build(endpoint, httpStatus, category, codes, correlationId), innerException: null)
    {
        Category = category;
        HttpStatus = httpStatus;
    }

    /// <summary>Gets HubSpot's error category, e.g. <c>VALIDATION_ERROR</c>.</summary>
    public string? Category { get; }

    /// <summary>Gets the HTTP status HubSpot answered.</summary>
    public int HttpStatus { get; }

    private static Dictionary<string, object?> Build(string endpoint, int httpStatus, string? category, IReadOnlyList<string> codes, string? correlationId)
    {
        var details = ProviderDetails(CrmProvider.HubSpot);
        details["endpoint"] = endpoint;
        details["http_status"] = httpStatus;
        details["category"] = category;
        details["codes"] = codes.ToArray();
        details["correlation_id"] = correlationId;
        return details;
    }
}
