using System.Globalization;
using System.Runtime.CompilerServices;

namespace Aria.CrmSync.ReliabilityTests.Concurrency;

/// <summary>
/// An in-memory CRM gateway (Salesforce-flavoured stages) for interleaving exploration: every call is a yield point,
/// writes honour <see cref="CrmRecordUpdate.IfUnmodifiedSince"/> like the real gateways, every modification moves
/// <see cref="CrmRecord.LastModifiedAt"/> forward, and a note lookup and the creation that follows it are separate
/// steps (as two HTTP calls are), so a race between them is explored too.
/// </summary>
internal sealed class FakeCrm(Interleaver scheduler) : ICrmGateway
{
    private static readonly DateTimeOffset Epoch = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CrmRecord> _records = new(StringComparer.Ordinal);
    private readonly List<(string Id, string Key, string CrmId, string Text)> _notes = [];
    private long _clock;

    public CrmProvider Provider => CrmProvider.Salesforce;

    public int MaxUpdateBatchSize => 200;

    public IReadOnlyList<(string Id, string Key, string CrmId, string Text)> Notes
    {
        get
        {
            lock (_gate)
            {
                return [.. _notes];
            }
        }
    }

    public void Put(string crmId, string stage, decimal? amount, DateOnly? closeDate)
    {
        lock (_gate)
        {
            _records[crmId] = WithStage(new CrmRecord { CrmId = crmId, Provider = Provider, Name = crmId, Amount = amount, CloseDate = closeDate, LastModifiedAt = Tick() }, stage);
        }
    }

    public CrmRecord Get(string crmId)
    {
        lock (_gate)
        {
            return _records[crmId];
        }
    }

    /// <summary>A CRM user changes the record (as through the CRM's UI: no precondition).</summary>
    public async Task UserEditAsync(string crmId, decimal? amount = null, DateOnly? closeDate = null, string? stage = null)
    {
        await scheduler.YieldAsync();
        lock (_gate)
        {
            var record = _records[crmId];
            record = record with { Amount = amount ?? record.Amount, CloseDate = closeDate ?? record.CloseDate, LastModifiedAt = Tick() };
            _records[crmId] = stage is null ? record : WithStage(record, stage);
        }
    }

    public async Task<CrmRecord?> GetRecordAsync(CrmConnection connection, string crmId, CancellationToken cancellationToken = default)
    {
        await scheduler.YieldAsync();
        lock (_gate)
        {
            return _records.GetValueOrDefault(crmId);
        }
    }

    public async Task<IReadOnlyList<CrmRecord>> GetRecordsAsync(CrmConnection connection, IReadOnlyList<string> crmIds, CancellationToken cancellationToken = default)
    {
        await scheduler.YieldAsync();
        lock (_gate)
        {
            return crmIds.Distinct(StringComparer.Ordinal).Where(_records.ContainsKey).Select(id => _records[id]).ToList();
        }
    }

    public async IAsyncEnumerable<CrmChangePage> GetChangesAsync(CrmConnection connection, CrmCursor? since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await scheduler.YieldAsync();
        List<CrmRecord> changed;
        lock (_gate)
        {
            changed = _records.Values
                .Where(r => since is null || since.IsBefore(r.LastModifiedAt!.Value, r.CrmId))
                .OrderBy(r => r.LastModifiedAt).ThenBy(r => r.CrmId, StringComparer.Ordinal)
                .ToList();
        }

        if (changed.Count > 0)
        {
            yield return new CrmChangePage(changed, new CrmCursor(changed[^1].LastModifiedAt!.Value, changed[^1].CrmId), []);
        }
    }

    public async Task<IReadOnlyList<CrmWriteResult>> UpdateRecordsAsync(CrmConnection connection, IReadOnlyList<CrmRecordUpdate> updates, CancellationToken cancellationToken = default)
    {
        await scheduler.YieldAsync();
        var results = new List<CrmWriteResult>();
        lock (_gate)
        {
            foreach (var update in updates)
            {
                var record = _records[update.CrmId];
                if (update.IfUnmodifiedSince is { } since && record.LastModifiedAt > since)
                {
                    results.Add(new CrmWriteResult { CrmId = update.CrmId, Success = false, ErrorCode = CrmWriteResult.PreconditionFailed, LastModifiedAt = record.LastModifiedAt });
                    continue;
                }

                foreach (var (field, value) in update.Fields)
                {
                    record = field switch
                    {
                        CrmFields.Amount => record with { Amount = value is null ? null : decimal.Parse(value, CultureInfo.InvariantCulture) },
                        CrmFields.CloseDate => record with { CloseDate = value is null ? null : DateOnly.ParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture) },
                        CrmFields.Stage => WithStage(record, value!),
                        _ => record,
                    };
                }

                _records[update.CrmId] = record = record with { LastModifiedAt = Tick() };
                results.Add(new CrmWriteResult { CrmId = update.CrmId, Success = true, LastModifiedAt = record.LastModifiedAt });
            }
        }

        await scheduler.YieldAsync(); // the response is on its way back
        return results;
    }

    public async Task<IReadOnlyList<CrmNoteResult>> CreateNotesAsync(CrmConnection connection, IReadOnlyList<CrmNoteRequest> notes, CancellationToken cancellationToken = default)
    {
        var results = new List<CrmNoteResult>();
        foreach (var note in notes)
        {
            if (note.MayExist)
            {
                await scheduler.YieldAsync(); // the lookup call
                lock (_gate)
                {
                    var found = _notes.FirstOrDefault(n => n.Key == note.IdempotencyKey && n.CrmId == note.CrmId);
                    if (found.Id is not null)
                    {
                        results.Add(new CrmNoteResult { IdempotencyKey = note.IdempotencyKey, Success = true, NoteId = found.Id, AlreadyExisted = true });
                        continue;
                    }
                }
            }

            await scheduler.YieldAsync(); // the create call
            lock (_gate)
            {
                var id = "note-" + (_notes.Count + 1).ToString(CultureInfo.InvariantCulture);
                _notes.Add((id, note.IdempotencyKey, note.CrmId, note.Text));
                results.Add(new CrmNoteResult { IdempotencyKey = note.IdempotencyKey, Success = true, NoteId = id });
            }
        }

        await scheduler.YieldAsync();
        return results;
    }

    public async IAsyncEnumerable<CrmActivity> GetActivitiesAsync(CrmConnection connection, string crmId, DateTimeOffset? since = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await scheduler.YieldAsync();
        yield break;
    }

    public async IAsyncEnumerable<CrmActivityPage> GetActivityChangesAsync(CrmConnection connection, CrmCursor? since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await scheduler.YieldAsync();
        yield break;
    }

    private static CrmRecord WithStage(CrmRecord record, string stage)
        => record with { Stage = stage, IsClosed = stage.StartsWith("Closed", StringComparison.Ordinal), IsWon = stage == "Closed Won" };

    private DateTimeOffset Tick() => Epoch.AddMilliseconds(++_clock);
}
