using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Aria.CrmSync.Tests.Auditing;

/// <summary>Exported, signed chain anchors: what an auditor keeps outside the database.</summary>
public class AuditChainAnchorTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public async Task ExportAnchorAsync_Signed_VerifiesWithTheKeyOnly()
    {
        var (audit, _) = Create(Convert.ToBase64String(Key));
        await audit.LogSyncOperationAsync("u", "l", CrmAuditOperation.Push, CrmProvider.Salesforce, true);

        var anchor = await audit.ExportAnchorAsync("u");

        Assert.Equal(1, anchor.Head.Sequence);
        Assert.Equal("k1", anchor.KeyId);
        Assert.True(anchor.HasValidSignature(Key));
        Assert.False(anchor.HasValidSignature(new byte[32]));
        Assert.False((anchor with { Head = anchor.Head with { Sequence = 5 } }).HasValidSignature(Key));
        Assert.False((anchor with { IssuedAt = anchor.IssuedAt.AddSeconds(1) }).HasValidSignature(Key));
        Assert.True((await audit.VerifyAsync("u", anchor.Head)).IsValid);
    }

    [Fact]
    public async Task ExportAnchorAsync_WithoutKey_IsUnsigned()
    {
        var (audit, _) = Create(null);
        var anchor = await audit.ExportAnchorAsync("nobody");
        Assert.Null(anchor.Signature);
        Assert.False(anchor.HasValidSignature(Key));
        Assert.Equal(0, anchor.Head.Sequence);
    }

    [Fact]
    public async Task Anchor_CatchesTailTruncationLater()
    {
        var (audit, store) = Create(Convert.ToBase64String(Key));
        for (var i = 0; i < 5; i++)
        {
            await audit.LogSyncOperationAsync("u", "l", CrmAuditOperation.Pull, CrmProvider.HubSpot, true);
        }

        var anchor = await audit.ExportAnchorAsync("u");
        store.TamperWithChain("u", chain => chain.RemoveAt(chain.Count - 1));

        var result = await audit.VerifyAsync("u", anchor.Head);
        Assert.Equal(AuditTamperKind.Truncated, result.Kind);
    }

    [Fact]
    public void Sign_ShortKey_Throws()
    {
        var anchor = new AuditChainAnchor { Head = new AuditChainHead("u", 0, null), IssuedAt = DateTimeOffset.UnixEpoch };
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => anchor.Sign(new byte[8], "k")).ParamName);
    }

    [Fact]
    public async Task ConfigureAudit_InvalidKey_FailsAtStartup()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().ConfigureAudit(o => o.AnchorSigningKey = "c2hvcnQ=");
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("AnchorSigningKey", ex.Message);
    }

    private static (ICrmAuditService Audit, Storage.InMemory.InMemoryAuditStore Store) Create(string? key)
    {
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryStores().UseInMemoryConnections().ConfigureAudit(o =>
        {
            o.AnchorSigningKey = key;
            o.AnchorKeyId = "k1";
        });
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<ICrmAuditService>(), (Storage.InMemory.InMemoryAuditStore)provider.GetRequiredService<IAuditStore>());
    }
}
