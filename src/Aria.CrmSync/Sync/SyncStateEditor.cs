using Aria.CrmSync.Security;

namespace Aria.CrmSync.Sync;

/// <summary>The host's direct edits of a lead's sync state: read, create, move its status, mark lead fields changed.</summary>
internal sealed class SyncStateEditor(ILeadMemoryStore leads, ISyncStateStore states, SyncStateWriter stateWriter, SyncEngineEnvironment env)
{
    private readonly ILeadMemoryStore _leads = leads;
    private readonly ISyncStateStore _states = states;
    private readonly SyncStateWriter _stateWriter = stateWriter;
    private readonly CrmSyncOptions _options = env.Options;
    private readonly TimeProvider _time = env.Time;

    public async Task<CrmSyncState?> GetSyncStateAsync(string leadMemoryId, CancellationToken cancellationToken = default)
    {
        return await _states.GetAsync(leadMemoryId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmSyncState> CreateSyncStateAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        var lead = await _leads.GetAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmSyncNotFoundException("Lead memory", leadMemoryId);
        return await _stateWriter.GetOrCreateAsync(lead, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmSyncState> UpdateSyncStatusAsync(string leadMemoryId, SyncStatus status, SyncStatusUpdate? update = null, CancellationToken cancellationToken = default)
    {
        return await _stateWriter.MutateAsync(leadMemoryId, state =>
        {
            var now = _time.GetUtcNow();
            var next = state.MoveTo(status, _options.MaxRetries) with { UpdatedAt = now };
            if (update?.PendingChanges is { } pending)
            {
                next = next with { PendingChanges = pending.ToArray() };
            }

            if (update?.ErrorMessage is { } error)
            {
                next = next with { ErrorMessage = SecretRedactor.Redact(error) };
            }

            if (update?.Direction is { } direction)
            {
                next = next with
                {
                    SyncDirection = direction,
                    LastSyncAt = now,
                    LastPushAt = direction is SyncDirection.Push or SyncDirection.Bidirectional ? now : next.LastPushAt,
                    LastPullAt = direction is SyncDirection.Pull or SyncDirection.Bidirectional ? now : next.LastPullAt,
                };
            }

            return next;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmSyncState> MarkLeadChangedAsync(string userId, string leadMemoryId, IReadOnlyCollection<string> fields, CancellationToken cancellationToken = default)
    {
        var lead = await _leads.GetAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmSyncNotFoundException("Lead memory", leadMemoryId);
        await _stateWriter.GetOrCreateAsync(lead, cancellationToken).ConfigureAwait(false);
        var values = LeadFieldMapper.FromLead(lead);
        return await _stateWriter.MutateAsync(leadMemoryId, state =>
        {
            var now = _time.GetUtcNow();
            // A sync's unconfirmed write stays: it is what tells the next sync that this edit came after that write.
            var pending = state.PendingChanges.Where(p => p.Unconfirmed || !fields.Contains(p.Field)).ToList();
            pending.AddRange(fields.Select(f => new PendingChange { Field = f, Value = values.TryGetValue(f, out var value) ? value : lead.CustomFields.GetValueOrDefault(f), ChangedAt = now }));
            return state.MarkPending(resumeError: false, _options.MaxRetries) with { PendingChanges = pending, UpdatedAt = now };
        }, cancellationToken).ConfigureAwait(false);
    }

}
