using System.Data.Common;

namespace Aria.CrmSync.Storage.Sqlite;

/// <summary>
/// <see cref="ICrmConnectionRegistry"/> and <see cref="ICrmConnectionScheduler"/> on SQLite (table
/// <c>crm_sync_connections</c>, migrations 0002 and 0005). Scheduling serves one host process: every claim runs in the
/// database's immediate write transaction.
/// </summary>
internal sealed class SqliteConnectionRegistry(SqliteDatabase database, TimeProvider time)
    : StoredConnectionRegistry(TableName, SqliteDialect.Instance, time)
{
    protected override string OrdinalCollation => string.Empty; // SQLite's default BINARY collation

    protected override string ClaimLockClause => string.Empty; // the write transaction is exclusive already

    protected override async ValueTask<List<CrmConnectionLease>> WriteQueryAsync(string sql, Action<DbCommand> bind, bool serialize, CancellationToken cancellationToken)
    {
        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        using var command = write.Command(sql);
        bind(command);
        var leases = new List<CrmConnectionLease>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                leases.Add(ReadLease(reader));
            }
        }

        write.Commit();
        return leases;
    }

    protected override async ValueTask<int> ExecuteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        using var write = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        using var command = write.Command(sql);
        bind(command);
        var changed = command.ExecuteNonQuery();
        write.Commit();
        return changed;
    }

    protected override ValueTask<DbConnection> OpenReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult<DbConnection>(database.OpenRead());
}
