using System.Data.Common;
using System.Globalization;

namespace Aria.CrmSync.Storage.Sqlite;

/// <summary>
/// SQLite representations: times as fixed-width UTC text (<c>yyyy-MM-ddTHH:mm:ss.fffffffZ</c>: exact to the tick, and
/// text order is time order, so range filters and sorts work on the text), decimals as invariant text (exact, scale
/// kept), dates as <c>yyyy-MM-dd</c>, JSON as text.
/// </summary>
internal sealed class SqliteDialect : StoreDialect
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static SqliteDialect Instance { get; } = new();

    public static string FormatTime(DateTimeOffset value) => value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public override void AddTime(DbCommand command, string name, DateTimeOffset? value) => Add(command, name, value is { } v ? FormatTime(v) : null);

    public override void AddDecimal(DbCommand command, string name, decimal? value) => Add(command, name, value?.ToString(CultureInfo.InvariantCulture));

    public override void AddDate(DbCommand command, string name, DateOnly? value) => Add(command, name, value?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

    public override void AddJson(DbCommand command, string name, string json) => Add(command, name, json);

    public override string AnyOf(DbCommand command, string column, string name, IEnumerable<string> values)
    {
        Add(command, name, Serialization.CrmSyncJson.Serialize(values));
        return $"{column} IN (SELECT value FROM json_each({name}))";
    }

    public override DateTimeOffset GetTime(DbDataReader reader, int ordinal)
        => DateTimeOffset.ParseExact(reader.GetString(ordinal), TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public override decimal GetDecimal(DbDataReader reader, int ordinal)
        => decimal.Parse(reader.GetString(ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);

    public override DateOnly GetDate(DbDataReader reader, int ordinal)
        => DateOnly.ParseExact(reader.GetString(ordinal), "yyyy-MM-dd", CultureInfo.InvariantCulture);
}
