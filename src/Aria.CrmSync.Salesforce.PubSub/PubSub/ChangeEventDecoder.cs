using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using Avro;
using Avro.Generic;
using Avro.IO;

namespace Aria.CrmSync.PubSub;

/// <summary>The parts of a change event the subscriber acts on.</summary>
internal sealed record ChangeEventInfo(string EntityName, string ChangeType, IReadOnlyList<string> RecordIds, DateTimeOffset CommittedAt, IReadOnlyList<string> ChangedFields);

/// <summary>
/// Decodes Avro change event payloads with their writer schema (fetched by id, parsed once, cached), and expands the
/// bitmap fields of the <c>ChangeEventHeader</c> into field names against that schema: the first element is a bitmap over
/// the top-level fields (bit n = field at position n), elements <c>k-0x..</c> address the fields of the compound field
/// at position k (Event Deserialization Considerations:
/// https://developer.salesforce.com/docs/platform/pub-sub-api/guide/event-deserialization-considerations.html).
/// </summary>
internal sealed class ChangeEventDecoder
{
    private readonly ConcurrentDictionary<string, (RecordSchema Schema, GenericDatumReader<GenericRecord> Reader)> _schemas = new(StringComparer.Ordinal);

    public bool HasSchema(string schemaId) => _schemas.ContainsKey(schemaId);

    public void AddSchema(string schemaId, string schemaJson)
    {
        var schema = Schema.Parse(schemaJson) as RecordSchema
            ?? throw new CrmSyncDataException("A Pub/Sub schema is not an Avro record schema", "schema " + schemaId, CrmProvider.Salesforce);
        _schemas[schemaId] = (schema, new GenericDatumReader<GenericRecord>(schema, schema));
    }

    public ChangeEventInfo Decode(string schemaId, ReadOnlyMemory<byte> payload)
    {
        if (!_schemas.TryGetValue(schemaId, out var entry))
        {
            throw new InvalidOperationException($"Schema {schemaId} was not fetched.");
        }

        try
        {
            using var stream = new MemoryStream(payload.ToArray(), writable: false);
            var record = entry.Reader.Read(null!, new BinaryDecoder(stream));
            var header = (GenericRecord)record["ChangeEventHeader"];
            var ids = ((object[])header["recordIds"]).Select(o => (string)o).ToList();
            var changeType = header["changeType"] is GenericEnum e ? e.Value : Convert.ToString(header["changeType"], CultureInfo.InvariantCulture)!;
            var committed = DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(header["commitTimestamp"], CultureInfo.InvariantCulture));
            var changed = header.TryGetValue("changedFields", out var bitmap) ? FieldNames(entry.Schema, bitmap as object[]) : [];
            return new ChangeEventInfo((string)header["entityName"], changeType, ids, committed, changed);
        }
        catch (Exception ex) when (ex is AvroException or InvalidCastException or KeyNotFoundException or FormatException or EndOfStreamException or OverflowException)
        {
            throw new CrmSyncDataException($"A Pub/Sub change event could not be decoded with schema {schemaId}", "change event", CrmProvider.Salesforce, ex);
        }
    }

    /// <summary>Expands a bitmap field against the writer schema.</summary>
    internal static List<string> FieldNames(RecordSchema schema, object[]? bitmaps)
    {
        var names = new List<string>();
        foreach (var item in bitmaps ?? [])
        {
            if (item is not string text)
            {
                continue;
            }

            var dash = text.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                names.AddRange(Set(schema.Fields, text).Select(f => f.Name));
                continue;
            }

            if (int.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var parent) && parent < schema.Fields.Count)
            {
                var compound = schema.Fields[parent];
                var nested = compound.Schema is UnionSchema union ? union.Schemas.OfType<RecordSchema>().FirstOrDefault() : compound.Schema as RecordSchema;
                if (nested is not null)
                {
                    names.AddRange(Set(nested.Fields, text[(dash + 1)..]).Select(f => compound.Name + "." + f.Name));
                }
            }
        }

        return names;
    }

    private static IEnumerable<Field> Set(List<Field> fields, string hex)
    {
        if (!hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            || !BigInteger.TryParse("0" + hex[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bits))
        {
            yield break;
        }

        for (var i = 0; i < fields.Count; i++)
        {
            if (!(bits & (BigInteger.One << i)).IsZero)
            {
                yield return fields[i];
            }
        }
    }
}
