using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Aria.CrmSync.Auditing;

/// <summary>
/// Writes JSON in one canonical form (keys sorted ordinally, no whitespace, numbers normalised) so that a details
/// object hashes the same after a round trip through any store (PostgreSQL <c>jsonb</c> reorders keys and rewrites numbers).
/// </summary>
internal static class CanonicalJson
{
    public delegate void Utf8Action<in TState>(ReadOnlySpan<byte> utf8, TState state);

    private const string DecimalFormat = "0.############################";
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _threadBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _threadWriter;

    public static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(writer, element);
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
                var raw = JsonMarshal.GetRawUtf8Value(element);
                if (raw.IndexOf((byte)'\\') < 0)
                {
                    writer.WriteStringValue(raw[1..^1]); // no escapes in the source: the raw bytes are the value
                }
                else
                {
                    writer.WriteStringValue(element.GetString());
                }

                break;
            case JsonValueKind.Number:
                WriteNumber(writer, element);
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

    /// <summary>Writes the canonical UTF-8 of <paramref name="element"/> into a per-thread buffer and passes it to <paramref name="use"/>.</summary>
    public static void WithUtf8<TState>(JsonElement element, TState state, Utf8Action<TState> use)
    {
        var buffer = _threadBuffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = _threadWriter ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        Write(writer, element);
        writer.Flush();
        use(buffer.WrittenSpan, state);
    }

    public static byte[] ToUtf8(JsonElement element)
    {
        byte[] result = [];
        WithUtf8(element, 0, (span, _) => result = span.ToArray());
        return result;
    }

    public static string ToText(JsonElement element) => System.Text.Encoding.UTF8.GetString(ToUtf8(element));

    /// <summary>Returns the element as canonical JSON (parsed back), so stored details are canonical from the start.</summary>
    public static JsonElement Canonicalize(JsonElement element) => JsonDocument.Parse(ToUtf8(element)).RootElement.Clone();

    private static void WriteObject(Utf8JsonWriter writer, JsonElement element)
    {
        writer.WriteStartObject();

        // Fast path: ASCII keys already in canonical (ordinal, unique) order, as the library stores them.
        var sorted = true;
        ReadOnlySpan<byte> previous = default;
        var first = true;
        foreach (var property in element.EnumerateObject())
        {
            var name = JsonMarshal.GetRawUtf8PropertyName(property);
            if (name.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) >= 0 || name.IndexOf((byte)'\\') >= 0
                || (!first && previous.SequenceCompareTo(name) >= 0))
            {
                sorted = false;
                break;
            }

            previous = name;
            first = false;
        }

        if (sorted)
        {
            foreach (var property in element.EnumerateObject())
            {
                writer.WritePropertyName(JsonMarshal.GetRawUtf8PropertyName(property));
                Write(writer, property.Value);
            }
        }
        else
        {
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
        }

        writer.WriteEndObject();
    }

    private static void WriteNumber(Utf8JsonWriter writer, JsonElement element)
    {
        Span<byte> digits = stackalloc byte[64];
        if (element.TryGetDecimal(out var value) && value.TryFormat(digits, out var written, DecimalFormat, System.Globalization.CultureInfo.InvariantCulture))
        {
            var text = digits[..written];
            writer.WriteRawValue(text.SequenceEqual("-0"u8) ? "0"u8 : text, skipInputValidation: true);
            return;
        }

        writer.WriteRawValue(element.GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture), skipInputValidation: true);
    }
}
