using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Storage.Sqlite;

/// <summary>Validates <see cref="SqliteStoreOptions"/> at start-up.</summary>
internal sealed class SqliteStoreOptionsValidator : IValidateOptions<SqliteStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteStoreOptions options)
        => Check(options) is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;

    /// <summary>Returns what is wrong with <paramref name="options"/>, or <see langword="null"/>.</summary>
    public static string? Check(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return "SqliteStoreOptions.ConnectionString is required, for example 'Data Source=crm-sync.db'.";
        }

        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            return $"SqliteStoreOptions.ConnectionString is not a valid SQLite connection string: {ex.Message}";
        }

        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            return "SqliteStoreOptions.ConnectionString must name a database file (Data Source=...).";
        }

        if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource.Trim() == ":memory:")
        {
            return "SqliteStoreOptions.ConnectionString names an in-memory database, which is lost when its connections close; use a file, or UseInMemoryStores().";
        }

        if (builder.Mode == SqliteOpenMode.ReadOnly)
        {
            return "SqliteStoreOptions.ConnectionString opens the database read-only; the stores write.";
        }

        return options.BusyTimeout <= TimeSpan.Zero || options.BusyTimeout.TotalMilliseconds > int.MaxValue
            ? "SqliteStoreOptions.BusyTimeout must be positive and at most 24 days."
            : null;
    }
}
