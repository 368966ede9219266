using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Aria.CrmSync.Auditing.Anchoring;

/// <summary>
/// Signs anchors with an X.509 certificate's private key (RSA with PSS padding, or ECDSA; SHA-256), from the certificate
/// store or a PFX file, never from a string in the application's configuration. Verification needs only the
/// certificate's public key, so an auditor can check anchors without the private key.
/// </summary>
internal sealed class X509AuditAnchorSigner : IAuditAnchorSigner
{
    private readonly X509Certificate2 _certificate;

    public X509AuditAnchorSigner(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (certificate.GetRSAPublicKey() is null && certificate.GetECDsaPublicKey() is null)
        {
            throw new ArgumentException("The anchor-signing certificate must have an RSA or ECDSA key.", nameof(certificate));
        }

        _certificate = certificate;
        KeyId = "x509:" + Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));
    }

    public string KeyId { get; }

    public AuditChainAnchor Sign(AuditChainAnchor anchor)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        var unsigned = anchor with { KeyId = KeyId, Signature = null };
        var data = Encoding.UTF8.GetBytes(unsigned.CanonicalText);
        byte[] signature;
        if (_certificate.GetRSAPrivateKey() is { } rsa)
        {
            using (rsa)
            {
                signature = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
            }
        }
        else if (_certificate.GetECDsaPrivateKey() is { } ecdsa)
        {
            using (ecdsa)
            {
                signature = ecdsa.SignData(data, HashAlgorithmName.SHA256);
            }
        }
        else
        {
            throw new CrmSyncException("The anchor-signing certificate has no usable private key.");
        }

        return unsigned with { Signature = Convert.ToBase64String(signature) };
    }

    public bool Verify(AuditChainAnchor anchor)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        if (anchor.KeyId != KeyId || anchor.Signature is null)
        {
            return false;
        }

        var signature = new byte[anchor.Signature.Length];
        if (!Convert.TryFromBase64String(anchor.Signature, signature, out var written))
        {
            return false;
        }

        var data = Encoding.UTF8.GetBytes(anchor.CanonicalText);
        if (_certificate.GetRSAPublicKey() is { } rsa)
        {
            using (rsa)
            {
                return rsa.VerifyData(data, signature.AsSpan(0, written), HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
            }
        }

        using var ecdsa = _certificate.GetECDsaPublicKey()!;
        return ecdsa.VerifyData(data, signature.AsSpan(0, written), HashAlgorithmName.SHA256);
    }
}
