using Aria.CrmSync.Storage.Sqlite;

namespace Aria.CrmSync.Storage.Tests.Sqlite;

/// <summary>A temporary database file for one test; deleted (with its WAL and shared-memory files) on dispose.</summary>
public sealed class SqliteTestFile : IDisposable
{
    private readonly List<SqliteDatabase> _databases = [];

    public SqliteTestFile()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"aria-crmsync-{Guid.NewGuid():N}.db");
    }

    public string Path { get; }

    public string ConnectionString => $"Data Source={Path}";

    /// <summary>Opens the file with a new database object (as a new process would), disposed with this file.</summary>
    internal SqliteDatabase Open()
    {
        var database = new SqliteDatabase(new SqliteStoreOptions { ConnectionString = ConnectionString });
        lock (_databases)
        {
            _databases.Add(database);
        }

        return database;
    }

    /// <summary>
    /// Migrates the file to the package's latest schema (or to <paramref name="upToVersion"/>, as an older release left it),
    /// then runs <paramref name="sql"/> (e.g. to roll a migration back as an older release left it, or to add rows).
    /// </summary>
    public void MigrateThenExecute(string sql, int? upToVersion = null)
    {
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString))
        {
            connection.Open();
            SqliteMigrator.Migrate(connection, upToVersion);
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public void Dispose()
    {
        foreach (var database in _databases)
        {
            database.Dispose();
        }

        foreach (var suffix in new[] { string.Empty, "-wal", "-shm", "-journal" })
        {
            File.Delete(Path + suffix);
        }
    }
}
