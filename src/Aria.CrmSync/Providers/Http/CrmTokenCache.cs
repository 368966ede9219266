using System.Collections.Concurrent;

namespace Aria.CrmSync.Providers.Http;

/// <summary>
/// The newest tokens per connection in this process, so that every request after a refresh uses the new token even
/// when the caller still holds the <see cref="CrmConnection"/> it resolved earlier. Refreshes are single-flight.
/// </summary>
internal sealed class CrmTokenCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public string? AccessTokenFor(CrmConnection connection)
        => _entries.TryGetValue(connection.ConnectionKey, out var entry) && entry.Tokens is { } tokens ? tokens.AccessToken : connection.AccessToken;

    public string? RefreshTokenFor(CrmConnection connection)
        => _entries.TryGetValue(connection.ConnectionKey, out var entry) && entry.Tokens?.RefreshToken is { } refresh ? refresh : connection.RefreshToken;

    public Uri? InstanceUrlFor(CrmConnection connection)
        => _entries.TryGetValue(connection.ConnectionKey, out var entry) && entry.Tokens?.InstanceUrl is { } url ? url : connection.InstanceUrl;

    /// <summary>
    /// Refreshes the connection's tokens unless another caller already did since <paramref name="rejectedToken"/> was
    /// used; concurrent callers wait for one refresh.
    /// </summary>
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
