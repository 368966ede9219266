using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Aria.CrmSync.Soak.Worker;

/// <summary>One line of a worker's journal: what the worker saw happen (flushed line by line, so a killed worker's journal ends where it died).</summary>
public sealed record JournalEntry
{
    /// <summary>Gets the kind: <c>result</c> (a per-lead outcome), <c>call</c> (a whole call: connection sync, or an exception),
    /// <c>failure</c> (a lead's state entered <c>error</c>), <c>retry</c> (a retry was counted), <c>crash</c> (an unexpected exception).</summary>
    public required string Kind { get; init; }

    public string? Operation { get; init; }

    public string? UserId { get; init; }

    public string? LeadId { get; init; }

    public bool Success { get; init; }

    public string? Code { get; init; }

    public string? Message { get; init; }

    public int RetryCount { get; init; }

    public long Number { get; init; }

    /// <summary>Gets when the line was written.</summary>
    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>Appends <see cref="JournalEntry"/> lines to a file, flushing each one.</summary>
public sealed class Journal : IDisposable
{
    private static readonly JsonSerializerOptions LineJson = new(WorkerConfig.Json) { WriteIndented = false };

    private readonly StreamWriter _writer;
    private readonly Lock _gate = new();
    private bool _sealed;

    public Journal(string path)
    {
        Path = path;
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public string Path { get; }

    public void Write(JournalEntry entry)
    {
        var line = JsonSerializer.Serialize(entry, LineJson);
        lock (_gate)
        {
            if (!_sealed)
            {
                _writer.WriteLine(line);
            }
        }
    }

    /// <summary>Closes the journal where it is, as a killed process leaves it: later writes are dropped.</summary>
    public void Seal()
    {
        lock (_gate)
        {
            _sealed = true;
            _writer.Dispose();
        }
    }

    public void Result(string operation, string userId, SyncResult result)
        => Write(new JournalEntry { Kind = "result", Operation = operation, UserId = userId, LeadId = result.LeadMemoryId, Success = result.Success, Code = result.ErrorCode, Message = result.Success ? null : result.Error, RetryCount = result.RetryCount });

    public void Call(string operation, string? userId, bool success, string? code, string? message, long number = 0)
        => Write(new JournalEntry { Kind = "call", Operation = operation, UserId = userId, Success = success, Code = code, Message = message, Number = number });

    public static List<JournalEntry> Read(string path)
    {
        var entries = new List<JournalEntry>();
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                entries.Add(JsonSerializer.Deserialize<JournalEntry>(line, WorkerConfig.Json)!);
            }
            catch (JsonException)
            {
                // the last line of a killed worker may be cut short
            }
        }

        return entries;
    }

    public void Dispose() => _writer.Dispose();
}

/// <summary>
/// Watches the engine's sync-state writes and journals the transitions the audit trail must account for: a lead
/// entering <c>error</c> (a failure) and <c>error → pending</c> with the retry count raised (an automatic retry).
/// </summary>
public sealed class JournalingSyncStateStore(ISyncStateStore inner, Journal journal) : ISyncStateStore
{
    private readonly ConcurrentDictionary<string, CrmSyncState> _known = new(StringComparer.Ordinal);

    public async ValueTask<CrmSyncState?> GetAsync(string leadMemoryId, CancellationToken cancellationToken = default)
        => Remember(await inner.GetAsync(leadMemoryId, cancellationToken));

    public async ValueTask<IReadOnlyList<CrmSyncState>> GetManyAsync(IReadOnlyCollection<string> leadMemoryIds, CancellationToken cancellationToken = default)
    {
        var states = await inner.GetManyAsync(leadMemoryIds, cancellationToken);
        foreach (var state in states)
        {
            Remember(state);
        }

        return states;
    }

    public async ValueTask<CrmSyncState> InsertAsync(CrmSyncState state, CancellationToken cancellationToken = default)
    {
        var stored = await inner.InsertAsync(state, cancellationToken);
        Observe(null, stored);
        return Remember(stored)!;
    }

    public async ValueTask<CrmSyncState> UpdateAsync(CrmSyncState state, CancellationToken cancellationToken = default)
    {
        var before = _known.TryGetValue(state.LeadMemoryId, out var known) && known.Version == state.Version ? known : null;
        var stored = await inner.UpdateAsync(state, cancellationToken);
        Observe(before, stored);
        return Remember(stored)!;
    }

    public async IAsyncEnumerable<CrmSyncState> QueryAsync(SyncStateQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var state in inner.QueryAsync(query, cancellationToken))
        {
            yield return Remember(state)!;
        }
    }

    public ValueTask<SyncCursorRecord?> GetCursorAsync(string connectionKey, string stream, CancellationToken cancellationToken = default)
        => inner.GetCursorAsync(connectionKey, stream, cancellationToken);

    public ValueTask SaveCursorAsync(SyncCursorRecord cursor, CancellationToken cancellationToken = default)
        => inner.SaveCursorAsync(cursor, cancellationToken);

    public ValueTask<SyncLease?> TryAcquireLeaseAsync(string resource, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
        => inner.TryAcquireLeaseAsync(resource, owner, duration, cancellationToken);

    public ValueTask<SyncLease?> RenewLeaseAsync(SyncLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
        => inner.RenewLeaseAsync(lease, duration, cancellationToken);

    public ValueTask ReleaseLeaseAsync(SyncLease lease, CancellationToken cancellationToken = default)
        => inner.ReleaseLeaseAsync(lease, cancellationToken);

    private CrmSyncState? Remember(CrmSyncState? state)
    {
        if (state is not null)
        {
            _known.AddOrUpdate(state.LeadMemoryId, state, (_, existing) => existing.Version > state.Version ? existing : state);
        }

        return state;
    }

    private void Observe(CrmSyncState? before, CrmSyncState after)
    {
        if (after.Status == SyncStatus.Error && (before is null || before.Status != SyncStatus.Error))
        {
            journal.Write(new JournalEntry { Kind = "failure", UserId = after.UserId, LeadId = after.LeadMemoryId, RetryCount = after.RetryCount, Message = after.ErrorMessage });
        }

        if (before is { Status: SyncStatus.Error } && after.Status == SyncStatus.Pending && after.RetryCount == before.RetryCount + 1)
        {
            journal.Write(new JournalEntry { Kind = "retry", UserId = after.UserId, LeadId = after.LeadMemoryId, RetryCount = after.RetryCount });
        }
    }
}
