using Aria.CrmSync.Sync;
using BenchmarkDotNet.Attributes;

namespace Aria.CrmSync.Benchmarks;

/// <summary>Per-record engine cost: mapping both sides and the three-way merge (target: ≥ 50,000 leads/s).</summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private const int Leads = 10_000;
    private LeadMemory[] _leads = [];
    private CrmRecord[] _records = [];
    private CrmSyncState[] _states = [];
    private readonly CrmSyncOptions _options = new();

    [GlobalSetup]
    public void Setup()
    {
        _leads = Enumerable.Range(0, Leads).Select(BenchData.Lead).ToArray();
        _records = Enumerable.Range(0, Leads).Select(i => BenchData.Record(i, changed: i % 4 == 0)).ToArray();
        _states = Enumerable.Range(0, Leads).Select(BenchData.State).ToArray();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Leads)]
    public int MergeOnly()
    {
        var changed = 0;
        for (var i = 0; i < Leads; i++)
        {
            var result = ThreeWayMerge.Merge(_states[i].BaseSnapshot, LeadFieldMapper.FromLead(_leads[i]), LeadFieldMapper.FromCrm(_records[i], _options.StageMapFor(CrmProvider.Salesforce), out _), LeadFields.Synced, _options.RuleFor);
            changed += result.ToLead.Count;
        }

        return changed;
    }

    [Benchmark(OperationsPerInvoke = Leads)]
    public int PlanAndSettle()
    {
        var changed = 0;
        for (var i = 0; i < Leads; i++)
        {
            var plan = LeadSyncPlan.Create(_leads[i], _records[i], _states[i], SyncDirection.Bidirectional, _options, BenchData.T0);
            var next = plan.Settle(_states[i], BenchData.T0);
            changed += plan.ToLead.Count + (int)next.Status;
        }

        return changed;
    }
}
