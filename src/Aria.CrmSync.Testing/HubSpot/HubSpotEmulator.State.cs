using System.Text.Json;

namespace Aria.CrmSync.Testing;

/// <content>Saving and loading the portal's data.</content>
public sealed partial class HubSpotEmulator
{
    private const string StateFormat = "aria-hubspot-emulator-state/1";

    /// <summary>
    /// Saves the portal's data (objects with their properties, associations, custom pipelines, the id counter) as
    /// JSON, so a later emulator can continue where this one stopped (<see cref="LoadState"/>). Tokens, property
    /// history and rate-limit windows are not saved.
    /// </summary>
    /// <param name="destination">Where to write.</param>
    public void SaveState(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var writer = new Utf8JsonWriter(destination);
        lock (_gate)
        {
            writer.WriteStartObject();
            writer.WriteString("format", StateFormat);
            writer.WriteNumber("portalId", _options.PortalId);
            writer.WriteNumber("lastId", _lastId);
            writer.WriteStartArray("objects");
            foreach (var (typeName, objects) in _objects)
            {
                foreach (var obj in objects.Values)
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", typeName);
                    writer.WriteNumber("id", obj.Id);
                    writer.WriteString("createdAt", obj.CreatedAt);
                    writer.WriteString("updatedAt", obj.UpdatedAt);
                    if (obj.ArchivedAt is { } archivedAt)
                    {
                        writer.WriteString("archivedAt", archivedAt);
                    }

                    writer.WriteStartObject("properties");
                    foreach (var (name, value) in obj.Properties)
                    {
                        writer.WriteString(name, value);
                    }

                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }
            }

            writer.WriteEndArray();
            writer.WriteStartArray("associations");
            foreach (var ((fromType, fromId), targets) in _edges)
            {
                foreach (var (toType, byId) in targets)
                {
                    foreach (var (toId, types) in byId)
                    {
                        foreach (var type in types)
                        {
                            writer.WriteStartObject();
                            writer.WriteString("from", fromType);
                            writer.WriteNumber("fromId", fromId);
                            writer.WriteString("to", toType);
                            writer.WriteNumber("toId", toId);
                            writer.WriteString("category", type.Category);
                            writer.WriteNumber("typeId", type.TypeId);
                            writer.WriteEndObject();
                        }
                    }
                }
            }

            writer.WriteEndArray();
            writer.WritePropertyName("pipelines");
            JsonSerializer.Serialize(writer, _pipelines);
            writer.WriteEndObject();
        }
    }

    /// <summary>Replaces the portal's data with a state saved by <see cref="SaveState"/>.</summary>
    /// <param name="source">The saved state.</param>
    /// <exception cref="InvalidDataException">The state is not a HubSpot emulator state or belongs to another portal.</exception>
    public void LoadState(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var document = JsonDocument.Parse(source);
        var root = document.RootElement;
        if (!root.TryGetProperty("format", out var format) || format.GetString() != StateFormat)
        {
            throw new InvalidDataException("Not a HubSpot emulator state.");
        }

        if (root.GetProperty("portalId").GetInt64() != _options.PortalId)
        {
            throw new InvalidDataException("The state was saved by an emulator of another portal.");
        }

        lock (_gate)
        {
            foreach (var store in _objects.Values)
            {
                store.Clear();
            }

            _edges.Clear();
            _lastId = root.GetProperty("lastId").GetInt64();
            foreach (var item in root.GetProperty("objects").EnumerateArray())
            {
                var type = _types[item.GetProperty("type").GetString()!];
                var obj = new HubSpotStoredObject
                {
                    Type = type,
                    Id = item.GetProperty("id").GetInt64(),
                    CreatedAt = item.GetProperty("createdAt").GetDateTimeOffset(),
                    UpdatedAt = item.GetProperty("updatedAt").GetDateTimeOffset(),
                    ArchivedAt = item.TryGetProperty("archivedAt", out var archived) ? archived.GetDateTimeOffset() : null,
                };
                foreach (var property in item.GetProperty("properties").EnumerateObject())
                {
                    obj.Set(property.Name, property.Value.ValueKind == JsonValueKind.Null ? null : property.Value.GetString(), obj.UpdatedAt);
                }

                _objects[type.Name][obj.Id] = obj;
            }

            foreach (var edge in root.GetProperty("associations").EnumerateArray())
            {
                var key = (edge.GetProperty("from").GetString()!, edge.GetProperty("fromId").GetInt64());
                if (!_edges.TryGetValue(key, out var targets))
                {
                    _edges[key] = targets = new Dictionary<string, SortedDictionary<long, List<HubSpotAssociationType>>>(StringComparer.Ordinal);
                }

                var toType = edge.GetProperty("to").GetString()!;
                if (!targets.TryGetValue(toType, out var byId))
                {
                    targets[toType] = byId = [];
                }

                var toId = edge.GetProperty("toId").GetInt64();
                if (!byId.TryGetValue(toId, out var types))
                {
                    byId[toId] = types = [];
                }

                types.Add(new HubSpotAssociationType(edge.GetProperty("category").GetString()!, edge.GetProperty("typeId").GetInt32()));
            }

            var pipelines = JsonSerializer.Deserialize<List<HubSpotPipeline>>(root.GetProperty("pipelines").GetRawText()) ?? [];
            _pipelines.Clear();
            _pipelines.AddRange(pipelines);
        }
    }
}
