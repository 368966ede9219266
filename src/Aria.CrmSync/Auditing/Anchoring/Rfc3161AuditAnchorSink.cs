using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Aria.CrmSync.Auditing.Anchoring;

/// <summary>
/// Has every anchor stamped by an RFC 3161 time-stamp authority before it is kept, then keeps it (with its token) in an
/// inner sink (the file or the PostgreSQL table). The request is a DER <c>TimeStampReq</c> for the SHA-256 of the
/// anchor's <see cref="AuditChainAnchor.CanonicalText"/> with a random 64-bit nonce, sent by HTTP POST as
/// <c>application/timestamp-query</c>; the reply is <c>application/timestamp-reply</c>
/// (https://www.rfc-editor.org/rfc/rfc3161#section-3.4). The reply is accepted only when
/// <see cref="Rfc3161TimestampRequest.ProcessResponse"/> finds it granted, for this hash and this nonce, its CMS signature
/// verifies, and its signer is one of the trusted certificates or chains to one of them with the id-kp-timeStamping
/// usage. Verification re-checks every stored token against the anchor it is stored with
/// (<see cref="HasValidToken"/>), so a token moved to another anchor, or an anchor edited after it was stamped, is caught.
/// </summary>
internal sealed class Rfc3161AuditAnchorSink : IAuditAnchorSink
{
    /// <summary>The name of the <see cref="HttpClient"/> the builder registers for the time-stamp authority.</summary>
    public const string HttpClientName = "Aria.CrmSync.Rfc3161";

    private const string TimeStampingEku = "1.3.6.1.5.5.7.3.8";
    private readonly HttpClient _http;
    private readonly Uri _authority;
    private readonly X509Certificate2Collection _trusted;
    private readonly IAuditAnchorSink _inner;

    public Rfc3161AuditAnchorSink(HttpClient http, Uri authority, X509Certificate2Collection trusted, IAuditAnchorSink inner)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(inner);
        _http = http;
        _authority = CheckAuthority(authority);
        _trusted = CheckTrusted(trusted);
        _inner = inner;
    }

    /// <summary>Refuses a relative address, and plain http to anything but loopback.</summary>
    public static Uri CheckAuthority(Uri authority)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (!authority.IsAbsoluteUri || (authority.Scheme != Uri.UriSchemeHttps && !(authority.Scheme == Uri.UriSchemeHttp && authority.IsLoopback)))
        {
            throw new ArgumentException("The time-stamp authority address must be an absolute https URI (plain http only on loopback).", nameof(authority));
        }

        return authority;
    }

    /// <summary>Refuses an empty trust list: a token from an unknown signer proves nothing.</summary>
    public static X509Certificate2Collection CheckTrusted(X509Certificate2Collection trusted)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        if (trusted.Count == 0)
        {
            throw new ArgumentException("At least one trusted time-stamp authority certificate (the TSA's own, or its root) is needed.", nameof(trusted));
        }

        return trusted;
    }

    public async ValueTask WriteAsync(AuditChainAnchor anchor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        var unstamped = anchor with { TimestampToken = null };
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(unstamped.CanonicalText));
        var request = Rfc3161TimestampRequest.CreateFromHash(hash, HashAlgorithmName.SHA256, requestedPolicyId: null, nonce: RandomNumberGenerator.GetBytes(8), requestSignerCertificates: true);

        byte[] reply;
        try
        {
            using var content = new ByteArrayContent(request.Encode());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
            using var response = await _http.PostAsync(_authority, content, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new CrmSyncException($"The time-stamp authority {_authority.Host} answered HTTP {(int)response.StatusCode}: the anchor of sequence {anchor.Head.Sequence} was not stamped.");
            }

            if (response.Content.Headers.ContentType?.MediaType is { } type && type != "application/timestamp-reply")
            {
                throw new CrmSyncDataException($"The time-stamp authority answered {type}, not application/timestamp-reply", _authority.Host);
            }

            reply = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new CrmSyncException($"The time-stamp authority {_authority.Host} cannot be reached: the anchor of sequence {anchor.Head.Sequence} was not stamped.", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CrmSyncException($"The time-stamp authority {_authority.Host} did not answer in time: the anchor of sequence {anchor.Head.Sequence} was not stamped.", ex);
        }

        Rfc3161TimestampToken token;
        try
        {
            // Checks the status is granted, and that the token is for this hash, this nonce, and signed by a certificate it carries.
            token = request.ProcessResponse(reply, out var consumed);
            if (consumed != reply.Length)
            {
                throw new CryptographicException("Trailing data after the TimeStampResp.");
            }
        }
        catch (CryptographicException ex)
        {
            throw new CrmSyncDataException($"The time-stamp authority's reply for the anchor of sequence {anchor.Head.Sequence} is refused ({ex.Message})", _authority.Host, innerException: ex);
        }

        var encoded = token.AsSignedCms().Encode();
        if (!IsValid(encoded, hash, out var reason))
        {
            throw new CrmSyncDataException($"The time-stamp authority's token for the anchor of sequence {anchor.Head.Sequence} is refused: {reason}", _authority.Host);
        }

        await _inner.WriteAsync(unstamped with { TimestampToken = Convert.ToBase64String(encoded) }, cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<AuditChainAnchor> ReadAsync(string userId, CancellationToken cancellationToken = default)
        => _inner.ReadAsync(userId, cancellationToken);

    /// <summary>Whether <paramref name="anchor"/> carries a token of a trusted TSA over exactly its <see cref="AuditChainAnchor.CanonicalText"/>.</summary>
    public bool HasValidToken(AuditChainAnchor anchor, out string reason)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        if (anchor.TimestampToken is null)
        {
            reason = "it carries no time-stamp token";
            return false;
        }

        var bytes = new byte[anchor.TimestampToken.Length];
        if (!Convert.TryFromBase64String(anchor.TimestampToken, bytes, out var written))
        {
            reason = "its time-stamp token is not Base64";
            return false;
        }

        return IsValid(bytes.AsMemory(0, written), SHA256.HashData(Encoding.UTF8.GetBytes(anchor.CanonicalText)), out reason);
    }

    private bool IsValid(ReadOnlyMemory<byte> encoded, byte[] hash, out string reason)
    {
        try
        {
            if (!Rfc3161TimestampToken.TryDecode(encoded, out var token, out var consumed) || consumed != encoded.Length)
            {
                reason = "its time-stamp token is not a well-formed RFC 3161 token";
                return false;
            }

            if (!token.VerifySignatureForHash(hash, HashAlgorithmName.SHA256, out var signer, _trusted) || signer is null)
            {
                reason = "its time-stamp token is not a valid signature over this anchor's hash";
                return false;
            }

            using (signer)
            {
                if (!IsTrusted(signer, token.TokenInfo.Timestamp))
                {
                    reason = $"its time-stamp token is signed by {signer.Subject}, which is not a trusted time-stamp authority";
                    return false;
                }
            }

            reason = string.Empty;
            return true;
        }
        catch (CryptographicException ex)
        {
            reason = $"its time-stamp token cannot be checked ({ex.Message})";
            return false;
        }
    }

    private bool IsTrusted(X509Certificate2 signer, DateTimeOffset stampedAt)
    {
        var hasUsage = signer.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .Any(static e => e.EnhancedKeyUsages.Cast<Oid>().Any(static o => o.Value == TimeStampingEku));
        if (!hasUsage)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(TimeStampingEku));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // offline: the library calls no network but the TSA itself
        chain.ChainPolicy.VerificationTime = stampedAt.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        try
        {
            return chain.Build(signer);
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, signer))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }
}
