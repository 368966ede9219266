using System.Runtime.CompilerServices;

namespace Aria.CrmSync.Sync;

/// <summary>
/// One run of a whole-connection sync under the connection's lease: the CRM's change stream, the leads changed on
/// ARIA's side, the queued notes and the activities, each page through the write protocol; counts what it did.
/// </summary>
internal sealed partial class ConnectionRun(ConnectionRunParts svc, CrmConnection connection, ICrmGateway gateway, ConnectionSyncOptions options, IProgress<ConnectionSyncProgress>? progress, SyncLease lease)
{
    // Memory is bounded by the page, not the connection: leads are looked up per CRM page (or per streamed chunk of
    // the lead-changes phase) and dropped after it; _states holds the states of the page or batch in hand only. What
    // lives for the whole run is lead ids: _compared (the leads compared so far: the change hits plus the leads with
    // ARIA-side changes; every linked lead under FullReconciliation) and _queuedNotes (the CRM ids of leads with queued
    // notes), each held as bytes (CompactIds), not as a string an id.
    private readonly Dictionary<string, CrmSyncState> _states = new(StringComparer.Ordinal);
    private readonly CompactIdSet _compared = new();
    private readonly CompactIds _queuedNotes = new();
    private readonly List<SyncResult> _failures = [];
    private readonly SemaphoreSlim _leaseGate = new(1, 1);
    private int _recordsRead;
    private int _leadsUpdated;
    private int _crmUpdated;
    private int _conflictsResolved;
    private int _conflictsOpen;
    private int _notesPushed;
    private int _activitiesAdded;
    private CrmCursor? _cursor;
    private DateTimeOffset _startedAt;
    private string? _stopReason;
    private DateTimeOffset? _pausedUntil;

    public SyncLease Lease { get; private set; } = lease;

    public ConnectionSyncPhase Phase { get; private set; } = ConnectionSyncPhase.CrmChanges;

    private bool _requiresReauthorization;

    public bool Completed => _stopReason is null;

    private CrmProvider Provider => connection.Provider;

    public void Stop(string reason, DateTimeOffset? pausedUntil, CrmSyncException? cause = null)
    {
        _stopReason = reason;
        _pausedUntil = pausedUntil;
        _requiresReauthorization = cause is CrmConnectionException { RequiresReauthorization: true };
    }

    public Task ExecuteAsync(CancellationToken cancellationToken)
        => WithEarlyReadsAsync(() => ExecutePhasesAsync(cancellationToken));

    private async Task ExecutePhasesAsync(CancellationToken cancellationToken)
    {
        _startedAt = svc.Env.Time.GetUtcNow();
        Phase = ConnectionSyncPhase.CrmChanges;
        await ApplyCrmChangesAsync(cancellationToken).ConfigureAwait(false);
        await FreshStack();

        // Activities only add lead events, so they are pulled alongside the pushes: the activity searches wait on the
        // CRM's search budget while the writes use the general one, and neither waits for the other.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var activities = options.IncludeActivities
            ? PullActivityChangesAsync(stop.Token)
            : Task.CompletedTask;
        try
        {
            Phase = ConnectionSyncPhase.LeadChanges;
            await ApplyLeadChangesAsync(stop.Token).ConfigureAwait(false);
            await FreshStack();

            if (options.PushLocalChanges)
            {
                Phase = ConnectionSyncPhase.Notes;
                await FinishNotesBesideAsync(stop.Token).ConfigureAwait(false);
                await DeliverQueuedNotesAsync(stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await StopNotesBesideAsync().ConfigureAwait(false);
            try
            {
                await activities.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The pushes' failure is the run's outcome; the activity pull stopped with it and resumes from its checkpoint.
            }

            throw;
        }

        if (options.IncludeActivities)
        {
            Phase = ConnectionSyncPhase.Activities;
            await activities.ConfigureAwait(false);
        }

        await PullContactsAsync(cancellationToken).ConfigureAwait(false);
    }

    public ConnectionSyncProgress Progress(ConnectionSyncPhase phase)
        => new(phase, _compared.Count, _leadsUpdated, _crmUpdated, _failures.Count);

    public ConnectionSyncResult Result(string userId, CrmProvider provider, TimeSpan duration) => new()
    {
        UserId = userId,
        Provider = provider,
        Completed = Completed,
        Reason = _stopReason,
        PausedUntil = _pausedUntil,
        RequiresReauthorization = _requiresReauthorization,
        RecordsRead = _recordsRead,
        LeadsCompared = _compared.Count,
        LeadsUpdated = _leadsUpdated,
        CrmRecordsUpdated = _crmUpdated,
        ConflictsResolved = _conflictsResolved,
        ConflictsOpen = _conflictsOpen,
        NotesPushed = _notesPushed,
        ActivitiesAdded = _activitiesAdded,
        StakeholdersUpdated = _stakeholdersUpdated,
        Failures = _failures,
        Cursor = _cursor,
        Duration = duration,
    };

    /// <summary>
    /// The linked leads of these CRM records by CRM id, with their sync states in <see cref="_states"/>: one batched
    /// lookup, the states, then the leads again — a lead read before its state could look changed where another sync
    /// already agreed (and its old value would be pushed). Every phase that starts from CRM ids (a change page, a
    /// targeted run, the queued notes) uses it.
    /// </summary>
    private Task<Dictionary<string, LeadMemory>> LeadsForCrmIdsAsync(IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken)
        => LeadsForCrmIdsAsync(crmIds, _states, cancellationToken);

    /// <summary>As <see cref="LeadsForCrmIdsAsync(IReadOnlyCollection{string}, CancellationToken)"/>, with the states in <paramref name="states"/> (a task beside the phases keeps its own).</summary>
    private async Task<Dictionary<string, LeadMemory>> LeadsForCrmIdsAsync(IReadOnlyCollection<string> crmIds, Dictionary<string, CrmSyncState> states, CancellationToken cancellationToken)
    {
        // Only the first read's lead ids are kept: its leads are garbage before the second read fills a page again.
        var leadIds = (await svc.Leads.FindByCrmIdsAsync(connection.UserId, Provider, crmIds, cancellationToken).ConfigureAwait(false)).Select(l => l.Id).ToList();
        if (leadIds.Count == 0)
        {
            return new Dictionary<string, LeadMemory>(StringComparer.Ordinal);
        }

        await LoadStatesAsync(leadIds, states, cancellationToken).ConfigureAwait(false);
        return await FindLeadsAsync(crmIds, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The connection's linked leads streamed from the store in chunks of <paramref name="size"/> (the last one may be shorter; none is empty).</summary>
    private async IAsyncEnumerable<List<LeadMemory>> LinkedLeadChunksAsync(int size, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chunk = new List<LeadMemory>(size);
        await foreach (var lead in svc.Leads.ListLinkedAsync(connection.UserId, Provider, cancellationToken).ConfigureAwait(false))
        {
            chunk.Add(lead);
            if (chunk.Count == size)
            {
                yield return chunk;
                chunk = new List<LeadMemory>(size);
            }
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    /// <summary>The linked leads of these CRM records by CRM id, one batched lookup, no states (the activity phase needs none).</summary>
    private async Task<Dictionary<string, LeadMemory>> FindLeadsAsync(IReadOnlyCollection<string> crmIds, CancellationToken cancellationToken)
    {
        var byCrmId = new Dictionary<string, LeadMemory>(StringComparer.Ordinal);
        if (crmIds.Count > 0)
        {
            foreach (var lead in await svc.Leads.FindByCrmIdsAsync(connection.UserId, Provider, crmIds, cancellationToken).ConfigureAwait(false))
            {
                byCrmId[lead.CrmId!] = lead;
            }
        }

        return byCrmId;
    }

    private async Task LoadStatesAsync(IReadOnlyCollection<string> leadIds, Dictionary<string, CrmSyncState> states, CancellationToken cancellationToken)
    {
        foreach (var state in await svc.States.GetManyAsync(leadIds, cancellationToken).ConfigureAwait(false))
        {
            states[state.LeadMemoryId] = state;
        }
    }

    private CrmSyncState StateFor(LeadMemory lead, DateTimeOffset now)
    {
        if (_states.TryGetValue(lead.Id, out var state))
        {
            return state.CrmId is not null && state.CrmId != lead.CrmId
                ? state with { CrmId = lead.CrmId, BaseSnapshot = new Dictionary<string, string?>(), CrmLastModifiedAt = null } // re-linked: no agreement yet
                : state;
        }

        return SyncStateWriter.NewState(lead, now);
    }

    private async Task FailLeadAsync(LeadMemory lead, CrmSyncException exception, CancellationToken cancellationToken)
    {
        var now = svc.Env.Time.GetUtcNow();
        if (!_states.ContainsKey(lead.Id))
        {
            try
            {
                _states[lead.Id] = await svc.States.InsertAsync(StateFor(lead, now), cancellationToken).ConfigureAwait(false);
            }
            catch (CrmSyncConcurrencyException)
            {
            }
        }

        var ctx = new LeadContext(lead, _states.GetValueOrDefault(lead.Id) ?? StateFor(lead, now), connection, gateway, Provider, lead.CrmId!);
        var failure = await svc.Failures.FailAsync(ctx, "sync_connection", exception, cancellationToken).ConfigureAwait(false);
        if (await svc.States.GetAsync(lead.Id, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            _states[lead.Id] = stored;
        }

        _failures.Add(failure);
    }

    /// <summary>
    /// Resumes the run on a thread-pool thread, on a fresh stack. The store writes that end a batch complete
    /// synchronously, inside the completion of the batch's last CRM call, so without this the run would go on to the
    /// next batch (or phase) inside the frames of the batch it has finished: the gateway call, the write protocol, the
    /// page, the note sender, the audit append; and each of those frames keeps its state machine, with the batch's
    /// plans, states, records, results and audit entries, alive while the next batch is read and claimed (heap dumps at
    /// 100,000 leads: the note phase's first claims ran on top of the last comparison batch's update call, 25.2 MiB live,
    /// and each note batch's claims on top of the previous note batch, 26.8 MiB, against 12.7 MiB once the frames return).
    /// Yielding lets those frames return before the run goes on; once a batch, so the hop costs nothing measurable.
    /// </summary>
    private static ConfiguredTaskAwaitable FreshStack() => Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);

    /// <summary>Renews the run's lease; every phase renews it once a batch (or page), so it first lets that batch's frames return (<see cref="FreshStack"/>).</summary>
    private async Task RenewLeaseAsync(CancellationToken cancellationToken)
    {
        await FreshStack();

        // The activity pull and the pushes renew the same lease; one renewal at a time, each from the last.
        await _leaseGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Lease = await svc.States.RenewLeaseAsync(Lease, options.LeaseDuration, cancellationToken).ConfigureAwait(false)
                ?? throw new CrmSyncConcurrencyException("Connection lease", Lease.Resource, Lease.Token, null);
        }
        finally
        {
            _leaseGate.Release();
        }
    }
}
