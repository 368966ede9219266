using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing.Salesforce;

/// <summary>Conversions between wire/CLR values and the typed values the store keeps.</summary>
internal static class SfValues
{
    /// <summary>Coerces a value for a field. <paramref name="raw"/> may be a JSON node or a CLR value.</summary>
    /// <returns><see langword="true"/> on success; otherwise <paramref name="error"/> holds a JSON_PARSER_ERROR message.</returns>
    public static bool TryCoerce(SfField field, object? raw, bool fromJson, out object? value, out string? error)
    {
        value = null;
        error = null;
        if (raw is JsonElement element)
        {
            raw = JsonSerializer.SerializeToNode(element);
        }

        string token;
        object? scalar;
        switch (raw)
        {
            case null:
                token = "VALUE_NULL";
                scalar = null;
                break;
            case JsonObject:
                error = Deserialize(field, "START_OBJECT", "{");
                return false;
            case JsonArray:
                error = Deserialize(field, "START_ARRAY", "[");
                return false;
            case JsonValue jv:
                switch (jv.GetValueKind())
                {
                    case JsonValueKind.String:
                        token = "VALUE_STRING";
                        scalar = jv.GetValue<string>();
                        break;
                    case JsonValueKind.True:
                    case JsonValueKind.False:
                        token = jv.GetValueKind() == JsonValueKind.True ? "VALUE_TRUE" : "VALUE_FALSE";
                        scalar = jv.GetValueKind() == JsonValueKind.True;
                        break;
                    case JsonValueKind.Number:
                        var text = jv.ToJsonString();
                        token = text.Contains('.', StringComparison.Ordinal) || text.Contains('e', StringComparison.OrdinalIgnoreCase) ? "VALUE_NUMBER_FLOAT" : "VALUE_NUMBER_INT";
                        scalar = decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : (object)double.Parse(text, CultureInfo.InvariantCulture);
                        break;
                    default:
                        token = "VALUE_NULL";
                        scalar = null;
                        break;
                }

                break;
            default:
                token = raw is string ? "VALUE_STRING" : "VALUE";
                scalar = raw;
                break;
        }

        if (scalar is null)
        {
            value = field.Type == SfFieldType.Boolean ? false : null;
            return true;
        }

        var display = Convert.ToString(scalar, CultureInfo.InvariantCulture) ?? string.Empty;
        switch (field.Type)
        {
            case SfFieldType.Id:
            case SfFieldType.Reference:
                if (scalar is string sid)
                {
                    value = sid.Length == 0 ? null : sid;
                    return true;
                }

                error = Deserialize(field, token, display);
                return false;
            case SfFieldType.Boolean:
                switch (scalar)
                {
                    case bool b:
                        value = b;
                        return true;
                    case string s when bool.TryParse(s.Trim(), out var parsed):
                        value = parsed;
                        return true;
                    default:
                        error = Deserialize(field, token, display);
                        return false;
                }

            case SfFieldType.Currency:
            case SfFieldType.Double:
            case SfFieldType.Percent:
            case SfFieldType.Int:
                decimal number;
                switch (scalar)
                {
                    case decimal m:
                        number = m;
                        break;
                    case int i:
                        number = i;
                        break;
                    case long l:
                        number = l;
                        break;
                    case double dbl when !double.IsNaN(dbl) && !double.IsInfinity(dbl):
                        number = (decimal)dbl;
                        break;
                    case float f:
                        number = (decimal)f;
                        break;
                    case string s when s.Trim().Length == 0:
                        value = null;
                        return true;
                    case string s when decimal.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsedNumber):
                        number = parsedNumber;
                        break;
                    default:
                        error = Deserialize(field, token, display);
                        return false;
                }

                if (field.Type == SfFieldType.Int && number != decimal.Truncate(number))
                {
                    error = Deserialize(field, "VALUE_NUMBER_FLOAT", display);
                    return false;
                }

                value = field.Type == SfFieldType.Int ? decimal.Truncate(number) : number;
                return true;
            case SfFieldType.Date:
                switch (scalar)
                {
                    case DateOnly date:
                        value = date;
                        return true;
                    case DateTime dt:
                        value = DateOnly.FromDateTime(dt);
                        return true;
                    case DateTimeOffset dto:
                        value = DateOnly.FromDateTime(dto.UtcDateTime);
                        return true;
                    case string s when s.Trim().Length == 0:
                        value = null;
                        return true;
                    case string s when SfWire.TryParseDate(s, out var parsedDate):
                        value = parsedDate;
                        return true;
                    default:
                        error = Deserialize(field, token, display);
                        return false;
                }

            case SfFieldType.DateTime:
                switch (scalar)
                {
                    case DateTimeOffset dto:
                        value = SfWire.TruncateToMilliseconds(dto);
                        return true;
                    case DateTime dt:
                        value = SfWire.TruncateToMilliseconds(dt.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(dt, TimeSpan.Zero) : new DateTimeOffset(dt));
                        return true;
                    case DateOnly date:
                        value = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                        return true;
                    case string s when s.Trim().Length == 0:
                        value = null;
                        return true;
                    case string s when SfWire.TryParseDateTime(s, out var parsedDateTime):
                        value = parsedDateTime;
                        return true;
                    default:
                        error = Deserialize(field, token, display);
                        return false;
                }

            case SfFieldType.Base64:
                switch (scalar)
                {
                    case byte[] bytes:
                        value = bytes;
                        return true;
                    case string s when !fromJson:
                        value = Encoding.UTF8.GetBytes(s);
                        return true;
                    case string s:
                        try
                        {
                            value = Convert.FromBase64String(s.Trim());
                            return true;
                        }
                        catch (FormatException)
                        {
                            error = $"Illegal character in base64 encoded data for field {field.Name}";
                            return false;
                        }

                    default:
                        error = Deserialize(field, token, display);
                        return false;
                }

            case SfFieldType.Address:
                error = Deserialize(field, token, display);
                return false;
            default:
                value = scalar switch
                {
                    string s => s,
                    bool b => b ? "true" : "false",
                    decimal m => m.ToString(CultureInfo.InvariantCulture),
                    DateTimeOffset dto => SfWire.FormatDateTime(dto),
                    DateOnly date => SfWire.FormatDate(date),
                    _ => Convert.ToString(scalar, CultureInfo.InvariantCulture),
                };
                return true;
        }
    }

    /// <summary>Renders a stored value as JSON (base64 fields are rendered by the caller as blob URLs).</summary>
    public static JsonNode? ToJson(SfField field, object? value)
        => value switch
        {
            null => null,
            string s => JsonValue.Create(s),
            bool b => JsonValue.Create(b),
            decimal m when field.Type == SfFieldType.Int => JsonValue.Create((long)m),
            decimal m => JsonValue.Create(Normalize(m)),
            DateOnly d => JsonValue.Create(SfWire.FormatDate(d)),
            DateTimeOffset dto => JsonValue.Create(SfWire.FormatDateTime(dto)),
            SfAddress a => new JsonObject
            {
                ["city"] = a.City,
                ["country"] = a.Country,
                ["geocodeAccuracy"] = null,
                ["latitude"] = null,
                ["longitude"] = null,
                ["postalCode"] = a.PostalCode,
                ["state"] = a.State,
                ["street"] = a.Street,
            },
            byte[] bytes => JsonValue.Create(Convert.ToBase64String(bytes)),
            _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
        };

    /// <summary>Returns a decimal without trailing zeros but with at least one fractional digit (Salesforce prints doubles as <c>10.0</c>).</summary>
    public static decimal Normalize(decimal value)
    {
        var trimmed = decimal.Parse(value.ToString("0.############################", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return trimmed.Scale == 0 ? trimmed + 0.0m : trimmed;
    }

    /// <summary>Compares two typed values of a field (nulls are handled by the caller).</summary>
    public static int Compare(SfField field, object a, object b)
    {
        if (field.IsIdLike && a is string ia && b is string ib)
        {
            return SfIds.Compare(ia, ib);
        }

        return (a, b) switch
        {
            (string x, string y) => string.Compare(x, y, StringComparison.OrdinalIgnoreCase),
            (decimal x, decimal y) => x.CompareTo(y),
            (bool x, bool y) => x.CompareTo(y),
            (DateOnly x, DateOnly y) => x.CompareTo(y),
            (DateTimeOffset x, DateTimeOffset y) => x.CompareTo(y),
            _ => string.Compare(Convert.ToString(a, CultureInfo.InvariantCulture), Convert.ToString(b, CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase),
        };
    }

    /// <summary>Converts a stored value to a plain CLR value for the public data-access API.</summary>
    public static object? ToClr(SfField field, object? value)
        => value switch
        {
            decimal m when field.Type == SfFieldType.Int => (long)m,
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            SfAddress a => new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["street"] = a.Street,
                ["city"] = a.City,
                ["state"] = a.State,
                ["postalCode"] = a.PostalCode,
                ["country"] = a.Country,
            },
            _ => value,
        };

    private static string Deserialize(SfField field, string token, string value)
        => $"Cannot deserialize instance of {field.SoqlTypeName} from {token} value {value} or request may be missing a required field";
}
