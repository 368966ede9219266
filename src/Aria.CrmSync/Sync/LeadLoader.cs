using Aria.CrmSync.Serialization;

namespace Aria.CrmSync.Sync;

/// <summary>
/// Loads a lead for a single-lead operation: the lead, its sync state (created, or re-linked), its gateway and its
/// connection; a lead that is missing, unlinked, unreachable or invalid fails here, audited.
/// </summary>
internal sealed class LeadLoader(ILeadMemoryStore leads, ISyncStateStore states, SyncStateWriter stateWriter, ICrmAuditService audit, ICrmConnectionResolver connections, SyncFailures failures, ConnectionFields fields, SyncEngineEnvironment env)
{
    private readonly ILeadMemoryStore _leads = leads;
    private readonly ISyncStateStore _states = states;
    private readonly SyncStateWriter _stateWriter = stateWriter;
    private readonly ICrmAuditService _audit = audit;
    private readonly ICrmConnectionResolver _connections = connections;
    private readonly SyncFailures _failures = failures;
    private readonly ConnectionFields _fields = fields;
    private readonly TimeProvider _time = env.Time;
    private readonly CrmProviderCatalog _providers = env.Providers;
    private readonly IReadOnlyDictionary<CrmProvider, ICrmGateway> _gateways = env.Gateways;

    public async Task<LoadResult> LoadAsync(string userId, string leadMemoryId, string operation, CancellationToken cancellationToken)
    {
        var lead = await _leads.GetAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false);
        if (lead is null)
        {
            return await AuditedFailureAsync(userId, leadMemoryId, null, operation, $"Lead memory '{leadMemoryId}' not found", CrmSyncNotFoundException.ErrorCode, cancellationToken).ConfigureAwait(false);
        }

        if (!lead.IsLinked)
        {
            return await AuditedFailureAsync(userId, leadMemoryId, lead.CrmProvider, operation, "Lead not linked to CRM", CrmSyncException.DefaultCode, cancellationToken).ConfigureAwait(false);
        }

        var provider = lead.CrmProvider!.Value;
        if (!_gateways.TryGetValue(provider, out var gateway))
        {
            return Failed(leadMemoryId, null, $"No gateway is registered for {WireValue.Format(provider)}; add it with AddAriaCrmSync().{(_providers.TryGet(provider, out var descriptor) ? descriptor.RegistrationHint : "AddGateway<TGateway>(descriptor)")}", CrmSyncException.DefaultCode);
        }

        var state = await _stateWriter.GetOrCreateAsync(lead, cancellationToken).ConfigureAwait(false);
        if (state.CrmId != lead.CrmId || state.Provider != lead.CrmProvider || state.UserId != lead.UserId)
        {
            // The lead was (re)linked: a new link has no agreed base yet.
            var relinked = state.CrmId is not null && state.CrmId != lead.CrmId;
            state = await _stateWriter.MutateAsync(leadMemoryId, s => s with
            {
                UserId = lead.UserId,
                Provider = lead.CrmProvider,
                CrmId = lead.CrmId,
                BaseSnapshot = relinked ? new Dictionary<string, string?>() : s.BaseSnapshot,
                UpdatedAt = _time.GetUtcNow(),
            }, cancellationToken).ConfigureAwait(false);
        }

        CrmConnection connection;
        try
        {
            connection = await _connections.ResolveAsync(userId, provider, cancellationToken).ConfigureAwait(false);
        }
        catch (CrmSyncException ex)
        {
            var ctxWithoutConnection = new LeadContext(lead, state, null!, gateway, provider, lead.CrmId!);
            return new LoadResult(null, await _failures.FailAsync(ctxWithoutConnection, "connect", ex, cancellationToken).ConfigureAwait(false));
        }

        if (operation is not ("push_note" or "pull_activities"))
        {
            try
            {
                // The connection's catalogue, checked against the CRM's field metadata before anything is read or written.
                connection = await _fields.PrepareAsync(gateway, connection, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (SyncFailures.IsOperational(ex, cancellationToken))
            {
                var ctxUnprepared = new LeadContext(lead, state, connection, gateway, provider, lead.CrmId!);
                return new LoadResult(null, await _failures.FailAsync(ctxUnprepared, ex is CrmSyncFieldMappingException ? FieldMappingOperation : operation, ex, cancellationToken).ConfigureAwait(false));
            }
        }

        if (CrmValueRules.LeadProblem(lead) is { } invalid)
        {
            // A value no CRM accepts is refused here, for this lead only, rather than pushed or recorded as agreed.
            var ctxInvalid = new LeadContext(lead, state, connection, gateway, provider, lead.CrmId!);
            var error = new CrmSyncValidationException($"Lead '{leadMemoryId}' cannot be synced: its {invalid.Problem}.", invalid.Field, provider);
            return new LoadResult(null, await _failures.FailAsync(ctxInvalid, "validate", error, cancellationToken).ConfigureAwait(false));
        }

        return new LoadResult(new LeadContext(lead, state, connection, gateway, provider, lead.CrmId!), null);
    }

    /// <summary>
    /// The failure of an operation on a lead that is missing or not linked, audited as the seed plan audits every failed
    /// operation (an <c>error</c> entry with the operation and code). An audit entry names a CRM: the lead's, or the one
    /// its sync state was last linked to; when neither is known (a lead that never had a sync state, or an unlinked one
    /// that never synced) it names <see cref="UnknownProvider"/>, the seed plan's own fallback
    /// (<c>provider=lead.get("crm_provider", "unknown")</c>).
    /// </summary>
    private async Task<LoadResult> AuditedFailureAsync(string userId, string leadMemoryId, CrmProvider? provider, string operation, string error, string code, CancellationToken cancellationToken)
    {
        var state = await _states.GetAsync(leadMemoryId, cancellationToken).ConfigureAwait(false);
        await _audit.LogSyncOperationAsync(userId, leadMemoryId, CrmAuditOperation.Error, provider ?? state?.Provider ?? UnknownProvider, false, new Dictionary<string, object?>
        {
            ["operation"] = operation,
            ["code"] = code,
        }, error, cancellationToken).ConfigureAwait(false);
        return Failed(leadMemoryId, null, error, code);
    }

    /// <summary>The audited operation of a connection whose field mapping does not fit its CRM (<see cref="CrmSyncFieldMappingException"/>).</summary>
    internal const string FieldMappingOperation = "validate_fields";

    /// <summary>The CRM an audit entry names when a failed operation's lead names none (wire value <c>unknown</c>, as in the seed plan).</summary>
    internal static readonly CrmProvider UnknownProvider = new("unknown");

    internal static LoadResult Failed(string leadMemoryId, SyncStatus? status, string error, string code)
        => new(null, new SyncResult { LeadMemoryId = leadMemoryId, Success = false, Status = status, Error = error, ErrorCode = code });

    public static SyncResult ConflictBlocked(CrmSyncState state)
    {
        var fields = state.OpenConflicts.Select(c => c.Field).ToArray();
        var ex = new CrmSyncConflictException(state.LeadMemoryId, fields);
        return new SyncResult
        {
            LeadMemoryId = state.LeadMemoryId,
            Success = false,
            Status = state.Status,
            Error = ex.Message,
            ErrorCode = ex.Code,
            Conflicts = state.OpenConflicts.ToArray(),
            RetryCount = state.RetryCount,
        };
    }

}
