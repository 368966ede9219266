using System.Text.Json;
using Aria.CrmSync.Auditing;
using Aria.CrmSync.Providers.HubSpot;
using Aria.CrmSync.Security;
using Aria.CrmSync.Tests.TestSupport;

namespace Aria.CrmSync.Tests.Security;

/// <summary>
/// The input rules at the public entry points (issue 18): ids, idempotency keys, base addresses, redaction limited to
/// secrets, a trail whose times and order no caller can set, and details refused when they are not strict JSON.
/// </summary>
public sealed class InputRulesTests
{
    private const string User = SyncHarness.UserId;

    public static TheoryData<string> BadIds => new() { " ", "a\tb", "a\nb", "a\0b", "u\u202E1", new string('i', 257) };

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task SyncAndAuditEntryPoints_RefuseBadIds_WithTheirParameterName(string id)
    {
        await using var h = new SyncHarness();

        Assert.Equal("userId", (await Assert.ThrowsAsync<ArgumentException>(() => h.Sync.TriggerManualSyncAsync(id, "lead-1"))).ParamName);
        Assert.Equal("leadMemoryId", (await Assert.ThrowsAsync<ArgumentException>(() => h.Sync.PullActivitiesAsync(User, id))).ParamName);
        Assert.Equal("leadMemoryId", (await Assert.ThrowsAsync<ArgumentException>(() => h.Sync.PushSummaryAsync(User, id, "s"))).ParamName);
        Assert.Equal("userId", (await Assert.ThrowsAsync<ArgumentException>(() => h.Sync.SyncConnectionAsync(id, CrmProvider.HubSpot))).ParamName);
        Assert.Equal("userId", (await Assert.ThrowsAsync<ArgumentException>(() => h.Audit.LogSyncOperationAsync(id, null, CrmAuditOperation.Pull, CrmProvider.HubSpot, true))).ParamName);
        Assert.Equal("leadMemoryId", (await Assert.ThrowsAsync<ArgumentException>(() => h.Audit.LogSyncOperationAsync(User, id, CrmAuditOperation.Pull, CrmProvider.HubSpot, true))).ParamName);
        Assert.Equal("drafts", (await Assert.ThrowsAsync<ArgumentException>(() => h.Audit.LogManyAsync([Draft() with { UserId = id }]))).ParamName);
        Assert.Equal("userId", (await Assert.ThrowsAsync<ArgumentException>(() => h.Audit.VerifyAsync(id))).ParamName);
        Assert.Empty(await h.Audit.QueryAuditLogAsync(new AuditQuery { Limit = null })); // nothing was written
    }

    [Theory]
    [InlineData("]")]
    [InlineData("key]with")]
    [InlineData("has space")]
    [InlineData("quote'")]
    [InlineData("")]
    public async Task PushSummary_KeyAGatewayWouldRefuse_IsRefusedBeforeTheOutbox(string key)
    {
        await using var h = new SyncHarness();
        await h.AddLeadAsync("lead-1", CrmProvider.HubSpot, crmId: "123");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => h.Sync.QueueSummaryAsync(User, "lead-1", "note", key));

        Assert.Equal("idempotencyKey", error.ParamName);
        Assert.Null(await h.States.GetAsync("lead-1")); // nothing queued: the lead is not left in error with a stuck note
        Assert.True(Aria.CrmSync.Sync.CrmSyncService.IsPortableIdempotencyKey("aria-2026:lead_1.v2@x+y=z/w"));
    }

    [Theory]
    [InlineData("http://api.hubapi.example.com", false)]
    [InlineData("https://api.hubapi.com?x=1", false)]
    [InlineData("https://user:pw@api.hubapi.com", false)]
    [InlineData("https://api.hubapi.com", true)]
    [InlineData("http://127.0.0.1:5000", true)]
    public void HubSpotBaseAddress_IsHttpsUnlessLoopback_AsForEveryProvider(string address, bool valid)
    {
        var result = new HubSpotOptionsValidator().Validate(null, new HubSpotOptions { BaseAddress = new Uri(address) });

        Assert.Equal(valid, result.Succeeded);
    }

    [Theory]
    [InlineData("tokens_used", false)]
    [InlineData("max_tokens", false)]
    [InlineData("token_type", false)]
    [InlineData("tokenCount", false)]
    [InlineData("keywords", false)]
    [InlineData("access_token", true)]
    [InlineData("refreshToken", true)]
    [InlineData("id-token", true)]
    [InlineData("token", true)]
    [InlineData("client_secret", true)]
    [InlineData("x-api-key", true)]
    [InlineData("Authorization", true)]
    [InlineData("password", true)]
    public void Redaction_IsLimitedToSecrets(string key, bool secret)
        => Assert.Equal(secret, SecretRedactor.IsSecretKey(key));

    [Fact]
    public async Task LogMany_CannotBackdateOrRenumber_TheGivenTimeIsKeptAsOccurredAt()
    {
        await using var h = new SyncHarness();
        await h.Audit.LogSyncOperationAsync(User, "lead-1", CrmAuditOperation.Pull, CrmProvider.HubSpot, true, new Dictionary<string, object?> { ["tokens_used"] = 42 });
        var backdated = Draft() with { CreatedAt = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), Sequence = 1, PreviousHash = "forged", Hash = "forged" };

        var written = Assert.Single(await h.Audit.LogManyAsync([backdated]));

        Assert.Equal(h.Time.GetUtcNow(), written.CreatedAt);
        Assert.Equal(2, written.Sequence);
        Assert.Equal("2024-01-01T00:00:00.000000Z", written.Details.GetProperty("occurred_at").GetString());
        Assert.True((await h.Audit.VerifyAsync(User)).IsValid);
        var first = (await h.Audit.QueryAuditLogAsync(new AuditQuery { UserId = User })).Single(e => e.Sequence == 1);
        Assert.Equal(42, first.Details.GetProperty("tokens_used").GetInt32()); // not redacted: a count is not a secret
    }

    [Theory]
    [InlineData("""{"new":"1200","new":"9999999"}""", "twice")]
    [InlineData("""{"a":"\u0000"}""", "U+0000")]
    [InlineData("""{"a":"\ud800"}""", "UTF-16")]
    [InlineData("""{"\ud800":1}""", "UTF-16")]
    [InlineData("""{"n":1e400}""", "exact decimal")]
    [InlineData("""{"n":0.12345678901234567890123456789}""", "exact decimal")]
    [InlineData("""{"n":1e-30}""", "exact decimal")]
    [InlineData("""[1]""", "object")]
    public async Task LogMany_DetailsThatAreNotStrictJson_AreRefused(string json, string reason)
    {
        await using var h = new SyncHarness();

        var error = await Assert.ThrowsAsync<CrmSyncValidationException>(() => h.Audit.LogManyAsync([Draft() with { Details = JsonDocument.Parse(json).RootElement.Clone() }]));

        Assert.Equal("drafts[0].Details", error.Field);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Empty(await h.Audit.QueryAuditLogAsync(new AuditQuery { Limit = null }));
    }

    [Fact]
    public async Task LogMany_EquivalentEncodings_AreStoredInTheOneCanonicalText()
    {
        await using var h = new SyncHarness();

        var written = Assert.Single(await h.Audit.LogManyAsync([Draft() with { Details = JsonDocument.Parse("""{ "b" : 1.50, "a" : 15e-1, "c": "\u00e9" }""").RootElement.Clone() }]));

        Assert.Equal("{\"a\":1.5,\"b\":1.5,\"c\":\"é\"}", written.Details.GetRawText());
        Assert.True(CanonicalJson.IsCanonical(written.Details));
    }

    private static CrmAuditEntry Draft() => new()
    {
        Id = string.Empty,
        UserId = User,
        LeadMemoryId = "lead-1",
        Operation = CrmAuditOperation.Push,
        Provider = CrmProvider.HubSpot,
        Success = true,
        CreatedAt = default,
    };
}
