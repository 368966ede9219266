using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Aria.CrmSync.Diagnostics;

namespace Aria.CrmSync.Sync;

/// <summary>A lead's notes: queued in its outbox before anything is sent, sent by the note sender, looked up before re-sending.</summary>
internal sealed class LeadNotePusher(LeadLoader loader, ILeadMemoryStore leads, ISyncStateStore states, SyncStateWriter stateWriter, ICrmAuditService audit, NoteSender notes, SyncFailures failures, SyncEngineEnvironment env)
{
    private readonly LeadLoader _loader = loader;
    private readonly ILeadMemoryStore _leads = leads;
    private readonly ISyncStateStore _states = states;
    private readonly SyncStateWriter _stateWriter = stateWriter;
    private readonly ICrmAuditService _audit = audit;
    private readonly NoteSender _notes = notes;
    private readonly SyncFailures _failures = failures;
    private readonly CrmSyncOptions _options = env.Options;
    private readonly TimeProvider _time = env.Time;
    private readonly CrmSyncTelemetry _telemetry = env.Telemetry;
    private readonly RetryPolicy _retry = env.Retry;

    public async Task<SyncResult> PushSummaryAsync(string userId, string leadMemoryId, string summary, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var load = await _loader.LoadAsync(userId, leadMemoryId, "push_note", cancellationToken).ConfigureAwait(false);
        if (load.Failure is { } failure)
        {
            return failure;
        }

        var ctx = load.Context!;
        var (key, delivered, deadLettered) = await RecordNoteAsync(leadMemoryId, summary, idempotencyKey, cancellationToken).ConfigureAwait(false);
        if (delivered is not null)
        {
            var current = await _states.GetAsync(leadMemoryId, cancellationToken).ConfigureAwait(false);
            return new SyncResult { LeadMemoryId = leadMemoryId, Success = true, Status = current?.Status, NoteId = delivered.CrmObjectId, NoteDelivery = NoteDelivery.Confirmed };
        }

        if (deadLettered)
        {
            var error = $"Lead '{leadMemoryId}' exhausted its automatic retries; the note is queued and will be sent by the next manual sync.";
            await _audit.LogSyncOperationAsync(userId, leadMemoryId, CrmAuditOperation.Error, ctx.Provider, false, new Dictionary<string, object?>
            {
                ["operation"] = "push_note",
                ["idempotency_key"] = key,
                ["queued"] = true,
            }, error, cancellationToken).ConfigureAwait(false);
            return new SyncResult { LeadMemoryId = leadMemoryId, Success = false, Status = SyncStatus.Error, Error = error, ErrorCode = CrmSyncStateTransitionException.ErrorCode, NoteDelivery = NoteDelivery.Queued };
        }

        var result = await DeliverNotesAsync(ctx, [key], cancellationToken).ConfigureAwait(false);
        return await WithNoteDeliveryAsync(result, leadMemoryId, key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Says whether the pushed note is confirmed in the CRM or still queued (another sender holds it, or the attempt
    /// failed), and for a queued note when it is tried again at the earliest: the end of another sender's claim, else
    /// the lead's next automatic attempt (none once retries are exhausted: the next manual sync sends it).
    /// </summary>
    private async Task<SyncResult> WithNoteDeliveryAsync(SyncResult result, string leadMemoryId, string key, CancellationToken cancellationToken)
    {
        if (result.Success && result.NoteId is not null)
        {
            return result with { NoteDelivery = NoteDelivery.Confirmed };
        }

        var state = await _states.GetAsync(leadMemoryId, cancellationToken).ConfigureAwait(false);
        var item = state?.Outbox.FirstOrDefault(o => o.IdempotencyKey == key);
        return item?.Status switch
        {
            OutboxItemStatus.Done => result with { NoteDelivery = NoteDelivery.Confirmed, NoteId = item.CrmObjectId },
            OutboxItemStatus.Failed => result with { NoteDelivery = NoteDelivery.Refused, NoteId = null, NextAttemptAt = null },
            _ => result with
            {
                NoteDelivery = NoteDelivery.Queued,
                NoteId = null,
                NextAttemptAt = item?.ClaimedUntil is { } claimed && claimed > _time.GetUtcNow() ? claimed : state?.NextAttemptAt,
            },
        };
    }

    public async Task<CrmSyncState> QueueSummaryAsync(string userId, string leadMemoryId, string summary, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var lead = await _leads.GetAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmSyncNotFoundException("Lead memory", leadMemoryId);
        if (!lead.IsLinked)
        {
            throw new CrmSyncValidationException($"Lead '{leadMemoryId}' is not linked to a CRM record.", nameof(leadMemoryId));
        }

        await _stateWriter.GetOrCreateAsync(lead, cancellationToken).ConfigureAwait(false);
        await RecordNoteAsync(leadMemoryId, summary, idempotencyKey, cancellationToken).ConfigureAwait(false);
        return (await _states.GetAsync(leadMemoryId, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Whether every gateway accepts the key as it is: 1 to 100 characters of <c>A-Z a-z 0-9 - _ . : @ + = /</c>.</summary>
    internal static bool IsPortableIdempotencyKey(string key)
        => key.Length is >= 1 and <= 100 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@' or '+' or '=' or '/');

    /// <summary>Checks a summary and its idempotency key before the note enters the outbox.</summary>
    public void ValidateSummary(string summary, string? idempotencyKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(summary);
        if (Storage.StorableText.TextProblem(summary) is { } problem)
        {
            throw new CrmSyncValidationException($"The summary {problem}.", nameof(summary));
        }

        if (idempotencyKey is not null && !IsPortableIdempotencyKey(idempotencyKey))
        {
            // Checked here, before the note enters the outbox: a key one gateway refuses (HubSpot cannot carry ']')
            // would otherwise stick in the outbox and hold the lead in error.
            throw new ArgumentException("The idempotency key must have 1 to 100 characters from A-Z, a-z, 0-9 and - _ . : @ + = / (a key every CRM gateway accepts).", nameof(idempotencyKey));
        }

        if (summary.Length > _options.MaxNoteLength)
        {
            throw new CrmSyncValidationException($"The summary has {summary.Length} characters; at most {_options.MaxNoteLength} are accepted.", nameof(summary));
        }
    }

    /// <summary>
    /// Records a note in the lead's outbox before anything is sent (idempotent by key): returns the key, the item when
    /// it was already delivered, and whether the lead exhausted its retries (the note then waits for a manual sync).
    /// </summary>
    private async Task<(string Key, OutboxItem? Delivered, bool DeadLettered)> RecordNoteAsync(string leadMemoryId, string summary, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var text = summary.StartsWith("[ARIA]", StringComparison.Ordinal) ? summary : CrmSyncOptions.NotePrefix + summary;
        var key = idempotencyKey ?? DefaultIdempotencyKey(leadMemoryId, text);
        OutboxItem? delivered = null;
        var deadLettered = false;
        await _stateWriter.MutateAsync(leadMemoryId, state =>
        {
            var now = _time.GetUtcNow();
            var existing = state.Outbox.FirstOrDefault(o => o.IdempotencyKey == key);
            if (existing is { Status: OutboxItemStatus.Done })
            {
                delivered = existing;
                return state;
            }

            var item = existing ?? new OutboxItem { IdempotencyKey = key, Text = text, CreatedAt = now, MayExist = SyncStateRetention.DeliveriesMayBePruned(state, _options.DeliveredNotesKept) };
            var outbox = state.Outbox.Where(o => o.IdempotencyKey != key).Append(item).ToList();
            var pending = state.PendingChanges.Any(p => p.Field == LeadFields.Notes && p.Value == key)
                ? state.PendingChanges
                : [.. state.PendingChanges, new PendingChange { Field = LeadFields.Notes, Value = key, ChangedAt = now }];
            deadLettered = state.Status == SyncStatus.Error && !_retry.ShouldRetry(state.RetryCount);
            return state.MarkPending(resumeError: true, _options.MaxRetries) with { Outbox = outbox, PendingChanges = pending, UpdatedAt = now };
        }, cancellationToken).ConfigureAwait(false);
        return (key, delivered, deadLettered);
    }

    /// <summary>Sends every undelivered note of a lead (used by manual syncs and retries).</summary>
    public async Task<SyncResult> FlushOutboxAsync(string userId, string leadMemoryId, CancellationToken cancellationToken)
    {
        var state = await _states.GetAsync(leadMemoryId, cancellationToken).ConfigureAwait(false);
        var keys = state?.Outbox.Where(o => o.Status is OutboxItemStatus.Pending or OutboxItemStatus.InFlight).Select(o => o.IdempotencyKey).ToArray() ?? [];
        if (keys.Length == 0)
        {
            return new SyncResult { LeadMemoryId = leadMemoryId, Success = true, Status = state?.Status };
        }

        var load = await _loader.LoadAsync(userId, leadMemoryId, "push_note", cancellationToken).ConfigureAwait(false);
        return load.Failure ?? await DeliverNotesAsync(load.Context!, keys, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends the given queued notes of one lead through the note sender (<see cref="NoteSender"/>).</summary>
    private async Task<SyncResult> DeliverNotesAsync(LeadContext ctx, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        using var activity = _telemetry.StartActivity("sync.push_note", ctx.Provider, ctx.Lead.Id);
        var started = Stopwatch.GetTimestamp();
        var batch = await _notes.SendAsync(ctx.Gateway, ctx.Connection, [ctx.Lead], o => keys.Contains(o.IdempotencyKey), cancellationToken).ConfigureAwait(false);
        if (batch.Failure is { } failure)
        {
            return await _failures.FailAsync(ctx, "push_note", failure, cancellationToken).ConfigureAwait(false);
        }

        if (batch.Leads is not [var sent])
        {
            // Nothing to send: delivered already, or another sender holds the notes.
            var state = await _states.GetAsync(ctx.Lead.Id, cancellationToken).ConfigureAwait(false);
            var done = state?.Outbox.LastOrDefault(o => keys.Contains(o.IdempotencyKey) && o.Status == OutboxItemStatus.Done);
            return new SyncResult { LeadMemoryId = ctx.Lead.Id, Success = true, Status = state?.Status, NoteId = done?.CrmObjectId };
        }

        if (sent.Refused is { } refused)
        {
            var failed = await _failures.FailAsync(ctx, "push_note", _notes.Refusal(ctx.Provider, refused), cancellationToken).ConfigureAwait(false);
            return failed with { NoteId = sent.NoteId };
        }

        _telemetry.OperationCompleted("push_note", ctx.Provider, true, Stopwatch.GetElapsedTime(started));
        return new SyncResult { LeadMemoryId = ctx.Lead.Id, Success = true, Status = sent.State.Status, NoteId = sent.NoteId, RetryCount = sent.State.RetryCount };
    }

    private static string DefaultIdempotencyKey(string leadMemoryId, string text)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(leadMemoryId + "\n" + text), hash);
        return "aria-" + Convert.ToHexStringLower(hash[..12]);
    }

}
