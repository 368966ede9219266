namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>
/// HubSpot refused a call with an error body (<c>VALIDATION_ERROR</c>, <c>PROPERTY_DOESNT_EXIST</c>, …): a
/// <see cref="CrmRequestException"/> whose <see cref="CrmRequestException.ProviderErrorCode"/> is HubSpot's
/// <c>category</c> and whose details add the error <c>codes</c> and the <c>correlation_id</c> (never credentials).
/// </summary>
internal sealed class HubSpotApiException : CrmRequestException
{
    public HubSpotApiException(string message, string endpoint, int httpStatus, string? category, IReadOnlyList<string> codes, string? correlationId)
        : base(CrmProvider.HubSpot, endpoint, httpStatus, category, message, new Dictionary<string, object?>
        {
            ["category"] = category,
            ["codes"] = codes.ToArray(),
            ["correlation_id"] = correlationId,
        })
    {
    }

    /// <summary>Gets HubSpot's error category, e.g. <c>VALIDATION_ERROR</c>.</summary>
    public string? Category => ProviderErrorCode;
}
