namespace Aria.CrmSync;

/// <summary>
/// Resolves where and how to call a CRM for a user (instance URL, OAuth tokens, or a broker's connected account) and
/// persists tokens refreshed by the library. The host implements it over its integrations table.
/// </summary>
public interface ICrmConnectionResolver
{
    /// <summary>Resolves the connection of <paramref name="userId"/> to <paramref name="provider"/>.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The connection.</returns>
    /// <exception cref="CrmConnectionException">The user has no connection to that CRM.</exception>
    ValueTask<CrmConnection> ResolveAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default);

    /// <summary>Persists tokens obtained by a refresh, so that other instances and later runs use them.</summary>
    /// <param name="connection">The connection whose tokens were refreshed.</param>
    /// <param name="tokens">The new tokens.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the tokens are stored.</returns>
    ValueTask SaveTokensAsync(CrmConnection connection, CrmTokenSet tokens, CancellationToken cancellationToken = default);
}
