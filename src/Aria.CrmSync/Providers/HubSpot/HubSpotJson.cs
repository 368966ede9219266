using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Aria.CrmSync.Gateways.Http;

namespace Aria.CrmSync.Providers.HubSpot;

/// <summary>A HubSpot CRM object as read from the API: id and string property values.</summary>
internal sealed record HubSpotObjectData(string Id, IReadOnlyDictionary<string, string?> Properties, DateTimeOffset? UpdatedAt, bool Archived)
{
    public string? this[string name] => Properties.TryGetValue(name, out var value) ? value : null;

    /// <summary>Gets <c>hs_lastmodifieddate</c> (or <c>updatedAt</c>).</summary>
    public DateTimeOffset? LastModified => HubSpotJson.ParseTime(this["hs_lastmodifieddate"]) ?? UpdatedAt;
}

/// <summary>Reading HubSpot's JSON (ids as strings or numbers, property values as strings) and writing request bodies.</summary>
internal static class HubSpotJson
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };

    /// <summary>Writes a JSON request body with <see cref="Utf8JsonWriter"/>: values are always JSON values, never spliced text.</summary>
    public static ByteArrayContent Content(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        content.Headers.ContentType = JsonMediaType;
        return content;
    }

    /// <summary>Parses a HubSpot time: ISO 8601 or epoch milliseconds; <see langword="null"/> when empty or unreadable.</summary>
    public static DateTimeOffset? ParseTime(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = value.Trim();
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
        {
            return ms is >= -62_135_596_800_000L and <= 253_402_300_799_999L ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time.ToUniversalTime()
            : null;
    }

    /// <summary>Parses a HubSpot date(-time) as a calendar date (the UTC date of a date-time).</summary>
    public static DateOnly? ParseDate(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        return ParseTime(value) is { } time ? DateOnly.FromDateTime(time.UtcDateTime) : null;
    }

    /// <summary>Parses a HubSpot number property (<c>"1500.00"</c>, <c>"1.5E3"</c>).</summary>
    public static decimal? ParseDecimal(string? value)
        => !string.IsNullOrWhiteSpace(value) && decimal.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;

    /// <summary>Formats a time as HubSpot writes it (<c>2026-03-02T09:00:00.000Z</c>).</summary>
    public static string FormatTime(DateTimeOffset value)
        => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Formats a time as epoch milliseconds text (search filter values).</summary>
    public static string EpochMs(DateTimeOffset value) => value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads a string or number as text.</summary>
    public static string? Text(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    public static string? Text(JsonElement parent, string name)
        => parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? Text(value) : null;

    public static JsonElement? Child(JsonElement parent, string name)
        => parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>Enumerates an array property; a missing one is empty, anything else is a <see cref="CrmSyncDataException"/>.</summary>
    public static JsonElement.ArrayEnumerator Array(JsonElement parent, string name, CrmHttpResponse response)
    {
        if (parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value))
        {
            if (value.ValueKind == JsonValueKind.Array)
            {
                return value.EnumerateArray();
            }

            if (value.ValueKind != JsonValueKind.Null)
            {
                throw Unexpected(response, $"'{name}' is not an array");
            }
        }

        return default;
    }

    /// <summary>Requires the body to be a JSON object.</summary>
    public static JsonElement RootObject(JsonDocument document, CrmHttpResponse response)
        => document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement : throw Unexpected(response, "the body is not a JSON object");

    /// <summary>Reads a CRM object (<c>SimplePublicObject</c>).</summary>
    public static HubSpotObjectData Object(JsonElement element, CrmHttpResponse response)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Unexpected(response, "a result is not a JSON object");
        }

        var id = Text(element, "id");
        if (string.IsNullOrEmpty(id))
        {
            throw Unexpected(response, "a result has no id");
        }

        var properties = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (Child(element, "properties") is { } props)
        {
            if (props.ValueKind != JsonValueKind.Object)
            {
                throw Unexpected(response, $"the properties of {id} are not an object");
            }

            foreach (var property in props.EnumerateObject())
            {
                properties[property.Name] = Text(property.Value);
            }
        }

        var archived = Child(element, "archived") is { ValueKind: JsonValueKind.True };
        return new HubSpotObjectData(id, properties, ParseTime(Text(element, "updatedAt")), archived);
    }

    /// <summary>Reads a batch response's <c>results</c> as CRM objects.</summary>
    public static List<HubSpotObjectData> Results(CrmHttpResponse response)
    {
        using var document = response.Json(CrmProvider.HubSpot);
        var root = RootObject(document, response);
        var list = new List<HubSpotObjectData>();
        foreach (var item in Array(root, "results", response))
        {
            list.Add(Object(item, response));
        }

        return list;
    }

    /// <summary>Reads <c>paging.next.after</c>.</summary>
    public static string? NextAfter(JsonElement root)
        => Child(root, "paging") is { } paging && Child(paging, "next") is { } next ? Text(next, "after") : null;

    public static CrmSyncDataException Unexpected(CrmHttpResponse response, string what)
        => new($"HubSpot returned an unexpected body (HTTP {(int)response.Status}): {what}", response.Endpoint, CrmProvider.HubSpot);
}
