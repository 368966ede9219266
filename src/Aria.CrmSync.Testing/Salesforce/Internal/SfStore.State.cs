using System.Text.Json;

namespace Aria.CrmSync.Testing.Salesforce;

/// <content>Saving and loading the org's data (records, recycle bin, delete log, id counters).</content>
internal sealed partial class SfStore
{
    public void WriteState(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteNumber("sequence", _sequence);
        writer.WriteStartObject("counters");
        foreach (var (prefix, counter) in _counters)
        {
            writer.WriteNumber(prefix, counter);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("records");
        foreach (var record in _records.Values.OrderBy(r => r.Sequence))
        {
            writer.WriteStartObject();
            writer.WriteString("id", record.Id);
            writer.WriteString("type", record.Type);
            writer.WriteNumber("sequence", record.Sequence);
            if (record.DeletedAt is { } deletedAt)
            {
                writer.WriteString("deletedAt", deletedAt);
            }

            writer.WriteStartObject("values");
            foreach (var (name, value) in record.Values)
            {
                writer.WritePropertyName(name);
                EmulatorStateValues.Write(writer, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("deletions");
        foreach (var deletion in _deletions)
        {
            writer.WriteStartObject();
            writer.WriteString("type", deletion.Type);
            writer.WriteString("id", deletion.Id);
            writer.WriteString("deletedAt", deletion.DeletedAt);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public void ReadState(JsonElement state)
    {
        _records.Clear();
        _byType.Clear();
        _deletions.Clear();
        _counters.Clear();
        _sequence = state.GetProperty("sequence").GetInt64();
        foreach (var counter in state.GetProperty("counters").EnumerateObject())
        {
            _counters[counter.Name] = counter.Value.GetInt64();
        }

        foreach (var item in state.GetProperty("records").EnumerateArray())
        {
            var record = new SfRecord(item.GetProperty("id").GetString()!, item.GetProperty("type").GetString()!, item.GetProperty("sequence").GetInt64())
            {
                DeletedAt = item.TryGetProperty("deletedAt", out var deleted) ? deleted.GetDateTimeOffset() : null,
            };
            foreach (var value in item.GetProperty("values").EnumerateObject())
            {
                record.Values[value.Name] = EmulatorStateValues.Read(value.Value);
            }

            Add(record);
        }

        foreach (var item in state.GetProperty("deletions").EnumerateArray())
        {
            _deletions.Add(new SfDeletion(item.GetProperty("type").GetString()!, item.GetProperty("id").GetString()!, item.GetProperty("deletedAt").GetDateTimeOffset()));
        }
    }
}
