using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Aria.CrmSync.Storage.Sqlite;

/// <summary>
/// One SQLite database file shared by the SQLite stores: pooled connections, the schema migrated once (on first use or
/// at host start), and an in-process write gate so this process's writers queue in memory instead of polling for
/// SQLite's lock. Writers in other processes are serialised by SQLite itself (<c>BEGIN IMMEDIATE</c> and the busy timeout).
/// </summary>
/// <remarks>
/// Every write is one <c>BEGIN IMMEDIATE</c> transaction on a connection set to <c>synchronous=NORMAL</c> in WAL mode:
/// a committed write survives a crash of the process; a power loss may lose the last commits but never corrupts the file.
/// </remarks>
internal sealed class SqliteDatabase : IDisposable
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _initGate = new();
    private readonly string _connectionPragmas;
    private volatile bool _initialized;

    public SqliteDatabase(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (SqliteStoreOptionsValidator.Check(options) is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }

        var builder = new SqliteConnectionStringBuilder(options.ConnectionString)
        {
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        ConnectionString = builder.ToString();
        _connectionPragmas = string.Create(
            CultureInfo.InvariantCulture,
            $"PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {(int)options.BusyTimeout.TotalMilliseconds};");
    }

    public string ConnectionString { get; }

    /// <summary>Creates or migrates the schema (once per instance; idempotent across instances and processes).</summary>
    public void EnsureInitialized()
    {
        if (_initialized)
        {
            return;
        }

        lock (_initGate)
        {
            if (_initialized)
            {
                return;
            }

            using var connection = OpenConnection();
            SqliteMigrator.Migrate(connection);
            _initialized = true;
        }
    }

    /// <summary>Opens a pooled connection for reading (WAL: readers never wait for writers).</summary>
    public SqliteConnection OpenRead()
    {
        EnsureInitialized();
        return OpenConnection();
    }

    /// <summary>Waits for this process's write gate, then begins an immediate (write-locking) transaction.</summary>
    public async ValueTask<SqliteWrite> BeginWriteAsync(CancellationToken cancellationToken)
    {
        EnsureInitialized();
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        SqliteConnection? connection = null;
        try
        {
            connection = OpenConnection();
            var transaction = connection.BeginTransaction(deferred: false);
            return new SqliteWrite(connection, transaction, _writeGate);
        }
        catch
        {
            connection?.Dispose();
            _writeGate.Release();
            throw;
        }
    }

    public void Dispose()
    {
        // Close this file's pooled connections, so the last close checkpoints the WAL and the file can be moved or deleted.
        using (var connection = new SqliteConnection(ConnectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        _writeGate.Dispose();
    }

    private SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = _connectionPragmas;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}

/// <summary>An open write transaction holding the database's write gate; disposing it without <see cref="Commit"/> rolls back.</summary>
internal sealed class SqliteWrite(SqliteConnection connection, SqliteTransaction transaction, SemaphoreSlim gate) : IDisposable
{
    public SqliteCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    public void Commit() => transaction.Commit();

    public void Dispose()
    {
        try
        {
            transaction.Dispose();
            connection.Dispose();
        }
        finally
        {
            gate.Release();
        }
    }
}
