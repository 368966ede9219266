using System.Runtime.CompilerServices;

namespace Aria.CrmSync.Storage.InMemory;

/// <summary>
/// A thread-safe, process-local <see cref="IAuditStore"/>: append-only per-user chains, reads newest first.
/// Entries are lost on restart; durable hosts use the SQLite or PostgreSQL stores.
/// </summary>
public sealed class InMemoryAuditStore : IAuditStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<CrmAuditEntry>> _chains = new(StringComparer.Ordinal);
    private readonly List<CrmAuditEntry> _all = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    /// <summary>Gets the number of entries stored.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _all.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<CrmAuditEntry>> AppendAsync(IReadOnlyList<CrmAuditEntry> drafts, IAuditChainSealer sealer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        ArgumentNullException.ThrowIfNull(sealer);
        StoreInput.CheckDrafts(drafts);
        var sealedEntries = new CrmAuditEntry[drafts.Count];
        lock (_gate)
        {
            // Seal everything first, then publish: an exception leaves nothing half-written.
            var heads = new Dictionary<string, (long Sequence, string? Hash, DateTimeOffset At)>(StringComparer.Ordinal);
            for (var i = 0; i < drafts.Count; i++)
            {
                var draft = drafts[i];
                if (_ids.Contains(draft.Id))
                {
                    throw new CrmSyncStoreException($"An audit entry with id '{draft.Id}' already exists", "in-memory audit append", isConstraintViolation: true, innerException: null);
                }

                if (!heads.TryGetValue(draft.UserId, out var head))
                {
                    var chain = _chains.GetValueOrDefault(draft.UserId);
                    head = chain is { Count: > 0 } ? (chain[^1].Sequence, chain[^1].Hash, chain[^1].CreatedAt) : (0, null, DateTimeOffset.MinValue);
                }

                // Times never go backwards within a chain (another process's clock may lag): verification relies on it.
                var entry = sealer.Seal(draft.CreatedAt < head.At ? draft with { CreatedAt = head.At } : draft, head.Sequence + 1, head.Hash);
                sealedEntries[i] = entry;
                heads[draft.UserId] = (entry.Sequence, entry.Hash, entry.CreatedAt);
            }

            foreach (var entry in sealedEntries)
            {
                if (!_chains.TryGetValue(entry.UserId, out var chain))
                {
                    _chains[entry.UserId] = chain = [];
                }

                chain.Add(entry);
                _all.Add(entry);
                _ids.Add(entry.Id);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<CrmAuditEntry>>(sealedEntries);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<CrmAuditEntry> QueryAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        CrmAuditEntry[] snapshot;
        lock (_gate)
        {
            List<CrmAuditEntry> source = query.UserId is not null ? _chains.GetValueOrDefault(query.UserId) ?? [] : _all;
            snapshot = [.. source];
        }

        if (!IsInTimeOrder(snapshot))
        {
            Array.Sort(snapshot, static (a, b) => a.CreatedAt != b.CreatedAt ? a.CreatedAt.CompareTo(b.CreatedAt) : a.Sequence.CompareTo(b.Sequence));
        }

        var skipped = 0;
        var returned = 0;
        for (var i = snapshot.Length - 1; i >= 0; i--)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entry = snapshot[i];
            if (!query.Matches(entry))
            {
                continue;
            }

            if (skipped < query.Offset)
            {
                skipped++;
                continue;
            }

            if (query.Limit is { } limit && returned >= limit)
            {
                yield break;
            }

            returned++;
            yield return entry;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<CrmAuditEntry> ReadChainAsync(string userId, long fromSequence = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        CrmAuditEntry[] chain;
        lock (_gate)
        {
            chain = [.. _chains.GetValueOrDefault(userId) ?? []];
        }

        if (!IsInSequenceOrder(chain))
        {
            chain = [.. chain.OrderBy(e => e.Sequence)]; // only after tampering: appends keep the chain in order
        }

        foreach (var entry in chain)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.Sequence >= fromSequence)
            {
                yield return entry;
            }
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<AuditChainHead> GetChainHeadAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        lock (_gate)
        {
            var chain = _chains.GetValueOrDefault(userId);
            return ValueTask.FromResult(chain is { Count: > 0 }
                ? new AuditChainHead(userId, chain[^1].Sequence, chain[^1].Hash)
                : new AuditChainHead(userId, 0, null));
        }
    }

    private static bool IsInSequenceOrder(CrmAuditEntry[] entries)
    {
        for (var i = 1; i < entries.Length; i++)
        {
            if (entries[i].Sequence < entries[i - 1].Sequence)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsInTimeOrder(CrmAuditEntry[] entries)
    {
        for (var i = 1; i < entries.Length; i++)
        {
            if (entries[i].CreatedAt < entries[i - 1].CreatedAt)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Gives direct access to a user's stored chain, bypassing the append-only API: for tamper-detection tests only
    /// (it simulates someone editing the storage behind the library's back).
    /// </summary>
    /// <param name="userId">The user.</param>
    /// <param name="tamper">Changes the stored list in place.</param>
    internal void TamperWithChain(string userId, Action<List<CrmAuditEntry>> tamper)
    {
        lock (_gate)
        {
            var chain = _chains.GetValueOrDefault(userId) ?? [];
            tamper(chain);
            _all.RemoveAll(e => e.UserId == userId);
            _all.AddRange(chain);
            _chains[userId] = chain;
        }
    }
}
