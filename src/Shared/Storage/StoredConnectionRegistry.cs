using System.Data.Common;
using System.Runtime.CompilerServices;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Storage;

/// <summary>
/// <see cref="ICrmConnectionRegistry"/> over one table, <c>crm_sync_connections</c> (primary key user id and provider),
/// for the SQLite and PostgreSQL stores. Each change is one statement, so concurrent hosts never see a half change.
/// The same table carries the fleet schedule (<see cref="ICrmConnectionScheduler"/>, in the <c>Scheduling</c> part).
/// </summary>
/// <remarks>Shared source: compiled into each store package.</remarks>
internal abstract partial class StoredConnectionRegistry(string table, StoreDialect dialect, TimeProvider time) : ICrmConnectionRegistry, ICrmConnectionScheduler
{
    public const string TableName = "crm_sync_connections";
    private const string Columns = "user_id, provider, state, pause_reason, paused_until, created_at, updated_at";

    public async ValueTask<CrmConnectionRegistration> AddAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        var now = time.GetUtcNow();
        await ExecuteAsync(
            $"INSERT INTO {table} ({Columns}) VALUES (@user_id, @provider, 'active', NULL, NULL, @now, @now) ON CONFLICT (user_id, provider) DO NOTHING;",
            c => Bind(c, userId, provider, now),
            cancellationToken).ConfigureAwait(false);
        return await GetAsync(userId, provider, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmSyncConcurrencyException("Connection registration", $"{userId}/{WireValue.Format(provider)}", 0, 0);
    }

    public async ValueTask<CrmConnectionRegistration?> GetAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        await foreach (var registration in QueryAsync($"SELECT {Columns} FROM {table} WHERE user_id = @user_id AND provider = @provider;", c => Bind(c, userId, provider, null), cancellationToken).ConfigureAwait(false))
        {
            return registration;
        }

        return null;
    }

    public async ValueTask<bool> PauseAsync(string userId, CrmProvider provider, string? reason = null, DateTimeOffset? until = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        return await ExecuteAsync(
            $"UPDATE {table} SET state = 'paused', pause_reason = @reason, paused_until = @until, updated_at = @now WHERE user_id = @user_id AND provider = @provider;",
            c =>
            {
                Bind(c, userId, provider, time.GetUtcNow());
                StoreDialect.Add(c, "@reason", reason);
                dialect.AddTime(c, "@until", until);
            },
            cancellationToken).ConfigureAwait(false) > 0;
    }

    public async ValueTask<bool> ResumeAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        return await ExecuteAsync(
            $"UPDATE {table} SET state = 'active', pause_reason = NULL, paused_until = NULL, updated_at = @now WHERE user_id = @user_id AND provider = @provider;",
            c => Bind(c, userId, provider, time.GetUtcNow()),
            cancellationToken).ConfigureAwait(false) > 0;
    }

    public async ValueTask<bool> RemoveAsync(string userId, CrmProvider provider, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        return await ExecuteAsync($"DELETE FROM {table} WHERE user_id = @user_id AND provider = @provider;", c => Bind(c, userId, provider, null), cancellationToken).ConfigureAwait(false) > 0;
    }

    public IAsyncEnumerable<CrmConnectionRegistration> ListAsync(CancellationToken cancellationToken = default)
        => QueryAsync($"SELECT {Columns} FROM {table} ORDER BY user_id {OrdinalCollation}, provider;", static _ => { }, cancellationToken);

    /// <summary>Gets the collation clause that orders ids by their bytes (empty where that is the default).</summary>
    protected abstract string OrdinalCollation { get; }

    /// <summary>Runs one statement and returns the rows it changed.</summary>
    protected abstract ValueTask<int> ExecuteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken);

    /// <summary>Opens a connection for reading.</summary>
    protected abstract ValueTask<DbConnection> OpenReadAsync(CancellationToken cancellationToken);

    private async IAsyncEnumerable<CrmConnectionRegistration> QueryAsync(string sql, Action<DbCommand> bind, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            bind(command);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    yield return new CrmConnectionRegistration
                    {
                        UserId = reader.GetString(0),
                        Provider = ReadProvider(reader, 1),
                        State = WireValue.Parse<CrmConnectionState>(reader.GetString(2)),
                        PauseReason = reader.IsDBNull(3) ? null : reader.GetString(3),
                        PausedUntil = reader.IsDBNull(4) ? null : dialect.GetTime(reader, 4),
                        CreatedAt = dialect.GetTime(reader, 5),
                        UpdatedAt = dialect.GetTime(reader, 6),
                    };
                }
            }
        }
    }

    private void Bind(DbCommand command, string userId, CrmProvider provider, DateTimeOffset? now)
    {
        StoreDialect.Add(command, "@user_id", userId);
        StoreDialect.Add(command, "@provider", WireValue.Format(provider));
        if (now is not null)
        {
            dialect.AddTime(command, "@now", now);
        }
    }

    /// <summary>Reads a provider wire value stored in column <paramref name="ordinal"/>.</summary>
    protected static CrmProvider ReadProvider(DbDataReader reader, int ordinal)
        => CrmProvider.TryParse(reader.GetString(ordinal), out var provider)
            ? provider
            : throw new FormatException($"'{reader.GetString(ordinal)}' is not a valid CrmProvider wire value.");
}
