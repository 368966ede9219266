using System.Runtime.CompilerServices;
using Aria.CrmSync.Serialization;
using static Aria.CrmSync.Storage.StoredRecords;

namespace Aria.CrmSync.Storage.Sqlite;

/// <summary>
/// <see cref="ISyncStateStore"/> on SQLite: one row per lead in <c>lead_memory_crm_sync</c> (JSON text for pending
/// changes, conflict log, base snapshot and outbox), optimistic concurrency on <c>version</c>, cursors and fenced leases.
/// </summary>
/// <remarks>Microsoft.Data.Sqlite runs synchronously; the methods complete synchronously except while waiting for the write gate.</remarks>
internal sealed class SqliteSyncStateStoreCore(SqliteDatabase database, TimeProvider timeProvider) : ISyncStateStore
{
    private const string Resource = "CRM sync state";
    private const string SelectState = $"SELECT {SyncStateColumns} FROM {SyncStateTable}";
    private static readonly SqliteDialect Dialect = SqliteDialect.Instance;

    public SqliteDatabase Database => database;

    public ValueTask<CrmSyncState?> GetAsync(string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = $"{SelectState} WHERE lead_memory_id = @lead_memory_id;";
        command.Parameters.AddWithValue("@lead_memory_id", leadMemoryId);
        using var reader = command.ExecuteReader();
        return ValueTask.FromResult(reader.Read() ? ReadSyncState(reader, Dialect) : null);
    }

    public ValueTask<IReadOnlyList<CrmSyncState>> GetManyAsync(IReadOnlyCollection<string> leadMemoryIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leadMemoryIds);
        cancellationToken.ThrowIfCancellationRequested();
        if (leadMemoryIds.Count == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<CrmSyncState>>([]);
        }

        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = $"{SelectState} WHERE lead_memory_id IN (SELECT value FROM json_each(@ids));";
        command.Parameters.AddWithValue("@ids", CrmSyncJson.Serialize(leadMemoryIds));
        var found = new List<CrmSyncState>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            found.Add(ReadSyncState(reader, Dialect));
        }

        return ValueTask.FromResult<IReadOnlyList<CrmSyncState>>(found);
    }

    public async ValueTask<CrmSyncState> InsertAsync(CrmSyncState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentException.ThrowIfNullOrEmpty(state.Id, nameof(state));
        ArgumentException.ThrowIfNullOrEmpty(state.LeadMemoryId, nameof(state));
        ValidateNew(state.Version, nameof(state), "sync state");

        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var result = Write(write, state, insert: true);
        write.Commit();
        return result.Stored ?? throw result.Error!;
    }

    public async ValueTask<CrmSyncState> UpdateAsync(CrmSyncState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentException.ThrowIfNullOrEmpty(state.LeadMemoryId, nameof(state));

        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var result = Write(write, state, insert: false);
        write.Commit();
        return result.Stored ?? throw result.Error!;
    }

    /// <summary>The whole batch in one write transaction (one commit), each state inserted or updated on its own terms.</summary>
    public async ValueTask<IReadOnlyList<SyncStateWriteResult>> WriteManyAsync(IReadOnlyList<CrmSyncState> states, CancellationToken cancellationToken = default)
    {
        SyncStateBatch.Check(states);
        if (states.Count == 0)
        {
            return [];
        }

        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var results = new SyncStateWriteResult[states.Count];
        for (var i = 0; i < states.Count; i++)
        {
            results[i] = Write(write, states[i], insert: states[i].Version == 0);
        }

        write.Commit();
        return results;
    }

    public async IAsyncEnumerable<CrmSyncState> QueryAsync(SyncStateQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        var where = SyncStateFilter(command, query, Dialect);
        command.CommandText = $"{SelectState}{where} ORDER BY next_attempt_at ASC NULLS LAST, lead_memory_id ASC LIMIT @limit;";
        command.Parameters.AddWithValue("@limit", query.Limit ?? -1);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadSyncState(reader, Dialect);
        }
    }

    public ValueTask<SyncCursorRecord?> GetCursorAsync(string connectionKey, string stream, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionKey);
        ArgumentException.ThrowIfNullOrEmpty(stream);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {CursorColumns} FROM {CursorTable} WHERE connection_key = @connection_key AND stream = @stream;";
        command.Parameters.AddWithValue("@connection_key", connectionKey);
        command.Parameters.AddWithValue("@stream", stream);
        using var reader = command.ExecuteReader();
        return ValueTask.FromResult(reader.Read() ? ReadCursor(reader, Dialect) : null);
    }

    public async ValueTask SaveCursorAsync(SyncCursorRecord cursor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        ArgumentException.ThrowIfNullOrEmpty(cursor.ConnectionKey, nameof(cursor));
        ArgumentException.ThrowIfNullOrEmpty(cursor.Stream, nameof(cursor));
        ArgumentNullException.ThrowIfNull(cursor.Cursor, nameof(cursor));

        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        using var upsert = write.Command(
            $"""
            INSERT INTO {CursorTable} ({CursorColumns}) VALUES (@connection_key, @stream, @cursor_timestamp, @cursor_last_id, @updated_at)
            ON CONFLICT (connection_key, stream) DO UPDATE SET cursor_timestamp = excluded.cursor_timestamp, cursor_last_id = excluded.cursor_last_id, updated_at = excluded.updated_at;
            """);
        upsert.Parameters.AddWithValue("@connection_key", cursor.ConnectionKey);
        upsert.Parameters.AddWithValue("@stream", cursor.Stream);
        Dialect.AddTime(upsert, "@cursor_timestamp", cursor.Cursor.Timestamp);
        StoreDialect.Add(upsert, "@cursor_last_id", cursor.Cursor.LastId);
        Dialect.AddTime(upsert, "@updated_at", cursor.UpdatedAt);
        upsert.ExecuteNonQuery();
        write.Commit();
    }

    public async ValueTask<SyncLease?> TryAcquireLeaseAsync(string resource, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var now = timeProvider.GetUtcNow();
        var expiresAt = now + duration;

        // A new claim succeeds when the lease is free, released, expired (by the injected clock) or already ours; the
        // token always grows, because a released lease keeps its row.
        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        using var acquire = write.Command(
            $"""
            INSERT INTO {LeaseTable} (resource, owner, token, expires_at) VALUES (@resource, @owner, 1, @expires_at)
            ON CONFLICT (resource) DO UPDATE SET owner = excluded.owner, token = {LeaseTable}.token + 1, expires_at = excluded.expires_at
            WHERE {LeaseTable}.owner IS NULL OR {LeaseTable}.owner = excluded.owner OR {LeaseTable}.expires_at <= @now
            RETURNING token;
            """);
        acquire.Parameters.AddWithValue("@resource", resource);
        acquire.Parameters.AddWithValue("@owner", owner);
        acquire.Parameters.AddWithValue("@expires_at", SqliteDialect.FormatTime(expiresAt));
        acquire.Parameters.AddWithValue("@now", SqliteDialect.FormatTime(now));
        var token = acquire.ExecuteScalar();
        write.Commit();
        return token is long t ? new SyncLease(resource, owner, t, expiresAt) : null;
    }

    public async ValueTask<SyncLease?> RenewLeaseAsync(SyncLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var now = timeProvider.GetUtcNow();
        var expiresAt = now + duration;

        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        using var renew = write.Command(
            $"UPDATE {LeaseTable} SET expires_at = @expires_at WHERE resource = @resource AND token = @token AND owner IS NOT NULL AND expires_at > @now RETURNING owner;");
        renew.Parameters.AddWithValue("@resource", lease.Resource);
        renew.Parameters.AddWithValue("@token", lease.Token);
        renew.Parameters.AddWithValue("@expires_at", SqliteDialect.FormatTime(expiresAt));
        renew.Parameters.AddWithValue("@now", SqliteDialect.FormatTime(now));
        var owner = renew.ExecuteScalar() as string;
        write.Commit();
        return owner is null ? null : lease with { Owner = owner, ExpiresAt = expiresAt };
    }

    public async ValueTask ReleaseLeaseAsync(SyncLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        using var release = write.Command($"UPDATE {LeaseTable} SET owner = NULL WHERE resource = @resource AND token = @token;");
        release.Parameters.AddWithValue("@resource", lease.Resource);
        release.Parameters.AddWithValue("@token", lease.Token);
        release.ExecuteNonQuery();
        write.Commit();
    }

    /// <summary>Inserts (version 0) or updates (version checked) one state inside <paramref name="write"/>; a refusal is a value.</summary>
    private static SyncStateWriteResult Write(SqliteWrite write, CrmSyncState state, bool insert)
    {
        using var command = write.Command(insert
            ? $"INSERT INTO {SyncStateTable} ({SyncStateColumns}) VALUES ({SyncStateValues}, 1, @created_at, @updated_at, @crm_last_modified_at) ON CONFLICT DO NOTHING;"
            : $"UPDATE {SyncStateTable} SET {SyncStateAssignments}, version = version + 1 WHERE lead_memory_id = @lead_memory_id AND version = @version;");
        BindSyncState(command, state, Dialect);
        if (!insert)
        {
            command.Parameters.AddWithValue("@version", state.Version);
        }

        if (command.ExecuteNonQuery() == 1)
        {
            return SyncStateWriteResult.Written(state with { Version = state.Version + 1 });
        }

        var actual = StoredVersion(write, state.LeadMemoryId);
        return SyncStateWriteResult.Refused(
            state.LeadMemoryId,
            actual is null && !insert ? new CrmSyncNotFoundException(state.LeadMemoryId) : new CrmSyncConcurrencyException(Resource, state.LeadMemoryId, state.Version, actual));
    }

    private static long? StoredVersion(SqliteWrite write, string leadMemoryId)
    {
        using var command = write.Command($"SELECT version FROM {SyncStateTable} WHERE lead_memory_id = @lead_memory_id;");
        command.Parameters.AddWithValue("@lead_memory_id", leadMemoryId);
        return command.ExecuteScalar() as long?;
    }
}
