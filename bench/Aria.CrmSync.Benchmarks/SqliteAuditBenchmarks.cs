using Aria.CrmSync.Auditing;
using Aria.CrmSync.Storage.Sqlite;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace Aria.CrmSync.Benchmarks;

/// <summary>
/// Audit append on SQLite (target: ≥ 20,000 entries/s): a batch of 1,000 entries (one transaction, as
/// <c>LogManyAsync</c> and a connection sync write them) and single entries (one transaction each, as
/// <c>LogSyncOperationAsync</c> writes them), into a WAL-mode file that grows across iterations.
/// </summary>
[MemoryDiagnoser]
public class SqliteAuditBenchmarks
{
    private const int Batch = 1_000;
    private const int Singles = 200;
    private string _path = string.Empty;
    private SqliteAuditStore _store = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), $"aria-bench-audit-{Guid.NewGuid():N}.db");
        _store = new SqliteAuditStore(new SqliteDatabase(new SqliteStoreOptions { ConnectionString = $"Data Source={_path}" }));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public async Task<int> AppendSqlite_Batch()
    {
        var sealedEntries = await _store.AppendAsync(Next(Batch), CrmAuditService.Sealer);
        return sealedEntries.Count;
    }

    [Benchmark(OperationsPerInvoke = Singles)]
    public async Task<int> AppendSqlite_OneByOne()
    {
        var count = 0;
        for (var i = 0; i < Singles; i++)
        {
            count += (await _store.AppendAsync(Next(1), CrmAuditService.Sealer)).Count;
        }

        return count;
    }

    /// <summary>
    /// The next drafts of a live trail: new ids (the store rightly refuses an id it holds) and later times (the same
    /// timestamps over and over would scatter the time index's inserts across the whole file).
    /// </summary>
    private CrmAuditEntry[] Next(int count)
    {
        var drafts = Enumerable.Range(_next, count).Select(i => BenchData.Draft(i)).ToArray();
        _next += count;
        return drafts;
    }
}
