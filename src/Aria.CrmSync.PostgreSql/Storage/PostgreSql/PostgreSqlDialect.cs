using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Aria.CrmSync.Storage.PostgreSql;

/// <summary>PostgreSQL representations: <c>timestamptz</c> (microseconds, UTC), <c>numeric</c> (exact), <c>date</c>, <c>jsonb</c>.</summary>
internal sealed class PostgreSqlDialect : StoreDialect
{
    public static PostgreSqlDialect Instance { get; } = new();

    public static void Add(DbCommand command, string name, NpgsqlDbType type, object? value)
        => ((NpgsqlCommand)command).Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });

    public override void AddTime(DbCommand command, string name, DateTimeOffset? value) => Add(command, name, NpgsqlDbType.TimestampTz, value?.ToUniversalTime());

    public override void AddDecimal(DbCommand command, string name, decimal? value) => Add(command, name, NpgsqlDbType.Numeric, value);

    public override void AddDate(DbCommand command, string name, DateOnly? value) => Add(command, name, NpgsqlDbType.Date, value);

    public override void AddJson(DbCommand command, string name, string json) => Add(command, name, NpgsqlDbType.Jsonb, json);

    public override string AnyOf(DbCommand command, string column, string name, IEnumerable<string> values)
    {
        Add(command, name, NpgsqlDbType.Array | NpgsqlDbType.Text, values.ToArray());
        return $"{column} = ANY({name})";
    }

    public override DateTimeOffset GetTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public override decimal GetDecimal(DbDataReader reader, int ordinal) => reader.GetDecimal(ordinal);

    public override DateOnly GetDate(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateOnly>(ordinal);
}
