using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aria.CrmSync.Serialization;

/// <summary>
/// Reads and writes a <see cref="CrmProvider"/> as its wire value, as a value or a property name. Any valid wire value
/// is read, known or not; a number, <see langword="null"/> or a malformed string is a <see cref="JsonException"/>, and
/// writing <c>default(CrmProvider)</c> fails.
/// </summary>
internal sealed class CrmProviderJsonConverter : JsonConverter<CrmProvider>
{
    /// <inheritdoc />
    public override CrmProvider Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a string for CrmProvider, got {reader.TokenType}.");
        }

        return Parse(reader.GetString());
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, CrmProvider value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(WireValue.Format(value));
    }

    /// <inheritdoc />
    public override CrmProvider ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => Parse(reader.GetString());

    /// <inheritdoc />
    public override void WriteAsPropertyName(Utf8JsonWriter writer, CrmProvider value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(WireValue.Format(value));
    }

    private static CrmProvider Parse(string? text)
        => CrmProvider.TryParse(text, out var provider) ? provider : throw new JsonException(CrmProvider.DescribeInvalid(text));
}
