using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Aria.CrmSync.Auditing;
using Microsoft.Extensions.DependencyInjection;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Durability;

/// <summary>
/// Automatic anchoring against a durable store: the trail anchors each chain head to an append-only file, signed with an
/// X.509 key, every two entries; tampering that leaves a self-consistent chain (hashes recomputed from an edited entry,
/// the tail cut off) is named by the first anchor interval that disagrees, and a forged anchor is refused.
/// </summary>
public abstract partial class DurableStoreTests
{
    [Fact]
    public async Task Anchors_AreWrittenOnSchedule_AndTheUntouchedChainAgreesWithAll()
    {
        using var anchors = new AnchorFile();
        await using var services = BuildServices(anchors.Configure);
        var audit = services.GetRequiredService<ICrmAuditService>();
        for (var i = 0; i < 5; i++)
        {
            await audit.LogManyAsync([Draft("u1")]);
        }

        var result = await audit.VerifyAgainstAnchorsAsync("u1");

        Assert.True(result.IsValid, result.Message);
        Assert.Equal([1L, 3, 5], anchors.Sequences()); // the first append, then every two entries
        Assert.Equal(3, result.AnchorsChecked);
    }

    [Fact]
    public async Task Anchors_ChainRewrittenWithRecomputedHashes_NamesTheFirstIntervalThatDisagrees()
    {
        using var anchors = new AnchorFile();
        await using var services = BuildServices(anchors.Configure);
        var audit = services.GetRequiredService<ICrmAuditService>();
        var entries = new List<CrmAuditEntry>();
        for (var i = 0; i < 5; i++)
        {
            entries.AddRange(await audit.LogManyAsync([Draft("u1")]));
        }

        // Entry 4 edited, 4 and 5 re-sealed: every hash and link is right again.
        var edited = CrmAuditService.Sealer.Seal(entries[3] with { ErrorMessage = "nothing happened", Hash = string.Empty }, 4, entries[2].Hash);
        var next = CrmAuditService.Sealer.Seal(entries[4] with { Hash = string.Empty }, 5, edited.Hash);
        var log = Table("crm_audit_log");
        await TamperAsync(
            $"UPDATE {log} SET error_message = 'nothing happened', hash = '{edited.Hash}' WHERE id = '{entries[3].Id}'; " +
            $"UPDATE {log} SET previous_hash = '{edited.Hash}', hash = '{next.Hash}' WHERE id = '{entries[4].Id}'");

        Assert.True((await audit.VerifyAsync("u1")).IsValid); // the chain alone cannot tell
        var result = await audit.VerifyAgainstAnchorsAsync("u1");

        Assert.Equal(AuditTamperKind.Altered, result.Kind);
        Assert.Equal(5, result.FailedAnchor!.Head.Sequence);
        Assert.Equal(4, result.FailedIntervalStart); // the anchor at 3 agrees: the change is in 4..5
        Assert.Equal(2, result.AnchorsChecked);
    }

    [Fact]
    public async Task Anchors_TailCutOff_IsTruncatedAgainstTheLastAnchor()
    {
        using var anchors = new AnchorFile();
        await using var services = BuildServices(anchors.Configure);
        var audit = services.GetRequiredService<ICrmAuditService>();
        var entries = new List<CrmAuditEntry>();
        for (var i = 0; i < 5; i++)
        {
            entries.AddRange(await audit.LogManyAsync([Draft("u1")]));
        }

        await TamperAsync($"DELETE FROM {Table("crm_audit_log")} WHERE sequence >= 4");

        var result = await audit.VerifyAgainstAnchorsAsync("u1");
        Assert.Equal(AuditTamperKind.Truncated, result.Kind);
        Assert.Equal(5, result.FailedAnchor!.Head.Sequence);
        Assert.Equal(4, result.FailedSequence);
    }

    [Fact]
    public async Task Anchors_ForgedAnchorLine_IsRefusedBySignature()
    {
        using var anchors = new AnchorFile();
        await using var services = BuildServices(anchors.Configure);
        var audit = services.GetRequiredService<ICrmAuditService>();
        await audit.LogManyAsync([Draft("u1")]);
        File.AppendAllText(anchors.Path, File.ReadAllLines(anchors.Path)[0].Replace("\"sequence\":1", "\"sequence\":9", StringComparison.Ordinal) + "\n");

        var result = await audit.VerifyAgainstAnchorsAsync("u1");

        Assert.Equal(AuditTamperKind.Altered, result.Kind);
        Assert.Equal(9, result.FailedAnchor!.Head.Sequence);
        Assert.Contains("signature", result.Message, StringComparison.Ordinal);
        Assert.StartsWith("x509:", result.FailedAnchor.KeyId, StringComparison.Ordinal); // signed by the key, but not this text
    }

    /// <summary>A temporary anchor file and an ephemeral ECDSA certificate to sign with.</summary>
    private sealed class AnchorFile : IDisposable
    {
        private readonly X509Certificate2 _certificate;

        public AnchorFile()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=aria-anchor-test", key, HashAlgorithmName.SHA256);
            _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        }

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"aria-anchors-{Guid.NewGuid():N}.jsonl");

        public void Configure(IAriaCrmSyncBuilder builder)
            => builder.UseFileAuditAnchorSink(Path).UseX509AuditAnchorSigner(_certificate).ConfigureAudit(o => o.AnchorEveryEntries = 2);

        public List<long> Sequences()
            => [.. File.ReadAllLines(Path).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("sequence").GetInt64())];

        public void Dispose()
        {
            _certificate.Dispose();
            File.Delete(Path);
        }
    }
}
