using Aria.CrmSync.Serialization;
using CsvHelper;

namespace Aria.CrmSync.Auditing;

/// <summary>
/// Streams audit entries as RFC 4180 CSV in the seed's column order. Cells that a spreadsheet would run as a formula
/// (starting with <c>= + - @</c>, tab or carriage return) are neutralised with a leading apostrophe (and quoted).
/// </summary>
internal static class AuditCsvExporter
{
    public static readonly string[] Header = ["id", "user_id", "lead_memory_id", "operation", "provider", "success", "details", "error_message", "created_at"];

    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        Injection = CsvInjection.Escape,
        InjectionCharacters = "=+-@\t\r",
        InjectionEscape = '\'',
        NewLine = "\r\n",
    };

    public static async Task<long> WriteAsync(IAsyncEnumerable<CrmAuditEntry> entries, Stream destination, CancellationToken cancellationToken)
    {
        var csv = CsvWriter.Create(destination, Options, leaveOpen: true);
        await using (csv.ConfigureAwait(false))
        {
            csv.WriteHeader(Header);
            long count = 0;
            var fields = new string?[Header.Length];
            await foreach (var entry in entries.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                fields[0] = entry.Id;
                fields[1] = entry.UserId;
                fields[2] = entry.LeadMemoryId;
                fields[3] = WireValue.Format(entry.Operation);
                fields[4] = WireValue.Format(entry.Provider);
                fields[5] = entry.Success ? "true" : "false";
                fields[6] = CanonicalJson.ToText(entry.Details);
                fields[7] = entry.ErrorMessage;
                fields[8] = AuditTime.Format(entry.CreatedAt);
                await csv.WriteRecordAsync(fields!, cancellationToken).ConfigureAwait(false);
                count++;
            }

            await csv.FlushAsync(cancellationToken).ConfigureAwait(false);
            return count;
        }
    }
}
