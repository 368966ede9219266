namespace Aria.CrmSync;

/// <summary>Options of the SQLite stores chosen with <c>UseSqliteStores(...)</c>.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Gets or sets the connection string, for example <c>Data Source=crm-sync.db</c>.</summary>
    /// <remarks>
    /// The file is created when missing. In-memory databases (<c>:memory:</c>, <c>Mode=Memory</c>) are rejected: use
    /// <c>UseInMemoryStores()</c> for process-local state. Pooling stays on (the Microsoft.Data.Sqlite default).
    /// </remarks>
    /// <value>The default value is <see langword="null"/>; a value is required.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets how long an operation waits for another process's lock on the file before it fails.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
