namespace Aria.CrmSync;

/// <summary>
/// An optional gateway capability: creates a deal (Salesforce Opportunity, HubSpot deal). The Salesforce and HubSpot
/// gateways implement it; a custom <see cref="ICrmGateway"/> may. <see cref="ICrmLinkService.CreateCrmRecordAsync"/>
/// throws <see cref="NotSupportedException"/> when the provider's gateway does not.
/// </summary>
public interface ICrmRecordCreator
{
    /// <summary>Creates one record.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="fields">The fields to set (<see cref="CrmFields"/> names, canonical text); <see cref="CrmFields.Name"/> is required.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The created record, as read back from the CRM.</returns>
    /// <exception cref="CrmSyncValidationException">A field is missing or malformed, or the CRM refused the record.</exception>
    /// <exception cref="CrmConnectionException">The CRM could not be reached or needs re-authorisation.</exception>
    /// <exception cref="CrmRateLimitedException">The CRM's limits stopped the call.</exception>
    Task<CrmRecord> CreateRecordAsync(CrmConnection connection, IReadOnlyDictionary<string, string?> fields, CancellationToken cancellationToken = default);
}
