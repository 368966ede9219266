using System.Data.Common;

namespace Aria.CrmSync.Storage.PostgreSql;

/// <summary><see cref="ICrmConnectionRegistry"/> on PostgreSQL (table <c>crm_sync_connections</c>, migration 0002).</summary>
internal sealed class PostgreSqlConnectionRegistry(PostgreSqlDatabase database, TimeProvider time)
    : StoredConnectionRegistry($"{database.QuotedSchema}.{TableName}", PostgreSqlDialect.Instance, time)
{
    protected override string OrdinalCollation => "COLLATE \"C\"";

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
