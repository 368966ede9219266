using System.Collections.Concurrent;

namespace Aria.CrmSync.Gateways.Http;

/// <summary>
/// The newest tokens per connection in this process, so that every request after a refresh uses the new token even
/// when the caller still holds the <see cref="CrmConnection"/> it resolved earlier. Refreshes are single-flight.
/// </summary>
/// <remarks>
/// A singleton that <see cref="CrmHttpClientRegistration.AddCrmHttpClient"/> registers; the authentication handler
/// refreshes through it with the provider's <see cref="ICrmTokenRefresher"/>. A gateway whose CRM moves connections
/// between hosts builds its addresses from <see cref="InstanceUrlFor"/>.
/// </remarks>
public sealed class CrmTokenCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Gets the newest access token of the connection: a refreshed one, else the connection's own.</summary>
    /// <param name="connection">The connection.</param>
    /// <returns>The token, or <see langword="null"/> when the connection has none.</returns>
    public string? AccessTokenFor(CrmConnection connection)
        => _entries.TryGetValue(connection.ConnectionKey, out var entry) && entry.Tokens is { } tokens ? tokens.AccessToken : connection.AccessToken;

    /// <summary>Gets the newest refresh token of the connection (a refresh may rotate it).</summary>
    /// <param name="connection">The connection.</param>
    /// <returns>The token, or <see langword="null"/> when the connection has none.</returns>
    public string? RefreshTokenFor(CrmConnection connection)
        => _entries.TryGetValue(connection.ConnectionKey, out var entry) && entry.Tokens?.RefreshToken is { } refresh ? refresh : connection.RefreshToken;

    /// <summary>Gets the newest instance URL of the connection (a token response may name another instance).</summary>
    /// <param name="connection">The connection.</param>
    /// <returns>The URL, or <see langword="null"/> when neither the connection nor a refresh named one.</returns>
    public Uri? InstanceUrlFor(CrmConnection connection)
        => _entries.TryGetValue(connection.ConnectionKey, out var entry) && entry.Tokens?.InstanceUrl is { } url ? url : connection.InstanceUrl;

    /// <summary>
    /// Refreshes the connection's tokens unless another caller already did since <paramref name="rejectedToken"/> was
    /// used; concurrent callers wait for one refresh.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="rejectedToken">The access token the CRM rejected.</param>
    /// <param name="refresh">Gets new tokens with the refresh token (and persists them).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The access token to use now.</returns>
    /// <exception cref="CrmConnectionException">The connection has no refresh token (re-authorisation is needed), or <paramref name="refresh"/> failed.</exception>
    public async Task<string> RefreshAsync(CrmConnection connection, string? rejectedToken, Func<string, Task<CrmTokenSet>> refresh, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(connection.ConnectionKey, static _ => new Entry());
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = AccessTokenFor(connection);
            if (current is not null && !string.Equals(current, rejectedToken, StringComparison.Ordinal))
            {
                return current; // someone refreshed while we waited
            }

            var refreshToken = RefreshTokenFor(connection)
                ?? throw new CrmConnectionException(connection.Provider, $"The {Serialization.WireValue.Format(connection.Provider)} access token expired and the connection has no refresh token", requiresReauthorization: true);
            var tokens = await refresh(refreshToken).ConfigureAwait(false);
            entry.Tokens = tokens with { RefreshToken = tokens.RefreshToken ?? refreshToken, InstanceUrl = tokens.InstanceUrl ?? InstanceUrlFor(connection) };
            return tokens.AccessToken;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public CrmTokenSet? Tokens { get; set; }
    }
}
