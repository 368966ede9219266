namespace Aria.CrmSync;

/// <summary>
/// Links lead memories to CRM records and back: link, unlink, import CRM deals as new leads, create the CRM deal of
/// an unlinked lead. Every change is audited (operation <c>pull</c> for link, unlink and import, <c>push</c> for a
/// created deal, with <c>details.operation</c> naming it); a call that changes nothing writes no entry.
/// </summary>
/// <remarks>
/// One error style for every method: a failure of the call throws a <see cref="CrmSyncException"/> subtype
/// (<see cref="CrmSyncNotFoundException"/>, <see cref="CrmLinkConflictException"/>, <see cref="CrmSyncValidationException"/>,
/// <see cref="CrmConnectionException"/>, <see cref="CrmRateLimitedException"/>, <see cref="CrmSyncConcurrencyException"/>)
/// and writes nothing; invalid arguments throw <see cref="ArgumentException"/>s.
/// </remarks>
public interface ICrmLinkService
{
    /// <summary>
    /// Links a lead to a CRM record. Idempotent: linking a lead to the record it is already linked to returns it
    /// unchanged. The record must exist in the CRM (one read).
    /// </summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="crmId">The CRM record id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The linked lead.</returns>
    /// <exception cref="CrmSyncNotFoundException">The lead or the CRM record does not exist.</exception>
    /// <exception cref="CrmLinkConflictException">The record is linked to another lead of the user, or the lead to another record.</exception>
    Task<LeadMemory> LinkLeadAsync(string userId, string leadMemoryId, CrmProvider provider, string crmId, CancellationToken cancellationToken = default);

    /// <summary>Removes a lead's CRM link (its sync state stays for the audit). Idempotent: an unlinked lead is returned unchanged.</summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The unlinked lead.</returns>
    /// <exception cref="CrmSyncNotFoundException">The lead does not exist.</exception>
    Task<LeadMemory> UnlinkLeadAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a lead memory for every CRM deal of the connection that no lead of the user is linked to (what ARIA
    /// does when a user connects a CRM), with the deal's stage, amount and close date. Running it again imports only
    /// deals created since.
    /// </summary>
    /// <param name="userId">The owner.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="options">Which deals and how leads are named; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The leads created, in the CRM's change order.</returns>
    Task<IReadOnlyList<LeadMemory>> ImportCrmRecordsAsync(string userId, CrmProvider provider, CrmImportOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates the CRM deal of an unlinked lead (name, stage, amount, close date from the lead) and links the lead to it.
    /// </summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The linked lead.</returns>
    /// <exception cref="CrmSyncNotFoundException">The lead does not exist.</exception>
    /// <exception cref="CrmLinkConflictException">The lead is already linked.</exception>
    /// <exception cref="NotSupportedException">The provider's gateway cannot create records (<see cref="ICrmRecordCreator"/>).</exception>
    Task<LeadMemory> CreateCrmRecordAsync(string userId, string leadMemoryId, CrmProvider provider, CancellationToken cancellationToken = default);
}

/// <summary>Options of <see cref="ICrmLinkService.ImportCrmRecordsAsync"/>.</summary>
public sealed record CrmImportOptions
{
    /// <summary>Gets the oldest modification time of the deals imported.</summary>
    /// <value>The default value is <see langword="null"/>: every deal.</value>
    public DateTimeOffset? ModifiedSince { get; init; }

    /// <summary>Gets how many leads one call creates at most (the most recently changed deals first).</summary>
    /// <value>The default value is 10,000.</value>
    public int MaxRecords { get; init; } = 10_000;

    /// <summary>Gets the prefix of the new leads' ids, followed by the CRM id.</summary>
    /// <value>The default value is <see langword="null"/>: <c>lead-sf-</c> for Salesforce, <c>lead-hs-</c> for HubSpot.</value>
    public string? LeadIdPrefix { get; init; }
}
