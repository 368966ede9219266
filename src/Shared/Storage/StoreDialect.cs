using System.Data.Common;

namespace Aria.CrmSync.Storage;

/// <summary>
/// How one database represents the models' values (times, decimals, dates, JSON). The record mappers in
/// <see cref="StoredRecords"/> bind and read through it, so the SQLite and PostgreSQL stores share one mapping.
/// </summary>
/// <remarks>Shared source: compiled into each store package.</remarks>
internal abstract class StoreDialect
{
    /// <summary>Adds a parameter whose database type follows from its CLR value; <see langword="null"/> becomes SQL NULL.</summary>
    public static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    public abstract void AddTime(DbCommand command, string name, DateTimeOffset? value);

    public abstract void AddDecimal(DbCommand command, string name, decimal? value);

    public abstract void AddDate(DbCommand command, string name, DateOnly? value);

    public abstract void AddJson(DbCommand command, string name, string json);

    /// <summary>Binds <paramref name="values"/> as one parameter and returns a condition true when <paramref name="column"/> is one of them.</summary>
    public abstract string AnyOf(DbCommand command, string column, string name, IEnumerable<string> values);

    public abstract DateTimeOffset GetTime(DbDataReader reader, int ordinal);

    public abstract decimal GetDecimal(DbDataReader reader, int ordinal);

    public abstract DateOnly GetDate(DbDataReader reader, int ordinal);
}
