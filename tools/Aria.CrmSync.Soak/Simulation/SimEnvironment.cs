using Aria.CrmSync.Soak.World;
using Aria.CrmSync.Storage.InMemory;

namespace Aria.CrmSync.Soak.Simulation;

/// <summary>
/// What every simulated worker of a deterministic soak shares: the virtual clock, the scheduler, the trace, the
/// emulators (served in process) and, for the <c>memory</c> store, the store instances (the "database").
/// </summary>
public sealed class SimEnvironment
{
    public SimEnvironment(int seed, TextWriter? traceOutput)
    {
        Clock = new SimClock(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        Scheduler = new SimScheduler(seed ^ 0x5eed, Clock);
        if (traceOutput is not null)
        {
            Trace = new SimTrace(traceOutput) { Scheduler = Scheduler, Clock = Clock };
        }

        SyncStates = new InMemorySyncStateStore(Clock);
    }

    public SimClock Clock { get; }

    public SimScheduler Scheduler { get; }

    public SimTrace? Trace { get; }

    public CrmWorld World { get; set; } = null!;

    public ILeadMemoryStore Leads { get; } = new InMemoryLeadMemoryStore();

    public ISyncStateStore SyncStates { get; }

    public IAuditStore Audit { get; } = new InMemoryAuditStore();
}
