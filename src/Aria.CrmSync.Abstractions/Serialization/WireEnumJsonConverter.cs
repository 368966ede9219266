using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aria.CrmSync.Serialization;

/// <summary>Reads and writes an enum as its wire value; numbers and unknown strings are rejected.</summary>
/// <typeparam name="TEnum">An enum whose members carry <see cref="WireValueAttribute"/>.</typeparam>
internal sealed class WireEnumJsonConverter<TEnum> : JsonConverter<TEnum>
    where TEnum : struct, Enum
{
    /// <inheritdoc />
    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a string for {typeof(TEnum).Name}, got {reader.TokenType}.");
        }

        var text = reader.GetString();
        return WireValue.TryParse<TEnum>(text, out var value)
            ? value
            : throw new JsonException(WireValue.DescribeInvalid<TEnum>(text));
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(WireValue.Format(value));
    }

    /// <inheritdoc />
    public override TEnum ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return WireValue.TryParse<TEnum>(text, out var value)
            ? value
            : throw new JsonException(WireValue.DescribeInvalid<TEnum>(text));
    }

    /// <inheritdoc />
    public override void WriteAsPropertyName(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(WireValue.Format(value));
    }
}
