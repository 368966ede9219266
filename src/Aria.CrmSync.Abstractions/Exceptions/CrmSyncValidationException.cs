namespace Aria.CrmSync;

/// <summary>
/// Input was rejected before anything was sent or written (for example a malformed Salesforce id or a value that
/// would change a query's structure). Code <c>CRM_SYNC_VALIDATION</c>, status 400.
/// </summary>
public class CrmSyncValidationException : CrmSyncException
{
    /// <summary>The error code.</summary>
    public const string ErrorCode = "CRM_SYNC_VALIDATION";

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="field">The offending field or parameter, if any.</param>
    /// <param name="provider">The CRM, if any.</param>
    public CrmSyncValidationException(string message, string? field = null, CrmProvider? provider = null)
        : base(message, ErrorCode, 400, Build(field, provider), innerException: null)
    {
        Field = field;
    }

    /// <summary>Gets the offending field or parameter, if any.</summary>
    public string? Field { get; }

    private static Dictionary<string, object?> Build(string? field, CrmProvider? provider)
    {
        var details = ProviderDetails(provider);
        if (field is not null)
        {
            details["field"] = field;
        }

        return details;
    }
}
