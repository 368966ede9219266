using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Aria.CrmSync.Storage.PostgreSql;

/// <summary>Validates <see cref="PostgreSqlStoreOptions"/> at start-up.</summary>
internal sealed partial class PostgreSqlStoreOptionsValidator : IValidateOptions<PostgreSqlStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgreSqlStoreOptions options)
        => Check(options) is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;

    /// <summary>Returns what is wrong with <paramref name="options"/>, or <see langword="null"/>.</summary>
    public static string? Check(PostgreSqlStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return "PostgreSqlStoreOptions.ConnectionString is required, for example 'Host=localhost;Username=aria;Password=...;Database=aria'.";
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            return $"PostgreSqlStoreOptions.ConnectionString is not a valid Npgsql connection string: {ex.Message}";
        }

        if (options.MigrationConnectionString is { } migration)
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(migration);
            }
            catch (ArgumentException ex)
            {
                return $"PostgreSqlStoreOptions.MigrationConnectionString is not a valid Npgsql connection string: {ex.Message}";
            }
        }

        if (options.RuntimeRole is { } role && !RuntimeRoleName().IsMatch(role))
        {
            return $"PostgreSqlStoreOptions.RuntimeRole '{role}' must be a plain identifier of at most 50 characters.";
        }

        if (options.AnchorWriterRole is { } writer
            && (!RuntimeRoleName().IsMatch(writer) || string.Equals(writer, options.RuntimeRole, StringComparison.Ordinal)))
        {
            return $"PostgreSqlStoreOptions.AnchorWriterRole '{writer}' must be a plain identifier of at most 50 characters, and not the runtime role.";
        }

        return options.Schema is null || !SchemaName().IsMatch(options.Schema)
            ? $"PostgreSqlStoreOptions.Schema '{options.Schema}' must be a plain identifier: a letter or underscore, then letters, digits or underscores (at most 63)."
            : null;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,49}$", RegexOptions.CultureInvariant)]
    private static partial Regex RuntimeRoleName();
}
