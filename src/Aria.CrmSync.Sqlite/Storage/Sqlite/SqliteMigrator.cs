using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Aria.CrmSync.Storage.Sqlite;

/// <summary>
/// Applies the embedded <c>Migrations/NNNN_*.sql</c> scripts that a database lacks, in order, inside one
/// <c>BEGIN IMMEDIATE</c> transaction (so concurrent migrators, in this process or others, apply each script once),
/// recording each in <c>crm_sync_migrations</c>. Running it again changes nothing.
/// </summary>
internal static class SqliteMigrator
{
    public static IReadOnlyList<MigrationScript> Scripts { get; } = MigrationScript.Load(typeof(SqliteMigrator).Assembly, "Aria.CrmSync.Sqlite.Migrations.");

    /// <summary>Applies the missing scripts, up to <paramref name="upToVersion"/> when given (a database as an older release left it, for the migration tests).</summary>
    public static void Migrate(SqliteConnection connection, int? upToVersion = null)
    {
        // WAL is a property of the file: set once, kept by every later connection. It cannot change inside a transaction.
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            var mode = Convert.ToString(wal.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite database '{connection.DataSource}' could not switch to WAL mode (journal mode is '{mode}'); use a local file system.");
            }
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, transaction, $"CREATE TABLE IF NOT EXISTS {StoredRecords.MigrationTable} (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))) STRICT;");

        var applied = new HashSet<long>();
        using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = $"SELECT version FROM {StoredRecords.MigrationTable};";
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                applied.Add(reader.GetInt64(0));
            }
        }

        var latest = Scripts[^1].Version;
        if (applied.Count > 0 && applied.Max() > latest)
        {
            throw new InvalidOperationException($"SQLite database '{connection.DataSource}' has schema version {applied.Max()}, newer than this version of Aria.CrmSync.Sqlite knows ({latest}); upgrade the package.");
        }

        foreach (var script in Scripts)
        {
            if (applied.Contains(script.Version) || script.Version > upToVersion)
            {
                continue;
            }

            Execute(connection, transaction, script.Sql);
            using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = $"INSERT INTO {StoredRecords.MigrationTable} (version, name) VALUES (@version, @name);";
            record.Parameters.AddWithValue("@version", script.Version);
            record.Parameters.AddWithValue("@name", script.Name);
            record.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
