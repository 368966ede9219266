using System.Diagnostics;
using System.Globalization;
using Aria.CrmSync.Auditing;
using Aria.CrmSync.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Aria.CrmSync.Benchmarks;

/// <summary>
/// Sustained audit append on SQLite: N entries in batches of 1,000 (one transaction each, as a connection sync writes
/// them) into a new WAL-mode file, reporting the rate after every 100,000 entries, so the figure covers a growing file.
/// </summary>
internal static class SqliteAppendProbe
{
    private const int Batch = 1_000;

    public static async Task<int> RunAsync(int entries)
    {
        var path = Path.Combine(Path.GetTempPath(), $"aria-append-probe-{Guid.NewGuid():N}.db");
        try
        {
            var store = new SqliteAuditStore(new SqliteDatabase(new SqliteStoreOptions { ConnectionString = $"Data Source={path}" }));
            await store.AppendAsync(Drafts(0), CrmAuditService.Sealer); // schema, JIT
            var stopwatch = Stopwatch.StartNew();
            for (var written = Batch; written <= entries; written += Batch)
            {
                await store.AppendAsync(Drafts(written), CrmAuditService.Sealer);
                if (written % 100_000 == 0 || written == entries)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{written:N0} entries: {written / stopwatch.Elapsed.TotalSeconds:N0} entries/s"));
                }
            }

            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    private static CrmAuditEntry[] Drafts(int from)
        => Enumerable.Range(from, Batch).Select(i => BenchData.Draft(i)).ToArray(); // new ids, later times
}
