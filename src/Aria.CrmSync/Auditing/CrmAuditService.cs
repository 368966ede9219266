using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aria.CrmSync.Auditing;

/// <summary>The audit trail service: seals entries into per-user hash chains, queries, exports and verifies them.</summary>
internal sealed class CrmAuditService : ICrmAuditService
{
    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CrmSyncTelemetry _telemetry;
    private readonly AuditChainVerifier _verifier;

    private readonly CrmAuditOptions _options;

    public CrmAuditService(IAuditStore store, TimeProvider time, CrmSyncTelemetry telemetry, Microsoft.Extensions.Options.IOptions<CrmAuditOptions>? options = null, ILogger<CrmAuditService>? logger = null)
    {
        _options = options?.Value ?? new CrmAuditOptions();
        _store = store;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _telemetry = telemetry;
        _verifier = new AuditChainVerifier(store, Sealer);
    }

    public static IAuditChainSealer Sealer => Sha256AuditChainSealer.Instance;

    public async Task<CrmAuditEntry> LogSyncOperationAsync(
        string userId,
        string? leadMemoryId,
        CrmAuditOperation operation,
        CrmProvider provider,
        bool success,
        IReadOnlyDictionary<string, object?>? details = null,
        string? errorMessage = null,
        CancellationToken cancellationToken = default)
    {
        var draft = CreateDraft(userId, leadMemoryId, operation, provider, success, details, errorMessage);
        var sealedEntries = await AppendAsync([draft], cancellationToken).ConfigureAwait(false);
        return sealedEntries[0];
    }

    public Task<CrmAuditEntry> LogConflictAsync(
        string userId,
        string leadMemoryId,
        CrmProvider provider,
        string field,
        string? ariaValue,
        string? crmValue,
        ConflictResolution resolution,
        string? resolvedValue,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(leadMemoryId);
        ArgumentException.ThrowIfNullOrEmpty(field);
        return LogSyncOperationAsync(
            userId,
            leadMemoryId,
            CrmAuditOperation.ConflictResolved,
            provider,
            success: true,
            ConflictDetails(field, ariaValue, crmValue, resolution, resolvedValue),
            errorMessage: null,
            cancellationToken);
    }

    public async Task<IReadOnlyList<CrmAuditEntry>> LogManyAsync(IReadOnlyList<CrmAuditEntry> drafts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        if (drafts.Count == 0)
        {
            return [];
        }

        var prepared = new CrmAuditEntry[drafts.Count];
        for (var i = 0; i < drafts.Count; i++)
        {
            var d = drafts[i] ?? throw new ArgumentException("Drafts must not contain null.", nameof(drafts));
            ArgumentException.ThrowIfNullOrEmpty(d.UserId, nameof(drafts));
            prepared[i] = d with
            {
                Id = string.IsNullOrEmpty(d.Id) ? NewId() : d.Id,
                Details = AuditDetails.Sanitize(d.Details),
                ErrorMessage = d.ErrorMessage is null ? null : SecretRedactor.Redact(d.ErrorMessage),
                CreatedAt = AuditTime.Normalize(d.CreatedAt == default ? _time.GetUtcNow() : d.CreatedAt),
                Sequence = 0,
                PreviousHash = null,
                Hash = string.Empty,
            };
        }

        return await AppendAsync(prepared, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<CrmAuditEntry>> QueryAuditLogAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var list = new List<CrmAuditEntry>(Math.Min(query.Limit ?? AuditQuery.DefaultLimit, 1000));
        await foreach (var entry in _store.QueryAsync(query, cancellationToken).ConfigureAwait(false))
        {
            list.Add(entry);
        }

        return list;
    }

    public IAsyncEnumerable<CrmAuditEntry> StreamAuditLogAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        return _store.QueryAsync(query, cancellationToken);
    }

    public async Task<AuditExportResult> ExportAuditLogAsync(AuditExportRequest request, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.UserId, nameof(request));
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite)
        {
            throw new ArgumentException("The destination stream is not writable.", nameof(destination));
        }

        var query = new AuditQuery
        {
            UserId = request.UserId,
            LeadMemoryId = request.LeadMemoryId,
            Operation = request.Operation,
            Provider = request.Provider,
            DateStart = request.DateStart,
            DateEnd = request.DateEnd,
            Limit = null,
        };
        query.Validate();

        using var activity = _telemetry.StartActivity("audit.export");
        var entries = _store.QueryAsync(query, cancellationToken);
        var written = request.Format switch
        {
            AuditExportFormat.Csv => await AuditCsvExporter.WriteAsync(entries, destination, cancellationToken).ConfigureAwait(false),
            AuditExportFormat.Json => await AuditJsonExporter.WriteAsync(entries, destination, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Format, "Unknown export format."),
        };
        Log.AuditExported(_logger, request.UserId, written, request.Format);
        return new AuditExportResult(written, request.Format);
    }

    public async Task<AuditVerificationResult> VerifyAsync(string userId, AuditChainHead? anchor = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (anchor is not null && anchor.UserId != userId)
        {
            throw new ArgumentException("The anchor belongs to another user's chain.", nameof(anchor));
        }

        using var activity = _telemetry.StartActivity("audit.verify");
        var result = await _verifier.VerifyAsync(userId, anchor, cancellationToken).ConfigureAwait(false);
        if (!result.IsValid)
        {
            Log.AuditChainBroken(_logger, userId, result.Kind, result.FailedSequence, result.FailedEntryId);
        }

        return result;
    }

    public async Task<AuditChainAnchor> ExportAnchorAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var anchor = new AuditChainAnchor { Head = await _store.GetChainHeadAsync(userId, cancellationToken).ConfigureAwait(false), IssuedAt = _time.GetUtcNow() };
        return _options.KeyBytes() is { } key ? anchor.Sign(key, _options.AnchorKeyId) : anchor;
    }

    public async Task<AuditChainHead> GetChainHeadAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return await _store.GetChainHeadAsync(userId, cancellationToken).ConfigureAwait(false);
    }

    internal CrmAuditEntry CreateDraft(
        string userId,
        string? leadMemoryId,
        CrmAuditOperation operation,
        CrmProvider provider,
        bool success,
        IReadOnlyDictionary<string, object?>? details,
        string? errorMessage)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (leadMemoryId is { Length: 0 })
        {
            throw new ArgumentException("The lead memory id must not be empty (use null for connection-level operations).", nameof(leadMemoryId));
        }

        if (!Enum.IsDefined(operation))
        {
            throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown audit operation.");
        }

        if (!Enum.IsDefined(provider))
        {
            throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown CRM provider.");
        }

        return new CrmAuditEntry
        {
            Id = NewId(),
            UserId = userId,
            LeadMemoryId = leadMemoryId,
            Operation = operation,
            Provider = provider,
            Success = success,
            Details = AuditDetails.From(details),
            ErrorMessage = errorMessage is null ? null : SecretRedactor.Redact(errorMessage),
            CreatedAt = AuditTime.Normalize(_time.GetUtcNow()),
        };
    }

    internal static Dictionary<string, object?> ConflictDetails(string field, string? ariaValue, string? crmValue, ConflictResolution resolution, string? resolvedValue)
        => new(StringComparer.Ordinal)
        {
            ["field"] = field,
            ["aria_value"] = ariaValue,
            ["crm_value"] = crmValue,
            ["resolution"] = Serialization.WireValue.Format(resolution),
            ["resolved_value"] = resolvedValue,
        };

    private async Task<IReadOnlyList<CrmAuditEntry>> AppendAsync(IReadOnlyList<CrmAuditEntry> drafts, CancellationToken cancellationToken)
    {
        var sealedEntries = await _store.AppendAsync(drafts, Sealer, cancellationToken).ConfigureAwait(false);
        foreach (var entry in sealedEntries)
        {
            _telemetry.AuditEntryWritten(entry.Operation, entry.Provider, entry.Success);
        }

        return sealedEntries;
    }

    private string NewId() => Guid.CreateVersion7(_time.GetUtcNow()).ToString();
}
