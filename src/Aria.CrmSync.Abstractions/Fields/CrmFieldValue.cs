using System.Globalization;

namespace Aria.CrmSync.Fields;

/// <summary>
/// A field value in canonical form, so that values that mean the same compare equal whichever CRM (or the lead) they
/// came from: numbers by value (<c>1.50</c> = <c>1.5</c> = <c>1.5E0</c>), amounts together with their currency, dates as
/// calendar dates, instants in UTC to the millisecond, text in Unicode NFC without surrounding white space, multi-select
/// values as a set. Blank (null, empty text, an empty set) is one value per type. Create values with the factory methods
/// or parse them with <see cref="CrmFieldValues"/>.
/// </summary>
public sealed class CrmFieldValue : IEquatable<CrmFieldValue>
{
    private static readonly string[] NoValues = [];

    private readonly decimal _number;
    private readonly DateOnly _date;
    private readonly DateTimeOffset _instant;
    private readonly bool _boolean;
    private readonly string[] _values;

    private CrmFieldValue(CrmFieldType type, string? text, string? currency = null, decimal number = 0, DateOnly date = default, DateTimeOffset instant = default, bool boolean = false, string[]? values = null)
    {
        Type = type;
        Text = text;
        CurrencyCode = currency;
        _number = number;
        _date = date;
        _instant = instant;
        _boolean = boolean;
        _values = values ?? NoValues;
    }

    /// <summary>Gets the type.</summary>
    public CrmFieldType Type { get; }

    /// <summary>Gets whether the value is blank (no value).</summary>
    public bool IsBlank => Text is null;

    /// <summary>
    /// Gets the canonical text, or <see langword="null"/> when blank: numbers invariant without trailing zeros
    /// (<c>1234.5</c>), dates <c>yyyy-MM-dd</c>, instants <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, booleans <c>true</c>/<c>false</c>,
    /// multi-select values sorted (ordinal) and joined with <c>;</c>. An amount's currency is not part of it (see <see cref="CurrencyCode"/>).
    /// </summary>
    public string? Text { get; }

    /// <summary>Gets the ISO 4217 currency of a <see cref="CrmFieldType.Currency"/> value of a multi-currency org or portal, or <see langword="null"/>.</summary>
    public string? CurrencyCode { get; }

    /// <summary>Gets the number of an integer, decimal, currency or percent value (percent in percent units: 12.5 means 12.5 %), or <see langword="null"/>.</summary>
    public decimal? Number => !IsBlank && IsNumeric(Type) ? _number : null;

    /// <summary>Gets the date of a date value, or <see langword="null"/>.</summary>
    public DateOnly? Date => !IsBlank && Type == CrmFieldType.Date ? _date : null;

    /// <summary>Gets the instant (UTC) of a datetime value, or <see langword="null"/>.</summary>
    public DateTimeOffset? DateTime => !IsBlank && Type == CrmFieldType.DateTime ? _instant : null;

    /// <summary>Gets the boolean of a boolean value, or <see langword="null"/>.</summary>
    public bool? Boolean => !IsBlank && Type == CrmFieldType.Boolean ? _boolean : null;

    /// <summary>Gets the values of a multi-select value, sorted ordinal (empty when blank or another type).</summary>
    public IReadOnlyList<string> Values => _values;

    /// <summary>Returns the blank value of <paramref name="type"/>.</summary>
    /// <param name="type">The type.</param>
    /// <returns>The value.</returns>
    public static CrmFieldValue Blank(CrmFieldType type) => new(CheckType(type), null);

    /// <summary>Creates a text, long text or picklist value (NFC, surrounding white space removed; empty is blank).</summary>
    /// <param name="type"><see cref="CrmFieldType.Text"/>, <see cref="CrmFieldType.LongText"/> or <see cref="CrmFieldType.Picklist"/>.</param>
    /// <param name="text">The text.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not textual, or <paramref name="text"/> has a lone surrogate.</exception>
    public static CrmFieldValue FromText(CrmFieldType type, string? text)
    {
        if (type is not (CrmFieldType.Text or CrmFieldType.LongText or CrmFieldType.Picklist))
        {
            throw new ArgumentException($"{type} is not a text type.", nameof(type));
        }

        if (text is not null && !CrmText.IsWellFormed(text))
        {
            throw new ArgumentException("The text has a lone surrogate.", nameof(text));
        }

        var canonical = text is null ? null : CrmText.Canonical(text);
        return new(type, string.IsNullOrEmpty(canonical) ? null : canonical);
    }

    /// <summary>Creates an integer, decimal, currency or percent value (percent in percent units).</summary>
    /// <param name="type">A numeric type.</param>
    /// <param name="number">The number.</param>
    /// <param name="currencyCode">For <see cref="CrmFieldType.Currency"/> in a multi-currency org or portal: the ISO 4217 code (three letters, upper-cased here).</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentException">The type is not numeric, an integer has a fraction, or the currency code is not three ASCII letters or is given for another type.</exception>
    public static CrmFieldValue FromNumber(CrmFieldType type, decimal number, string? currencyCode = null)
    {
        if (!IsNumeric(type))
        {
            throw new ArgumentException($"{type} is not a numeric type.", nameof(type));
        }

        if (type == CrmFieldType.Integer && decimal.Truncate(number) != number)
        {
            throw new ArgumentException("An integer has no fraction.", nameof(number));
        }

        string? currency = null;
        if (currencyCode is not null)
        {
            if (type != CrmFieldType.Currency || currencyCode.Length != 3 || !currencyCode.All(char.IsAsciiLetter))
            {
                throw new ArgumentException(type != CrmFieldType.Currency ? "Only a currency value has a currency code." : "A currency code is three ASCII letters (ISO 4217).", nameof(currencyCode));
            }

            currency = currencyCode.ToUpperInvariant();
        }

        var normalized = number / 1.0000000000000000000000000000m; // drops trailing zeros of the scale
        var text = normalized.ToString(CultureInfo.InvariantCulture);
        if (text == "-0")
        {
            (normalized, text) = (0m, "0");
        }

        return new(type, text, currency, number: normalized);
    }

    /// <summary>Creates a date value.</summary>
    /// <param name="date">The date.</param>
    /// <returns>The value.</returns>
    public static CrmFieldValue FromDate(DateOnly date) => new(CrmFieldType.Date, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), date: date);

    /// <summary>Creates a datetime value: the instant in UTC, truncated to the millisecond (both CRMs keep milliseconds).</summary>
    /// <param name="instant">The instant.</param>
    /// <returns>The value.</returns>
    public static CrmFieldValue FromDateTime(DateTimeOffset instant)
    {
        var utc = instant.ToUniversalTime();
        utc = utc.AddTicks(-(utc.Ticks % TimeSpan.TicksPerMillisecond));
        return new(CrmFieldType.DateTime, utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), instant: utc);
    }

    /// <summary>Creates a boolean value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value.</returns>
    public static CrmFieldValue FromBoolean(bool value) => new(CrmFieldType.Boolean, value ? "true" : "false", boolean: value);

    /// <summary>Creates a multi-select value: a set (order and duplicates ignored; each value NFC without surrounding white space; empty values dropped).</summary>
    /// <param name="values">The values.</param>
    /// <returns>The value; blank when no value is left.</returns>
    /// <exception cref="ArgumentException">A value contains <c>;</c> (the separator in both CRMs) or a lone surrogate.</exception>
    public static CrmFieldValue FromValues(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            ArgumentNullException.ThrowIfNull(value, nameof(values));
            if (value.Contains(';', StringComparison.Ordinal) || !CrmText.IsWellFormed(value))
            {
                throw new ArgumentException("A multi-select value cannot contain ';' or a lone surrogate.", nameof(values));
            }

            var canonical = CrmText.Canonical(value);
            if (canonical.Length > 0)
            {
                set.Add(canonical);
            }
        }

        return set.Count == 0 ? Blank(CrmFieldType.MultiPicklist) : new(CrmFieldType.MultiPicklist, string.Join(';', set), values: [.. set]);
    }

    /// <inheritdoc/>
    public bool Equals(CrmFieldValue? other)
        => other is not null && Type == other.Type && string.Equals(Text, other.Text, StringComparison.Ordinal) && string.Equals(CurrencyCode, other.CurrencyCode, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as CrmFieldValue);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, Text, CurrencyCode);

    /// <summary>Returns the canonical text (with the currency code after an amount, <c>1500 EUR</c>), or an empty string when blank.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => CurrencyCode is null ? Text ?? string.Empty : $"{Text} {CurrencyCode}";

    internal static bool IsNumeric(CrmFieldType type) => type is CrmFieldType.Integer or CrmFieldType.Decimal or CrmFieldType.Currency or CrmFieldType.Percent;

    private static CrmFieldType CheckType(CrmFieldType type)
        => Enum.IsDefined(type) ? type : throw new ArgumentOutOfRangeException(nameof(type), type, "Not a field type.");
}
