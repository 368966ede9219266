namespace Aria.CrmSync.Testing.Salesforce.Soql;

/// <summary>Relative date literals (<c>TODAY</c>, <c>LAST_N_DAYS:n</c>…) as half-open UTC ranges.</summary>
internal static class SoqlDates
{
    private static readonly string[] Fixed =
    [
        "YESTERDAY", "TODAY", "TOMORROW", "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK", "LAST_MONTH", "THIS_MONTH", "NEXT_MONTH",
        "LAST_90_DAYS", "NEXT_90_DAYS", "THIS_QUARTER", "LAST_QUARTER", "NEXT_QUARTER", "THIS_YEAR", "LAST_YEAR", "NEXT_YEAR",
    ];

    private static readonly string[] WithN =
    [
        "LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "NEXT_N_WEEKS", "LAST_N_MONTHS", "NEXT_N_MONTHS",
        "LAST_N_QUARTERS", "NEXT_N_QUARTERS", "LAST_N_YEARS", "NEXT_N_YEARS",
    ];

    public static bool IsRange(string name) => Fixed.Contains(name, StringComparer.OrdinalIgnoreCase) || WithN.Contains(name, StringComparer.OrdinalIgnoreCase);

    public static bool TakesN(string name) => WithN.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Returns the range [start, end) of a literal, relative to <paramref name="now"/> (UTC, weeks start on Sunday).</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Range(string name, int? n, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var week = today.AddDays(-(int)today.DayOfWeek);
        var month = new DateOnly(today.Year, today.Month, 1);
        var quarter = new DateOnly(today.Year, (((today.Month - 1) / 3) * 3) + 1, 1);
        var year = new DateOnly(today.Year, 1, 1);
        var k = n ?? 0;
        var (start, end) = name switch
        {
            "YESTERDAY" => (today.AddDays(-1), today),
            "TODAY" => (today, today.AddDays(1)),
            "TOMORROW" => (today.AddDays(1), today.AddDays(2)),
            "LAST_WEEK" => (week.AddDays(-7), week),
            "THIS_WEEK" => (week, week.AddDays(7)),
            "NEXT_WEEK" => (week.AddDays(7), week.AddDays(14)),
            "LAST_MONTH" => (month.AddMonths(-1), month),
            "THIS_MONTH" => (month, month.AddMonths(1)),
            "NEXT_MONTH" => (month.AddMonths(1), month.AddMonths(2)),
            "LAST_90_DAYS" => (today.AddDays(-90), today.AddDays(1)),
            "NEXT_90_DAYS" => (today.AddDays(1), today.AddDays(91)),
            "THIS_QUARTER" => (quarter, quarter.AddMonths(3)),
            "LAST_QUARTER" => (quarter.AddMonths(-3), quarter),
            "NEXT_QUARTER" => (quarter.AddMonths(3), quarter.AddMonths(6)),
            "THIS_YEAR" => (year, year.AddYears(1)),
            "LAST_YEAR" => (year.AddYears(-1), year),
            "NEXT_YEAR" => (year.AddYears(1), year.AddYears(2)),
            "LAST_N_DAYS" => (today.AddDays(-k), today.AddDays(1)),
            "NEXT_N_DAYS" => (today.AddDays(1), today.AddDays(1 + k)),
            "N_DAYS_AGO" => (today.AddDays(-k), today.AddDays(-k + 1)),
            "LAST_N_WEEKS" => (week.AddDays(-7 * k), week),
            "NEXT_N_WEEKS" => (week.AddDays(7), week.AddDays(7 * (k + 1))),
            "LAST_N_MONTHS" => (month.AddMonths(-k), month),
            "NEXT_N_MONTHS" => (month.AddMonths(1), month.AddMonths(1 + k)),
            "LAST_N_QUARTERS" => (quarter.AddMonths(-3 * k), quarter),
            "NEXT_N_QUARTERS" => (quarter.AddMonths(3), quarter.AddMonths(3 * (k + 1))),
            "LAST_N_YEARS" => (year.AddYears(-k), year),
            "NEXT_N_YEARS" => (year.AddYears(1), year.AddYears(1 + k)),
            _ => throw new SoqlException("MALFORMED_QUERY", $"unexpected token: '{name}'"),
        };
        return (Midnight(start), Midnight(end));
    }

    private static DateTimeOffset Midnight(DateOnly date) => new(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
