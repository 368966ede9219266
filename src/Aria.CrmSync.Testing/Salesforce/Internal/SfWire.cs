using System.Globalization;
using System.Text.RegularExpressions;

namespace Aria.CrmSync.Testing.Salesforce;

/// <summary>Salesforce wire formats of dates and date-times.</summary>
internal static class SfWire
{
    private static readonly string[] DateTimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:sszzz",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss",
    ];

    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

    private static readonly Dictionary<string, int> Zones = new(StringComparer.OrdinalIgnoreCase)
    {
        ["GMT"] = 0,
        ["UT"] = 0,
        ["UTC"] = 0,
        ["Z"] = 0,
        ["EST"] = -5,
        ["EDT"] = -4,
        ["CST"] = -6,
        ["CDT"] = -5,
        ["MST"] = -7,
        ["MDT"] = -6,
        ["PST"] = -8,
        ["PDT"] = -7,
    };

    /// <summary><c>[EEE, ]dd MMM yyyy HH:mm:ss z</c> (RFC 1123) or <c>EEEE, dd-MMM-yy HH:mm:ss z</c> (RFC 850).</summary>
    private static readonly Regex HttpDate = new(
        @"^(?:[A-Za-z]{3,9},\s*)?(?<day>\d{1,2})[ -](?<month>[A-Za-z]{3})[ -](?<year>\d{4}|\d{2})\s+(?<hour>\d{1,2}):(?<minute>\d{2}):(?<second>\d{2})\s+(?<zone>[A-Za-z]{1,3}|[+-]\d{4})$",
        RegexOptions.CultureInvariant,
        TimeSpan.FromSeconds(1));

    /// <summary>Formats a date-time as Salesforce does: <c>2013-04-04T20:52:22.000+0000</c>.</summary>
    public static string FormatDateTime(DateTimeOffset value)
        => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture) + "+0000";

    /// <summary>Formats a date: <c>2010-01-01</c>.</summary>
    public static string FormatDate(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Formats an HTTP date (RFC 1123).</summary>
    public static string FormatHttpDate(DateTimeOffset value) => value.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);

    /// <summary>Truncates a time to milliseconds (Salesforce's precision).</summary>
    public static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    /// <summary>Truncates a time to whole seconds.</summary>
    public static DateTimeOffset TruncateToSeconds(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    /// <summary>Floors a time to a multiple of <paramref name="resolution"/> (at least one second) since the Unix epoch.</summary>
    public static DateTimeOffset Floor(DateTimeOffset value, TimeSpan resolution)
    {
        var ticks = Math.Max(resolution.Ticks, TimeSpan.TicksPerSecond);
        var utc = value.ToUniversalTime().Ticks - DateTimeOffset.UnixEpoch.Ticks;
        return new DateTimeOffset(DateTimeOffset.UnixEpoch.Ticks + (utc - (((utc % ticks) + ticks) % ticks)), TimeSpan.Zero);
    }

    /// <summary>Truncates a time to whole minutes.</summary>
    public static DateTimeOffset TruncateToMinutes(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
    }

    /// <summary>Parses an ISO-8601 date-time as accepted in JSON bodies and URL parameters (offsets with or without a colon).</summary>
    public static bool TryParseDateTime(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();

        // "+0000" style offsets: insert the colon .NET expects.
        if (s.Length > 5 && (s[^5] == '+' || s[^5] == '-') && char.IsAsciiDigit(s[^4]) && s[^3] != ':' && s.IndexOf('T', StringComparison.Ordinal) > 0)
        {
            s = s[..^2] + ":" + s[^2..];
        }

        if (DateTimeOffset.TryParseExact(s, DateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value))
        {
            value = TruncateToMilliseconds(value);
            return true;
        }

        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            value = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return true;
        }

        return false;
    }

    /// <summary>Parses a date (<c>yyyy-MM-dd</c>, or the date part of a date-time).</summary>
    public static bool TryParseDate(string? text, out DateOnly value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
        {
            return true;
        }

        if (s.Length > 10 && s[10] == 'T' && TryParseDateTime(s, out _))
        {
            return DateOnly.TryParseExact(s[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
        }

        return false;
    }

    /// <summary>
    /// Parses a date of a conditional request header. Salesforce documents the format <c>EEE, dd MMM yyyy HH:mm:ss z</c>
    /// (its examples: <c>Tue, 10 Aug 2015 00:00:00 GMT</c>, <c>Mon, 30 Nov 2020 08:34:54 MST</c>): besides GMT, a zone
    /// abbreviation (RFC 822: UT, UTC, EST/EDT, CST/CDT, MST/MDT, PST/PDT) or a numeric offset (<c>-0700</c>) is accepted,
    /// and, as with Java's lenient date parsing, a weekday that does not match the date is ignored (the date wins).
    /// RFC 850 and asctime dates are accepted too.
    /// </summary>
    public static bool TryParseHttpDate(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var match = HttpDate.Match(text.Trim());
        if (!match.Success)
        {
            return DateTimeOffset.TryParseExact(text.Trim(), "ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
        }

        var month = Array.IndexOf(Months, match.Groups["month"].Value.ToUpperInvariant()) + 1;
        var year = int.Parse(match.Groups["year"].Value, CultureInfo.InvariantCulture);
        year = match.Groups["year"].Value.Length == 2 ? year + (year < 70 ? 2000 : 1900) : year;
        var zone = match.Groups["zone"].Value;
        TimeSpan offset;
        if (zone[0] is '+' or '-')
        {
            var minutes = (int.Parse(zone.AsSpan(1, 2), CultureInfo.InvariantCulture) * 60) + int.Parse(zone.AsSpan(3, 2), CultureInfo.InvariantCulture);
            offset = TimeSpan.FromMinutes(zone[0] == '-' ? -minutes : minutes);
        }
        else if (Zones.TryGetValue(zone, out var hours))
        {
            offset = TimeSpan.FromHours(hours);
        }
        else
        {
            return false;
        }

        var day = int.Parse(match.Groups["day"].Value, CultureInfo.InvariantCulture);
        var hour = int.Parse(match.Groups["hour"].Value, CultureInfo.InvariantCulture);
        var minute = int.Parse(match.Groups["minute"].Value, CultureInfo.InvariantCulture);
        var second = int.Parse(match.Groups["second"].Value, CultureInfo.InvariantCulture);
        if (year < 1 || month < 1 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(year, month, day, hour, minute, second, offset).ToUniversalTime();
        return true;
    }
}
