using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Aria.CrmSync.Auditing.Anchoring;
using Aria.CrmSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aria.CrmSync.Tests.Auditing;

/// <summary>
/// The RFC 3161 anchor sink against the Testing package's local TSA (real TimeStampReq/TimeStampResp, real CMS
/// signatures): anchors are stamped and kept with their token, the token verifies against the anchored head, and a
/// tampered token, a token moved to another anchor, a wrong hash, a wrong nonce, a rejection or an untrusted TSA are
/// all caught.
/// </summary>
public sealed class Rfc3161AuditAnchorSinkTests : IDisposable
{
    private readonly string _anchors = Path.Combine(Path.GetTempPath(), $"aria-tsa-anchors-{Guid.NewGuid():N}.jsonl");
    private readonly LocalTimestampAuthority _tsa = new();

    [Fact]
    public async Task ScheduledAnchors_AreStampedByTheTsa_AndTheTokenMatchesTheAnchoredHead()
    {
        await using var provider = BuildProvider();
        var audit = provider.GetRequiredService<ICrmAuditService>();

        await audit.LogSyncOperationAsync("u1", "lead-1", CrmAuditOperation.Pull, CrmProvider.HubSpot, true);
        var exported = await audit.ExportAnchorAsync("u1");

        var lines = File.ReadAllLines(_anchors);
        Assert.Equal(2, lines.Length);
        Assert.Equal(2, _tsa.RequestCount);
        var stored = AnchorJson.Deserialize(lines[1], "test");
        Assert.Equal(exported.Head, stored.Head);
        Assert.True(Rfc3161TimestampToken.TryDecode(Convert.FromBase64String(stored.TimestampToken!), out var token, out _));
        var expectedHash = SHA256.HashData(Encoding.UTF8.GetBytes(stored.CanonicalText));
        Assert.Equal(expectedHash, token.TokenInfo.GetMessageHash().ToArray());
        Assert.Equal(LocalTimestampAuthority.PolicyOid, token.TokenInfo.PolicyId.Value);
        Assert.True(token.VerifySignatureForHash(expectedHash, HashAlgorithmName.SHA256, out var signer, [_tsa.Certificate]));
        Assert.Equal(_tsa.Certificate.Thumbprint, signer!.Thumbprint);

        var result = await audit.VerifyAgainstAnchorsAsync("u1");
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(2, result.AnchorsChecked);
    }

    [Fact]
    public async Task TamperedToken_IsReportedByVerification_NamingTheAnchor()
    {
        await using var provider = BuildProvider();
        var audit = provider.GetRequiredService<ICrmAuditService>();
        await audit.LogSyncOperationAsync("u1", "lead-1", CrmAuditOperation.Pull, CrmProvider.HubSpot, true);
        await audit.ExportAnchorAsync("u1");

        var lines = File.ReadAllLines(_anchors);
        var second = JsonNode.Parse(lines[1])!.AsObject();
        var token = Convert.FromBase64String(second["timestamp_token"]!.GetValue<string>());
        token[^10] ^= 0x01; // inside the RSA signature, the last field of the SignedData
        second["timestamp_token"] = Convert.ToBase64String(token);
        File.WriteAllLines(_anchors, [lines[0], second.ToJsonString()]);

        var result = await audit.VerifyAgainstAnchorsAsync("u1");

        Assert.False(result.IsValid);
        Assert.Equal(AuditTamperKind.Altered, result.Kind);
        Assert.Equal(1, result.FailedAnchor!.Head.Sequence);
        Assert.Contains("time-stamp", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenOfAnotherAnchor_OrAnAnchorEditedAfterStamping_IsReported()
    {
        await using var provider = BuildProvider();
        var audit = provider.GetRequiredService<ICrmAuditService>();
        await audit.LogSyncOperationAsync("u1", "lead-1", CrmAuditOperation.Pull, CrmProvider.HubSpot, true);
        await audit.LogSyncOperationAsync("u2", "lead-2", CrmAuditOperation.Pull, CrmProvider.HubSpot, true);
        var original = File.ReadAllLines(_anchors);
        Assert.Equal(2, original.Length);

        // A valid token from u2's anchor moved onto u1's anchor.
        var moved = JsonNode.Parse(original[0])!.AsObject();
        moved["timestamp_token"] = JsonNode.Parse(original[1])!["timestamp_token"]!.GetValue<string>();
        File.WriteAllLines(_anchors, [moved.ToJsonString(), original[1]]);
        var result = await audit.VerifyAgainstAnchorsAsync("u1");
        Assert.False(result.IsValid);
        Assert.Contains("not a valid signature over this anchor's hash", result.Message, StringComparison.Ordinal);

        // u1's anchor with a different hash but its own token: the stamped hash no longer matches.
        var edited = JsonNode.Parse(original[0])!.AsObject();
        edited["hash"] = new string('0', 64);
        File.WriteAllLines(_anchors, [edited.ToJsonString(), original[1]]);
        result = await audit.VerifyAgainstAnchorsAsync("u1");
        Assert.False(result.IsValid);
        Assert.Equal(AuditTamperKind.Altered, result.Kind);

        File.WriteAllLines(_anchors, original);
        Assert.True((await audit.VerifyAgainstAnchorsAsync("u1")).IsValid);
    }

    [Theory]
    [InlineData("hash")]
    [InlineData("nonce")]
    [InlineData("reject")]
    public async Task BadReply_IsATypedError_AndNothingIsKept(string fault)
    {
        _tsa.StampWrongHash = fault == "hash";
        _tsa.ReturnWrongNonce = fault == "nonce";
        _tsa.RejectAll = fault == "reject";
        using var inner = new FileAuditAnchorSink(_anchors);
        using var http = new HttpClient(_tsa.CreateHandler());
        var sink = new Rfc3161AuditAnchorSink(http, _tsa.BaseAddress, [_tsa.Certificate], inner);

        var error = await Assert.ThrowsAsync<CrmSyncDataException>(() => sink.WriteAsync(Anchor()).AsTask());

        Assert.Contains("sequence 7", error.Message, StringComparison.Ordinal);
        Assert.IsType<CryptographicException>(error.InnerException);
        Assert.Equal(1, _tsa.RequestCount);
        Assert.False(File.Exists(_anchors));
    }

    [Fact]
    public async Task TokenFromAnUntrustedTsa_IsRefused()
    {
        using var other = new LocalTimestampAuthority();
        using var inner = new FileAuditAnchorSink(_anchors);
        using var http = new HttpClient(other.CreateHandler());
        var sink = new Rfc3161AuditAnchorSink(http, other.BaseAddress, [_tsa.Certificate], inner);

        var error = await Assert.ThrowsAsync<CrmSyncDataException>(() => sink.WriteAsync(Anchor()).AsTask());

        Assert.Contains("not a trusted time-stamp authority", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_anchors));
    }

    [Fact]
    public async Task UnreachableTsa_IsACrmSyncException()
    {
        using var inner = new FileAuditAnchorSink(_anchors);
        using var http = new HttpClient(new ThrowingHandler());
        var sink = new Rfc3161AuditAnchorSink(http, _tsa.BaseAddress, [_tsa.Certificate], inner);

        var error = await Assert.ThrowsAsync<CrmSyncException>(() => sink.WriteAsync(Anchor()).AsTask());

        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public void Builder_RefusesPlainHttp_NoTrust_AndNoInnerSink()
    {
        var builder = new ServiceCollection().AddAriaCrmSync();
        X509Certificate2Collection trusted = [_tsa.Certificate];

        Assert.Throws<InvalidOperationException>(() => builder.UseRfc3161AuditAnchorSink(_tsa.BaseAddress, trusted));
        builder.UseFileAuditAnchorSink(_anchors);
        Assert.Equal("authority", Assert.Throws<ArgumentException>(() => builder.UseRfc3161AuditAnchorSink(new Uri("http://tsa.example.com/"), trusted)).ParamName);
        Assert.Equal("trusted", Assert.Throws<ArgumentException>(() => builder.UseRfc3161AuditAnchorSink(_tsa.BaseAddress, [])).ParamName);
        builder.UseRfc3161AuditAnchorSink(new Uri("http://127.0.0.1:9/tsr"), trusted);
    }

    public void Dispose()
    {
        _tsa.Dispose();
        File.Delete(_anchors);
    }

    private static AuditChainAnchor Anchor()
        => new() { Head = new AuditChainHead("u1", 7, new string('a', 64)), IssuedAt = new DateTimeOffset(2026, 12, 6, 23, 0, 0, TimeSpan.Zero) };

    private ServiceProvider BuildProvider()
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections()
            .UseFileAuditAnchorSink(_anchors)
            .UseRfc3161AuditAnchorSink(_tsa.BaseAddress, [_tsa.Certificate], client => client.ConfigurePrimaryHttpMessageHandler(_tsa.CreateHandler));
        return services.BuildServiceProvider();
    }

    private sealed class ThrowingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => throw new HttpRequestException("connection refused");
    }
}
