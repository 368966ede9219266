using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Aria.CrmSync;

/// <summary>
/// A chain head exported for an auditor to keep outside the database: the user's last sequence and hash at a point in
/// time, optionally signed (HMAC-SHA256) with a key the database never sees. Passing its <see cref="Head"/> to
/// <see cref="ICrmAuditService.VerifyAsync"/> later proves the chain still contains that entry unchanged, so removed
/// tail entries and a rewritten chain are caught. The signature proves the anchor itself was issued by the key holder.
/// </summary>
public sealed record AuditChainAnchor
{
    /// <summary>Gets the anchored head.</summary>
    public required AuditChainHead Head { get; init; }

    /// <summary>Gets when the anchor was issued.</summary>
    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>Gets the id of the signing key, when signed.</summary>
    public string? KeyId { get; init; }

    /// <summary>Gets the Base64 HMAC-SHA256 signature over <see cref="CanonicalText"/>, when signed.</summary>
    public string? Signature { get; init; }

    /// <summary>
    /// Gets the Base64 DER RFC 3161 time-stamp token over the SHA-256 of <see cref="CanonicalText"/>, when a time-stamp
    /// authority stamped the anchor (<c>UseRfc3161AuditAnchorSink</c>): it proves the anchored head existed at the
    /// token's time, independently of the key that signed the anchor.
    /// </summary>
    public string? TimestampToken { get; init; }

    /// <summary>Gets the exact text that is signed (and, with a time-stamp authority, stamped).</summary>
    public string CanonicalText
        => string.Create(CultureInfo.InvariantCulture, $"aria-crm-audit-anchor-v1\n{Head.UserId}\n{Head.Sequence}\n{Head.Hash ?? "-"}\n{IssuedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'}\n{KeyId ?? "-"}");

    /// <summary>Returns this anchor signed with <paramref name="key"/>.</summary>
    /// <param name="key">The secret key (at least 32 bytes).</param>
    /// <param name="keyId">An identifier of the key, recorded in the anchor.</param>
    /// <returns>The signed anchor.</returns>
    public AuditChainAnchor Sign(ReadOnlySpan<byte> key, string keyId)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        if (key.Length < 32)
        {
            throw new ArgumentException("The signing key must have at least 32 bytes.", nameof(key));
        }

        var unsigned = this with { KeyId = keyId, Signature = null };
        return unsigned with { Signature = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(unsigned.CanonicalText))) };
    }

    /// <summary>Returns whether the anchor carries a valid signature by <paramref name="key"/> (constant-time compare).</summary>
    /// <param name="key">The secret key.</param>
    /// <returns><see langword="true"/> when signed with that key and unchanged since.</returns>
    public bool HasValidSignature(ReadOnlySpan<byte> key)
    {
        if (Signature is null || KeyId is null)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(Signature, given, out var written) || written != given.Length)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(CanonicalText));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
