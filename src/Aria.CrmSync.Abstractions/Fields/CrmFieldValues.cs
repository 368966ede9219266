using System.Globalization;

namespace Aria.CrmSync.Fields;

/// <summary>
/// Parses field values into their canonical <see cref="CrmFieldValue"/> — from the canonical text the lead side keeps, or
/// from a CRM's wire format — and formats them back into a CRM's wire format. Bad input is a
/// <see cref="CrmSyncFieldValueException"/> naming the field, never a parser exception.
/// </summary>
/// <remarks>
/// <para>Wire formats (values as text: HubSpot sends every property value as a string; for Salesforce pass a JSON
/// number or boolean as its raw JSON text and a JSON string as its content):</para>
/// <list type="table">
/// <listheader><term>type</term><description>Salesforce / HubSpot</description></listheader>
/// <item><term>numbers</term><description>invariant decimal text, exponent allowed (<c>1500.00</c>, <c>2.5E5</c>); no thousands separators.</description></item>
/// <item><term>percent</term><description>Salesforce in percent units (<c>Probability</c> <c>10</c> is 10 %); HubSpot as a fraction of 1,
/// as its deal-stage probabilities (<c>0.1</c> is 10 %: https://developers.hubspot.com/docs/api/crm/pipelines, "probability … between 0.0
/// and 1.0"). The canonical value is in percent units.</description></item>
/// <item><term>date</term><description>Salesforce <c>2010-01-01</c>; HubSpot a midnight-UTC timestamp (<c>2010-01-01T00:00:00.000Z</c>) or
/// ms since the epoch, as its <c>date</c> properties and <c>closedate</c>; a timestamp with a time of day reads as its UTC date.</description></item>
/// <item><term>datetime</term><description>Salesforce <c>2013-04-04T20:52:22.000+0000</c>; HubSpot <c>2024-09-13T20:23:03.333Z</c> or ms since the
/// epoch (shared/crm PROTOCOL notes). A time without a zone is refused.</description></item>
/// <item><term>boolean</term><description><c>true</c> / <c>false</c> (any case).</description></item>
/// <item><term>multi-select</term><description><c>;</c>-separated in both (<c>four;six</c>); order and duplicates ignored.</description></item>
/// <item><term>text</term><description>Unicode NFC, surrounding white space removed, the same rule for both CRMs so that equal
/// text never looks changed; empty is blank.</description></item>
/// </list>
/// <para>Blank: <see langword="null"/>, empty or white-space wire text (HubSpot clears a property with <c>""</c>, Salesforce with
/// <c>null</c>). A number of a field with a <see cref="CrmFieldDefinition.Scale"/> is rounded half away from zero to that
/// scale, as Salesforce stores it, so values equal within the field's precision compare equal. Other CRMs use the
/// canonical text as their wire format.</para>
/// </remarks>
public static class CrmFieldValues
{
    private const int MaxShownValue = 40;

    /// <summary>Parses the canonical text of a value (the lead side's form, <see cref="CrmFieldValue.Text"/>).</summary>
    /// <param name="field">The field.</param>
    /// <param name="text">The text; <see langword="null"/> or empty is blank.</param>
    /// <param name="currencyCode">For a currency field of a multi-currency org or portal: the amount's ISO 4217 code.</param>
    /// <returns>The value.</returns>
    /// <exception cref="CrmSyncFieldValueException">The text is not a value of the field's type.</exception>
    public static CrmFieldValue Parse(CrmFieldDefinition field, string? text, string? currencyCode = null)
    {
        ArgumentNullException.ThrowIfNull(field);
        return ParseCore(field, provider: null, text, currencyCode);
    }

    /// <summary>Parses a value in <paramref name="provider"/>'s wire format.</summary>
    /// <param name="field">The field.</param>
    /// <param name="provider">The CRM the value comes from.</param>
    /// <param name="wire">The wire text; <see langword="null"/>, empty or white space is blank.</param>
    /// <param name="currencyCode">For a currency field of a multi-currency org or portal: the record's <c>CurrencyIsoCode</c> (Salesforce) or <c>deal_currency_code</c> (HubSpot).</param>
    /// <returns>The value.</returns>
    /// <exception cref="CrmSyncFieldValueException">The text is not a value of the field's type.</exception>
    public static CrmFieldValue ParseCrm(CrmFieldDefinition field, CrmProvider provider, string? wire, string? currencyCode = null)
    {
        ArgumentNullException.ThrowIfNull(field);
        CheckProvider(provider);
        return ParseCore(field, provider, wire, currencyCode);
    }

    /// <summary>Formats a value in <paramref name="provider"/>'s wire format.</summary>
    /// <param name="field">The field.</param>
    /// <param name="provider">The CRM the value goes to.</param>
    /// <param name="value">The value.</param>
    /// <returns>The wire text; <see langword="null"/> for a blank value (HubSpot clears with <c>""</c>: the gateway sends that).</returns>
    /// <exception cref="CrmSyncFieldValueException">The value is of another type than the field.</exception>
    public static string? FormatCrm(CrmFieldDefinition field, CrmProvider provider, CrmFieldValue value)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(value);
        CheckProvider(provider);
        if (value.Type != field.Type)
        {
            throw new CrmSyncFieldValueException(field.LeadField, $"a {Serialization.WireValue.Format(value.Type)} value cannot be written to a {Serialization.WireValue.Format(field.Type)} field", provider, field.CrmFieldFor(provider));
        }

        if (value.IsBlank)
        {
            return null;
        }

        var salesforce = provider == CrmProvider.Salesforce;
        var hubspot = provider == CrmProvider.HubSpot;
        return value.Type switch
        {
            CrmFieldType.Percent when hubspot => Number(value.Number!.Value / 100m),
            CrmFieldType.Date when hubspot => value.Date!.Value.ToString("yyyy-MM-dd'T00:00:00.000Z'", CultureInfo.InvariantCulture),
            CrmFieldType.DateTime when salesforce => value.DateTime!.Value.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture),
            _ => value.Text,
        };
    }

    private static CrmFieldValue ParseCore(CrmFieldDefinition field, CrmProvider? provider, string? text, string? currencyCode)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return CrmFieldValue.Blank(field.Type);
        }

        var hubspot = provider == CrmProvider.HubSpot;
        var trimmed = text.Trim();
        switch (field.Type)
        {
            case CrmFieldType.Text or CrmFieldType.LongText or CrmFieldType.Picklist:
                return CrmText.IsWellFormed(text) ? CrmFieldValue.FromText(field.Type, text) : throw Bad(field, provider, text, "has a lone surrogate (not valid Unicode)");
            case CrmFieldType.MultiPicklist:
                return CrmText.IsWellFormed(text) ? CrmFieldValue.FromValues(text.Split(';')) : throw Bad(field, provider, text, "has a lone surrogate (not valid Unicode)");
            case CrmFieldType.Boolean:
                return trimmed.Equals("true", StringComparison.OrdinalIgnoreCase) ? CrmFieldValue.FromBoolean(true)
                    : trimmed.Equals("false", StringComparison.OrdinalIgnoreCase) ? CrmFieldValue.FromBoolean(false)
                    : throw Bad(field, provider, text, "is not true or false");
            case CrmFieldType.Date:
                return CrmFieldValue.FromDate(ParseDate(field, provider, trimmed));
            case CrmFieldType.DateTime:
                return CrmFieldValue.FromDateTime(ParseInstant(field, provider, trimmed) ?? throw Bad(field, provider, text, "is not an ISO 8601 date and time with a zone" + (hubspot ? " nor milliseconds since the epoch" : string.Empty)));
            default:
                return ParseNumber(field, provider, trimmed, currencyCode);
        }
    }

    private static CrmFieldValue ParseNumber(CrmFieldDefinition field, CrmProvider? provider, string text, string? currencyCode)
    {
        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number))
        {
            throw Bad(field, provider, text, "is not a number (invariant digits, '.' for the decimal point, no thousands separators) or is out of range");
        }

        if (field.Type == CrmFieldType.Percent && provider == CrmProvider.HubSpot)
        {
            if (Math.Abs(number) > decimal.MaxValue / 100m)
            {
                throw Bad(field, provider, text, "is out of range");
            }

            number *= 100m;
        }

        if (field.Scale is { } scale && field.Type != CrmFieldType.Integer)
        {
            number = decimal.Round(number, Math.Min(scale, 28), MidpointRounding.AwayFromZero);
        }

        if (field.Type == CrmFieldType.Integer && decimal.Truncate(number) != number)
        {
            throw Bad(field, provider, text, "is not a whole number");
        }

        if (currencyCode is not null && (field.Type != CrmFieldType.Currency || currencyCode.Length != 3 || !currencyCode.All(char.IsAsciiLetter)))
        {
            throw new CrmSyncFieldValueException(field.LeadField, field.Type != CrmFieldType.Currency
                ? $"a currency code is given for a {Serialization.WireValue.Format(field.Type)} field"
                : $"the currency code {Show(currencyCode)} is not three letters (ISO 4217)", provider, CrmField(field, provider));
        }

        return CrmFieldValue.FromNumber(field.Type, number, currencyCode);
    }

    private static DateOnly ParseDate(CrmFieldDefinition field, CrmProvider? provider, string text)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        // HubSpot date properties (and closedate, a datetime holding a date) come as a midnight-UTC timestamp or epoch ms.
        return ParseInstant(field, provider, text) is { } instant
            ? DateOnly.FromDateTime(instant.UtcDateTime)
            : throw Bad(field, provider, text, "is not a date (yyyy-MM-dd)");
    }

    private static DateTimeOffset? ParseInstant(CrmFieldDefinition field, CrmProvider? provider, string text)
    {
        // HubSpot: milliseconds since the epoch, negative before 1970.
        var digits = text.StartsWith('-') ? text[1..] : text;
        if (provider == CrmProvider.HubSpot && digits.Length is > 0 and <= 18 && digits.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
        {
            return ms >= DateTimeOffset.MinValue.ToUnixTimeMilliseconds() && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : throw Bad(field, provider, text, "is outside the representable instants");
        }

        // Salesforce writes the offset without a colon (+0000); .NET's zzz wants one.
        var normalized = text.Length > 5 && (text[^5] is '+' or '-') && text[^4..].All(char.IsAsciiDigit) ? text[..^2] + ":" + text[^2..] : text;
        return DateTimeOffset.TryParseExact(normalized, InstantFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant) ? instant : null;
    }

    private static readonly string[] InstantFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mmzzz",
        "yyyy-MM-dd'T'HH:mm'Z'",
    ];

    private static string Number(decimal value) => CrmFieldValue.FromNumber(CrmFieldType.Decimal, value).Text!;

    private static string? CrmField(CrmFieldDefinition field, CrmProvider? provider) => provider is { } p ? field.CrmFieldFor(p) : null;

    private static CrmSyncFieldValueException Bad(CrmFieldDefinition field, CrmProvider? provider, string text, string problem)
        => new(field.LeadField, $"the {(provider is { } p ? p.Value + " " : string.Empty)}value {Show(text)} {problem}", provider, CrmField(field, provider));

    private static string Show(string text)
        => text.Length <= MaxShownValue ? $"'{text}'" : $"'{text[..MaxShownValue]}…' ({text.Length} characters)";

    private static void CheckProvider(CrmProvider provider)
    {
        if (provider.IsDefault)
        {
            throw new ArgumentOutOfRangeException(nameof(provider), "default(CrmProvider) names no CRM.");
        }
    }
}
