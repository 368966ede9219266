namespace Aria.CrmSync.Fields;

/// <summary>
/// Returns the field catalogue of a connection, so each tenant (user and CRM) can map its own custom fields. The
/// default returns the catalogue configured with <c>AddFieldCatalog</c> for every connection.
/// </summary>
public interface ICrmFieldCatalogResolver
{
    /// <summary>Returns the catalogue of <paramref name="connection"/>.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The catalogue.</returns>
    /// <exception cref="CrmSyncFieldMappingException">The connection's mapping is invalid.</exception>
    ValueTask<CrmFieldCatalog> ResolveAsync(CrmConnection connection, CancellationToken cancellationToken = default);
}
