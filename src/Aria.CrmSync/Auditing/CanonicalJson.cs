using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Aria.CrmSync.Auditing;

/// <summary>
/// Writes JSON in one canonical form (keys sorted ordinally, no whitespace, numbers normalised) so that a details
/// object hashes the same after a round trip through any store (PostgreSQL <c>jsonb</c> reorders keys and rewrites numbers).
/// </summary>
internal static class CanonicalJson
{
    public static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                var properties = new List<JsonProperty>();
                foreach (var property in element.EnumerateObject())
                {
                    properties.Add(property);
                }

                properties.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                string? last = null;
                foreach (var property in properties)
                {
                    if (property.Name == last)
                    {
                        continue; // duplicate keys: the first one wins, as in jsonb
                    }

                    last = property.Name;
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(NormalizeNumber(element.GetRawText()), skipInputValidation: true);
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    public static byte[] ToUtf8(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer, element);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string ToText(JsonElement element) => System.Text.Encoding.UTF8.GetString(ToUtf8(element));

    private static string NormalizeNumber(string raw)
        => decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? Serialization.CanonicalValue.FromDecimal(d)
            : double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);
}
