using System.Runtime.CompilerServices;
using System.Text.Json;
using Aria.CrmSync.Serialization;
using Npgsql;
using NpgsqlTypes;
using static Aria.CrmSync.Storage.StoredRecords;

namespace Aria.CrmSync.Storage.PostgreSql;

/// <summary>
/// <see cref="IAuditStore"/> on PostgreSQL (the seed's <c>crm_audit_log</c>). An append is one transaction that takes a
/// transaction-scoped advisory lock per user chain — key <c>hashtextextended('&lt;schema&gt;:' || user_id, 0)</c>, taken
/// in key order so multi-user batches cannot deadlock — reads the chain heads, seals the entries and inserts them in one
/// statement. The locks serialise appenders across connections and processes (no forks, no gaps); the unique
/// (user_id, sequence) constraint backs them up. Triggers and privileges refuse UPDATE, DELETE and TRUNCATE.
/// </summary>
internal sealed class PostgreSqlAuditStoreCore : IAuditStore
{
    private static readonly PostgreSqlDialect Dialect = PostgreSqlDialect.Instance;
    private readonly PostgreSqlDatabase _database;
    private readonly string _lockPrefix;
    private readonly string _lockChains;
    private readonly string _readHeads;
    private readonly string _insert;
    private readonly string _select;
    private readonly string _head;

    public PostgreSqlAuditStoreCore(PostgreSqlDatabase database)
    {
        _database = database;
        var t = database.Audit;
        _lockPrefix = database.Schema + ":";
        _lockChains = """
            SELECT count(*) FROM (
              SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(@prefix || u, 0) AS k FROM unnest(@users) AS u ORDER BY k) AS keys
            ) AS locked;
            """;
        _readHeads = $"""
            SELECT u.user_id, h.sequence, h.hash, h.created_at FROM unnest(@users) AS u(user_id)
            LEFT JOIN LATERAL (SELECT a.sequence, a.hash, a.created_at FROM {t} AS a WHERE a.user_id = u.user_id ORDER BY a.sequence DESC LIMIT 1) AS h ON true;
            """;
        _insert = $"""
            INSERT INTO {t} ({AuditColumns})
            SELECT * FROM unnest(@id::text[], @user_id::text[], @lead_memory_id::text[], @operation::text[], @provider::text[], @success::boolean[],
                                 @details::text[]::jsonb[], @error_message::text[], @created_at::timestamptz[], @sequence::bigint[], @previous_hash::text[], @hash::text[])
            RETURNING id, details::text;
            """;
        _select = $"SELECT {AuditColumns} FROM {t}";
        _head = $"SELECT sequence, hash FROM {t} WHERE user_id = @user_id ORDER BY sequence DESC LIMIT 1;";
    }

    public PostgreSqlDatabase Database => _database;

    public async ValueTask<IReadOnlyList<CrmAuditEntry>> AppendAsync(IReadOnlyList<CrmAuditEntry> drafts, IAuditChainSealer sealer, CancellationToken cancellationToken = default)
    {
        ValidateDrafts(drafts, sealer);
        if (drafts.Count == 0)
        {
            return [];
        }

        var users = drafts.Select(d => d.UserId).Distinct(StringComparer.Ordinal).ToArray();
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);

        // One round trip: lock the chains, then (a new snapshot, after the locks) read their heads.
        var heads = new Dictionary<string, (long Sequence, string? Hash, DateTimeOffset At)>(StringComparer.Ordinal);
        using (var batch = new NpgsqlBatch(connection, transaction))
        {
            var lockChains = new NpgsqlBatchCommand(_lockChains);
            lockChains.Parameters.AddWithValue("@prefix", _lockPrefix);
            lockChains.Parameters.Add(new NpgsqlParameter("@users", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = users });
            var readHeads = new NpgsqlBatchCommand(_readHeads);
            readHeads.Parameters.Add(new NpgsqlParameter("@users", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = users });
            batch.BatchCommands.Add(lockChains);
            batch.BatchCommands.Add(readHeads);
            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                heads[reader.GetString(0)] = reader.IsDBNull(1) ? (0, null, DateTimeOffset.MinValue) : (reader.GetInt64(1), reader.GetString(2), Dialect.GetTime(reader, 3));
            }
        }

        var sealedEntries = new CrmAuditEntry[drafts.Count];
        for (var i = 0; i < drafts.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var draft = drafts[i];
            var head = heads[draft.UserId];
            // Times never go backwards within a chain (another host's clock may lag): verification relies on it.
            var entry = sealer.Seal(draft.CreatedAt < head.At ? draft with { CreatedAt = head.At } : draft, head.Sequence + 1, head.Hash);
            heads[draft.UserId] = (entry.Sequence, entry.Hash, entry.CreatedAt);
            sealedEntries[i] = entry;
        }

        using (var insert = new NpgsqlCommand(_insert, connection, transaction))
        {
            AddArray(insert, "@id", sealedEntries, static e => e.Id);
            AddArray(insert, "@user_id", sealedEntries, static e => e.UserId);
            AddArray(insert, "@lead_memory_id", sealedEntries, static e => e.LeadMemoryId);
            AddArray(insert, "@operation", sealedEntries, static e => WireValue.Format(e.Operation));
            AddArray(insert, "@provider", sealedEntries, static e => WireValue.Format(e.Provider));
            insert.Parameters.AddWithValue("@success", sealedEntries.Select(static e => e.Success).ToArray());
            AddArray(insert, "@details", sealedEntries, DetailsText);
            AddArray(insert, "@error_message", sealedEntries, static e => e.ErrorMessage);
            insert.Parameters.AddWithValue("@created_at", sealedEntries.Select(static e => e.CreatedAt.ToUniversalTime()).ToArray());
            insert.Parameters.AddWithValue("@sequence", sealedEntries.Select(static e => e.Sequence).ToArray());
            AddArray(insert, "@previous_hash", sealedEntries, static e => e.PreviousHash);
            AddArray(insert, "@hash", sealedEntries, static e => e.Hash);

            // jsonb normalises the details (key order, spacing, numbers); return them as stored, so that the sealed
            // entries equal what later reads return. The hash is over canonical JSON, so it is unaffected.
            var stored = new Dictionary<string, string>(drafts.Count, StringComparer.Ordinal);
            var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                stored[reader.GetString(0)] = reader.GetString(1);
            }

            for (var i = 0; i < sealedEntries.Length; i++)
            {
                using var details = JsonDocument.Parse(stored[sealedEntries[i].Id]);
                sealedEntries[i] = sealedEntries[i] with { Details = Canonical(details.RootElement) };
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return sealedEntries;
    }

    public async IAsyncEnumerable<CrmAuditEntry> QueryAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand { Connection = connection };
        var where = AuditFilter(command, query, Dialect);
        command.CommandText = $"{_select}{where} ORDER BY created_at DESC, sequence DESC, id COLLATE \"C\" DESC LIMIT @limit OFFSET @offset;";
        command.Parameters.Add(new NpgsqlParameter("@limit", NpgsqlDbType.Integer) { Value = (object?)query.Limit ?? DBNull.Value });
        command.Parameters.AddWithValue("@offset", query.Offset);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return Canonical(ReadAuditEntry(reader, Dialect));
        }
    }

    public async IAsyncEnumerable<CrmAuditEntry> ReadChainAsync(string userId, long fromSequence = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand($"{_select} WHERE user_id = @user_id AND sequence >= @from ORDER BY sequence;", connection);
        command.Parameters.AddWithValue("@user_id", userId);
        command.Parameters.AddWithValue("@from", fromSequence);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return Canonical(ReadAuditEntry(reader, Dialect));
        }
    }

    public async ValueTask<AuditChainHead> GetChainHeadAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(_head, connection);
        command.Parameters.AddWithValue("@user_id", userId);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new AuditChainHead(userId, reader.GetInt64(0), reader.GetString(1))
            : new AuditChainHead(userId, 0, null);
    }

    /// <summary>
    /// <c>jsonb</c> keeps a value, not its text (it reorders keys, rewrites numbers and cannot hold duplicate keys), so
    /// details are returned in the canonical text that was hashed: what a query returns is byte for byte what the hash covers.
    /// </summary>
    private static JsonElement Canonical(JsonElement details)
    {
        try
        {
            return details.ValueKind == JsonValueKind.Object ? Auditing.CanonicalJson.Canonicalize(details) : details.Clone();
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return details.Clone(); // returned as stored; verification names the entry
        }
    }

    private static CrmAuditEntry Canonical(CrmAuditEntry entry) => entry with { Details = Canonical(entry.Details) };

    private static void AddArray(NpgsqlCommand command, string name, CrmAuditEntry[] entries, Func<CrmAuditEntry, string?> select)
        => command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = entries.Select(select).ToArray() });
}
