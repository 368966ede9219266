using System.Globalization;
using System.Text;
using Aria.CrmSync.Fields;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Aria.CrmSync.Tests.Fields;

/// <summary>Canonical values per type: examples, every bad input as a typed error, and properties (FsCheck).</summary>
public class CrmFieldValueTests
{
    private static readonly CrmProvider Sf = CrmProvider.Salesforce;
    private static readonly CrmProvider Hs = CrmProvider.HubSpot;
    private static readonly CrmProvider[] Both = [Sf, Hs];

    private static CrmFieldDefinition Field(CrmFieldType type, int? scale = null) => new()
    {
        LeadField = "f",
        Type = type,
        Scale = scale,
        CrmFields = new Dictionary<CrmProvider, string> { [Sf] = "F__c", [Hs] = "f" },
    };

    [Theory]
    [InlineData("250000", "250000.00")]
    [InlineData("250000", "2.5E5")]
    [InlineData("0.5", "0.50000")]
    [InlineData("0", "-0.00")]
    [InlineData("-12.25", "-1225e-2")]
    public void Decimal_ScaleTrailingZerosAndExponent_CompareByValue(string a, string b)
    {
        var field = Field(CrmFieldType.Decimal);
        Assert.Equal(CrmFieldValues.ParseCrm(field, Sf, a), CrmFieldValues.ParseCrm(field, Hs, b));
        Assert.Equal(a, CrmFieldValues.Parse(field, b).Text);
    }

    [Fact]
    public void Decimal_WithScale_EqualWithinThePrecision()
    {
        var field = Field(CrmFieldType.Currency, scale: 2);
        Assert.Equal(CrmFieldValues.ParseCrm(field, Sf, "10.01"), CrmFieldValues.ParseCrm(field, Hs, "10.005"));
        Assert.NotEqual(CrmFieldValues.ParseCrm(field, Sf, "10.01"), CrmFieldValues.ParseCrm(field, Hs, "10.004"));
    }

    [Fact]
    public void Currency_DifferentCurrencies_NeverEqualNeverConverted()
    {
        var field = Field(CrmFieldType.Currency);
        var usd = CrmFieldValues.ParseCrm(field, Sf, "1500.00", "USD");
        var eur = CrmFieldValues.ParseCrm(field, Hs, "1500", "EUR");
        var none = CrmFieldValues.Parse(field, "1500");

        Assert.NotEqual(usd, eur);
        Assert.NotEqual(usd, none);
        Assert.Equal(1500m, eur.Number);
        Assert.Equal("EUR", eur.CurrencyCode);
        Assert.Equal("1500 EUR", eur.ToString());
        Assert.Equal(usd, CrmFieldValues.ParseCrm(field, Hs, "1.5E3", "usd"));
        Assert.Equal("1500", CrmFieldValues.FormatCrm(field, Hs, eur));
    }

    [Fact]
    public void Percent_SalesforceInPercentUnits_HubSpotAsFraction()
    {
        var field = Field(CrmFieldType.Percent);
        var sf = CrmFieldValues.ParseCrm(field, Sf, "12.5");
        var hs = CrmFieldValues.ParseCrm(field, Hs, "0.125");

        Assert.Equal(sf, hs);
        Assert.Equal(12.5m, sf.Number);
        Assert.Equal("0.125", CrmFieldValues.FormatCrm(field, Hs, sf));
        Assert.Equal("12.5", CrmFieldValues.FormatCrm(field, Sf, hs));
    }

    [Fact]
    public void Dates_AndDateTimes_WithZones()
    {
        var date = Field(CrmFieldType.Date);
        var expected = CrmFieldValue.FromDate(new DateOnly(2026, 5, 1));
        Assert.Equal(expected, CrmFieldValues.ParseCrm(date, Sf, "2026-05-01"));
        Assert.Equal(expected, CrmFieldValues.ParseCrm(date, Hs, "2026-05-01T00:00:00.000Z"));
        Assert.Equal(expected, CrmFieldValues.ParseCrm(date, Hs, "1777593600000"));
        Assert.Equal(CrmFieldValue.FromDate(new DateOnly(1952, 1, 7)), CrmFieldValues.ParseCrm(date, Hs, "-567561600000"));
        Assert.Equal("2026-05-01T00:00:00.000Z", CrmFieldValues.FormatCrm(date, Hs, expected));
        Assert.Equal("2026-05-01", CrmFieldValues.FormatCrm(date, Sf, expected));

        var dateTime = Field(CrmFieldType.DateTime);
        var sf = CrmFieldValues.ParseCrm(dateTime, Sf, "2013-04-04T20:52:22.000+0000");
        Assert.Equal(sf, CrmFieldValues.ParseCrm(dateTime, Hs, "2013-04-04T22:52:22Z".Replace("22:52", "20:52", StringComparison.Ordinal)));
        Assert.Equal(sf, CrmFieldValues.ParseCrm(dateTime, Sf, "2013-04-04T22:52:22.000+0200"));
        Assert.Equal(sf, CrmFieldValues.ParseCrm(dateTime, Hs, "1365108742000"));
        Assert.Equal("2013-04-04T20:52:22.000Z", sf.Text);
        Assert.Equal("2013-04-04T20:52:22.000+0000", CrmFieldValues.FormatCrm(dateTime, Sf, sf));
        Assert.Equal("2013-04-04T20:52:22.000Z", CrmFieldValues.FormatCrm(dateTime, Hs, sf));
        Assert.NotEqual(CrmFieldValue.FromDate(new DateOnly(2013, 4, 4)), sf);
    }

    [Fact]
    public void MultiSelect_IsASet()
    {
        var field = Field(CrmFieldType.MultiPicklist);
        var sf = CrmFieldValues.ParseCrm(field, Sf, "six;four");
        Assert.Equal(sf, CrmFieldValues.ParseCrm(field, Hs, "four;six;four; "));
        Assert.Equal(["four", "six"], sf.Values);
        Assert.Equal("four;six", CrmFieldValues.FormatCrm(field, Hs, sf));
        Assert.True(CrmFieldValues.ParseCrm(field, Hs, ";").IsBlank);
    }

    [Fact]
    public void Text_NfcAndTrimmed_BlankWhenEmpty()
    {
        var field = Field(CrmFieldType.Text);
        Assert.Equal(CrmFieldValues.ParseCrm(field, Sf, "Caf\u00e9"), CrmFieldValues.ParseCrm(field, Hs, "  Cafe\u0301\n"));
        Assert.True(CrmFieldValues.ParseCrm(field, Hs, "   ").IsBlank);
        Assert.Equal(CrmFieldValue.Blank(CrmFieldType.Text), CrmFieldValues.ParseCrm(field, Sf, null));
        Assert.Null(CrmFieldValues.FormatCrm(field, Hs, CrmFieldValue.Blank(CrmFieldType.Text)));
    }

    [Fact]
    public void Boolean_AnyCase()
    {
        var field = Field(CrmFieldType.Boolean);
        Assert.Equal(CrmFieldValue.FromBoolean(true), CrmFieldValues.ParseCrm(field, Hs, "TRUE"));
        Assert.Equal(false, CrmFieldValues.ParseCrm(field, Sf, "false").Boolean);
    }

    [Theory]
    [InlineData(CrmFieldType.Decimal, "12,5", "is not a number")]
    [InlineData(CrmFieldType.Decimal, "1e400", "out of range")]
    [InlineData(CrmFieldType.Percent, "79228162514264337593543950335", "out of range")]
    [InlineData(CrmFieldType.Integer, "5.5", "is not a whole number")]
    [InlineData(CrmFieldType.Date, "01/05/2026", "is not a date")]
    [InlineData(CrmFieldType.Date, "2026-02-30", "is not a date")]
    [InlineData(CrmFieldType.DateTime, "2026-05-01T10:00:00", "is not an ISO 8601 date and time with a zone")]
    [InlineData(CrmFieldType.DateTime, "99999999999999999", "outside the representable instants")]
    [InlineData(CrmFieldType.Boolean, "yes", "is not true or false")]
    public void BadInput_IsTypedErrorNamingTheField(CrmFieldType type, string wire, string problem)
    {
        var error = Assert.Throws<CrmSyncFieldValueException>(() => CrmFieldValues.ParseCrm(Field(type), Hs, wire));
        Assert.Equal("f", error.Field);
        Assert.Equal("f", error.CrmField);
        Assert.Equal(CrmProvider.HubSpot, error.Provider);
        Assert.Equal(CrmSyncFieldValueException.ErrorCode, error.Code);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
        Assert.StartsWith("CRM sync error: field 'f' (hubspot f): ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoneSurrogate_IsTypedError()
    {
        var text = "a" + (char)0xD800 + "b";
        Assert.Contains("lone surrogate", Assert.Throws<CrmSyncFieldValueException>(() => CrmFieldValues.ParseCrm(Field(CrmFieldType.Text), Sf, text)).Problem, StringComparison.Ordinal);
        Assert.Contains("lone surrogate", Assert.Throws<CrmSyncFieldValueException>(() => CrmFieldValues.Parse(Field(CrmFieldType.MultiPicklist), text)).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void BadCurrencyCode_AndTypeMismatch_AreTypedErrors()
    {
        Assert.Contains("ISO 4217", Assert.Throws<CrmSyncFieldValueException>(() => CrmFieldValues.ParseCrm(Field(CrmFieldType.Currency), Sf, "1", "US")).Problem, StringComparison.Ordinal);
        Assert.Contains("currency code is given", Assert.Throws<CrmSyncFieldValueException>(() => CrmFieldValues.Parse(Field(CrmFieldType.Decimal), "1", "USD")).Problem, StringComparison.Ordinal);
        Assert.Contains("a boolean value cannot be written to a date field", Assert.Throws<CrmSyncFieldValueException>(() => CrmFieldValues.FormatCrm(Field(CrmFieldType.Date), Sf, CrmFieldValue.FromBoolean(true))).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void PublicEntryPoints_ValidateArguments()
    {
        Assert.Equal("field", Assert.Throws<ArgumentNullException>(() => CrmFieldValues.Parse(null!, "1")).ParamName);
        Assert.Equal("field", Assert.Throws<ArgumentNullException>(() => CrmFieldValues.ParseCrm(null!, Sf, "1")).ParamName);
        Assert.Equal("provider", Assert.Throws<ArgumentOutOfRangeException>(() => CrmFieldValues.ParseCrm(Field(CrmFieldType.Text), default, "1")).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => CrmFieldValues.FormatCrm(Field(CrmFieldType.Text), Sf, null!)).ParamName);
        Assert.Equal("type", Assert.Throws<ArgumentException>(() => CrmFieldValue.FromText(CrmFieldType.Date, "x")).ParamName);
        Assert.Equal("type", Assert.Throws<ArgumentException>(() => CrmFieldValue.FromNumber(CrmFieldType.Text, 1)).ParamName);
        Assert.Equal("number", Assert.Throws<ArgumentException>(() => CrmFieldValue.FromNumber(CrmFieldType.Integer, 1.5m)).ParamName);
        Assert.Equal("currencyCode", Assert.Throws<ArgumentException>(() => CrmFieldValue.FromNumber(CrmFieldType.Decimal, 1, "USD")).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => CrmFieldValue.FromValues(["a;b"])).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => CrmFieldValue.FromValues(null!)).ParamName);
        Assert.Equal("type", Assert.Throws<ArgumentOutOfRangeException>(() => CrmFieldValue.Blank((CrmFieldType)99)).ParamName);
    }

    // ---- properties ----

    [Property(MaxTest = 300)]
    public Property Canonicalisation_IsIdempotent()
        => Prop.ForAll(Arb.From(Rendering()), r =>
        {
            var once = CrmFieldValues.ParseCrm(r.Field, r.Provider, r.Wire, r.Currency);
            var twice = CrmFieldValues.Parse(r.Field, once.Text, once.CurrencyCode);
            return once.Equals(twice) && once.Text == twice.Text && once.GetHashCode() == twice.GetHashCode();
        });

    [Property(MaxTest = 300)]
    public Property EqualValues_InBothCrmsFormats_CompareEqual()
        => Prop.ForAll(Arb.From(Rendering()), Arb.From(Rendering()), (a, b) =>
        {
            // b is re-rendered as the same value as a, in the other CRM's format and another spelling.
            var value = CrmFieldValues.ParseCrm(a.Field, a.Provider, a.Wire, a.Currency);
            var other = a.Provider == Sf ? Hs : Sf;
            var respelt = Respell(a.Field, other, value, b.Seed);
            var parsed = CrmFieldValues.ParseCrm(a.Field, other, respelt, value.CurrencyCode);
            return value.Equals(parsed) && value.GetHashCode() == parsed.GetHashCode();
        });

    [Property(MaxTest = 300)]
    public Property FormatThenParse_RoundTrips()
        => Prop.ForAll(Arb.From(Rendering()), r =>
        {
            var value = CrmFieldValues.ParseCrm(r.Field, r.Provider, r.Wire, r.Currency);
            return Both.All(p => CrmFieldValues.ParseCrm(r.Field, p, CrmFieldValues.FormatCrm(r.Field, p, value), value.CurrencyCode).Equals(value));
        });

    /// <summary>A value of a random type written in a random CRM's wire format, in one of its spellings.</summary>
    internal sealed record WireRendering(CrmFieldDefinition Field, CrmProvider Provider, string? Wire, string? Currency, int Seed);

    private static readonly string[] TextPieces = ["a", "Z", "é", "e\u0301", "Å", "A\u030A", "ß", "中", "😀", " ", "-", "'"];

    private static readonly string[] Options = ["Alpha", "Beta", "Gamma", "Café", "Cafe\u0301", "x"];

    private static Gen<WireRendering> Rendering()
        => from type in Gen.Elements(Enum.GetValues<CrmFieldType>())
           from scale in Gen.Elements<int?>(null, 0, 2, 4)
           from provider in Gen.Elements(Both)
           from seed in Gen.Choose(0, int.MaxValue)
           from value in ValueOf(type)
           let field = Field(type, type is CrmFieldType.Decimal or CrmFieldType.Currency or CrmFieldType.Percent ? scale : null)
           select new WireRendering(field, provider, Respell(field, provider, value, seed), value.CurrencyCode, seed);

    private static Gen<CrmFieldValue> ValueOf(CrmFieldType type) => type switch
    {
        CrmFieldType.Text or CrmFieldType.LongText or CrmFieldType.Picklist =>
            Gen.Elements(TextPieces).ArrayOf().Select(p => CrmFieldValue.FromText(type, string.Concat(p))),
        CrmFieldType.MultiPicklist => Gen.Elements(Options).ArrayOf().Select(v => CrmFieldValue.FromValues(v)),
        CrmFieldType.Boolean => Gen.Elements(true, false).Select(CrmFieldValue.FromBoolean),
        CrmFieldType.Date => Gen.Choose(DateOnly.Parse("1700-01-01", CultureInfo.InvariantCulture).DayNumber, DateOnly.Parse("4000-12-31", CultureInfo.InvariantCulture).DayNumber)
            .Select(d => CrmFieldValue.FromDate(DateOnly.FromDayNumber(d))),
        CrmFieldType.DateTime => from days in Gen.Choose(0, 840_000)
                                 from ms in Gen.Choose(0, 86_399_999)
                                 select CrmFieldValue.FromDateTime(new DateTimeOffset(1700, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(days).AddMilliseconds(ms)),
        _ => from mantissa in Gen.Choose(-999_999_999, 999_999_999)
             from high in Gen.Choose(0, 9_999_999)
             from scale in Gen.Choose(0, type == CrmFieldType.Integer ? 0 : 6)
             from currency in Gen.Elements<string?>(null, "USD", "EUR", "JPY")
             let number = ((decimal)high * 1_000_000_000m + mantissa) / Pow10(scale)
             select CrmFieldValue.FromNumber(type, number, type == CrmFieldType.Currency ? currency : null),
    };

    /// <summary>Writes <paramref name="value"/> in <paramref name="provider"/>'s wire format, in a spelling chosen by <paramref name="seed"/>.</summary>
    private static string? Respell(CrmFieldDefinition field, CrmProvider provider, CrmFieldValue value, int seed)
    {
        // Round first to the field's scale, so the value is one the field can hold.
        if (value.Number is { } n && field.Scale is { } s && field.Type != CrmFieldType.Integer)
        {
            value = CrmFieldValue.FromNumber(value.Type, decimal.Round(n, s, MidpointRounding.AwayFromZero), value.CurrencyCode);
        }

        var wire = CrmFieldValues.FormatCrm(field, provider, value);
        if (wire is null)
        {
            return (seed % 3) switch { 0 => null, 1 => string.Empty, _ => "  " };
        }

        switch (field.Type)
        {
            case CrmFieldType.Text or CrmFieldType.LongText or CrmFieldType.Picklist:
                var nfd = (seed & 1) == 1 ? wire.Normalize(NormalizationForm.FormD) : wire;
                return (seed & 2) == 2 ? " " + nfd + "\t" : nfd;
            case CrmFieldType.MultiPicklist:
                var parts = wire.Split(';').ToList();
                var rotated = parts.Skip(seed % parts.Count).Concat(parts.Take(seed % parts.Count)).ToList();
                if ((seed & 4) == 4)
                {
                    rotated.Add(rotated[0]);
                }

                return string.Join(';', rotated.Select(p => (seed & 8) == 8 ? p.Normalize(NormalizationForm.FormD) : p));
            case CrmFieldType.Boolean:
                return (seed & 1) == 1 ? wire.ToUpperInvariant() : wire;
            case CrmFieldType.DateTime:
                var instant = value.DateTime!.Value;
                return (seed % 3) switch
                {
                    0 => wire,
                    1 when provider == Hs => instant.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                    _ => instant.ToOffset(TimeSpan.FromMinutes((seed % 25 - 12) * 60)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
                };
            case CrmFieldType.Date:
                return (seed & 1) == 1 && provider == Hs
                    ? new DateTimeOffset(value.Date!.Value.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)
                    : wire;
            default:
                var number = decimal.Parse(wire, NumberStyles.Float, CultureInfo.InvariantCulture);
                return (seed % 3) switch
                {
                    0 => wire,
                    1 => number.ToString("0.00000000", CultureInfo.InvariantCulture).Length <= 30 && decimal.Round(number, 8) == number ? number.ToString("0.00000000", CultureInfo.InvariantCulture) : wire,
                    _ => number.ToString("E20", CultureInfo.InvariantCulture),
                };
        }
    }

    private static decimal Pow10(int n)
    {
        var result = 1m;
        for (var i = 0; i < n; i++)
        {
            result *= 10m;
        }

        return result;
    }
}
