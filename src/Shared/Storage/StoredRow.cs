using System.Data.Common;
using System.Text.Json;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Storage;

/// <summary>
/// Reads the columns of one stored row. A value that cannot be read (corrupt JSON, an unknown enum value, a malformed
/// time or number, an unexpected NULL) becomes a <see cref="CrmSyncDataException"/> naming the table, the row id and
/// the column, never a crash with a bare <see cref="JsonException"/> or <see cref="FormatException"/>.
/// </summary>
internal readonly struct StoredRow
{
    private readonly DbDataReader _reader;
    private readonly StoreDialect _dialect;

    public StoredRow(DbDataReader reader, StoreDialect dialect, string table, string rowId)
    {
        _reader = reader;
        _dialect = dialect;
        Table = table;
        RowId = rowId;
    }

    public string Table { get; }

    public string RowId { get; }

    /// <summary>Starts reading a row whose id is the text in column <paramref name="idOrdinal"/>.</summary>
    public static StoredRow Of(DbDataReader reader, StoreDialect dialect, string table, int idOrdinal = 0)
        => new(reader, dialect, table, reader.IsDBNull(idOrdinal) ? "(null)" : Convert.ToString(reader.GetValue(idOrdinal), System.Globalization.CultureInfo.InvariantCulture) ?? "(null)");

    public string Text(int ordinal)
    {
        RequireValue(ordinal);
        return Read(ordinal, static (r, _, i) => r.GetString(i));
    }

    public string? NullableText(int ordinal) => _reader.IsDBNull(ordinal) ? null : Text(ordinal);

    public long Int64(int ordinal)
    {
        RequireValue(ordinal);
        return Read(ordinal, static (r, _, i) => r.GetInt64(i));
    }

    public int? NullableInt32(int ordinal) => _reader.IsDBNull(ordinal) ? null : Read(ordinal, static (r, _, i) => r.GetInt32(i));

    public bool Boolean(int ordinal)
    {
        RequireValue(ordinal);
        return Read(ordinal, static (r, _, i) => r.GetBoolean(i));
    }

    public DateTimeOffset Time(int ordinal)
    {
        RequireValue(ordinal);
        return Read(ordinal, static (r, d, i) => d.GetTime(r, i));
    }

    public DateTimeOffset? NullableTime(int ordinal) => _reader.IsDBNull(ordinal) ? null : Time(ordinal);

    public decimal? NullableDecimal(int ordinal) => _reader.IsDBNull(ordinal) ? null : Read(ordinal, static (r, d, i) => d.GetDecimal(r, i));

    public DateOnly? NullableDate(int ordinal) => _reader.IsDBNull(ordinal) ? null : Read(ordinal, static (r, d, i) => d.GetDate(r, i));

    public TEnum Enum<TEnum>(int ordinal)
        where TEnum : struct, Enum
    {
        var text = Text(ordinal);
        return WireValue.TryParse<TEnum>(text, out var value)
            ? value
            : throw Invalid(ordinal, $"holds '{text}', which is not a {typeof(TEnum).Name} (expected one of: {string.Join(", ", WireValue.All<TEnum>())})", null);
    }

    public TEnum? NullableEnum<TEnum>(int ordinal)
        where TEnum : struct, Enum
        => _reader.IsDBNull(ordinal) ? null : Enum<TEnum>(ordinal);

    /// <summary>Reads a CRM provider's wire value, known or not (see <see cref="CrmProvider"/>).</summary>
    public CrmProvider Provider(int ordinal)
    {
        var text = Text(ordinal);
        return CrmProvider.TryParse(text, out var value)
            ? value
            : throw Invalid(ordinal, $"holds '{text}', which is not a valid CrmProvider wire value", null);
    }

    public CrmProvider? NullableProvider(int ordinal) => _reader.IsDBNull(ordinal) ? null : Provider(ordinal);

    /// <summary>Reads a JSON array of models; a SQL NULL is an empty list.</summary>
    public IReadOnlyList<T> JsonList<T>(int ordinal)
        where T : class
    {
        var list = Json<List<T>>(ordinal) ?? [];
        return list.Contains(null!)
            ? throw Invalid(ordinal, $"holds a JSON array with a null {typeof(T).Name}", null)
            : list;
    }

    /// <summary>Reads a JSON object of text values; a SQL NULL is an empty dictionary.</summary>
    public IReadOnlyDictionary<string, string?> JsonDictionary(int ordinal)
        => Json<IReadOnlyDictionary<string, string?>>(ordinal) ?? new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>Reads any JSON value as an element; a SQL NULL is <paramref name="whenNull"/>.</summary>
    public JsonElement JsonElement(int ordinal, JsonElement whenNull)
    {
        if (_reader.IsDBNull(ordinal))
        {
            return whenNull;
        }

        var text = Text(ordinal);
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw Invalid(ordinal, "holds invalid JSON", ex);
        }
    }

    private T? Json<T>(int ordinal)
        where T : class
    {
        if (_reader.IsDBNull(ordinal))
        {
            return null;
        }

        var text = Text(ordinal);
        try
        {
            return CrmSyncJson.Deserialize<T>(text);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw Invalid(ordinal, "holds JSON that cannot be read", ex);
        }
    }

    private void RequireValue(int ordinal)
    {
        if (_reader.IsDBNull(ordinal))
        {
            throw Invalid(ordinal, "is NULL", null);
        }
    }

    private T Read<T>(int ordinal, Func<DbDataReader, StoreDialect, int, T> read)
    {
        try
        {
            return read(_reader, _dialect, ordinal);
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException or ArgumentException)
        {
            throw Invalid(ordinal, $"holds a value that cannot be read ({ex.Message})", ex);
        }
    }

    private CrmSyncDataException Invalid(int ordinal, string problem, Exception? innerException)
        => new($"Column '{_reader.GetName(ordinal)}' {problem}", $"{Table} row '{RowId}'", provider: null, innerException);
}
