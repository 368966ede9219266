using System.Data.Common;

namespace Aria.CrmSync.Storage.PostgreSql;

/// <summary>
/// <see cref="ICrmConnectionRegistry"/> and <see cref="ICrmConnectionScheduler"/> on PostgreSQL (table
/// <c>crm_sync_connections</c>, migrations 0002 and 0006).
/// </summary>
internal sealed class PostgreSqlConnectionRegistry(PostgreSqlDatabase database, TimeProvider time)
    : StoredConnectionRegistry($"{database.QuotedSchema}.{TableName}", PostgreSqlDialect.Instance, time)
{
    protected override string OrdinalCollation => "COLLATE \"C\"";

    // Rows another process is renewing or completing right now are skipped, never waited for.
    // https://www.postgresql.org/docs/15/sql-select.html#SQL-FOR-UPDATE-SHARE
    protected override string ClaimLockClause => "FOR UPDATE SKIP LOCKED";

    protected override async ValueTask<List<CrmConnectionLease>> WriteQueryAsync(string sql, Action<DbCommand> bind, bool serialize, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                if (serialize)
                {
                    // One claimer at a time per schema, so the per-tenant cap counts the leases every other claimer
                    // committed (READ COMMITTED: the claim statement's snapshot is taken after the lock is granted).
                    // The lock ends with the transaction. https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS
                    using var lockCommand = connection.CreateCommand();
                    lockCommand.Transaction = transaction;
                    lockCommand.CommandText = "SELECT pg_advisory_xact_lock(hashtext(@key));";
                    lockCommand.Parameters.AddWithValue("@key", "aria.crmsync.claims:" + database.Schema);
                    await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                var leases = new List<CrmConnectionLease>();
                using (var command = connection.CreateCommand())
                {
                    command.Transaction = transaction;
                    command.CommandText = sql;
                    bind(command);
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            leases.Add(ReadLease(reader));
                        }
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return leases;
            }
        }
    }

    protected override async ValueTask<int> ExecuteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            bind(command);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async ValueTask<DbConnection> OpenReadAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken).ConfigureAwait(false);
}
