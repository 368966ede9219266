using System.Security.Cryptography;
using System.Text;
using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Security;
using Aria.CrmSync.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Sync;

/// <summary>The sync engine behind <see cref="ICrmSyncService"/> (one lead at a time).</summary>
internal sealed partial class CrmSyncService : ICrmSyncService
{
    private readonly ILeadMemoryStore _leads;
    private readonly ISyncStateStore _states;
    private readonly ICrmAuditService _audit;
    private readonly ICrmConnectionResolver _connections;
    private readonly Dictionary<CrmProvider, ICrmGateway> _gateways;
    private readonly CrmSyncOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CrmSyncTelemetry _telemetry;
    private readonly RetryPolicy _retry;
    private readonly CrmProviderCatalog _providers;
    private readonly SyncStateWriter _stateWriter;
    private readonly SyncFailures _failures;
    private readonly LeadPlanExecutor _executor;
    private readonly NoteSender _notes;

    public CrmSyncService(
        ILeadMemoryStore leads,
        ISyncStateStore states,
        ICrmAuditService audit,
        ICrmConnectionResolver connections,
        IEnumerable<ICrmGateway> gateways,
        IOptions<CrmSyncOptions> options,
        TimeProvider time,
        CrmSyncTelemetry telemetry,
        CrmProviderCatalog providers,
        ILogger<CrmSyncService>? logger = null)
    {
        _leads = leads;
        _states = states;
        _audit = audit;
        _connections = connections;
        _gateways = [];
        foreach (var gateway in gateways)
        {
            _gateways[gateway.Provider] = gateway as InboundCrmGateway ?? new InboundCrmGateway(gateway);
        }

        _options = options.Value;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _telemetry = telemetry;
        _retry = new RetryPolicy(_options);
        _providers = providers;
        _stateWriter = new SyncStateWriter(states, _options, time, _logger);
        _failures = new SyncFailures(_stateWriter, audit, _options, _retry, time, telemetry, providers, _logger);
        _executor = new LeadPlanExecutor(leads, _stateWriter, audit, new LeadPlanWrites(_stateWriter, _options, _logger), _failures, telemetry, _logger);
        _notes = new NoteSender(_stateWriter, audit, _failures, _options, time);
    }

    internal RetryPolicy Retry => _retry;

    /// <summary>Returns whether a lead that made <paramref name="retryCount"/> retries may be retried again.</summary>
    public bool ShouldRetry(int retryCount) => _retry.ShouldRetry(retryCount);

    public async Task<CrmSyncState?> GetSyncStateAsync(string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        Auditing.AuditInput.ThrowIfInvalidId(leadMemoryId, nameof(leadMemoryId));
        return await _states.GetAsync(leadMemoryId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmSyncState> CreateSyncStateAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        Auditing.AuditInput.ThrowIfInvalidId(userId, nameof(userId));
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        Auditing.AuditInput.ThrowIfInvalidId(leadMemoryId, nameof(leadMemoryId));
        var lead = await _leads.GetAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmSyncNotFoundException("Lead memory", leadMemoryId);
        return await _stateWriter.GetOrCreateAsync(lead, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmSyncState> UpdateSyncStatusAsync(string leadMemoryId, SyncStatus status, SyncStatusUpdate? update = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        Auditing.AuditInput.ThrowIfInvalidId(leadMemoryId, nameof(leadMemoryId));
        if (!Enum.IsDefined(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown sync status.");
        }

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
        ArgumentException.ThrowIfNullOrEmpty(userId);
        Auditing.AuditInput.ThrowIfInvalidId(userId, nameof(userId));
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        Auditing.AuditInput.ThrowIfInvalidId(leadMemoryId, nameof(leadMemoryId));
        ArgumentNullException.ThrowIfNull(fields);
        var lead = await _leads.GetAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmSyncNotFoundException("Lead memory", leadMemoryId);
        await _stateWriter.GetOrCreateAsync(lead, cancellationToken).ConfigureAwait(false);
        var values = LeadFieldMapper.FromLead(lead);
        return await _stateWriter.MutateAsync(leadMemoryId, state =>
        {
            var now = _time.GetUtcNow();
            // A sync's unconfirmed write stays: it is what tells the next sync that this edit came after that write.
            var pending = state.PendingChanges.Where(p => p.Unconfirmed || !fields.Contains(p.Field)).ToList();
            pending.AddRange(fields.Select(f => new PendingChange { Field = f, Value = values.GetValueOrDefault(f), ChangedAt = now }));
            return state.MarkPending(resumeError: false, _options.MaxRetries) with { PendingChanges = pending, UpdatedAt = now };
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<SyncResult> TriggerManualSyncAsync(string userId, string leadMemoryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        Auditing.AuditInput.ThrowIfInvalidId(userId, nameof(userId));
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        Auditing.AuditInput.ThrowIfInvalidId(leadMemoryId, nameof(leadMemoryId));
        return RunFullSyncAsync(userId, leadMemoryId, manual: true, cancellationToken);
    }

    private async Task<SyncResult> RunFullSyncAsync(string userId, string leadMemoryId, bool manual, CancellationToken cancellationToken)
    {
        var load = await LoadAsync(userId, leadMemoryId, manual ? "manual_sync" : "retry", cancellationToken).ConfigureAwait(false);
        if (load.Failure is { } failure)
        {
            return failure;
        }

        var ctx = load.Context!;
        if (manual && ctx.State.Status == SyncStatus.Error && !_retry.ShouldRetry(ctx.State.RetryCount))
        {
            // A person asked for it: the lead gets a fresh set of automatic retries.
            ctx = ctx with
            {
                State = await _stateWriter.MutateAsync(leadMemoryId, s => s.ResetRetries(_time.GetUtcNow()), cancellationToken).ConfigureAwait(false),
            };
            await _audit.LogSyncOperationAsync(userId, leadMemoryId, CrmAuditOperation.Retry, ctx.Provider, true, new Dictionary<string, object?>
            {
                ["manual"] = true,
                ["retry_count_reset"] = true,
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        SyncResult fields;
        if (ctx.State.Status == SyncStatus.Conflict)
        {
            fields = ConflictBlocked(ctx.State);
        }
        else
        {
            fields = await SyncFieldsAsync(ctx, SyncDirection.Bidirectional, cancellationToken).ConfigureAwait(false);
            if (!fields.Success)
            {
                return fields;
            }
        }

        var notes = await FlushOutboxAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false);
        if (!notes.Success)
        {
            return notes with { Changes = fields.Changes, Pushed = fields.Pushed, Conflicts = fields.Conflicts };
        }

        var activities = await PullActivitiesAsync(userId, leadMemoryId, cancellationToken).ConfigureAwait(false);
        return activities with
        {
            Success = fields.Success && activities.Success,
            Error = fields.Error ?? activities.Error,
            ErrorCode = fields.ErrorCode ?? activities.ErrorCode,
            Changes = fields.Changes,
            Pushed = fields.Pushed,
            Conflicts = fields.Conflicts,
            NoteId = notes.NoteId,
        };
    }

    private async Task<LoadResult> LoadAsync(string userId, string leadMemoryId, string operation, CancellationToken cancellationToken)
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
            return new LoadResult(null, await FailAsync(ctxWithoutConnection, "connect", ex, cancellationToken).ConfigureAwait(false));
        }

        if (CrmValueRules.LeadProblem(lead) is { } invalid)
        {
            // A value no CRM accepts is refused here, for this lead only, rather than pushed or recorded as agreed.
            var ctxInvalid = new LeadContext(lead, state, connection, gateway, provider, lead.CrmId!);
            var error = new CrmSyncValidationException($"Lead '{leadMemoryId}' cannot be synced: its {invalid.Problem}.", invalid.Field, provider);
            return new LoadResult(null, await FailAsync(ctxInvalid, "validate", error, cancellationToken).ConfigureAwait(false));
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

    /// <summary>The CRM an audit entry names when a failed operation's lead names none (wire value <c>unknown</c>, as in the seed plan).</summary>
    internal static readonly CrmProvider UnknownProvider = new("unknown");

    private static LoadResult Failed(string leadMemoryId, SyncStatus? status, string error, string code)
        => new(null, new SyncResult { LeadMemoryId = leadMemoryId, Success = false, Status = status, Error = error, ErrorCode = code });

    private static SyncResult ConflictBlocked(CrmSyncState state)
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

    /// <summary>Records a failed operation on a loaded lead (<see cref="SyncFailures.FailAsync"/>).</summary>
    private Task<SyncResult> FailAsync(LeadContext ctx, string operation, Exception exception, CancellationToken cancellationToken)
        => _failures.FailAsync(ctx.Lead, ctx.State, ctx.Connection, ctx.Provider, operation, exception, cancellationToken);

    private static string DefaultIdempotencyKey(string leadMemoryId, string text)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(leadMemoryId + "\n" + text), hash);
        return "aria-" + Convert.ToHexStringLower(hash[..12]);
    }

    private sealed record LeadContext(LeadMemory Lead, CrmSyncState State, CrmConnection Connection, ICrmGateway Gateway, CrmProvider Provider, string CrmId);

    private sealed record LoadResult(LeadContext? Context, SyncResult? Failure);
}
