using System.Globalization;

namespace Aria.CrmSync.Serialization;

/// <summary>
/// The canonical text form of synced field values, so that values read from different systems compare equal
/// when they mean the same thing (<c>250000</c>, <c>250000.00</c> and <c>2.5E5</c> are all <c>250000</c>).
/// </summary>
public static class CanonicalValue
{
    /// <summary>Formats a decimal without trailing zeros, invariant culture.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The canonical text.</returns>
    public static string FromDecimal(decimal value)
    {
        var text = value.ToString("0.############################", CultureInfo.InvariantCulture);
        return text == "-0" ? "0" : text;
    }

    /// <summary>Formats a nullable decimal; <see langword="null"/> stays <see langword="null"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The canonical text, or <see langword="null"/>.</returns>
    public static string? FromDecimal(decimal? value) => value is { } v ? FromDecimal(v) : null;

    /// <summary>Formats a date as ISO-8601 <c>yyyy-MM-dd</c>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The canonical text, or <see langword="null"/>.</returns>
    public static string? FromDate(DateOnly? value) => value?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Parses a canonical decimal.</summary>
    /// <param name="value">The text.</param>
    /// <returns>The value, or <see langword="null"/> for null or empty text.</returns>
    /// <exception cref="FormatException">The text is not a number.</exception>
    public static decimal? ToDecimal(string? value)
        => string.IsNullOrEmpty(value)
            ? null
            : decimal.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Parses a canonical date (accepts a full ISO-8601 timestamp and keeps its date part).</summary>
    /// <param name="value">The text.</param>
    /// <returns>The value, or <see langword="null"/> for null or empty text.</returns>
    /// <exception cref="FormatException">The text is not a date.</exception>
    public static DateOnly? ToDate(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        return DateOnly.FromDateTime(DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcDateTime);
    }

    /// <summary>Normalizes a decimal-looking text to its canonical form; other text is returned unchanged.</summary>
    /// <param name="value">The text.</param>
    /// <returns>The canonical text.</returns>
    public static string? NormalizeNumber(string? value)
        => value is not null && decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? FromDecimal(d)
            : value;
}
