using System.Globalization;
using System.Text.Json;

namespace Aria.CrmSync.Providers.Salesforce;

/// <summary>
/// Reads Salesforce JSON defensively: a missing or mistyped value where one is required is a
/// <see cref="CrmSyncDataException"/> naming the endpoint, never a <see cref="NullReferenceException"/>.
/// </summary>
internal static class SalesforceJson
{
    private static readonly string[] DateTimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mm:sszzz",
        "yyyy-MM-dd'T'HH:mm:ss'Z'",
    ];

    public static CrmSyncDataException Unexpected(string endpoint, string what)
        => new($"Salesforce returned an unexpected body: {what}", endpoint, CrmProvider.Salesforce);

    public static JsonElement Object(JsonElement element, string endpoint, string what)
        => element.ValueKind == JsonValueKind.Object ? element : throw Unexpected(endpoint, $"{what} is not an object");

    public static JsonElement Array(JsonElement element, string endpoint, string what)
        => element.ValueKind == JsonValueKind.Array ? element : throw Unexpected(endpoint, $"{what} is not an array");

    public static JsonElement Property(JsonElement obj, string name, string endpoint)
        => obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value)
            ? value
            : throw Unexpected(endpoint, $"'{name}' is missing");

    public static bool TryProperty(JsonElement obj, string name, out JsonElement value)
    {
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            return true;
        }

        value = default;
        return false;
    }

    public static string? String(JsonElement obj, string name, string endpoint)
    {
        if (!TryProperty(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => throw Unexpected(endpoint, $"'{name}' is not a string"),
        };
    }

    public static string RequiredString(JsonElement obj, string name, string endpoint)
        => String(obj, name, endpoint) is { Length: > 0 } value ? value : throw Unexpected(endpoint, $"'{name}' is missing or empty");

    public static string RequiredId(JsonElement obj, string name, string endpoint)
    {
        var id = RequiredString(obj, name, endpoint);
        return SalesforceIds.IsValid(id) ? id : throw Unexpected(endpoint, $"'{name}' is not a Salesforce id");
    }

    public static bool? Bool(JsonElement obj, string name, string endpoint)
    {
        if (!TryProperty(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(value.GetString(), out var parsed) => parsed,
            _ => throw Unexpected(endpoint, $"'{name}' is not a boolean"),
        };
    }

    public static decimal? Decimal(JsonElement obj, string name, string endpoint)
    {
        if (!TryProperty(obj, name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number))
        {
            return number;
        }

        if (value.ValueKind == JsonValueKind.String && decimal.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            return number;
        }

        throw Unexpected(endpoint, $"'{name}' is not a number");
    }

    public static long? Long(JsonElement obj, string name, string endpoint)
        => Decimal(obj, name, endpoint) is { } d ? (long)decimal.Truncate(d) : null;

    public static DateOnly? Date(JsonElement obj, string name, string endpoint)
    {
        var text = String(obj, name, endpoint);
        if (text is null)
        {
            return null;
        }

        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw Unexpected(endpoint, $"'{name}' is not a date");
    }

    public static DateTimeOffset? DateTime(JsonElement obj, string name, string endpoint)
    {
        var text = String(obj, name, endpoint);
        if (text is null)
        {
            return null;
        }

        return TryParseDateTime(text, out var value) ? value : throw Unexpected(endpoint, $"'{name}' is not a date-time");
    }

    /// <summary>Parses Salesforce's <c>2013-04-04T20:52:22.000+0000</c> (offset without colon) and ISO-8601 forms.</summary>
    public static bool TryParseDateTime(string text, out DateTimeOffset value)
    {
        var normalized = text;
        if (text.Length > 5 && (text[^5] == '+' || text[^5] == '-') && char.IsAsciiDigit(text[^4]) && char.IsAsciiDigit(text[^1]))
        {
            normalized = string.Concat(text.AsSpan(0, text.Length - 2), ":", text.AsSpan(text.Length - 2));
        }

        if (DateTimeOffset.TryParseExact(normalized, DateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value))
        {
            value = value.ToUniversalTime();
            return true;
        }

        return false;
    }
}
