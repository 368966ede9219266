using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Aria.CrmSync.Testing.Salesforce.ChangeData;

/// <summary>
/// The Avro schema of one object's change event (<c>{Object}ChangeEvent</c>) and its binary encoding. The layout
/// follows Salesforce's: a <c>ChangeEventHeader</c> record first, then every field of the object as a nullable union
/// defaulting to null; <c>IsDeleted</c> and <c>SystemModstamp</c> are not part of a change event (Change Event
/// Message Structure: https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_message_structure.htm).
/// Dates and datetimes are epoch-based longs, not ISO strings (Event Deserialization Considerations:
/// https://developer.salesforce.com/docs/platform/pub-sub-api/guide/event-deserialization-considerations.html).
/// </summary>
internal sealed class SfChangeSchema
{
    /// <summary>The change types of <c>ChangeEventHeader.changeType</c>, in the enum's symbol order.</summary>
    public static readonly string[] ChangeTypes = ["CREATE", "UPDATE", "DELETE", "UNDELETE", "GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE", "GAP_OVERFLOW"];

    private SfChangeSchema(string entityName, IReadOnlyList<SfField> fields, string json, string id)
    {
        EntityName = entityName;
        Fields = fields;
        Json = json;
        Id = id;
    }

    /// <summary>Gets the object's API name.</summary>
    public string EntityName { get; }

    /// <summary>Gets the object's fields in schema order; the field at index i has Avro position i + 1 (the header is position 0).</summary>
    public IReadOnlyList<SfField> Fields { get; }

    /// <summary>Gets the schema as JSON (what <c>GetSchema</c> returns).</summary>
    public string Json { get; }

    /// <summary>Gets the schema id: a fingerprint of <see cref="Json"/>, so a new custom field gives a new id.</summary>
    public string Id { get; }

    /// <summary>Builds the schema of an object from its current fields.</summary>
    public static SfChangeSchema For(SfObject obj)
    {
        var fields = obj.Fields.Where(f => f.Type != SfFieldType.Address && f.Name is not ("Id" or "IsDeleted" or "SystemModstamp")).ToList();
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "record");
            w.WriteString("name", obj.Name + "ChangeEvent");
            w.WriteString("namespace", "com.sforce.eventbus");
            w.WriteStartArray("fields");
            w.WriteStartObject();
            w.WriteString("name", "ChangeEventHeader");
            w.WritePropertyName("type");
            WriteHeaderSchema(w);
            w.WriteString("doc", "Data:ChangeEventHeader");
            w.WriteEndObject();
            foreach (var field in fields)
            {
                w.WriteStartObject();
                w.WriteString("name", field.Name);
                w.WriteStartArray("type");
                w.WriteStringValue("null");
                w.WriteStringValue(AvroType(field.Type));
                w.WriteEndArray();
                w.WriteString("doc", "Data:" + field.Type.ToString());
                w.WriteNull("default");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        var json = Encoding.UTF8.GetString(buffer.ToArray());
        var id = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(json))[..16]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return new SfChangeSchema(obj.Name, fields, json, id);
    }

    /// <summary>Encodes one change event payload (Avro binary, the schema's field order).</summary>
    public byte[] Encode(SfChangeHeader header, IReadOnlyDictionary<string, object?> values)
    {
        var w = new AvroWriter();
        w.String(header.EntityName);
        w.StringArray(header.RecordIds);
        w.Long(Array.IndexOf(ChangeTypes, header.ChangeType));
        w.String(header.ChangeOrigin);
        w.String(header.TransactionKey);
        w.Long(header.SequenceNumber);
        w.Long(header.CommitTimestamp);
        w.Long(header.CommitNumber);
        w.String(header.CommitUser);
        w.StringArray(header.NulledFields);
        w.StringArray(header.DiffFields);
        w.StringArray(header.ChangedFields);
        foreach (var field in Fields)
        {
            var value = values.GetValueOrDefault(field.Name);
            if (value is null)
            {
                w.Long(0);
                continue;
            }

            w.Long(1);
            switch (field.Type)
            {
                case SfFieldType.Boolean:
                    w.Boolean(value is true);
                    break;
                case SfFieldType.Currency or SfFieldType.Double or SfFieldType.Percent:
                    w.Double(System.Convert.ToDouble(value, CultureInfo.InvariantCulture));
                    break;
                case SfFieldType.Int:
                    w.Long(System.Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case SfFieldType.Date:
                    w.Long(value is DateOnly d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds() : 0);
                    break;
                case SfFieldType.DateTime:
                    w.Long(value is DateTimeOffset t ? t.ToUnixTimeMilliseconds() : 0);
                    break;
                default:
                    w.String(value as string ?? System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
                    break;
            }
        }

        return w.ToArray();
    }

    /// <summary>
    /// The bitmap of the given fields: <c>0x</c> and upper-case hexadecimal digits, bit n set for the field at Avro
    /// position n (Event Deserialization Considerations, "Bitmap Fields in ChangeEventHeader"). Empty when no field is named.
    /// </summary>
    public string[] Bitmap(IEnumerable<string> fieldNames)
    {
        var bits = BigInteger.Zero;
        foreach (var name in fieldNames)
        {
            var index = -1;
            for (var i = 0; i < Fields.Count; i++)
            {
                if (string.Equals(Fields[i].Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    index = i;
                    break;
                }
            }

            if (index >= 0)
            {
                bits |= BigInteger.One << (index + 1);
            }
        }

        if (bits.IsZero)
        {
            return [];
        }

        var hex = bits.ToString("X", CultureInfo.InvariantCulture).TrimStart('0');
        return ["0x" + (hex.Length % 2 == 1 ? "0" + hex : hex)];
    }

    private static string AvroType(SfFieldType type) => type switch
    {
        SfFieldType.Boolean => "boolean",
        SfFieldType.Currency or SfFieldType.Double or SfFieldType.Percent => "double",
        SfFieldType.Int => "int",
        SfFieldType.Date or SfFieldType.DateTime => "long",
        _ => "string",
    };

    private static void WriteHeaderSchema(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "record");
        w.WriteString("name", "ChangeEventHeader");
        w.WriteString("namespace", "com.salesforce.eventbus");
        w.WriteStartArray("fields");
        Field(w, "entityName", "string");
        ArrayField(w, "recordIds");
        w.WriteStartObject();
        w.WriteString("name", "changeType");
        w.WriteStartObject("type");
        w.WriteString("type", "enum");
        w.WriteString("name", "ChangeType");
        w.WriteString("namespace", "com.salesforce.eventbus");
        w.WriteStartArray("symbols");
        foreach (var symbol in ChangeTypes)
        {
            w.WriteStringValue(symbol);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        Field(w, "changeOrigin", "string");
        Field(w, "transactionKey", "string");
        Field(w, "sequenceNumber", "int");
        Field(w, "commitTimestamp", "long");
        Field(w, "commitNumber", "long");
        Field(w, "commitUser", "string");
        ArrayField(w, "nulledFields");
        ArrayField(w, "diffFields");
        ArrayField(w, "changedFields");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Field(Utf8JsonWriter w, string name, string type)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("type", type);
        w.WriteEndObject();
    }

    private static void ArrayField(Utf8JsonWriter w, string name)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteStartObject("type");
        w.WriteString("type", "array");
        w.WriteString("items", "string");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Avro binary encoding (Apache Avro specification, "Binary Encoding": zig-zag varints, length-prefixed strings, blocked arrays).</summary>
    private sealed class AvroWriter
    {
        private readonly MemoryStream _out = new();

        public void Long(long value)
        {
            var n = (ulong)((value << 1) ^ (value >> 63));
            while (n >= 0x80)
            {
                _out.WriteByte((byte)(n | 0x80));
                n >>= 7;
            }

            _out.WriteByte((byte)n);
        }

        public void Boolean(bool value) => _out.WriteByte(value ? (byte)1 : (byte)0);

        public void Double(double value)
        {
            Span<byte> bytes = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
            _out.Write(bytes);
        }

        public void String(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            Long(bytes.Length);
            _out.Write(bytes);
        }

        public void StringArray(IReadOnlyList<string> items)
        {
            if (items.Count > 0)
            {
                Long(items.Count);
                foreach (var item in items)
                {
                    String(item);
                }
            }

            Long(0);
        }

        public byte[] ToArray() => _out.ToArray();
    }
}

/// <summary>The <c>ChangeEventHeader</c> of one change event (ChangeEventHeader Fields:
/// https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_event_fields_header.htm).</summary>
internal sealed record SfChangeHeader(
    string EntityName,
    IReadOnlyList<string> RecordIds,
    string ChangeType,
    string ChangeOrigin,
    string TransactionKey,
    int SequenceNumber,
    long CommitTimestamp,
    long CommitNumber,
    string CommitUser,
    IReadOnlyList<string> NulledFields,
    IReadOnlyList<string> DiffFields,
    IReadOnlyList<string> ChangedFields);
