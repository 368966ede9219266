namespace Aria.CrmSync;

/// <summary>
/// The audit trail of every sync operation: append-only, hash-chained per user, queryable, exportable as CSV or JSON
/// in bounded memory, and verifiable. Credentials never enter an entry.
/// </summary>
public interface ICrmAuditService
{
    /// <summary>Logs a sync operation.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="leadMemoryId">The lead, if the operation concerned one.</param>
    /// <param name="operation">The operation.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="success">Whether it succeeded.</param>
    /// <param name="details">Operation details (serialized as a JSON object; credential-like keys are removed).</param>
    /// <param name="errorMessage">The error message of a failure.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The sealed entry (its <see cref="CrmAuditEntry.Id"/> is the seed's returned audit id).</returns>
    Task<CrmAuditEntry> LogSyncOperationAsync(
        string userId,
        string? leadMemoryId,
        CrmAuditOperation operation,
        CrmProvider provider,
        bool success,
        IReadOnlyDictionary<string, object?>? details = null,
        string? errorMessage = null,
        CancellationToken cancellationToken = default);

    /// <summary>Logs a conflict and its resolution (operation <c>conflict_resolved</c>).</summary>
    /// <param name="userId">The user.</param>
    /// <param name="leadMemoryId">The lead.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="field">The field.</param>
    /// <param name="ariaValue">ARIA's value.</param>
    /// <param name="crmValue">The CRM's value.</param>
    /// <param name="resolution">The rule applied.</param>
    /// <param name="resolvedValue">The value kept.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The sealed entry, with details <c>field</c>, <c>aria_value</c>, <c>crm_value</c>, <c>resolution</c>, <c>resolved_value</c>.</returns>
    Task<CrmAuditEntry> LogConflictAsync(
        string userId,
        string leadMemoryId,
        CrmProvider provider,
        string field,
        string? ariaValue,
        string? crmValue,
        ConflictResolution resolution,
        string? resolvedValue,
        CancellationToken cancellationToken = default);

    /// <summary>Appends several entries at once (one atomic write per chain).</summary>
    /// <param name="drafts">Unsealed entries.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The sealed entries, in order.</returns>
    Task<IReadOnlyList<CrmAuditEntry>> LogManyAsync(IReadOnlyList<CrmAuditEntry> drafts, CancellationToken cancellationToken = default);

    /// <summary>Queries the audit trail, newest first (limit defaults to 100).</summary>
    /// <param name="query">The filters.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The entries.</returns>
    Task<IReadOnlyList<CrmAuditEntry>> QueryAuditLogAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Streams the audit trail, newest first, without holding it in memory.</summary>
    /// <param name="query">The filters (a <see langword="null"/> limit streams everything).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The entries, streamed.</returns>
    IAsyncEnumerable<CrmAuditEntry> StreamAuditLogAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Exports one user's entries (newest first) to <paramref name="destination"/> as CSV (formula-injection safe) or a
    /// JSON array, streaming in bounded memory. The stream is flushed, not closed.
    /// </summary>
    /// <param name="request">What to export.</param>
    /// <param name="destination">Where to write.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>What was written.</returns>
    Task<AuditExportResult> ExportAuditLogAsync(AuditExportRequest request, Stream destination, CancellationToken cancellationToken = default);

    /// <summary>
    /// Verifies a user's hash chain and names the first altered, missing, inserted or reordered entry. With
    /// <paramref name="anchor"/> (a head recorded earlier, e.g. by an auditor), entries removed from the end are caught too.
    /// </summary>
    /// <param name="userId">The user.</param>
    /// <param name="anchor">A previously recorded chain head the chain must still contain, if any.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The result.</returns>
    Task<AuditVerificationResult> VerifyAsync(string userId, AuditChainHead? anchor = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Verifies a user's chain, then checks it against every anchor the configured <see cref="IAuditAnchorSink"/> holds
    /// for the user (signatures checked with the configured <see cref="IAuditAnchorSigner"/>, when there is one). Names
    /// the first altered, missing, inserted, reordered or backdated entry the chain itself shows; otherwise the first
    /// anchor the chain disagrees with (a rewritten interval, or entries cut off the end) and where its interval starts.
    /// </summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The result; <see cref="AuditVerificationResult.AnchorsChecked"/> says how many anchors were used.</returns>
    /// <exception cref="InvalidOperationException">No <see cref="IAuditAnchorSink"/> is configured.</exception>
    Task<AuditVerificationResult> VerifyAgainstAnchorsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Exports the current head of a user's chain as an anchor for an auditor to keep outside the database (and writes it to the configured <see cref="IAuditAnchorSink"/>, if any), signed
    /// with the configured <see cref="IAuditAnchorSigner"/> or anchor key (<c>CrmAuditOptions.AnchorSigningKey</c>) when there is one.
    /// </summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The anchor.</returns>
    Task<AuditChainAnchor> ExportAnchorAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Reads the current head of a user's chain, to anchor it outside the database.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The head.</returns>
    Task<AuditChainHead> GetChainHeadAsync(string userId, CancellationToken cancellationToken = default);
}
