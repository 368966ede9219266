using Aria.CrmSync.Storage;

namespace Aria.CrmSync.Sync;

/// <summary>
/// The ranges of values both CRMs accept, applied to what the engine reads from a CRM and to what it would write to one.
/// A value outside them is refused with a typed error for that lead (or that activity), never synced as agreed.
/// </summary>
/// <remarks>
/// Dates: Salesforce accepts 1700-01-01 to 4000-12-31
/// (https://developer.salesforce.com/docs/atlas.en-us.dataLoader.meta/dataLoader/data_loader_dates.htm); HubSpot dates
/// are UTC midnights in the same range here. Amounts: Salesforce number and currency fields hold at most 18 digits
/// (help article 000386249), and the standard Opportunity <c>Amount</c> is currency(16, 2); HubSpot numbers are IEEE
/// doubles, exact to 15 digits. So an amount must have at most 16 digits before the point and 18 in all. Text: a HubSpot
/// text property holds at most 65,536 characters and a Salesforce long text area 131,072; an activity's text longer than
/// <see cref="MaxCrmTextLength"/> is not imported.
/// </remarks>
internal static class CrmValueRules
{
    public const int MaxCrmTextLength = 131_072;

    public static readonly DateOnly MinDate = new(1700, 1, 1);

    public static readonly DateOnly MaxDate = new(4000, 12, 31);

    private const decimal MaxAmountExclusive = 10_000_000_000_000_000m; // 10^16: 16 digits before the point

    private const int MaxAmountDigits = 18;

    /// <summary>Why <paramref name="amount"/> is outside what the CRMs accept, or <see langword="null"/>.</summary>
    public static string? AmountProblem(decimal? amount)
    {
        if (amount is not { } value)
        {
            return null;
        }

        if (Math.Abs(value) >= MaxAmountExclusive)
        {
            return $"amount {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} has more than 16 digits before the decimal point";
        }

        var normalized = value / 1.0000000000000000000000000000m; // strips trailing zeros of the scale
        var digits = normalized.ToString(System.Globalization.CultureInfo.InvariantCulture).Count(char.IsAsciiDigit);
        var integerZero = Math.Truncate(normalized) == 0 ? 1 : 0; // "0.5" counts the leading 0, which is not a significant digit
        return digits - integerZero > MaxAmountDigits
            ? $"amount {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} has more than {MaxAmountDigits} digits"
            : null;
    }

    /// <summary>Why <paramref name="date"/> is outside what the CRMs accept, or <see langword="null"/>.</summary>
    public static string? DateProblem(DateOnly? date)
        => date is { } d && (d < MinDate || d > MaxDate)
            ? $"date {d:yyyy-MM-dd} is outside {MinDate:yyyy-MM-dd}..{MaxDate:yyyy-MM-dd}"
            : null;

    /// <summary>Why a record read from a CRM cannot be synced, or <see langword="null"/>.</summary>
    public static string? RecordProblem(CrmRecord record)
        => StorableText.IdProblem(record.CrmId) is { } id ? $"CRM id {id}"
            : AmountProblem(record.Amount) ?? DateProblem(record.CloseDate)
            ?? (record.Stage is { } stage && StorableText.TextProblem(stage, StorableText.MaxIdLength) is { } s ? $"stage {s}" : null);

    /// <summary>Why a lead's synced values cannot be written to a CRM, or <see langword="null"/>.</summary>
    public static (string Field, string Problem)? LeadProblem(LeadMemory lead)
        => AmountProblem(lead.ExpectedValue) is { } amount ? (nameof(LeadMemory.ExpectedValue), amount)
            : DateProblem(lead.ExpectedCloseDate) is { } date ? (nameof(LeadMemory.ExpectedCloseDate), date)
            : null;

    /// <summary>Why an activity read from a CRM cannot be imported as a lead event, or <see langword="null"/>.</summary>
    public static string? ActivityProblem(CrmActivity activity)
    {
        if (StorableText.IdProblem(activity.ExternalId) is { } id)
        {
            return $"its id {id}";
        }

        if (StorableText.TextProblem(activity.ActivityType, StorableText.MaxIdLength) is { } type)
        {
            return $"its type {type}";
        }

        if (activity.Direction is { } direction && StorableText.TextProblem(direction, StorableText.MaxIdLength) is { } d)
        {
            return $"its direction {d}";
        }

        if (DateProblem(DateOnly.FromDateTime(activity.OccurredAt.UtcDateTime)) is { } date)
        {
            return $"its time: {date}";
        }

        foreach (var (name, text) in new[] { ("subject", activity.Subject), ("body", activity.Body), ("status", activity.Status) })
        {
            if (text is not null && StorableText.TextProblem(text, MaxCrmTextLength) is { } problem)
            {
                return $"its {name} {problem}";
            }
        }

        foreach (var (key, value) in activity.Metadata)
        {
            if (StorableText.TextProblem(key, StorableText.MaxIdLength) is { } k)
            {
                return $"a metadata key {k}";
            }

            if (value is not null && StorableText.TextProblem(value, MaxCrmTextLength) is { } v)
            {
                return $"metadata '{key}' {v}";
            }
        }

        return null;
    }
}
