using System.Collections.Concurrent;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync;

/// <summary>
/// An <see cref="ICrmConnectionResolver"/> over connections registered in process (samples, tests, single-tenant
/// hosts); refreshed tokens replace the stored ones. Hosts with an integrations table implement the interface over it.
/// </summary>
public sealed class InMemoryCrmConnectionResolver : ICrmConnectionResolver
{
    private readonly ConcurrentDictionary<(string UserId, CrmProvider Provider), CrmConnection> _connections = new();

    /// <summary>Registers or replaces a connection.</summary>
    /// <param name="connection">The connection.</param>
    /// <returns>This resolver.</returns>
    public InMemoryCrmConnectionResolver Add(CrmConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(connection.UserId, nameof(connection));
        _connections[(connection.UserId, connection.Provider)] = connection;
        return this;
    }

    /// <summary>Removes a connection.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="provider">The CRM.</param>
    /// <returns><see langword="true"/> when a connection was removed.</returns>
    public bool Remove(string userId, CrmProvider provider) => _connections.TryRemove((userId, provider), out _);

    /// <summary>Gets the stored connection, if any (with the latest tokens).</summary>
    /// <param name="userId">The user.</param>
    /// <param name="provider">The CRM.</param>
    /// <returns>The connection, or <see langword="null"/>.</returns>
    public CrmConnection? Find(string userId, CrmProvider provider) => _connections.GetValueOrDefault((userId, provider));

    /// <inheritdoc />
    public ValueTask<CrmConnection> ResolveAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return _connections.TryGetValue((userId, provider), out var connection)
            ? ValueTask.FromResult(connection)
            : throw new CrmConnectionException(provider, $"No {WireValue.Format(provider)} connection for user '{userId}'");
    }

    /// <inheritdoc />
    public ValueTask SaveTokensAsync(CrmConnection connection, CrmTokenSet tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(tokens);
        _connections.AddOrUpdate(
            (connection.UserId, connection.Provider),
            _ => Apply(connection, tokens),
            (_, current) => Apply(current, tokens));
        return ValueTask.CompletedTask;
    }

    private static CrmConnection Apply(CrmConnection connection, CrmTokenSet tokens) => connection with
    {
        AccessToken = tokens.AccessToken,
        RefreshToken = tokens.RefreshToken ?? connection.RefreshToken,
        InstanceUrl = tokens.InstanceUrl ?? connection.InstanceUrl,
    };
}
