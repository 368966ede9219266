using System.Text.Json;

namespace Aria.CrmSync.Soak.Worker;

/// <summary>
/// The host's integrations table of a soak: every user's connections with their tokens, kept in a JSON file that
/// workers read at start and rewrite (atomically) when the library refreshes a token. Thread-safe within a process.
/// </summary>
public sealed class TokenFile : ICrmConnectionResolver
{
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StoredConnection> _connections;

    private TokenFile(string path, Dictionary<string, StoredConnection> connections)
    {
        _path = path;
        _connections = connections;
    }

    /// <summary>Gets every token value this file has held (the secrets a leak scan looks for).</summary>
    public IReadOnlyCollection<string> AllTokens
    {
        get
        {
            lock (_gate)
            {
                return _connections.Values.SelectMany(c => new[] { c.AccessToken, c.RefreshToken }).OfType<string>().ToList();
            }
        }
    }

    public static TokenFile Create(string path, IEnumerable<CrmConnection> connections)
    {
        var file = new TokenFile(path, connections.ToDictionary(Key, StoredConnection.From, StringComparer.Ordinal));
        file.Write();
        return file;
    }

    public static TokenFile Open(string path)
    {
        var stored = JsonSerializer.Deserialize<List<StoredConnection>>(File.ReadAllText(path), WorkerConfig.Json)!;
        return new TokenFile(path, stored.ToDictionary(s => Key(s.ToConnection()), StringComparer.Ordinal));
    }

    /// <summary>Replaces a connection's tokens (the driver's re-issue after a revocation, or a refresh).</summary>
    public void Put(CrmConnection connection)
    {
        lock (_gate)
        {
            _connections[Key(connection)] = StoredConnection.From(connection);
            Write();
        }
    }

    public ValueTask<CrmConnection> ResolveAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return _connections.TryGetValue($"{provider}:{userId}", out var stored)
                ? ValueTask.FromResult(stored.ToConnection())
                : throw new CrmConnectionException(provider, $"No {provider} connection for user '{userId}'");
        }
    }

    public ValueTask SaveTokensAsync(CrmConnection connection, CrmTokenSet tokens, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var current = _connections.TryGetValue(Key(connection), out var stored) ? stored.ToConnection() : connection;
            _connections[Key(connection)] = StoredConnection.From(current with
            {
                AccessToken = tokens.AccessToken,
                RefreshToken = tokens.RefreshToken ?? current.RefreshToken,
                InstanceUrl = tokens.InstanceUrl ?? current.InstanceUrl,
            });
            Write();
        }

        return ValueTask.CompletedTask;
    }

    private static string Key(CrmConnection connection) => $"{connection.Provider}:{connection.UserId}";

    private void Write()
    {
        var temp = _path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(_connections.Values.ToList(), WorkerConfig.Json));
        File.Move(temp, _path, overwrite: true);
    }

    private sealed record StoredConnection(string UserId, CrmProvider Provider, CrmCredentialKind CredentialKind, string? AccessToken, string? RefreshToken, Uri? InstanceUrl)
    {
        public static StoredConnection From(CrmConnection c) => new(c.UserId, c.Provider, c.CredentialKind, c.AccessToken, c.RefreshToken, c.InstanceUrl);

        public CrmConnection ToConnection() => new()
        {
            UserId = UserId,
            Provider = Provider,
            CredentialKind = CredentialKind,
            AccessToken = AccessToken,
            RefreshToken = RefreshToken,
            InstanceUrl = InstanceUrl,
        };
    }
}
