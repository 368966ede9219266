using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aria.CrmSync.Serialization;

/// <summary>
/// Reads any JSON scalar (string, number, boolean) as its text, and a nested object or array as its raw JSON;
/// writes a string. Used for field values, which the library compares in a canonical text form.
/// </summary>
internal sealed class LenientStringJsonConverter : JsonConverter<string?>
{
    /// <inheritdoc />
    public override bool HandleNull => true;

    /// <inheritdoc />
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadValue(ref reader);

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    internal static string? ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            case JsonTokenType.Number:
                return reader.TryGetDecimal(out var d)
                    ? CanonicalValue.FromDecimal(d)
                    : reader.GetDouble().ToString("R", CultureInfo.InvariantCulture);
            case JsonTokenType.StartObject:
            case JsonTokenType.StartArray:
                using (var doc = JsonDocument.ParseValue(ref reader))
                {
                    return doc.RootElement.GetRawText();
                }

            default:
                throw new JsonException($"Unexpected token {reader.TokenType} for a field value.");
        }
    }
}
