using System.Diagnostics;
using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Sync;

/// <content>Whole-connection sync: batched, incremental, resumable, one lease per connection.</content>
internal sealed partial class CrmSyncService
{
    internal const string RecordStream = "records";
    internal const string ActivityStream = "activities";
    private static readonly string ProcessWorkerId = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    public async Task<ConnectionSyncResult> SyncConnectionAsync(string userId, CrmProvider provider, ConnectionSyncOptions? options = null, IProgress<ConnectionSyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        Auditing.AuditInput.ThrowIfInvalidId(userId, nameof(userId));
        if (provider.IsDefault)
        {
            throw new ArgumentOutOfRangeException(nameof(provider), "default(CrmProvider) names no CRM.");
        }

        options ??= new ConnectionSyncOptions();
        options.Validate();
        return await RunConnectionAsync(userId, provider, options, progress, static (run, token) => run.ExecuteAsync(token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="execute"/> on a connection under its lease, with the stops and audit every connection run has.</summary>
    private async Task<ConnectionSyncResult> RunConnectionAsync(string userId, CrmProvider provider, ConnectionSyncOptions options, IProgress<ConnectionSyncProgress>? progress, Func<ConnectionRun, CancellationToken, Task> execute, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = _telemetry.StartActivity("sync.connection", provider);

        if (!_gateways.TryGetValue(provider, out var gateway))
        {
            return NotRun(userId, provider, $"No gateway is registered for {Serialization.WireValue.Format(provider)}");
        }

        CrmConnection connection;
        try
        {
            connection = await _connections.ResolveAsync(userId, provider, cancellationToken).ConfigureAwait(false);
        }
        catch (CrmSyncException ex)
        {
            await _audit.LogSyncOperationAsync(userId, null, CrmAuditOperation.Error, provider, false, new Dictionary<string, object?> { ["operation"] = "sync_connection", ["code"] = ex.Code }, ex.Message, cancellationToken).ConfigureAwait(false);
            return NotRun(userId, provider, ex.Message) with { RequiresReauthorization = ex is CrmConnectionException { RequiresReauthorization: true } };
        }

        var lease = await _states.TryAcquireLeaseAsync("sync:" + connection.ConnectionKey, options.WorkerId ?? ProcessWorkerId, options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            return NotRun(userId, provider, LeaseHeldReason);
        }

        var run = new ConnectionRun(this, connection, gateway, options, progress, lease);
        try
        {
            await execute(run, cancellationToken).ConfigureAwait(false);
        }
        catch (CrmRateLimitedException ex) when (ex.Scope == CrmRateLimitScope.Daily)
        {
            var pausedUntil = ex.RetryAfter is { } after ? _time.GetUtcNow() + after : (DateTimeOffset?)null;
            run.Stop($"Paused: {ex.Message}", pausedUntil);
            await AuditStoppedRunAsync(userId, provider, run, ex, pausedUntil).ConfigureAwait(false);
        }
        catch (CrmSyncConcurrencyException ex) when (ex.ResourceId == run.Lease.Resource)
        {
            run.Stop("Lost the connection lease to another worker; it continues from the last checkpoint", null);
        }
        catch (CrmSyncException ex) when (ex is CrmConnectionException or CrmRateLimitedException or CrmSyncDataException)
        {
            // Unreachable, limited, or an unreadable response: the run stops; the next one resumes from the last checkpoint.
            run.Stop(ex.Message, null, ex);
            await AuditStoppedRunAsync(userId, provider, run, ex, null).ConfigureAwait(false);
        }
        catch (CrmSyncException ex)
        {
            await AuditStoppedRunAsync(userId, provider, run, ex, null).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await _states.ReleaseLeaseAsync(run.Lease, CancellationToken.None).ConfigureAwait(false);
        }

        progress?.Report(run.Progress(ConnectionSyncPhase.Done));
        _telemetry.OperationCompleted("sync_connection", provider, run.Completed, Stopwatch.GetElapsedTime(started));
        return run.Result(userId, provider, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Records a connection sync that stopped early: every failure, and every pause, has its <c>error</c> entry.</summary>
    private Task AuditStoppedRunAsync(string userId, CrmProvider provider, ConnectionRun run, CrmSyncException exception, DateTimeOffset? pausedUntil)
    {
        var details = new Dictionary<string, object?>
        {
            ["operation"] = "sync_connection",
            ["code"] = exception.Code,
            ["phase"] = run.Phase.ToString(),
        };
        if (pausedUntil is not null)
        {
            details["paused_until"] = pausedUntil;
        }

        return _audit.LogSyncOperationAsync(userId, null, CrmAuditOperation.Error, provider, false, WithErrorDetails(details, exception), exception.Message, CancellationToken.None);
    }

    /// <summary>The <see cref="ConnectionSyncResult.Reason"/> of a run that found the connection lease held (the fleet worker retries it soon).</summary>
    internal const string LeaseHeldReason = "Another worker is syncing this connection";

    private static ConnectionSyncResult NotRun(string userId, CrmProvider provider, string reason)
        => new() { UserId = userId, Provider = provider, Completed = false, Reason = reason };

    private sealed partial class ConnectionRun(CrmSyncService svc, CrmConnection connection, ICrmGateway gateway, ConnectionSyncOptions options, IProgress<ConnectionSyncProgress>? progress, SyncLease lease)
    {
        private readonly Dictionary<string, LeadMemory> _leadsByCrmId = new(StringComparer.Ordinal);
        private readonly Dictionary<string, CrmSyncState> _states = new(StringComparer.Ordinal);
        private readonly HashSet<string> _compared = new(StringComparer.Ordinal);
        private readonly HashSet<string> _readById = new(StringComparer.Ordinal); // leads whose lagging change hit is re-read by id
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

        public async Task ExecuteAsync(CancellationToken cancellationToken)
        {
            await LoadLinkedLeadsAsync(cancellationToken).ConfigureAwait(false);

            Phase = ConnectionSyncPhase.CrmChanges;
            await ApplyCrmChangesAsync(cancellationToken).ConfigureAwait(false);

            // Activities only add lead events, so they are pulled alongside the pushes: the activity searches wait on the
            // CRM's search budget while the writes use the general one, and neither waits for the other.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var activities = options.IncludeActivities
                ? PullActivityChangesAsync(new Dictionary<string, LeadMemory>(_leadsByCrmId, StringComparer.Ordinal), stop.Token)
                : Task.CompletedTask;
            try
            {
                Phase = ConnectionSyncPhase.LeadChanges;
                await ApplyLeadChangesAsync(stop.Token).ConfigureAwait(false);

                if (options.PushLocalChanges)
                {
                    Phase = ConnectionSyncPhase.Notes;
                    await DeliverQueuedNotesAsync(stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception)
            {
                await stop.CancelAsync().ConfigureAwait(false);
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
            Failures = _failures,
            Cursor = _cursor,
            Duration = duration,
        };

        private async Task LoadLinkedLeadsAsync(CancellationToken cancellationToken)
        {
            await foreach (var lead in svc._leads.ListLinkedAsync(connection.UserId, Provider, cancellationToken).ConfigureAwait(false))
            {
                _leadsByCrmId.TryAdd(lead.CrmId!, lead);
            }

            foreach (var chunk in _leadsByCrmId.Values.Select(l => l.Id).Chunk(1000))
            {
                foreach (var state in await svc._states.GetManyAsync(chunk, cancellationToken).ConfigureAwait(false))
                {
                    _states[state.LeadMemoryId] = state;
                }
            }

            // The leads again, now that their states are read: a lead older than its state could look changed where
            // another sync already agreed (and its old value would be pushed).
            _leadsByCrmId.Clear();
            await foreach (var lead in svc._leads.ListLinkedAsync(connection.UserId, Provider, cancellationToken).ConfigureAwait(false))
            {
                _leadsByCrmId.TryAdd(lead.CrmId!, lead);
            }
        }

        private async Task ApplyCrmChangesAsync(CancellationToken cancellationToken)
        {
            var checkpoint = await svc._states.GetCursorAsync(connection.ConnectionKey, RecordStream, cancellationToken).ConfigureAwait(false);
            _cursor = checkpoint?.Cursor;
            var since = checkpoint is null ? null : new CrmCursor(checkpoint.Cursor.Timestamp - options.OverlapWindow, null);

            await foreach (var page in gateway.GetChangesAsync(connection, since, cancellationToken).ReadOneAheadAsync(cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                _recordsRead += page.Records.Count;
                var batch = new List<(LeadMemory Lead, CrmRecord Record)>();
                var now = svc._time.GetUtcNow();
                foreach (var record in page.Records)
                {
                    if (!_leadsByCrmId.TryGetValue(record.CrmId, out var lead))
                    {
                        continue;
                    }

                    var state = StateFor(lead, now);
                    if (LeadSyncPlan.IsStale(record, state))
                    {
                        // Older than what the state agreed with: not a CRM change. Left uncompared, so the lead-changes
                        // phase still reads it by id (consistent) if the lead has changes to push.
                        Log.StaleChangeHit(svc._logger, Provider, record.CrmId);
                        continue;
                    }

                    if (page.MayLag && (NeedsComparison(lead, now) || ShowsChange(record, state)))
                    {
                        // From a lagging index, a hit may show a version the CRM has already left: whatever would be
                        // written for this lead (a pull, a push, a claim) is planned on the record read by id instead, in
                        // the lead-changes phase. Hits that agree with the state (echoes of earlier writes) settle here.
                        _readById.Add(lead.Id);
                        continue;
                    }

                    if (_compared.Add(lead.Id))
                    {
                        batch.Add((lead, record));
                    }
                }

                await ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
                foreach (var deletedId in page.DeletedIds)
                {
                    if (_leadsByCrmId.TryGetValue(deletedId, out var lead) && _compared.Add(lead.Id))
                    {
                        await FailLeadAsync(lead, new CrmSyncNotFoundException($"{Serialization.WireValue.Format(Provider)} record", deletedId), cancellationToken).ConfigureAwait(false);
                    }
                }

                if (page.Cursor is { } next && (_cursor is null || _cursor.IsBefore(next.Timestamp, next.LastId ?? string.Empty)))
                {
                    _cursor = next;
                    await svc._states.SaveCursorAsync(new SyncCursorRecord(connection.ConnectionKey, RecordStream, next, svc._time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
                }

                await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
                progress?.Report(Progress(Phase));
            }

            // The stream was read to its end: nothing changed between the checkpoint and now, so the checkpoint may move
            // up to now minus the overlap (the next run still re-reads one overlap before it). Otherwise a quiet CRM
            // would make every run re-read the overlap before its last change — all of a bulk import, run after run.
            _cursor = await AdvanceQuietCheckpointAsync(RecordStream, _cursor, cancellationToken).ConfigureAwait(false);
        }

        private async Task<CrmCursor?> AdvanceQuietCheckpointAsync(string stream, CrmCursor? cursor, CancellationToken cancellationToken)
        {
            var now = svc._time.GetUtcNow();
            var settled = now - options.OverlapWindow;
            if (cursor is not null && settled > cursor.Timestamp)
            {
                cursor = new CrmCursor(settled, null);
                await svc._states.SaveCursorAsync(new SyncCursorRecord(connection.ConnectionKey, stream, cursor, now), cancellationToken).ConfigureAwait(false);
            }

            return cursor;
        }

        private async Task ApplyLeadChangesAsync(CancellationToken cancellationToken)
        {
            var now = svc._time.GetUtcNow();
            var candidates = _leadsByCrmId.Values.Where(lead => !_compared.Contains(lead.Id) && (_readById.Contains(lead.Id) || NeedsComparison(lead, now))).ToList();
            foreach (var chunk in candidates.Chunk(options.BatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var records = await gateway.GetRecordsAsync(connection, chunk.Select(l => l.CrmId!).ToList(), cancellationToken).ConfigureAwait(false);
                var byId = records.ToDictionary(r => r.CrmId, StringComparer.Ordinal);
                var batch = new List<(LeadMemory, CrmRecord)>();
                foreach (var lead in chunk)
                {
                    _compared.Add(lead.Id);
                    if (byId.TryGetValue(lead.CrmId!, out var record))
                    {
                        batch.Add((lead, record));
                    }
                    else
                    {
                        await FailLeadAsync(lead, new CrmSyncNotFoundException($"{Serialization.WireValue.Format(Provider)} record", lead.CrmId!), cancellationToken).ConfigureAwait(false);
                    }
                }

                _recordsRead += records.Count;
                await ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
                await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
                progress?.Report(Progress(Phase));
            }
        }

        /// <summary>Whether a change-stream record differs from the agreement its lead's state holds (a CRM change, or an old version).</summary>
        private bool ShowsChange(CrmRecord record, CrmSyncState state)
        {
            var values = LeadFieldMapper.FromCrm(record, svc._options.StageMapFor(Provider), out _);
            return values.Any(kv => !state.BaseSnapshot.TryGetValue(kv.Key, out var agreed) || !string.Equals(agreed, kv.Value, StringComparison.Ordinal));
        }

        /// <summary>Whether a lead not reported by the change stream must be read: lead-side change, no agreement yet, or a due retry.</summary>
        private bool NeedsComparison(LeadMemory lead, DateTimeOffset now)
        {
            if (options.FullReconciliation)
            {
                return true;
            }

            if (!_states.TryGetValue(lead.Id, out var state) || state.BaseSnapshot.Count == 0 || state.CrmId != lead.CrmId)
            {
                return true;
            }

            if (state.Status == SyncStatus.Error)
            {
                return svc._retry.ShouldRetry(state.RetryCount) && (state.NextAttemptAt is null || state.NextAttemptAt <= now);
            }

            if (state.Status == SyncStatus.Conflict)
            {
                return false;
            }

            var values = LeadFieldMapper.FromLead(lead);
            return state.PendingChanges.Any(p => p.Field != LeadFields.Notes)
                || LeadFields.Synced.Any(f => state.BaseSnapshot.TryGetValue(f, out var b) && values.GetValueOrDefault(f) != b);
        }

        /// <summary>Merges a batch of leads with their records and writes the outcome: leads, then CRM (batched), then states, then audit.</summary>
        private async Task ProcessAsync(List<(LeadMemory Lead, CrmRecord Record)> batch, CancellationToken cancellationToken)
        {
            if (batch.Count == 0)
            {
                return;
            }

            var now = svc._time.GetUtcNow();
            var plans = new List<LeadSyncPlan>(batch.Count);
            foreach (var (lead, record) in batch)
            {
                var state = StateFor(lead, now);
                if (state.Status == SyncStatus.Conflict
                    || !SyncStateMachine.IsAllowed(state.Status, SyncStatus.Pending, state.RetryCount, svc._options.MaxRetries))
                {
                    continue; // waits for a person (open conflict) or exhausted its automatic retries
                }

                if (CrmValueRules.RecordProblem(record) is { } recordProblem)
                {
                    // A value no CRM should send (or no store can hold) fails this lead only; the run goes on.
                    await FailLeadAsync(lead, new CrmSyncDataException($"The CRM record cannot be synced: {recordProblem}", $"{Serialization.WireValue.Format(Provider)} record {InboundCrmGateway.Shorten(record.CrmId)}", Provider), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (CrmValueRules.LeadProblem(lead) is { } leadProblem)
                {
                    await FailLeadAsync(lead, new CrmSyncValidationException($"Lead '{lead.Id}' cannot be synced: its {leadProblem.Problem}.", leadProblem.Field, Provider), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var direction = options.PushLocalChanges ? SyncDirection.Bidirectional : SyncDirection.Pull;
                var plan = LeadSyncPlan.Create(lead, record, state, direction, svc._options, now);
                if (plan.UnknownStage is not null)
                {
                    Log.UnknownStage(svc._logger, Provider, plan.UnknownStage, record.CrmId);
                }

                plans.Add(plan);
            }

            // 1. Before any write, each lead's state records the plan's base and the writes about to be made (unconfirmed),
            // version-checked against the state this run read: no other sync wrote on this snapshot, and a run stopped
            // halfway leaves nothing the next run would take for a person's change. 2. Leads take the CRM's changes
            // (version-checked; a lead the host changed meanwhile waits for the next run). A lead without CRM writes
            // settles at once.
            var drafts = new List<CrmAuditEntry>();
            var pushes = new List<LeadSyncPlan>();
            foreach (var candidate in plans)
            {
                var plan = candidate;
                if (!plan.Writes)
                {
                    await SettleAsync(plan, now, drafts, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var current = StateFor(plan.Lead, now);
                try
                {
                    _states[plan.Lead.Id] = current.Version == 0
                        ? await svc._states.InsertAsync(plan.Claim(current, now), cancellationToken).ConfigureAwait(false)
                        : await svc._states.UpdateAsync(plan.Claim(current, now), cancellationToken).ConfigureAwait(false);
                }
                catch (CrmSyncConcurrencyException)
                {
                    Log.ConcurrentWrite(svc._logger, plan.Lead.Id, 1); // another writer got there first; the merge is repeated next run
                    continue;
                }

                if (plan.ToLead.Count > 0)
                {
                    try
                    {
                        var updated = await svc._leads.UpdateAsync(LeadFieldMapper.Apply(plan.Lead, plan.ToLead, now), cancellationToken).ConfigureAwait(false);
                        _leadsByCrmId[updated.CrmId!] = updated;
                        plan = plan with { Lead = updated };
                        _leadsUpdated++;
                    }
                    catch (CrmSyncConcurrencyException)
                    {
                        Log.ConcurrentWrite(svc._logger, plan.Lead.Id, 1);
                        var skipped = plan;
                        _states[plan.Lead.Id] = await svc.MutateStateAsync(plan.Lead.Id, s => skipped.WithoutUnconfirmed(s, skipped.ToLead.Concat(skipped.ToCrm), now), cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }

                if (plan.CrmFields.Count == 0)
                {
                    await SettleAsync(plan, now, drafts, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    pushes.Add(plan);
                }
            }

            if (drafts.Count > 0)
            {
                await svc._audit.LogManyAsync(drafts, cancellationToken).ConfigureAwait(false);
                drafts.Clear();
            }

            // 2. The CRM takes the leads' changes, in the CRM's batch sizes; each record succeeds or fails on its own.
            ClaimedWrites? writes = null;
            if (pushes.Count > 0)
            {
                var updates = pushes.Select(p => new CrmRecordUpdate { CrmId = p.Record.CrmId, Fields = p.CrmFields, IfUnmodifiedSince = p.Record.LastModifiedAt, ExpectedValues = LeadFieldMapper.CrmValuesAsRead(p.Record, p.CrmFields.Keys) }).ToList();
                try
                {
                    writes = await svc.UpdateClaimedAsync(gateway, connection, updates, pushes, now, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsOperationalFailure(ex, cancellationToken))
                {
                    // The run stops here; the leads' own updates are still described.
                    var leadWrites = pushes.SelectMany(svc.LeadWriteDrafts).ToList();
                    if (leadWrites.Count > 0)
                    {
                        await svc._audit.LogManyAsync(leadWrites, cancellationToken).ConfigureAwait(false);
                    }

                    throw;
                }

                var results = writes.Results;
                if (results.Count != updates.Count)
                {
                    throw new CrmSyncDataException($"The gateway returned {results.Count} results for {updates.Count} updates", $"{Provider} update", Provider);
                }

                // 3. The sync states record the new agreement; 4. one audit batch describes it.
                for (var i = 0; i < pushes.Count; i++)
                {
                    var plan = pushes[i];
                    var result = results[i];
                    if (result is null)
                    {
                        // The call failed and this write did not land, or may not have: settled by the read-back or left unconfirmed.
                        drafts.AddRange(svc.LeadWriteDrafts(plan));
                        continue;
                    }

                    if (result.Success)
                    {
                        _crmUpdated++;
                        await SettleAsync(plan, now, drafts, cancellationToken, result.LastModifiedAt).ConfigureAwait(false);
                        continue;
                    }

                    // Refused: nothing was written to the CRM.
                    _states[plan.Lead.Id] = await svc.MutateStateAsync(plan.Lead.Id, s => plan.AfterUnsettledPush(s, crmNotWritten: true, now), cancellationToken).ConfigureAwait(false);
                    drafts.AddRange(svc.LeadWriteDrafts(plan));
                    if (result.ErrorCode != CrmWriteResult.PreconditionFailed)
                    {
                        await FailLeadAsync(plan.Lead, svc.RejectedUpdate(Provider, result.CrmId, result), cancellationToken).ConfigureAwait(false);
                    }

                    // A precondition failure means the CRM changed the record meanwhile: the next run sees it in the change stream.
                }
            }

            if (drafts.Count > 0)
            {
                await svc._audit.LogManyAsync(drafts, cancellationToken).ConfigureAwait(false);
            }

            writes?.Failure?.Throw(); // the landed writes of a failed call are recorded; the call's failure ends the run
        }

        /// <summary>Records a plan's new agreement in its sync state and adds the audit entries describing it.</summary>
        private async Task SettleAsync(LeadSyncPlan plan, DateTimeOffset now, List<CrmAuditEntry> drafts, CancellationToken cancellationToken, DateTimeOffset? crmWrittenAt = null)
        {
            var current = StateFor(plan.Lead, now);
            var next = plan.Settle(current, now, crmWrittenAt);
            try
            {
                _states[plan.Lead.Id] = current.Version == 0
                    ? await svc._states.InsertAsync(next, cancellationToken).ConfigureAwait(false)
                    : await svc._states.UpdateAsync(next, cancellationToken).ConfigureAwait(false);
            }
            catch (CrmSyncConcurrencyException)
            {
                Log.ConcurrentWrite(svc._logger, plan.Lead.Id, 1);
                return; // another writer (a per-lead sync) got there first; the merge is repeated next run
            }

            if (!plan.ChangesSomething)
            {
                return;
            }

            var pushed = plan.CrmFields.Count > 0 ? plan.ToCrm : new Dictionary<string, string?>();
            drafts.AddRange(plan.AuditEntries(plan.ToLead, pushed).Select(e => svc.Draft(plan.Lead.UserId, plan.Lead.Id, e.Operation, Provider, true, e.Details)));
            _conflictsResolved += plan.Conflicts.Count(c => !c.IsOpen);
            _conflictsOpen += plan.Conflicts.Count(c => c.IsOpen);
            svc.ReportConflicts(Provider, plan.Lead.Id, plan.Conflicts);
        }

        private async Task DeliverQueuedNotesAsync(CancellationToken cancellationToken)
        {
            var now = svc._time.GetUtcNow();
            var queued = new List<(LeadMemory Lead, CrmSyncState State)>();
            foreach (var lead in _leadsByCrmId.Values)
            {
                if (_states.TryGetValue(lead.Id, out var cached)
                    && cached.Outbox.Any(o => o.Status is OutboxItemStatus.Pending or OutboxItemStatus.InFlight)
                    && (cached.Status != SyncStatus.Error || svc._retry.ShouldRetry(cached.RetryCount)))
                {
                    queued.Add((lead, cached));
                }
            }

            foreach (var chunk in queued.Chunk(options.BatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();

                // Claim and count the attempt of every note before sending (see DeliverNotesAsync), then send them together.
                // A note another sender holds (ClaimedUntil in the future) is left to it.
                var sending = new List<(LeadMemory Lead, OutboxItem Item)>();
                foreach (var (lead, _) in chunk)
                {
                    try
                    {
                        var claimed = new List<OutboxItem>();
                        var state = await svc.MutateStateAsync(lead.Id, s => NoteOutbox.Claim(s, _ => true, now, svc._options.NoteClaimDuration, svc._options.MaxRetries, claimed), cancellationToken).ConfigureAwait(false);
                        _states[lead.Id] = state;
                        sending.AddRange(claimed.Select(o => (lead, o)));
                    }
                    catch (CrmSyncConcurrencyException)
                    {
                    }
                }

                if (sending.Count == 0)
                {
                    continue;
                }

                var requests = sending.Select(s => new CrmNoteRequest { IdempotencyKey = s.Item.IdempotencyKey, CrmId = s.Lead.CrmId!, Text = s.Item.Text, MayExist = s.Item.Attempts > 1 || s.Item.MayExist }).ToList();
                IReadOnlyList<CrmNoteResult> results;
                try
                {
                    results = await gateway.CreateNotesAsync(connection, requests, cancellationToken).ConfigureAwait(false);
                    if (results.Count != requests.Count)
                    {
                        throw new CrmSyncDataException($"The gateway returned {results.Count} results for {requests.Count} notes", $"{Provider} notes", Provider);
                    }
                }
                catch (Exception ex) when (IsOperationalFailure(ex, cancellationToken))
                {
                    // Let go of the claims (the notes may exist now: their attempt is counted, so the next one looks first).
                    foreach (var group in sending.GroupBy(s => s.Lead.Id))
                    {
                        var keys = group.Select(s => s.Item.IdempotencyKey).ToHashSet(StringComparer.Ordinal);
                        try
                        {
                            await svc.MutateStateAsync(group.Key, s => s with
                            {
                                Outbox = s.Outbox.Select(o => keys.Contains(o.IdempotencyKey) && o.Status == OutboxItemStatus.InFlight ? o with { ClaimedUntil = null } : o).ToList(),
                            }, CancellationToken.None).ConfigureAwait(false);
                        }
                        catch (CrmSyncException)
                        {
                            // the claims run out by themselves
                        }
                    }

                    throw;
                }

                var drafts = new List<CrmAuditEntry>();
                foreach (var group in sending.Select((s, i) => (s.Lead, s.Item, Result: results[i])).GroupBy(x => x.Lead.Id))
                {
                    var lead = group.First().Lead;
                    var byKey = group.ToDictionary(x => x.Item.IdempotencyKey, x => x.Result, StringComparer.Ordinal);
                    var state = await svc.MutateStateAsync(lead.Id, s => NoteOutbox.Record(s, byKey, now, svc._options.MaxRetries, svc._options.DeliveredNotesKept), cancellationToken).ConfigureAwait(false);
                    _states[lead.Id] = state;

                    foreach (var (_, item, result) in group)
                    {
                        if (result.Success)
                        {
                            _notesPushed++;
                            drafts.Add(svc.Draft(lead.UserId, lead.Id, CrmAuditOperation.Push, Provider, true, new Dictionary<string, object?>
                            {
                                ["crm_id"] = lead.CrmId,
                                ["note_id"] = result.NoteId,
                                ["idempotency_key"] = item.IdempotencyKey,
                                ["summary_length"] = item.Text.Length,
                                ["already_existed"] = result.AlreadyExisted,
                                ["attempts"] = item.Attempts,
                            }));
                        }
                    }

                    if (group.FirstOrDefault(x => !x.Result.Success) is { Result: { } failed })
                    {
                        await FailLeadAsync(lead, new CrmSyncException($"{Serialization.WireValue.Format(Provider)} rejected note {failed.IdempotencyKey}: {failed.ErrorCode} {failed.ErrorMessage}".TrimEnd(), Provider), cancellationToken).ConfigureAwait(false);
                    }
                }

                if (drafts.Count > 0)
                {
                    await svc._audit.LogManyAsync(drafts, cancellationToken).ConfigureAwait(false);
                }

                await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
                progress?.Report(Progress(Phase));
            }
        }

        /// <summary>Pulls the CRM's new activities into the linked leads' events; runs concurrently with the pushes.</summary>
        /// <param name="leadsByCrmId">A snapshot of the linked leads (the pushes update the run's own map meanwhile).</param>
        /// <param name="cancellationToken">The token to monitor.</param>
        private async Task PullActivityChangesAsync(Dictionary<string, LeadMemory> leadsByCrmId, CancellationToken cancellationToken)
        {
            var checkpoint = await svc._states.GetCursorAsync(connection.ConnectionKey, ActivityStream, cancellationToken).ConfigureAwait(false);
            var since = checkpoint is null ? null : new CrmCursor(checkpoint.Cursor.Timestamp - options.OverlapWindow, null);
            await foreach (var page in gateway.GetActivityChangesAsync(connection, since, cancellationToken).ReadOneAheadAsync(cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var now = svc._time.GetUtcNow();
                var events = new List<LeadEvent>();
                var quarantined = new List<(LeadMemory Lead, CrmActivity Activity, string Problem)>();
                foreach (var activity in page.Activities)
                {
                    if (activity.CrmRecordId is { } crmId && leadsByCrmId.TryGetValue(crmId, out var lead) && !IsAriaNote(activity))
                    {
                        if (CrmValueRules.ActivityProblem(activity) is { } problem)
                        {
                            quarantined.Add((lead, activity, problem));
                            continue;
                        }

                        events.Add(ToLeadEvent(lead, Provider, activity, now));
                    }
                }

                await svc.AuditQuarantinedActivitiesAsync(Provider, quarantined, cancellationToken).ConfigureAwait(false);

                if (events.Count > 0)
                {
                    var added = await svc._leads.AddEventsAsync(events, cancellationToken).ConfigureAwait(false);
                    _activitiesAdded += added;
                    if (added > 0)
                    {
                        await svc._audit.LogSyncOperationAsync(connection.UserId, null, CrmAuditOperation.Pull, Provider, true, new Dictionary<string, object?>
                        {
                            ["operation"] = "pull_activities",
                            ["activities_count"] = page.Activities.Count,
                            ["activities_new"] = added,
                            ["leads"] = events.Select(e => e.LeadMemoryId).Distinct(StringComparer.Ordinal).Count(),
                        }, cancellationToken: cancellationToken).ConfigureAwait(false);
                    }
                }

                if (page.Cursor is { } next && (checkpoint is null || checkpoint.Cursor.IsBefore(next.Timestamp, next.LastId ?? string.Empty)))
                {
                    checkpoint = new SyncCursorRecord(connection.ConnectionKey, ActivityStream, next, now);
                    await svc._states.SaveCursorAsync(checkpoint, cancellationToken).ConfigureAwait(false);
                }

                await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
                progress?.Report(Progress(ConnectionSyncPhase.Activities));
            }

            await AdvanceQuietCheckpointAsync(ActivityStream, checkpoint?.Cursor, cancellationToken).ConfigureAwait(false);
        }

        private CrmSyncState StateFor(LeadMemory lead, DateTimeOffset now)
        {
            if (_states.TryGetValue(lead.Id, out var state))
            {
                return state.CrmId is not null && state.CrmId != lead.CrmId
                    ? state with { CrmId = lead.CrmId, BaseSnapshot = new Dictionary<string, string?>(), CrmLastModifiedAt = null } // re-linked: no agreement yet
                    : state;
            }

            return new CrmSyncState
            {
                Id = Guid.CreateVersion7(now).ToString(),
                LeadMemoryId = lead.Id,
                UserId = lead.UserId,
                Provider = lead.CrmProvider,
                CrmId = lead.CrmId,
                Status = SyncStatus.Synced,
                CreatedAt = now,
                UpdatedAt = now,
            };
        }

        private async Task FailLeadAsync(LeadMemory lead, CrmSyncException exception, CancellationToken cancellationToken)
        {
            var now = svc._time.GetUtcNow();
            if (!_states.ContainsKey(lead.Id))
            {
                try
                {
                    _states[lead.Id] = await svc._states.InsertAsync(StateFor(lead, now), cancellationToken).ConfigureAwait(false);
                }
                catch (CrmSyncConcurrencyException)
                {
                }
            }

            var ctx = new LeadContext(lead, _states.GetValueOrDefault(lead.Id) ?? StateFor(lead, now), connection, gateway, Provider, lead.CrmId!);
            var failure = await svc.FailAsync(ctx, "sync_connection", exception, cancellationToken).ConfigureAwait(false);
            if (await svc._states.GetAsync(lead.Id, cancellationToken).ConfigureAwait(false) is { } stored)
            {
                _states[lead.Id] = stored;
            }

            _failures.Add(failure);
        }

        private async Task RenewLeaseAsync(CancellationToken cancellationToken)
        {
            // The activity pull and the pushes renew the same lease; one renewal at a time, each from the last.
            await _leaseGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Lease = await svc._states.RenewLeaseAsync(Lease, options.LeaseDuration, cancellationToken).ConfigureAwait(false)
                    ?? throw new CrmSyncConcurrencyException("Connection lease", Lease.Resource, Lease.Token, null);
            }
            finally
            {
                _leaseGate.Release();
            }
        }
    }
}
