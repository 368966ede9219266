using System.Globalization;
using System.Text.Json;

namespace Aria.CrmSync.Testing;

/// <summary>Writes and reads the typed CLR values emulators store, tagged, so a saved state loads back exactly.</summary>
internal static class EmulatorStateValues
{
    public static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                return;
            case string s:
                writer.WriteStringValue(s);
                return;
            case bool b:
                writer.WriteBooleanValue(b);
                return;
        }

        writer.WriteStartObject();
        switch (value)
        {
            case decimal d:
                writer.WriteString("decimal", d.ToString(CultureInfo.InvariantCulture));
                break;
            case long l:
                writer.WriteString("long", l.ToString(CultureInfo.InvariantCulture));
                break;
            case int i:
                writer.WriteString("int", i.ToString(CultureInfo.InvariantCulture));
                break;
            case double f:
                writer.WriteString("double", f.ToString("R", CultureInfo.InvariantCulture));
                break;
            case DateOnly date:
                writer.WriteString("date", date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset time:
                writer.WriteString("datetime", time.ToString("O", CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                writer.WriteString("base64", Convert.ToBase64String(bytes));
                break;
            default:
                throw new NotSupportedException($"Cannot save a value of type {value.GetType().Name}.");
        }

        writer.WriteEndObject();
    }

    public static object? Read(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Object:
                var property = element.EnumerateObject().Single();
                var text = property.Value.GetString()!;
                return property.Name switch
                {
                    "decimal" => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
                    "long" => long.Parse(text, CultureInfo.InvariantCulture),
                    "int" => int.Parse(text, CultureInfo.InvariantCulture),
                    "double" => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
                    "date" => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture),
                    "datetime" => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                    "base64" => Convert.FromBase64String(text),
                    _ => throw new InvalidDataException($"Unknown value tag '{property.Name}' in an emulator state file."),
                };
            default:
                throw new InvalidDataException($"Unexpected {element.ValueKind} in an emulator state file.");
        }
    }
}
