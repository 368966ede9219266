namespace Aria.CrmSync;

/// <summary>
/// A lead, its sync state or its CRM record does not exist. Seed-compatible: code <c>NOT_FOUND</c>, status 404,
/// message naming the resource and id.
/// </summary>
public class CrmSyncNotFoundException : CrmSyncException
{
    /// <summary>The error code.</summary>
    public const string ErrorCode = "NOT_FOUND";

    /// <summary>Initializes a new instance for a missing sync state.</summary>
    /// <param name="leadId">The lead memory id.</param>
    public CrmSyncNotFoundException(string leadId)
        : this("CRM sync state", leadId)
    {
    }

    /// <summary>Initializes a new instance for a missing resource.</summary>
    /// <param name="resource">What is missing, for example <c>Lead memory</c>.</param>
    /// <param name="resourceId">Its id.</param>
    public CrmSyncNotFoundException(string resource, string resourceId)
        : base(
            $"{resource} '{resourceId}' not found",
            ErrorCode,
            404,
            new Dictionary<string, object?>(StringComparer.Ordinal) { ["resource"] = resource, ["resource_id"] = resourceId },
            innerException: null)
    {
        Resource = resource;
        ResourceId = resourceId;
    }

    /// <summary>Gets what is missing.</summary>
    public string Resource { get; }

    /// <summary>Gets the id of what is missing.</summary>
    public string ResourceId { get; }
}
