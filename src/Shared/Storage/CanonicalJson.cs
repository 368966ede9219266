using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Aria.CrmSync.Auditing;

/// <summary>
/// Writes JSON in one canonical form (keys sorted ordinally, no whitespace, numbers normalised) so that a details
/// object hashes the same after a round trip through any store (PostgreSQL <c>jsonb</c> reorders keys and rewrites numbers).
/// Strict: <see cref="Problem"/> refuses what the canonical form could not carry without loss or ambiguity — duplicate
/// keys, strings or keys with U+0000 or a lone surrogate, numbers that are not exact decimals of at most 28 digits — and
/// <see cref="IsCanonical"/> says whether stored text is byte for byte the canonical text (what is hashed).
/// </summary>
/// <remarks>Shared source: compiled into the engine package and each store package.</remarks>
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

    /// <summary>Returns why <paramref name="element"/> cannot be held exactly in canonical form, or <see langword="null"/>.</summary>
    public static string? Problem(JsonElement element, string path = "$")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var keys = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    if (!TryGetText(property, out var name))
                    {
                        return $"{path} has a key that is not valid UTF-16";
                    }

                    if (StringProblem(name) is { } keyProblem)
                    {
                        return $"{path} has a key that {keyProblem}";
                    }

                    if (!keys.Add(name))
                    {
                        return $"{path} has the key '{name}' twice";
                    }

                    if (Problem(property.Value, path + "." + name) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Problem(item, $"{path}[{i++}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.String:
                string value;
                try
                {
                    value = element.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    return $"{path} is a string that is not valid UTF-16";
                }

                return StringProblem(value) is { } problem ? $"{path} is a string that {problem}" : null;
            case JsonValueKind.Number:
                return IsExactDecimal(element) ? null : $"{path} is the number {element.GetRawText()}, which is not an exact decimal of at most 28 digits";
            default:
                return null;
        }
    }

    /// <summary>Whether the element's own text is byte for byte its canonical text (and it has no <see cref="Problem"/>).</summary>
    public static bool IsCanonical(JsonElement element)
    {
        if (Problem(element) is not null)
        {
            return false;
        }

        var buffer = _threadBuffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = _threadWriter ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        Write(writer, element);
        writer.Flush();
        return buffer.WrittenSpan.SequenceEqual(JsonMarshal.GetRawUtf8Value(element));
    }

    private static bool TryGetText(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = string.Empty;
            return false;
        }
    }

    private static string? StringProblem(string value)
        => value.Contains('\0', StringComparison.Ordinal) ? "contains U+0000 (NUL)"
            : Storage.StorableText.FirstLoneSurrogate(value) is not null ? "contains a lone surrogate"
            : null;

    /// <summary>Whether the number is a decimal (at most 28 digits) exactly equal to what its JSON text says.</summary>
    private static bool IsExactDecimal(JsonElement element)
    {
        if (!element.TryGetDecimal(out var value))
        {
            return false;
        }

        Span<byte> digits = stackalloc byte[64];
        return value.TryFormat(digits, out var written, DecimalFormat, System.Globalization.CultureInfo.InvariantCulture)
            && Normalize(JsonMarshal.GetRawUtf8Value(element)) is { } original
            && Normalize(digits[..written]) is { } canonical
            && original == canonical;
    }

    /// <summary>A number's value as "sign digits e exponent" without redundant zeros (1.50, 15e-1 and 1.5 agree); null when unreadable.</summary>
    private static string? Normalize(ReadOnlySpan<byte> text)
    {
        var negative = text.Length > 0 && text[0] == (byte)'-';
        if (negative)
        {
            text = text[1..];
        }

        var exponentAt = text.IndexOfAny((byte)'e', (byte)'E');
        long exponent = 0;
        if (exponentAt >= 0)
        {
            var e = text[(exponentAt + 1)..];
            if (e.Length > 12 || !long.TryParse(e, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out exponent))
            {
                return null;
            }

            text = text[..exponentAt];
        }

        var point = text.IndexOf((byte)'.');
        var builder = new System.Text.StringBuilder(text.Length);
        foreach (var b in text)
        {
            if (b != (byte)'.')
            {
                builder.Append((char)b);
            }
        }

        if (point >= 0)
        {
            exponent -= text.Length - point - 1;
        }

        var mantissa = builder.ToString().TrimStart('0');
        var trimmed = mantissa.TrimEnd('0');
        exponent += mantissa.Length - trimmed.Length;
        return trimmed.Length == 0 ? "0" : $"{(negative ? "-" : string.Empty)}{trimmed}e{exponent}";
    }

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
            foreach (var property in properties)
            {
                // Duplicate keys are written as they are (sorted stably): Problem() refuses them at append and
                // verification reports them, so no reader can be shown a value the hash does not cover.
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

        // Not a decimal (1e400, 1e-400, 29+ digits): written as it stands. Problem() refuses such numbers at append and
        // verification reports an entry holding one, so no conversion that could lose or invent digits happens here.
        writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(element), skipInputValidation: true);
    }
}
