using System.Data.Common;

namespace Aria.CrmSync.Storage.Sqlite;

/// <summary><see cref="ICrmConnectionRegistry"/> on SQLite (table <c>crm_sync_connections</c>, migration 0002).</summary>
internal sealed class SqliteConnectionRegistry(SqliteDatabase database, TimeProvider time)
    : StoredConnectionRegistry(TableName, SqliteDialect.Instance, time)
{
    protected override string OrdinalCollation => string.Empty; // SQLite's default BINARY collation

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
