using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Tests.TestSupport;

/// <summary>
/// A test gateway over an in-memory CRM: real state (records, notes, activities) with modification times,
/// conditional updates, idempotent note lookup and scripted failures. Not a mock: it behaves like a CRM.
/// </summary>
public sealed class FakeCrmGateway(CrmProvider provider, FakeTimeProvider time) : ICrmGateway
{
    private readonly ConcurrentDictionary<string, CrmRecord> _records = new();
    private readonly ConcurrentQueue<Func<string, Exception?>> _failures = new();
    private readonly Lock _notesGate = new();
    private int _noteCounter;

    public CrmProvider Provider { get; } = provider;

    public int MaxUpdateBatchSize => 200;

    public List<(string Id, string CrmId, string Text, string Key)> Notes { get; } = [];

    public ConcurrentDictionary<string, List<CrmActivity>> Activities { get; } = new();

    public ConcurrentDictionary<string, int> Calls { get; } = new();

    public List<CrmRecordUpdate> Updates { get; } = [];

    /// <summary>When set, the next note write is stored but the call then fails (an uncertain failure).</summary>
    public int LoseNextNoteResponses { get; set; }

    /// <summary>When set, an update is refused with a permanent error.</summary>
    public string? RejectUpdatesWith { get; set; }

    public CrmRecord Put(string crmId, string stage, decimal? amount = null, DateOnly? closeDate = null, bool? isClosed = null, bool? isWon = null)
    {
        var record = new CrmRecord
        {
            CrmId = crmId,
            Provider = Provider,
            Name = "Deal " + crmId,
            Stage = stage,
            Amount = amount,
            CloseDate = closeDate,
            IsClosed = isClosed,
            IsWon = isWon,
            LastModifiedAt = time.GetUtcNow(),
        };
        _records[crmId] = record;
        return record;
    }

    public CrmRecord Get(string crmId) => _records[crmId];

    public void Edit(string crmId, Func<CrmRecord, CrmRecord> edit)
    {
        time.Advance(TimeSpan.FromSeconds(1));
        _records[crmId] = edit(_records[crmId]) with { LastModifiedAt = time.GetUtcNow() };
    }

    public void Delete(string crmId) => _records.TryRemove(crmId, out _);

    public void AddActivity(string crmId, CrmActivity activity) => Activities.GetOrAdd(crmId, _ => []).Add(activity);

    /// <summary>Fails the next call to <paramref name="operation"/> (or any operation when null) with <paramref name="exception"/>.</summary>
    public void FailNext(Exception exception, string? operation = null, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _failures.Enqueue(op => operation is null || op == operation ? exception : null);
        }
    }

    /// <summary>Runs after a single-record read returned (to simulate a concurrent edit in the CRM).</summary>
    public Action<string>? AfterGet { get; set; }

    public Task<CrmRecord?> GetRecordAsync(CrmConnection connection, string crmId, CancellationToken cancellationToken = default)
    {
        Enter("get", connection);
        var record = _records.GetValueOrDefault(crmId);
        AfterGet?.Invoke(crmId);
        return Task.FromResult(record);
    }

    public Task<IReadOnlyList<CrmRecord>> GetRecordsAsync(CrmConnection connection, IReadOnlyList<string> crmIds, CancellationToken cancellationToken = default)
    {
        Enter("get_many", connection);
        return Task.FromResult<IReadOnlyList<CrmRecord>>(crmIds.Select(id => _records.GetValueOrDefault(id)).OfType<CrmRecord>().ToList());
    }

    /// <summary>Gets or sets the page size of the change stream.</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>Gets the ids whose updates the CRM rejects with a validation error.</summary>
    public HashSet<string> RejectUpdatesFor { get; } = [];

    public async IAsyncEnumerable<CrmChangePage> GetChangesAsync(CrmConnection connection, CrmCursor? since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cursor = since;
        while (true)
        {
            Enter("changes", connection);
            var page = _records.Values
                .Where(r => cursor is null || cursor.IsBefore(r.LastModifiedAt!.Value, r.CrmId))
                .OrderBy(r => r.LastModifiedAt).ThenBy(r => r.CrmId, StringComparer.Ordinal)
                .Take(PageSize)
                .ToList();
            if (page.Count == 0)
            {
                yield break;
            }

            var last = page[^1];
            cursor = new CrmCursor(last.LastModifiedAt!.Value, last.CrmId);
            yield return new CrmChangePage(page, cursor, []);
            await Task.Yield();
        }
    }

    public Task<IReadOnlyList<CrmWriteResult>> UpdateRecordsAsync(CrmConnection connection, IReadOnlyList<CrmRecordUpdate> updates, CancellationToken cancellationToken = default)
    {
        Enter("update", connection);
        var results = new List<CrmWriteResult>();
        foreach (var update in updates)
        {
            lock (Updates)
            {
                Updates.Add(update);
            }

            if (!_records.TryGetValue(update.CrmId, out var record))
            {
                results.Add(new CrmWriteResult { CrmId = update.CrmId, Success = false, ErrorCode = "NOT_FOUND", ErrorMessage = "gone" });
                continue;
            }

            if (RejectUpdatesFor.Contains(update.CrmId))
            {
                results.Add(new CrmWriteResult { CrmId = update.CrmId, Success = false, ErrorCode = "FIELD_CUSTOM_VALIDATION_EXCEPTION", ErrorMessage = "Amount must be positive" });
                continue;
            }

            if (RejectUpdatesWith is { } code)
            {
                results.Add(new CrmWriteResult { CrmId = update.CrmId, Success = false, ErrorCode = code, ErrorMessage = "rejected" });
                continue;
            }

            if (update.IfUnmodifiedSince is { } since && record.LastModifiedAt > since)
            {
                results.Add(new CrmWriteResult { CrmId = update.CrmId, Success = false, ErrorCode = CrmWriteResult.PreconditionFailed });
                continue;
            }

            foreach (var (field, value) in update.Fields)
            {
                record = field switch
                {
                    CrmFields.Stage => record with { Stage = value, IsClosed = null, IsWon = null },
                    CrmFields.Amount => record with { Amount = Serialization.CanonicalValue.ToDecimal(value) },
                    CrmFields.CloseDate => record with { CloseDate = Serialization.CanonicalValue.ToDate(value) },
                    _ => throw new InvalidOperationException("unknown field " + field),
                };
            }

            time.Advance(TimeSpan.FromMilliseconds(10));
            record = record with { LastModifiedAt = time.GetUtcNow() };
            _records[update.CrmId] = record;
            results.Add(new CrmWriteResult { CrmId = update.CrmId, Success = true, LastModifiedAt = record.LastModifiedAt });
        }

        return Task.FromResult<IReadOnlyList<CrmWriteResult>>(results);
    }

    public Task<IReadOnlyList<CrmNoteResult>> CreateNotesAsync(CrmConnection connection, IReadOnlyList<CrmNoteRequest> notes, CancellationToken cancellationToken = default)
    {
        Enter("notes", connection);
        var results = new List<CrmNoteResult>();
        var lose = false;
        lock (_notesGate)
        {
            foreach (var note in notes)
            {
                if (note.MayExist && Notes.FirstOrDefault(n => n.Key == note.IdempotencyKey) is { Id: not null } found)
                {
                    results.Add(new CrmNoteResult { IdempotencyKey = note.IdempotencyKey, Success = true, NoteId = found.Id, AlreadyExisted = true });
                    continue;
                }

                if (!_records.ContainsKey(note.CrmId))
                {
                    results.Add(new CrmNoteResult { IdempotencyKey = note.IdempotencyKey, Success = false, ErrorCode = "NOT_FOUND", ErrorMessage = "record gone" });
                    continue;
                }

                var id = "note-" + Interlocked.Increment(ref _noteCounter);
                Notes.Add((id, note.CrmId, note.Text, note.IdempotencyKey));
                results.Add(new CrmNoteResult { IdempotencyKey = note.IdempotencyKey, Success = true, NoteId = id });
            }

            if (LoseNextNoteResponses > 0)
            {
                LoseNextNoteResponses--;
                lose = true;
            }
        }

        return lose
            ? throw new HttpRequestException("The response ended prematurely.")
            : Task.FromResult<IReadOnlyList<CrmNoteResult>>(results);
    }

    public async IAsyncEnumerable<CrmActivity> GetActivitiesAsync(CrmConnection connection, string crmId, DateTimeOffset? since = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Enter("activities", connection);
        foreach (var activity in Activities.GetValueOrDefault(crmId)?.ToList() ?? [])
        {
            if (since is null || (activity.LastModifiedAt ?? activity.OccurredAt) >= since)
            {
                yield return activity;
            }
        }

        await Task.CompletedTask;
    }

    public async IAsyncEnumerable<CrmActivityPage> GetActivityChangesAsync(CrmConnection connection, CrmCursor? since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Enter("activity_changes", connection);
        var all = Activities.SelectMany(p => p.Value.Select(a => a with { CrmRecordId = p.Key }))
            .Where(a => since is null || since.IsBefore(a.LastModifiedAt ?? a.OccurredAt, a.ExternalId))
            .OrderBy(a => a.LastModifiedAt ?? a.OccurredAt).ThenBy(a => a.ExternalId, StringComparer.Ordinal)
            .ToList();
        var last = all.LastOrDefault();
        yield return new CrmActivityPage(all, last is null ? since : new CrmCursor(last.LastModifiedAt ?? last.OccurredAt, last.ExternalId));
        await Task.CompletedTask;
    }

    private void Enter(string operation, CrmConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Calls.AddOrUpdate(operation, 1, (_, c) => c + 1);
        if (_failures.TryPeek(out var next) && next(operation) is { } ex)
        {
            _failures.TryDequeue(out _);
            throw ex;
        }
    }
}
