using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;
using static Aria.CrmSync.Storage.StoredRecords;

namespace Aria.CrmSync.Storage.PostgreSql;

/// <summary>
/// <see cref="ISyncStateStore"/> on PostgreSQL: the seed's <c>lead_memory_crm_sync</c> (jsonb pending changes, conflict
/// log, base snapshot and outbox) with optimistic concurrency on <c>version</c>; cursors; leases fenced by a token and
/// timed by the injected <see cref="TimeProvider"/> (never the database clock).
/// </summary>
internal sealed class PostgreSqlSyncStateStoreCore : ISyncStateStore
{
    private const string Resource = "CRM sync state";
    private static readonly PostgreSqlDialect Dialect = PostgreSqlDialect.Instance;
    private readonly PostgreSqlDatabase _database;
    private readonly TimeProvider _time;
    private readonly string _select;
    private readonly string _insert;
    private readonly string _update;
    private readonly string _version;
    private readonly string _getCursor;
    private readonly string _saveCursor;
    private readonly string _acquire;
    private readonly string _renew;
    private readonly string _release;

    public PostgreSqlSyncStateStoreCore(PostgreSqlDatabase database, TimeProvider timeProvider)
    {
        _database = database;
        _time = timeProvider;
        var t = database.SyncStates;
        _select = $"SELECT {SyncStateColumns} FROM {t}";
        _insert = $"INSERT INTO {t} ({SyncStateColumns}) VALUES ({SyncStateValues}, 1, @created_at, @updated_at, @crm_last_modified_at) ON CONFLICT DO NOTHING;";
        _update = $"UPDATE {t} SET {SyncStateAssignments}, version = version + 1 WHERE lead_memory_id = @lead_memory_id AND version = @version;";
        _version = $"SELECT version FROM {t} WHERE lead_memory_id = @lead_memory_id;";
        _getCursor = $"SELECT {CursorColumns} FROM {database.Cursors} WHERE connection_key = @connection_key AND stream = @stream;";
        _saveCursor = $"""
            INSERT INTO {database.Cursors} ({CursorColumns}) VALUES (@connection_key, @stream, @cursor_timestamp, @cursor_last_id, @updated_at)
            ON CONFLICT (connection_key, stream) DO UPDATE SET cursor_timestamp = excluded.cursor_timestamp, cursor_last_id = excluded.cursor_last_id, updated_at = excluded.updated_at;
            """;
        _acquire = $"""
            INSERT INTO {database.Leases} AS l (resource, owner, token, expires_at) VALUES (@resource, @owner, 1, @expires_at)
            ON CONFLICT (resource) DO UPDATE SET owner = excluded.owner, token = l.token + 1, expires_at = excluded.expires_at
            WHERE l.owner IS NULL OR l.owner = excluded.owner OR l.expires_at <= @now
            RETURNING token;
            """;
        _renew = $"UPDATE {database.Leases} SET expires_at = @expires_at WHERE resource = @resource AND token = @token AND owner IS NOT NULL AND expires_at > @now RETURNING owner;";
        _release = $"UPDATE {database.Leases} SET owner = NULL WHERE resource = @resource AND token = @token;";
    }

    public PostgreSqlDatabase Database => _database;

    public async ValueTask<CrmSyncState?> GetAsync(string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand($"{_select} WHERE lead_memory_id = @lead_memory_id;", connection);
        command.Parameters.AddWithValue("@lead_memory_id", leadMemoryId);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadSyncState(reader, Dialect) : null;
    }

    public async ValueTask<IReadOnlyList<CrmSyncState>> GetManyAsync(IReadOnlyCollection<string> leadMemoryIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leadMemoryIds);
        if (leadMemoryIds.Count == 0)
        {
            return [];
        }

        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);

        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand($"{_select} WHERE lead_memory_id = ANY(@ids);", connection);
        command.Parameters.Add(new NpgsqlParameter("@ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = leadMemoryIds.Distinct(StringComparer.Ordinal).ToArray() });
        var found = new List<CrmSyncState>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(ReadSyncState(reader, Dialect));
        }

        return found;
    }

    public async ValueTask<CrmSyncState> InsertAsync(CrmSyncState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentException.ThrowIfNullOrEmpty(state.Id, nameof(state));
        ArgumentException.ThrowIfNullOrEmpty(state.LeadMemoryId, nameof(state));
        ValidateNew(state.Version, nameof(state), "sync state");

        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);

        await using var connectionScope = connection.ConfigureAwait(false);
        using var insert = new NpgsqlCommand(_insert, connection);
        BindSyncState(insert, state, Dialect);
        if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new CrmSyncConcurrencyException(Resource, state.LeadMemoryId, 0, await StoredVersionAsync(connection, state.LeadMemoryId, cancellationToken).ConfigureAwait(false));
        }

        return state with { Version = 1 };
    }

    public async ValueTask<CrmSyncState> UpdateAsync(CrmSyncState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentException.ThrowIfNullOrEmpty(state.LeadMemoryId, nameof(state));

        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);

        await using var connectionScope = connection.ConfigureAwait(false);
        using var update = new NpgsqlCommand(_update, connection);
        BindSyncState(update, state, Dialect);
        update.Parameters.AddWithValue("@version", state.Version);
        if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            // Not written: tell a stale version (another writer won) from a missing state.
            throw await StoredVersionAsync(connection, state.LeadMemoryId, cancellationToken).ConfigureAwait(false) is { } actual
                ? new CrmSyncConcurrencyException(Resource, state.LeadMemoryId, state.Version, actual)
                : new CrmSyncNotFoundException(state.LeadMemoryId);
        }

        return state with { Version = state.Version + 1 };
    }

    /// <summary>
    /// One round trip: the batch's inserts (<c>ON CONFLICT DO NOTHING</c>) and version-checked updates run as one
    /// <see cref="NpgsqlBatch"/>, which PostgreSQL runs in one implicit transaction; a refused state is a row count of 0,
    /// told apart (stale or missing) by one read of the refused leads' versions.
    /// </summary>
    public async ValueTask<IReadOnlyList<SyncStateWriteResult>> WriteManyAsync(IReadOnlyList<CrmSyncState> states, CancellationToken cancellationToken = default)
    {
        SyncStateBatch.Check(states);
        if (states.Count == 0)
        {
            return [];
        }

        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var batch = new NpgsqlBatch(connection);
        await using var batchScope = batch.ConfigureAwait(false);
        using var scratch = new NpgsqlCommand();
        foreach (var state in states)
        {
            BindSyncState(scratch, state, Dialect);
            var command = new NpgsqlBatchCommand((state.Version == 0 ? _insert : _update).TrimEnd(';'));
            if (state.Version != 0)
            {
                scratch.Parameters.AddWithValue("@version", state.Version);
            }

            // Parameters belong to one collection: bind through the shared row mapping, then move them over.
            var parameters = scratch.Parameters.ToArray();
            scratch.Parameters.Clear();
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(parameter);
            }

            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        var results = new SyncStateWriteResult[states.Count];
        List<int>? refused = null;
        for (var i = 0; i < states.Count; i++)
        {
            if (batch.BatchCommands[i].RecordsAffected == 1)
            {
                results[i] = SyncStateWriteResult.Written(states[i] with { Version = states[i].Version + 1 });
            }
            else
            {
                (refused ??= []).Add(i);
            }
        }

        if (refused is not null)
        {
            var versions = await StoredVersionsAsync(connection, refused.Select(i => states[i].LeadMemoryId).ToArray(), cancellationToken).ConfigureAwait(false);
            foreach (var i in refused)
            {
                var state = states[i];
                CrmSyncException error = versions.TryGetValue(state.LeadMemoryId, out var actual)
                    ? new CrmSyncConcurrencyException(Resource, state.LeadMemoryId, state.Version, actual)
                    : state.Version == 0
                        ? new CrmSyncConcurrencyException(Resource, state.LeadMemoryId, 0, null)
                        : new CrmSyncNotFoundException(state.LeadMemoryId);
                results[i] = SyncStateWriteResult.Refused(state.LeadMemoryId, error);
            }
        }

        return results;
    }

    public async IAsyncEnumerable<CrmSyncState> QueryAsync(SyncStateQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand { Connection = connection };
        var where = SyncStateFilter(command, query, Dialect);
        command.CommandText = $"{_select}{where} ORDER BY next_attempt_at ASC NULLS LAST, lead_memory_id COLLATE \"C\" ASC LIMIT @limit;";
        command.Parameters.Add(new NpgsqlParameter("@limit", NpgsqlDbType.Integer) { Value = (object?)query.Limit ?? DBNull.Value });
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadSyncState(reader, Dialect);
        }
    }

    public async ValueTask<SyncCursorRecord?> GetCursorAsync(string connectionKey, string stream, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionKey);
        ArgumentException.ThrowIfNullOrEmpty(stream);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(_getCursor, connection);
        command.Parameters.AddWithValue("@connection_key", connectionKey);
        command.Parameters.AddWithValue("@stream", stream);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadCursor(reader, Dialect) : null;
    }

    public async ValueTask SaveCursorAsync(SyncCursorRecord cursor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        ArgumentException.ThrowIfNullOrEmpty(cursor.ConnectionKey, nameof(cursor));
        ArgumentException.ThrowIfNullOrEmpty(cursor.Stream, nameof(cursor));
        ArgumentNullException.ThrowIfNull(cursor.Cursor, nameof(cursor));
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(_saveCursor, connection);
        command.Parameters.AddWithValue("@connection_key", cursor.ConnectionKey);
        command.Parameters.AddWithValue("@stream", cursor.Stream);
        Dialect.AddTime(command, "@cursor_timestamp", cursor.Cursor.Timestamp);
        PostgreSqlDialect.Add(command, "@cursor_last_id", NpgsqlDbType.Text, cursor.Cursor.LastId);
        Dialect.AddTime(command, "@updated_at", cursor.UpdatedAt);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<SyncLease?> TryAcquireLeaseAsync(string resource, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var now = _time.GetUtcNow();
        var expiresAt = now + duration;

        // One statement: the row lock taken by ON CONFLICT makes racing claims wait and re-check the WHERE.
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(_acquire, connection);
        command.Parameters.AddWithValue("@resource", resource);
        command.Parameters.AddWithValue("@owner", owner);
        Dialect.AddTime(command, "@expires_at", expiresAt);
        Dialect.AddTime(command, "@now", now);
        var token = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return token is long t ? new SyncLease(resource, owner, t, expiresAt) : null;
    }

    public async ValueTask<SyncLease?> RenewLeaseAsync(SyncLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var now = _time.GetUtcNow();
        var expiresAt = now + duration;
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(_renew, connection);
        command.Parameters.AddWithValue("@resource", lease.Resource);
        command.Parameters.AddWithValue("@token", lease.Token);
        Dialect.AddTime(command, "@expires_at", expiresAt);
        Dialect.AddTime(command, "@now", now);
        var owner = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        return owner is null ? null : lease with { Owner = owner, ExpiresAt = expiresAt };
    }

    public async ValueTask ReleaseLeaseAsync(SyncLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(_release, connection);
        command.Parameters.AddWithValue("@resource", lease.Resource);
        command.Parameters.AddWithValue("@token", lease.Token);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<Dictionary<string, long>> StoredVersionsAsync(NpgsqlConnection connection, string[] leadMemoryIds, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand($"SELECT lead_memory_id, version FROM {_database.SyncStates} WHERE lead_memory_id = ANY(@ids);", connection);
        command.Parameters.Add(new NpgsqlParameter("@ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = leadMemoryIds });
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions[reader.GetString(0)] = reader.GetInt64(1);
        }

        return versions;
    }

    private async Task<long?> StoredVersionAsync(NpgsqlConnection connection, string leadMemoryId, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(_version, connection);
        command.Parameters.AddWithValue("@lead_memory_id", leadMemoryId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
    }
}
