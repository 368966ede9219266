using System.Runtime.CompilerServices;
using Aria.CrmSync.Serialization;
using Microsoft.Data.Sqlite;
using static Aria.CrmSync.Storage.StoredRecords;

namespace Aria.CrmSync.Storage.Sqlite;

/// <summary>
/// <see cref="IAuditStore"/> on SQLite. An append is one <c>BEGIN IMMEDIATE</c> transaction (serialising every writer
/// of the file, in this process or another) that reads each user's chain head, seals and inserts the entries with two
/// prepared commands reused for the whole batch, then commits: all entries or none. Triggers refuse UPDATE and DELETE.
/// </summary>
internal sealed class SqliteAuditStoreCore(SqliteDatabase database) : IAuditStore
{
    private const string SelectEntry = $"SELECT {AuditColumns} FROM {AuditTable}";
    private const string SelectHead = $"SELECT sequence, hash, created_at FROM {AuditTable} WHERE user_id = @user_id ORDER BY sequence DESC LIMIT 1;";
    private static readonly SqliteDialect Dialect = SqliteDialect.Instance;

    public SqliteDatabase Database => database;

    public async ValueTask<IReadOnlyList<CrmAuditEntry>> AppendAsync(IReadOnlyList<CrmAuditEntry> drafts, IAuditChainSealer sealer, CancellationToken cancellationToken = default)
    {
        ValidateDrafts(drafts, sealer);
        if (drafts.Count == 0)
        {
            return [];
        }

        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        using var head = write.Command(SelectHead);
        var headUser = head.Parameters.Add("@user_id", SqliteType.Text);
        head.Prepare();

        using var insert = write.Command($"INSERT INTO {AuditTable} ({AuditColumns}) VALUES (@id, @user_id, @lead_memory_id, @operation, @provider, @success, @details, @error_message, @created_at, @sequence, @previous_hash, @hash);");
        var id = insert.Parameters.Add("@id", SqliteType.Text);
        var user = insert.Parameters.Add("@user_id", SqliteType.Text);
        var lead = insert.Parameters.Add("@lead_memory_id", SqliteType.Text);
        var operation = insert.Parameters.Add("@operation", SqliteType.Text);
        var provider = insert.Parameters.Add("@provider", SqliteType.Text);
        var success = insert.Parameters.Add("@success", SqliteType.Integer);
        var details = insert.Parameters.Add("@details", SqliteType.Text);
        var error = insert.Parameters.Add("@error_message", SqliteType.Text);
        var createdAt = insert.Parameters.Add("@created_at", SqliteType.Text);
        var sequence = insert.Parameters.Add("@sequence", SqliteType.Integer);
        var previousHash = insert.Parameters.Add("@previous_hash", SqliteType.Text);
        var hash = insert.Parameters.Add("@hash", SqliteType.Text);
        insert.Prepare();

        var heads = new Dictionary<string, (long Sequence, string? Hash, DateTimeOffset At)>(StringComparer.Ordinal);
        var sealedEntries = new CrmAuditEntry[drafts.Count];
        for (var i = 0; i < drafts.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var draft = drafts[i];
            if (!heads.TryGetValue(draft.UserId, out var chainHead))
            {
                headUser.Value = draft.UserId;
                using var reader = head.ExecuteReader();
                chainHead = reader.Read() ? (reader.GetInt64(0), reader.GetString(1), Dialect.GetTime(reader, 2)) : (0, null, DateTimeOffset.MinValue);
            }

            // Times never go backwards within a chain (another process's clock may lag): verification relies on it.
            var entry = sealer.Seal(draft.CreatedAt < chainHead.At ? draft with { CreatedAt = chainHead.At } : draft, chainHead.Sequence + 1, chainHead.Hash);
            id.Value = entry.Id;
            user.Value = entry.UserId;
            lead.Value = (object?)entry.LeadMemoryId ?? DBNull.Value;
            operation.Value = WireValue.Format(entry.Operation);
            provider.Value = WireValue.Format(entry.Provider);
            success.Value = entry.Success ? 1 : 0;
            details.Value = DetailsText(entry);
            error.Value = (object?)entry.ErrorMessage ?? DBNull.Value;
            createdAt.Value = SqliteDialect.FormatTime(entry.CreatedAt);
            sequence.Value = entry.Sequence;
            previousHash.Value = (object?)entry.PreviousHash ?? DBNull.Value;
            hash.Value = entry.Hash;
            insert.ExecuteNonQuery();

            heads[draft.UserId] = (entry.Sequence, entry.Hash, entry.CreatedAt);
            sealedEntries[i] = entry;
        }

        write.Commit();
        return sealedEntries;
    }

    public async IAsyncEnumerable<CrmAuditEntry> QueryAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        var where = AuditFilter(command, query, Dialect);
        command.CommandText = $"{SelectEntry}{where} ORDER BY created_at DESC, sequence DESC, id DESC LIMIT @limit OFFSET @offset;";
        command.Parameters.AddWithValue("@limit", query.Limit ?? -1);
        command.Parameters.AddWithValue("@offset", query.Offset);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadAuditEntry(reader, Dialect);
        }
    }

    public async IAsyncEnumerable<CrmAuditEntry> ReadChainAsync(string userId, long fromSequence = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = $"{SelectEntry} WHERE user_id = @user_id AND sequence >= @from ORDER BY sequence;";
        command.Parameters.AddWithValue("@user_id", userId);
        command.Parameters.AddWithValue("@from", fromSequence);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadAuditEntry(reader, Dialect);
        }
    }

    public ValueTask<AuditChainHead> GetChainHeadAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = SelectHead;
        command.Parameters.AddWithValue("@user_id", userId);
        using var reader = command.ExecuteReader();
        return ValueTask.FromResult(reader.Read() ? new AuditChainHead(userId, reader.GetInt64(0), reader.GetString(1)) : new AuditChainHead(userId, 0, null));
    }
}
