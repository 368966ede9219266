using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql;

namespace Aria.CrmSync.Storage.PostgreSql;

/// <summary>
/// Keeps audit anchors in <c>crm_audit_anchors</c> (migration 0004), written through a connection of its own as the
/// anchor-writer role (<see cref="PostgreSqlStoreOptions.AnchorWriterRole"/>: <c>SELECT</c> and <c>INSERT</c> on that table
/// only) and read through the stores' runtime connection, which can only <c>SELECT</c> it. So the role the library runs
/// as, which can append to the audit trail, cannot also write, change or remove the anchors that check it; triggers
/// refuse <c>UPDATE</c>, <c>DELETE</c> and <c>TRUNCATE</c> of anchors for every role.
/// </summary>
internal sealed class PostgreSqlAuditAnchorSink : IAuditAnchorSink, IAsyncDisposable, IDisposable
{
    private const string StoreName = "PostgreSQL crm_audit_anchors";
    private readonly PostgreSqlDatabase _database;
    private readonly NpgsqlDataSource _writer;
    private readonly string _table;

    public PostgreSqlAuditAnchorSink(PostgreSqlDatabase database, string writerConnectionString)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(writerConnectionString);
        _database = database;
        _table = database.QuotedSchema + ".crm_audit_anchors";
        try
        {
            _writer = NpgsqlDataSource.Create(writerConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The anchor writer connection string is not a valid Npgsql connection string: {ex.Message}", nameof(writerConnectionString));
        }
    }

    public async ValueTask WriteAsync(AuditChainAnchor anchor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        try
        {
            await _database.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
            var connection = await _writer.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var command = new NpgsqlCommand(
                    $"INSERT INTO {_table} (user_id, sequence, hash, issued_at, key_id, signature, timestamp_token) VALUES (@user_id, @sequence, @hash, @issued_at, @key_id, @signature, @timestamp_token);",
                    connection);
                await using (command.ConfigureAwait(false))
                {
                    command.Parameters.AddWithValue("@user_id", anchor.Head.UserId);
                    command.Parameters.AddWithValue("@sequence", anchor.Head.Sequence);
                    command.Parameters.AddWithValue("@hash", (object?)anchor.Head.Hash ?? DBNull.Value);
                    command.Parameters.AddWithValue("@issued_at", anchor.IssuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
                    command.Parameters.AddWithValue("@key_id", (object?)anchor.KeyId ?? DBNull.Value);
                    command.Parameters.AddWithValue("@signature", (object?)anchor.Signature ?? DBNull.Value);
                    command.Parameters.AddWithValue("@timestamp_token", (object?)anchor.TimestampToken ?? DBNull.Value);
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (NpgsqlException ex)
        {
            throw new CrmSyncStoreException($"The anchor of sequence {anchor.Head.Sequence} could not be written", StoreName, isConstraintViolation: ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.CheckViolation }, ex);
        }
    }

    public async IAsyncEnumerable<AuditChainAnchor> ReadAsync(string userId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var anchors = new List<AuditChainAnchor>();
        try
        {
            var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var command = new NpgsqlCommand($"SELECT user_id, sequence, hash, issued_at, key_id, signature, timestamp_token FROM {_table} WHERE user_id = @user_id ORDER BY id;", connection);
                await using (command.ConfigureAwait(false))
                {
                    command.Parameters.AddWithValue("@user_id", userId);
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            anchors.Add(Read(reader));
                        }
                    }
                }
            }
        }
        catch (NpgsqlException ex)
        {
            throw new CrmSyncStoreException($"The anchors of user {userId} could not be read", StoreName, isConstraintViolation: false, ex);
        }

        foreach (var anchor in anchors)
        {
            yield return anchor;
        }
    }

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    public void Dispose() => _writer.Dispose();

    private static AuditChainAnchor Read(NpgsqlDataReader reader)
    {
        var issuedAt = reader.GetString(3);
        if (!DateTimeOffset.TryParseExact(issuedAt, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var issued))
        {
            throw new CrmSyncDataException($"An anchor's issued_at '{issuedAt}' is not a UTC time", StoreName);
        }

        return new AuditChainAnchor
        {
            Head = new AuditChainHead(reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2)),
            IssuedAt = issued,
            KeyId = reader.IsDBNull(4) ? null : reader.GetString(4),
            Signature = reader.IsDBNull(5) ? null : reader.GetString(5),
            TimestampToken = reader.IsDBNull(6) ? null : reader.GetString(6),
        };
    }
}
