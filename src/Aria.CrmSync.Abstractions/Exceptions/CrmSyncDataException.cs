namespace Aria.CrmSync;

/// <summary>
/// Stored or received data could not be read (a corrupt JSON column, an unknown enum value in a row, a malformed CRM
/// response). Names the row or endpoint. Code <c>CRM_SYNC_DATA</c>, status 500.
/// </summary>
public class CrmSyncDataException : CrmSyncException
{
    /// <summary>The error code.</summary>
    public const string ErrorCode = "CRM_SYNC_DATA";

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What could not be read.</param>
    /// <param name="source">Where it was read from: a table and row id, or a CRM endpoint.</param>
    /// <param name="provider">The CRM, if any.</param>
    /// <param name="innerException">The cause.</param>
    public CrmSyncDataException(string message, string source, CrmProvider? provider = null, Exception? innerException = null)
        : base($"{message} ({source})", ErrorCode, 500, Build(source, provider), innerException)
    {
        DataSource = source;
    }

    /// <summary>Gets where the data was read from: a table and row id, or a CRM endpoint (also in <see cref="CrmSyncException.Details"/> as <c>source</c>).</summary>
    public string DataSource { get; }

    private static Dictionary<string, object?> Build(string source, CrmProvider? provider)
    {
        var details = ProviderDetails(provider);
        details["source"] = source;
        return details;
    }
}
