using System.Diagnostics;

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

        return _audit.LogSyncOperationAsync(userId, null, CrmAuditOperation.Error, provider, false, SyncFailures.WithErrorDetails(details, exception), exception.Message, CancellationToken.None);
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
