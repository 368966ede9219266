using System.Text.Json;
using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Auditing;

/// <summary>Streams audit entries as a JSON array (snake_case, with the chain fields), flushing as it goes.</summary>
internal static class AuditJsonExporter
{
    public static async Task<long> WriteAsync(IAsyncEnumerable<CrmAuditEntry> entries, Stream destination, CancellationToken cancellationToken)
    {
        var writer = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartArray();
            long count = 0;
            await foreach (var entry in entries.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                WriteEntry(writer, entry);
                count++;
                if (writer.BytesPending > 32 * 1024)
                {
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            writer.WriteEndArray();
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            return count;
        }
    }

    public static void WriteEntry(Utf8JsonWriter writer, CrmAuditEntry entry)
    {
        writer.WriteStartObject();
        writer.WriteString("id", entry.Id);
        writer.WriteString("user_id", entry.UserId);
        if (entry.LeadMemoryId is null)
        {
            writer.WriteNull("lead_memory_id");
        }
        else
        {
            writer.WriteString("lead_memory_id", entry.LeadMemoryId);
        }

        writer.WriteString("operation", WireValue.Format(entry.Operation));
        writer.WriteString("provider", WireValue.Format(entry.Provider));
        writer.WriteBoolean("success", entry.Success);
        writer.WritePropertyName("details");
        CanonicalJson.Write(writer, entry.Details);
        if (entry.ErrorMessage is null)
        {
            writer.WriteNull("error_message");
        }
        else
        {
            writer.WriteString("error_message", entry.ErrorMessage);
        }

        writer.WriteString("created_at", AuditTime.Format(entry.CreatedAt));
        writer.WriteNumber("sequence", entry.Sequence);
        if (entry.PreviousHash is null)
        {
            writer.WriteNull("previous_hash");
        }
        else
        {
            writer.WriteString("previous_hash", entry.PreviousHash);
        }

        writer.WriteString("hash", entry.Hash);
        writer.WriteEndObject();
    }
}
