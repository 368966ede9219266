namespace Aria.CrmSync;

/// <summary>
/// A link would give a CRM record two leads, or a lead two CRM records: code <c>CRM_LINK_CONFLICT</c>, status 409,
/// details <c>lead_id</c>, <c>provider</c> (also <see cref="CrmSyncException.Provider"/>), <c>crm_id</c> and <c>linked_lead_id</c> (or <c>linked_crm_id</c>).
/// Nothing was written.
/// </summary>
public sealed class CrmLinkConflictException : CrmSyncException
{
    /// <summary>The error code.</summary>
    public const string ErrorCode = "CRM_LINK_CONFLICT";

    /// <summary>Initializes a new instance.</summary>
    /// <param name="leadId">The lead the caller wanted to link.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="crmId">The CRM record the caller wanted to link.</param>
    /// <param name="linkedLeadId">The other lead already linked to <paramref name="crmId"/>, if that is the conflict.</param>
    /// <param name="linkedCrmId">The other record <paramref name="leadId"/> is already linked to, if that is the conflict.</param>
    public CrmLinkConflictException(string leadId, CrmProvider provider, string crmId, string? linkedLeadId, string? linkedCrmId = null)
        : base(
            linkedLeadId is not null
                ? $"CRM sync error: {Serialization.WireValue.Format(provider)} record '{crmId}' is already linked to lead '{linkedLeadId}'; unlink it first."
                : $"CRM sync error: lead '{leadId}' is already linked to {Serialization.WireValue.Format(provider)} record '{linkedCrmId}'; unlink it first.",
            ErrorCode,
            409,
            new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["lead_id"] = leadId,
                ["provider"] = Serialization.WireValue.Format(provider),
                ["crm_id"] = crmId,
                ["linked_lead_id"] = linkedLeadId,
                ["linked_crm_id"] = linkedCrmId,
            },
            innerException: null)
    {
        LeadId = leadId;
        CrmId = crmId;
        LinkedLeadId = linkedLeadId;
        LinkedCrmId = linkedCrmId;
    }

    /// <summary>Gets the lead the caller wanted to link.</summary>
    public string LeadId { get; }

    /// <summary>Gets the CRM record the caller wanted to link.</summary>
    public string CrmId { get; }

    /// <summary>Gets the other lead already linked to <see cref="CrmId"/>, when that is the conflict.</summary>
    public string? LinkedLeadId { get; }

    /// <summary>Gets the other record <see cref="LeadId"/> is already linked to, when that is the conflict.</summary>
    public string? LinkedCrmId { get; }
}
