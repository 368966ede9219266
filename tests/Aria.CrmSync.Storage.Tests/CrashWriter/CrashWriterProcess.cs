using System.Diagnostics;
using Aria.CrmSync.Auditing;
using Aria.CrmSync.Storage.PostgreSql;
using Aria.CrmSync.Storage.Sqlite;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.CrashWriter;

/// <summary>
/// A writer that really dies mid-batch: a child process appends audit batches in a loop and, in batch
/// <c>hangAtBatch</c>, stops inside the store's open write transaction (the sealer blocks after sealing part of the batch)
/// and tells the parent, which kills it with SIGKILL. What a crash leaves behind is then inspected by the parent.
/// </summary>
public static class CrashWriterProcess
{
    public const string Verb = "crash-writer";
    public const int BatchSize = 20;
    public const string User = "crash-user";
    public const string OtherUser = "crash-other";

    /// <summary>Starts the child, waits until it hangs inside batch <paramref name="hangAtBatch"/>, kills it and returns the batches it reported committed.</summary>
    public static async Task<int> RunAndKillMidBatchAsync(string kind, string connectionString, string schema, int hangAtBatch)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { typeof(CrashWriterProcess).Assembly.Location, Verb, kind, connectionString, schema, hangAtBatch.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the crash writer.");
        var committed = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                    ?? throw new InvalidOperationException($"The crash writer exited early ({process.ExitCode}): {await process.StandardError.ReadToEndAsync()}");
                if (line == "hanging")
                {
                    break;
                }

                if (line.StartsWith("committed ", StringComparison.Ordinal))
                {
                    committed = int.Parse(line["committed ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true); // SIGKILL: no finally blocks, no rollback sent, no clean close
            await process.WaitForExitAsync();
        }

        return committed;
    }

    public static async Task<int> RunChildAsync(string[] args)
    {
        var (kind, connectionString, schema, hangAtBatch) = (args[0], args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
        IAuditStore store = kind switch
        {
            "sqlite" => new SqliteAuditStore(new SqliteDatabase(new SqliteStoreOptions { ConnectionString = connectionString })),
            "postgres" => new PostgreSqlAuditStore(new PostgreSqlDatabase(new PostgreSqlStoreOptions { ConnectionString = connectionString, Schema = schema })),
            _ => throw new ArgumentException($"Unknown store kind '{kind}'.", nameof(args)),
        };

        for (var batch = 1; ; batch++)
        {
            var drafts = Enumerable.Range(0, BatchSize)
                .Select(i => Draft(i % 4 == 3 ? OtherUser : User, "lead-" + batch, at: T0.AddSeconds(batch).AddMilliseconds(i)))
                .ToList();
            IAuditChainSealer sealer = batch == hangAtBatch ? new HangingSealer(BatchSize / 2) : CrmAuditService.Sealer;
            await store.AppendAsync(drafts, sealer);
            Console.WriteLine($"committed {batch}");
            Console.Out.Flush();
        }
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    /// <summary>Seals normally, then blocks forever at call <c>hangAt</c>: the batch's transaction stays open until the process is killed.</summary>
    private sealed class HangingSealer(int hangAt) : IAuditChainSealer
    {
        private int _calls;

        public CrmAuditEntry Seal(CrmAuditEntry draft, long sequence, string? previousHash)
        {
            if (++_calls == hangAt)
            {
                Console.WriteLine("hanging");
                Console.Out.Flush();
                Thread.Sleep(Timeout.Infinite);
            }

            return CrmAuditService.Sealer.Seal(draft, sequence, previousHash);
        }

        public string ComputeHash(CrmAuditEntry entry) => CrmAuditService.Sealer.ComputeHash(entry);
    }
}
