using System.Runtime.CompilerServices;

namespace Aria.CrmSync.Storage.InMemory;

/// <summary>
/// A thread-safe, process-local <see cref="ISyncStateStore"/> for tests, samples and single-process hosts that accept
/// losing state on restart. Durable hosts use the SQLite or PostgreSQL stores.
/// </summary>
public sealed class InMemorySyncStateStore : ISyncStateStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CrmSyncState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), SyncCursorRecord> _cursors = [];
    private readonly Dictionary<string, SyncLease> _leases = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private long _leaseTokens;

    /// <summary>Initializes a new instance of the <see cref="InMemorySyncStateStore"/> class.</summary>
    /// <param name="timeProvider">The clock used for leases; defaults to <see cref="TimeProvider.System"/>.</param>
    public InMemorySyncStateStore(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <inheritdoc />
    public ValueTask<CrmSyncState?> GetAsync(string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        lock (_gate)
        {
            return ValueTask.FromResult(_states.GetValueOrDefault(leadMemoryId));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<CrmSyncState>> GetManyAsync(IReadOnlyCollection<string> leadMemoryIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leadMemoryIds);
        lock (_gate)
        {
            IReadOnlyList<CrmSyncState> found = leadMemoryIds.Distinct(StringComparer.Ordinal)
                .Select(id => _states.GetValueOrDefault(id))
                .OfType<CrmSyncState>()
                .ToList();
            return ValueTask.FromResult(found);
        }
    }

    /// <inheritdoc />
    public ValueTask<CrmSyncState> InsertAsync(CrmSyncState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentException.ThrowIfNullOrEmpty(state.LeadMemoryId, nameof(state));
        StoreInput.Check(state);
        if (state.Version != 0)
        {
            throw new ArgumentException("A new sync state must have version 0.", nameof(state));
        }

        lock (_gate)
        {
            if (_states.TryGetValue(state.LeadMemoryId, out var existing))
            {
                throw new CrmSyncConcurrencyException("CRM sync state", state.LeadMemoryId, 0, existing.Version);
            }

            var stored = state with { Version = 1 };
            _states[state.LeadMemoryId] = stored;
            return ValueTask.FromResult(stored);
        }
    }

    /// <inheritdoc />
    public ValueTask<CrmSyncState> UpdateAsync(CrmSyncState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        StoreInput.Check(state);
        lock (_gate)
        {
            if (!_states.TryGetValue(state.LeadMemoryId, out var existing))
            {
                throw new CrmSyncNotFoundException(state.LeadMemoryId);
            }

            if (existing.Version != state.Version)
            {
                throw new CrmSyncConcurrencyException("CRM sync state", state.LeadMemoryId, state.Version, existing.Version);
            }

            var stored = state with { Version = state.Version + 1 };
            _states[state.LeadMemoryId] = stored;
            return ValueTask.FromResult(stored);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<CrmSyncState> QueryAsync(SyncStateQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        List<CrmSyncState> matches;
        lock (_gate)
        {
            matches = _states.Values.Where(query.Matches)
                .OrderBy(s => s.NextAttemptAt ?? DateTimeOffset.MaxValue)
                .ThenBy(s => s.LeadMemoryId, StringComparer.Ordinal)
                .Take(query.Limit ?? int.MaxValue)
                .ToList();
        }

        foreach (var state in matches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return state;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<SyncCursorRecord?> GetCursorAsync(string connectionKey, string stream, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionKey);
        ArgumentException.ThrowIfNullOrEmpty(stream);
        lock (_gate)
        {
            return ValueTask.FromResult(_cursors.GetValueOrDefault((connectionKey, stream)));
        }
    }

    /// <inheritdoc />
    public ValueTask SaveCursorAsync(SyncCursorRecord cursor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        ArgumentException.ThrowIfNullOrEmpty(cursor.ConnectionKey, nameof(cursor));
        ArgumentException.ThrowIfNullOrEmpty(cursor.Stream, nameof(cursor));
        StoreInput.Check(cursor);
        lock (_gate)
        {
            _cursors[(cursor.ConnectionKey, cursor.Stream)] = cursor;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<SyncLease?> TryAcquireLeaseAsync(string resource, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        StorableText.RequireId(resource, nameof(resource));
        StorableText.RequireId(owner, nameof(owner));
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_leases.TryGetValue(resource, out var held) && held.ExpiresAt > now && held.Owner != owner)
            {
                return ValueTask.FromResult<SyncLease?>(null);
            }

            var lease = new SyncLease(resource, owner, ++_leaseTokens, now + duration);
            _leases[resource] = lease;
            return ValueTask.FromResult<SyncLease?>(lease);
        }
    }

    /// <inheritdoc />
    public ValueTask<SyncLease?> RenewLeaseAsync(SyncLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_leases.TryGetValue(lease.Resource, out var held) || held.Token != lease.Token || held.ExpiresAt <= now)
            {
                return ValueTask.FromResult<SyncLease?>(null);
            }

            var renewed = held with { ExpiresAt = now + duration };
            _leases[lease.Resource] = renewed;
            return ValueTask.FromResult<SyncLease?>(renewed);
        }
    }

    /// <inheritdoc />
    public ValueTask ReleaseLeaseAsync(SyncLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_gate)
        {
            if (_leases.TryGetValue(lease.Resource, out var held) && held.Token == lease.Token)
            {
                _leases.Remove(lease.Resource);
            }
        }

        return ValueTask.CompletedTask;
    }
}
