using Aria.CrmSync.Diagnostics;
using Aria.CrmSync.Security;
using Aria.CrmSync.Storage;
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
    private readonly Anchoring.AuditAnchoring _anchoring;

    public CrmAuditService(
        IAuditStore store,
        TimeProvider time,
        CrmSyncTelemetry telemetry,
        Microsoft.Extensions.Options.IOptions<CrmAuditOptions>? options = null,
        ILogger<CrmAuditService>? logger = null,
        IAuditAnchorSink? anchorSink = null,
        IAuditAnchorSigner? anchorSigner = null)
    {
        _options = options?.Value ?? new CrmAuditOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _anchoring = new Anchoring.AuditAnchoring(anchorSink, anchorSigner, _options, time, _logger);
        _store = store;
        _time = time;
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

        // The trail, not the caller, decides when an entry was written and where it stands in its chain: a time the
        // caller gave is kept as the "occurred_at" detail, and sequence, previous hash and hash are assigned on sealing.
        var now = AuditTime.Normalize(_time.GetUtcNow());
        var prepared = new CrmAuditEntry[drafts.Count];
        for (var i = 0; i < drafts.Count; i++)
        {
            var d = drafts[i] ?? throw new ArgumentException("Drafts must not contain null.", nameof(drafts));
            var field = $"drafts[{i}]";
            AuditInput.ThrowIfInvalidId(d.UserId, nameof(drafts), field + ".UserId");
            if (d.LeadMemoryId is not null)
            {
                AuditInput.ThrowIfInvalidId(d.LeadMemoryId, nameof(drafts), field + ".LeadMemoryId");
            }

            if (!string.IsNullOrEmpty(d.Id))
            {
                AuditInput.ThrowIfInvalidId(d.Id, nameof(drafts), field + ".Id");
            }

            if (!Enum.IsDefined(d.Operation) || d.Provider.IsDefault)
            {
                throw new ArgumentOutOfRangeException(nameof(drafts), $"{field} has an unknown operation or provider.");
            }

            StorableText.RequireText(d.ErrorMessage, field + ".ErrorMessage");
            var details = AuditDetails.Sanitize(d.Details, field + ".Details");
            if (d.CreatedAt != default)
            {
                details = AuditDetails.WithOccurredAt(details, d.CreatedAt);
            }

            prepared[i] = d with
            {
                Id = string.IsNullOrEmpty(d.Id) ? NewId() : d.Id,
                Details = details,
                ErrorMessage = d.ErrorMessage is null ? null : SecretRedactor.Redact(d.ErrorMessage),
                CreatedAt = now,
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
        AuditInput.ThrowIfInvalidId(userId, nameof(userId));
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

    public async Task<AuditVerificationResult> VerifyAgainstAnchorsAsync(string userId, CancellationToken cancellationToken = default)
    {
        AuditInput.ThrowIfInvalidId(userId, nameof(userId));
        if (!_anchoring.HasSink)
        {
            throw new InvalidOperationException("No IAuditAnchorSink is configured: add one with UseFileAuditAnchorSink(...) (or register your own).");
        }

        using var activity = _telemetry.StartActivity("audit.verify_anchors");
        var chain = await _verifier.VerifyAsync(userId, null, cancellationToken).ConfigureAwait(false);
        var result = chain.IsValid ? await _anchoring.VerifyAsync(chain, _store, cancellationToken).ConfigureAwait(false) : chain;
        if (!result.IsValid)
        {
            Log.AuditChainBroken(_logger, userId, result.Kind, result.FailedSequence, result.FailedEntryId);
        }

        return result;
    }

    public async Task<AuditChainAnchor> ExportAnchorAsync(string userId, CancellationToken cancellationToken = default)
    {
        AuditInput.ThrowIfInvalidId(userId, nameof(userId));
        var head = await _store.GetChainHeadAsync(userId, cancellationToken).ConfigureAwait(false);
        return await _anchoring.IssueAsync(head, cancellationToken).ConfigureAwait(false);
    }

    public async Task<AuditChainHead> GetChainHeadAsync(string userId, CancellationToken cancellationToken = default)
    {
        AuditInput.ThrowIfInvalidId(userId, nameof(userId));
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
        AuditInput.ThrowIfInvalidId(userId, nameof(userId));
        if (leadMemoryId is { Length: 0 })
        {
            throw new ArgumentException("The lead memory id must not be empty (use null for connection-level operations).", nameof(leadMemoryId));
        }

        if (leadMemoryId is not null)
        {
            AuditInput.ThrowIfInvalidId(leadMemoryId, nameof(leadMemoryId));
        }

        if (!Enum.IsDefined(operation))
        {
            throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown audit operation.");
        }

        if (provider.IsDefault)
        {
            throw new ArgumentOutOfRangeException(nameof(provider), "default(CrmProvider) names no CRM.");
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
            ErrorMessage = errorMessage is null ? null : Repair(SecretRedactor.Redact(errorMessage)),
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

        await _anchoring.AfterAppendAsync(sealedEntries, cancellationToken).ConfigureAwait(false);

        return sealedEntries;
    }

    private static string Repair(string text)
    {
        var repaired = false;
        var storable = StorableText.Repair(text, ref repaired)!;
        return storable.Length <= StorableText.MaxTextLength ? storable : storable[..(StorableText.MaxTextLength - 1)] + "…";
    }

    private string NewId() => Guid.CreateVersion7(_time.GetUtcNow()).ToString();
}
