namespace Aria.CrmSync;

/// <summary>
/// Keeps chain anchors outside the audit store, where whoever can write the store cannot rewrite them: an append-only
/// file on another volume, a table only a separate role can write, a time-stamp authority. The audit service writes an
/// anchor of a user's chain head on a schedule (<c>CrmAuditOptions.AnchorEveryEntries</c>,
/// <c>CrmAuditOptions.AnchorInterval</c>) and <see cref="ICrmAuditService.VerifyAgainstAnchorsAsync"/> checks the
/// chain against every anchor kept.
/// </summary>
public interface IAuditAnchorSink
{
    /// <summary>Appends an anchor durably; a sink never changes or removes an anchor once written.</summary>
    /// <param name="anchor">The anchor.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the anchor is durable.</returns>
    ValueTask WriteAsync(AuditChainAnchor anchor, CancellationToken cancellationToken = default);

    /// <summary>Reads a user's anchors, in the order they were written.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The anchors.</returns>
    IAsyncEnumerable<AuditChainAnchor> ReadAsync(string userId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Signs chain anchors with a key the audit store never sees, so an anchor proves who issued it (built in: an X.509
/// certificate with its private key, from the certificate store or a PFX file).
/// </summary>
public interface IAuditAnchorSigner
{
    /// <summary>Gets the id recorded in signed anchors (for an X.509 signer, <c>x509:</c> and the certificate's SHA-256 thumbprint).</summary>
    string KeyId { get; }

    /// <summary>Returns <paramref name="anchor"/> signed: its <see cref="AuditChainAnchor.KeyId"/> and <see cref="AuditChainAnchor.Signature"/> set.</summary>
    /// <param name="anchor">The unsigned anchor.</param>
    /// <returns>The signed anchor.</returns>
    AuditChainAnchor Sign(AuditChainAnchor anchor);

    /// <summary>Returns whether <paramref name="anchor"/> carries this signer's valid signature over its <see cref="AuditChainAnchor.CanonicalText"/>.</summary>
    /// <param name="anchor">The anchor.</param>
    /// <returns><see langword="true"/> when signed by this key and unchanged since.</returns>
    bool Verify(AuditChainAnchor anchor);
}
