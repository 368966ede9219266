using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.Tests.Auditing;

/// <summary>
/// The X.509 anchor signer as a host configures it (a PFX file, or a certificate object): anchors are signed with the
/// private key, verify with the public key only, and any change to the anchor's text breaks the signature.
/// </summary>
public sealed class AuditAnchorSignerTests : IDisposable
{
    private readonly string _pfx = Path.Combine(Path.GetTempPath(), $"aria-anchor-{Guid.NewGuid():N}.pfx");
    private readonly string _anchors = Path.Combine(Path.GetTempPath(), $"aria-anchors-{Guid.NewGuid():N}.jsonl");

    [Fact]
    public async Task PfxSigner_SignsScheduledAnchors_VerifiableWithThePublicKeyOnly()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=aria-anchor-test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pss)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        File.WriteAllBytes(_pfx, certificate.Export(X509ContentType.Pfx, "pfx-password"));

        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections()
            .UseFileAuditAnchorSink(_anchors)
            .UseX509AuditAnchorSigner(_pfx, "pfx-password");
        await using var provider = services.BuildServiceProvider();
        var audit = provider.GetRequiredService<ICrmAuditService>();

        await audit.LogSyncOperationAsync("u1", "l", CrmAuditOperation.Pull, CrmProvider.HubSpot, true);
        var exported = await audit.ExportAnchorAsync("u1");

        Assert.StartsWith("x509:", exported.KeyId, StringComparison.Ordinal);
        Assert.Equal(2, File.ReadAllLines(_anchors).Length); // the first append, then the export
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
        var verifier = new Aria.CrmSync.Auditing.Anchoring.X509AuditAnchorSigner(publicOnly);
        Assert.True(verifier.Verify(exported));
        Assert.False(verifier.Verify(exported with { Head = exported.Head with { Sequence = exported.Head.Sequence + 1 } }));
        Assert.False(verifier.Verify(exported with { IssuedAt = exported.IssuedAt.AddSeconds(1) }));
        Assert.True((await audit.VerifyAgainstAnchorsAsync("u1")).IsValid);
    }

    [Fact]
    public void CertificateWithoutPrivateKey_IsRefused()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=x", ecdsa, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
        var builder = new ServiceCollection().AddAriaCrmSync();

        Assert.Equal("certificate", Assert.Throws<ArgumentException>(() => builder.UseX509AuditAnchorSigner(publicOnly)).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => builder.UseFileAuditAnchorSink(" ")).ParamName);
    }

    [Fact]
    public async Task VerifyAgainstAnchors_WithoutASink_IsAClearError()
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections();
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetRequiredService<ICrmAuditService>().VerifyAgainstAnchorsAsync("u1"));

        Assert.Contains("UseFileAuditAnchorSink", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        File.Delete(_pfx);
        File.Delete(_anchors);
    }
}
