namespace Aria.CrmSync;

/// <summary>
/// An optional gateway capability: reads the contacts of deals (declared as the <c>Contacts</c> provider capability). The
/// Salesforce gateway reads <c>OpportunityContactRole</c> with each role's <c>Contact</c> by SOQL; the HubSpot gateway
/// reads deal→contact associations (v4 batch read) and then the contacts (batch read).
/// </summary>
public interface ICrmContactReader
{
    /// <summary>Reads the contacts of many records, batched by the CRM's limits.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="crmIds">The record ids.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>
    /// Every requested record id mapped to its contacts (the primary contact first, then by name, contacts without a name last, then by id; one entry per
    /// contact, keeping its first role); a record without contacts, or that the CRM does not know, maps to an empty list.
    /// </returns>
    /// <exception cref="CrmConnectionException">The CRM could not be reached or needs re-authorisation.</exception>
    /// <exception cref="CrmRateLimitedException">The CRM's limits stopped the call.</exception>
    Task<IReadOnlyDictionary<string, IReadOnlyList<CrmContact>>> GetContactsAsync(CrmConnection connection, IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the records whose contacts changed after <paramref name="since"/>, in pages, as an incremental feed:
    /// re-reading the contacts of every listed record (<see cref="GetContactsAsync"/>) brings a lead's stakeholders up to
    /// date. A record may be listed although its contacts ended up as they were; a change is never left out.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="since">The cursor of the last page handled, or <see langword="null"/> to list from the beginning.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The pages, oldest change first.</returns>
    /// <exception cref="CrmConnectionException">The CRM could not be reached or needs re-authorisation.</exception>
    /// <exception cref="CrmRateLimitedException">The CRM's limits stopped the call.</exception>
    IAsyncEnumerable<CrmContactChangePage> GetContactChangesAsync(CrmConnection connection, CrmCursor? since, CancellationToken cancellationToken = default);
}
