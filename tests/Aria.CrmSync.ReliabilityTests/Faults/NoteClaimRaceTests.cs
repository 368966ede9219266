using Aria.CrmSync.ReliabilityTests.Infrastructure;
using Aria.CrmSync.Storage.InMemory;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.ReliabilityTests.Faults;

/// <summary>
/// The note sender claims and records a batch of leads' notes with one batched read and one batched write of their sync
/// states. Another writer changing a state between the two refuses that state only: it is claimed again on its own, and
/// one another writer keeps changing has its note wait for the next run. Every note reaches the CRM exactly once.
/// </summary>
public sealed class NoteClaimRaceTests
{
    private static readonly CrmProvider HubSpot = CrmProvider.HubSpot;

    [Theory]
    [InlineData(false)] // one change before the batched write: claimed again at once
    [InlineData(true)] // changed before every write: its note waits for the next run
    public async Task AStateChangedBetweenTheBatchReadAndWrite_IsClaimedOnItsOwn_EveryNoteSentOnce(bool always)
    {
        RacingStore? racing = null;
        await using var host = await EngineHost.StartAsync(services: s => s.AddSingleton<ISyncStateStore>(sp => racing = new RacingStore(new InMemorySyncStateStore(sp.GetService<TimeProvider>()))));
        var linked = new List<(LeadMemory Lead, string CrmId)>();
        for (var i = 0; i < 3; i++)
        {
            linked.Add(await host.AddLeadAsync(HubSpot, $"lead-{i}"));
        }

        Assert.True((await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot)).Completed);
        foreach (var (lead, _) in linked)
        {
            await host.Sync.QueueSummaryAsync(EngineHost.User, lead.Id, $"Recap of {lead.Id}");
        }

        racing!.Interfere(linked[1].Lead.Id, always);
        var first = await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot);
        racing.Interfere(null, always: false);
        var second = await host.Sync.SyncConnectionAsync(EngineHost.User, HubSpot);

        Assert.True(first.Completed && second.Completed, first.Reason ?? second.Reason);
        Assert.True(racing.Refused > 0, "the batched write refused no state: the race was not exercised");
        Assert.Equal(always ? (2, 1) : (3, 0), (first.NotesPushed, second.NotesPushed));
        var emulator = (HubSpotEmulator)host.Emulator(HubSpot);
        foreach (var (lead, crmId) in linked)
        {
            Assert.Single(emulator.GetAssociations("deals", crmId, "notes"));
            var state = (await host.States.GetAsync(lead.Id))!;
            Assert.All(state.Outbox, o => Assert.Equal(OutboxItemStatus.Done, o.Status));
        }
    }

    /// <summary>An in-memory store where another writer changes one lead's state just before the next batched write touching it (or before every write).</summary>
    private sealed class RacingStore(ISyncStateStore inner) : ISyncStateStore
    {
        private string? _leadId;
        private bool _always;

        public int Refused { get; private set; }

        public void Interfere(string? leadId, bool always) => (_leadId, _always) = (leadId, always);

        public async ValueTask<IReadOnlyList<SyncStateWriteResult>> WriteManyAsync(IReadOnlyList<CrmSyncState> states, CancellationToken cancellationToken = default)
        {
            if (states.Any(s => s.LeadMemoryId == _leadId))
            {
                await ChangeMeanwhileAsync(cancellationToken);
                _leadId = _always ? _leadId : null;
            }

            var results = await inner.WriteManyAsync(states, cancellationToken);
            Refused += results.Count(r => !r.Succeeded);
            return results;
        }

        public async ValueTask<CrmSyncState> UpdateAsync(CrmSyncState state, CancellationToken cancellationToken = default)
        {
            if (_always && state.LeadMemoryId == _leadId)
            {
                await ChangeMeanwhileAsync(cancellationToken);
            }

            return await inner.UpdateAsync(state, cancellationToken);
        }

        public ValueTask<CrmSyncState?> GetAsync(string leadMemoryId, CancellationToken cancellationToken = default) => inner.GetAsync(leadMemoryId, cancellationToken);

        public ValueTask<IReadOnlyList<CrmSyncState>> GetManyAsync(IReadOnlyCollection<string> leadMemoryIds, CancellationToken cancellationToken = default) => inner.GetManyAsync(leadMemoryIds, cancellationToken);

        public ValueTask<CrmSyncState> InsertAsync(CrmSyncState state, CancellationToken cancellationToken = default) => inner.InsertAsync(state, cancellationToken);

        public IAsyncEnumerable<CrmSyncState> QueryAsync(SyncStateQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

        public ValueTask<SyncCursorRecord?> GetCursorAsync(string connectionKey, string stream, CancellationToken cancellationToken = default) => inner.GetCursorAsync(connectionKey, stream, cancellationToken);

        public ValueTask SaveCursorAsync(SyncCursorRecord cursor, CancellationToken cancellationToken = default) => inner.SaveCursorAsync(cursor, cancellationToken);

        public ValueTask<SyncLease?> TryAcquireLeaseAsync(string resource, string owner, TimeSpan duration, CancellationToken cancellationToken = default) => inner.TryAcquireLeaseAsync(resource, owner, duration, cancellationToken);

        public ValueTask<SyncLease?> RenewLeaseAsync(SyncLease lease, TimeSpan duration, CancellationToken cancellationToken = default) => inner.RenewLeaseAsync(lease, duration, cancellationToken);

        public ValueTask ReleaseLeaseAsync(SyncLease lease, CancellationToken cancellationToken = default) => inner.ReleaseLeaseAsync(lease, cancellationToken);

        /// <summary>Another writer's change: the same state written again at its current version (its version moves on).</summary>
        private async Task ChangeMeanwhileAsync(CancellationToken cancellationToken)
        {
            if (await inner.GetAsync(_leadId!, cancellationToken) is not { } current)
            {
                return;
            }

            await inner.UpdateAsync(current with { UpdatedAt = current.UpdatedAt.AddMilliseconds(1) }, cancellationToken);
        }
    }
}
