using Aria.CrmSync.Auditing;
using Aria.CrmSync.Storage.InMemory;
using BenchmarkDotNet.Attributes;

namespace Aria.CrmSync.Benchmarks;

/// <summary>Audit append (targets: ≥ 100,000/s in memory) and chain verification (1,000,000 entries &lt; 2 s).</summary>
[MemoryDiagnoser]
public class AuditBenchmarks
{
    private const int Batch = 1_000;
    private CrmAuditEntry[] _drafts = [];
    private CrmAuditService _verifyAudit = null!;

    [Params(1_000_000)]
    public int ChainLength { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _drafts = Enumerable.Range(0, Batch).Select(i => BenchData.Draft(i)).ToArray();
        (_verifyAudit, _) = await BenchData.FilledAuditAsync(ChainLength);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public async Task<int> AppendInMemory_Batch()
    {
        var store = new InMemoryAuditStore();
        var sealedEntries = await store.AppendAsync(_drafts, CrmAuditService.Sealer);
        return sealedEntries.Count;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task<int> AppendInMemory_OneByOne()
    {
        var store = new InMemoryAuditStore();
        for (var i = 0; i < _drafts.Length; i++)
        {
            await store.AppendAsync([_drafts[i]], CrmAuditService.Sealer);
        }

        return store.Count;
    }

    [Benchmark]
    public async Task<long> Verify_Chain()
    {
        var result = await _verifyAudit.VerifyAsync("user-1");
        return result.IsValid ? result.EntriesVerified : throw new InvalidOperationException(result.Message);
    }
}
