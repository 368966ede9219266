namespace Aria.CrmSync;

/// <summary>
/// Reads and writes lead memories and their events. ARIA implements it over its own tables; the library ships
/// in-memory, SQLite and PostgreSQL implementations.
/// </summary>
public interface ILeadMemoryStore
{
    /// <summary>Reads a lead of a user.</summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The lead, or <see langword="null"/> when it does not exist or belongs to another user.</returns>
    ValueTask<LeadMemory?> GetAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default);

    /// <summary>Finds the lead of a user linked to a CRM record.</summary>
    /// <param name="userId">The owner.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="crmId">The CRM record id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The lead, or <see langword="null"/>.</returns>
    ValueTask<LeadMemory?> FindByCrmIdAsync(string userId, CrmProvider provider, string crmId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Finds a user's leads linked to any of several CRM records in one lookup (a connection sync looks up each CRM
    /// page's leads this way rather than holding every linked lead of the connection).
    /// </summary>
    /// <param name="userId">The owner.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="crmIds">The CRM record ids (duplicates are ignored).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>
    /// At most one lead per CRM id, the one <see cref="FindByCrmIdAsync"/> would return (the lowest lead id when several
    /// leads link the same record); CRM ids no lead links are left out. The order is unspecified.
    /// </returns>
    /// <remarks>The default implementation calls <see cref="FindByCrmIdAsync"/> once per distinct id; the shipped stores answer in one query.</remarks>
    async ValueTask<IReadOnlyList<LeadMemory>> FindByCrmIdsAsync(string userId, CrmProvider provider, IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(crmIds);
        var found = new List<LeadMemory>();
        foreach (var crmId in crmIds.Distinct(StringComparer.Ordinal))
        {
            if (await FindByCrmIdAsync(userId, provider, crmId, cancellationToken).ConfigureAwait(false) is { } lead)
            {
                found.Add(lead);
            }
        }

        return found;
    }

    /// <summary>Lists a user's leads linked to a CRM, ordered by id.</summary>
    /// <param name="userId">The owner.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The leads, streamed.</returns>
    IAsyncEnumerable<LeadMemory> ListLinkedAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default);

    /// <summary>Inserts a lead (version 0, stored as 1).</summary>
    /// <param name="lead">The lead.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The stored lead.</returns>
    /// <exception cref="CrmSyncConcurrencyException">A lead with that id exists.</exception>
    ValueTask<LeadMemory> InsertAsync(LeadMemory lead, CancellationToken cancellationToken = default);

    /// <summary>Replaces a lead if its stored version still equals <see cref="LeadMemory.Version"/> of <paramref name="lead"/>.</summary>
    /// <param name="lead">The new lead, carrying the version it was based on.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The stored lead with its new version.</returns>
    /// <exception cref="CrmSyncConcurrencyException">Another writer changed the lead first; nothing was written.</exception>
    /// <exception cref="CrmSyncNotFoundException">The lead does not exist.</exception>
    ValueTask<LeadMemory> UpdateAsync(LeadMemory lead, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores events, skipping any whose (lead, <see cref="LeadEvent.Source"/>, <see cref="LeadEvent.ExternalId"/>)
    /// is already stored. Atomic.
    /// </summary>
    /// <param name="events">The events.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many events were new.</returns>
    ValueTask<int> AddEventsAsync(IReadOnlyList<LeadEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Lists a lead's events, oldest first.</summary>
    /// <param name="userId">The owner.</param>
    /// <param name="leadMemoryId">The lead memory id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The events, streamed.</returns>
    IAsyncEnumerable<LeadEvent> GetEventsAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default);
}
