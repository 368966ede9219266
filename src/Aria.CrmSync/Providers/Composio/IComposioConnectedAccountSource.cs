namespace Aria.CrmSync;

/// <summary>
/// Finds a user's Composio connected account for a CRM in the host's own records (ARIA: the user's integration row
/// and its <c>composio_connection_id</c>). Used by <see cref="ComposioConnectionResolver"/> after the accounts listed
/// in <see cref="ComposioOptions.ConnectedAccounts"/>.
/// </summary>
public interface IComposioConnectedAccountSource
{
    /// <summary>Finds the connected account of <paramref name="userId"/> for <paramref name="provider"/>.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The account, or <see langword="null"/> when the user has not connected that CRM through Composio.</returns>
    ValueTask<ComposioConnectedAccount?> FindAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default);
}
