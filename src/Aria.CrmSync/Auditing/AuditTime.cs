using System.Globalization;

namespace Aria.CrmSync.Auditing;

/// <summary>Audit timestamps: UTC, microsecond precision (what PostgreSQL <c>timestamptz</c> keeps), one text form.</summary>
internal static class AuditTime
{
    public static DateTimeOffset Normalize(DateTimeOffset value)
    {
        var utc = value.UtcTicks;
        return new DateTimeOffset(utc - (utc % 10), TimeSpan.Zero);
    }

    public static string Format(DateTimeOffset value)
        => Normalize(value).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
