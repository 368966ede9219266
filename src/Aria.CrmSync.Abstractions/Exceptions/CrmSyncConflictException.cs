namespace Aria.CrmSync;

/// <summary>
/// Conflicting changes on both sides need a person to decide. Seed-compatible: code <c>CRM_SYNC_CONFLICT</c>, status 409,
/// details <c>lead_id</c> and <c>conflicting_fields</c>.
/// </summary>
public class CrmSyncConflictException : CrmSyncException
{
    /// <summary>The error code.</summary>
    public const string ErrorCode = "CRM_SYNC_CONFLICT";

    /// <summary>Initializes a new instance.</summary>
    /// <param name="leadId">The lead with conflicts.</param>
    /// <param name="conflictingFields">The fields in conflict.</param>
    public CrmSyncConflictException(string leadId, IReadOnlyList<string> conflictingFields)
        : base(
            $"Sync conflict detected for lead '{leadId}' on fields: {string.Join(", ", conflictingFields ?? [])}",
            ErrorCode,
            409,
            new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["lead_id"] = leadId,
                ["conflicting_fields"] = (conflictingFields ?? []).ToArray(),
            },
            innerException: null)
    {
        LeadId = leadId;
        ConflictingFields = (conflictingFields ?? []).ToArray();
    }

    /// <summary>Gets the lead with conflicts.</summary>
    public string LeadId { get; }

    /// <summary>Gets the fields in conflict.</summary>
    public IReadOnlyList<string> ConflictingFields { get; }
}
