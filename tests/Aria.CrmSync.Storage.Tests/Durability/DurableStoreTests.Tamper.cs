using Aria.CrmSync.Auditing;
using Microsoft.Extensions.DependencyInjection;
using static Aria.CrmSync.Storage.Tests.Contracts.StoreTestData;

namespace Aria.CrmSync.Storage.Tests.Durability;

/// <summary>
/// The kinds of tampering with rows behind the library's back that are not an edit or a removal (those are above):
/// a well-formed inserted entry, two entries swapped, and the tail cut off (visible only against an exported anchor).
/// </summary>
public abstract partial class DurableStoreTests
{
    [Fact]
    public async Task AuditLog_WellFormedRowInsertedBehindTheLibrary_IsNamedByVerify()
    {
        await using var services = BuildServices();
        var audit = services.GetRequiredService<ICrmAuditService>();
        var entries = await audit.LogManyAsync([Draft("u1"), Draft("u1"), Draft("u1"), Draft("u1")]);

        // The forger renumbers the tail and inserts a copy of entry 2 with a correct hash at sequence 3, linked to entry 2.
        var forged = CrmAuditService.Sealer.Seal(entries[1] with { Id = "forged", ErrorMessage = "forged", Hash = string.Empty }, 3, entries[1].Hash);
        var log = Table("crm_audit_log");
        await TamperAsync(
            $"UPDATE {log} SET sequence = sequence + 100 WHERE user_id = 'u1' AND sequence >= 3; " +
            $"UPDATE {log} SET sequence = sequence - 99 WHERE user_id = 'u1' AND sequence >= 100; " +
            $"INSERT INTO {log} (id, user_id, lead_memory_id, operation, provider, success, details, error_message, created_at, sequence, previous_hash, hash) " +
            $"SELECT 'forged', user_id, lead_memory_id, operation, provider, success, details, 'forged', created_at, 3, '{entries[1].Hash}', '{forged.Hash}' FROM {log} WHERE id = '{entries[1].Id}'");
        await AssertNamedAsync(audit, AuditTamperKind.Inserted, 3, "forged");
    }

    [Fact]
    public async Task AuditLog_RowsSwappedBehindTheLibrary_AreNamedByVerify()
    {
        await using var services = BuildServices();
        var audit = services.GetRequiredService<ICrmAuditService>();
        var entries = await audit.LogManyAsync([Draft("u1"), Draft("u1"), Draft("u1"), Draft("u1")]);

        var log = Table("crm_audit_log");
        await TamperAsync(
            $"UPDATE {log} SET sequence = 102 WHERE id = '{entries[1].Id}'; " +
            $"UPDATE {log} SET sequence = 2 WHERE id = '{entries[2].Id}'; " +
            $"UPDATE {log} SET sequence = 3 WHERE id = '{entries[1].Id}'");
        await AssertNamedAsync(audit, AuditTamperKind.Reordered, 2, entries[2].Id);
    }

    [Fact]
    public async Task AuditLog_TailCutOffBehindTheLibrary_IsCaughtOnlyAgainstAnExportedAnchor()
    {
        await using var services = BuildServices();
        var audit = services.GetRequiredService<ICrmAuditService>();
        var entries = await audit.LogManyAsync([Draft("u1"), Draft("u1"), Draft("u1"), Draft("u1")]);
        var anchor = await audit.ExportAnchorAsync("u1"); // kept outside the database

        await TamperAsync($"DELETE FROM {Table("crm_audit_log")} WHERE id IN ('{entries[2].Id}', '{entries[3].Id}')");

        var alone = await audit.VerifyAsync("u1");
        Assert.True(alone.IsValid, alone.Message); // the shorter chain is self-consistent
        Assert.Equal(2, alone.EntriesVerified);
        var result = await audit.VerifyAsync("u1", anchor.Head);
        Assert.Equal(AuditTamperKind.Truncated, result.Kind);
        Assert.Equal(3, result.FailedSequence);
    }

    [Fact]
    public async Task AuditLog_EntryBackdatedWithRecomputedHashes_IsNamedByVerify()
    {
        await using var services = BuildServices();
        var audit = services.GetRequiredService<ICrmAuditService>();
        var entries = await audit.LogManyAsync([Draft("u1"), Draft("u1"), Draft("u1"), Draft("u1")]);

        // The forger dates entry 3 a year back and recomputes the hashes from there on, so every link and hash is right.
        var backdated = CrmAuditService.Sealer.Seal(entries[2] with { CreatedAt = entries[2].CreatedAt.AddYears(-1), Hash = string.Empty }, 3, entries[1].Hash);
        var relinked = CrmAuditService.Sealer.Seal(entries[3] with { Hash = string.Empty }, 4, backdated.Hash);
        var log = Table("crm_audit_log");
        await TamperAsync(
            $"UPDATE {log} SET created_at = {TimeLiteral(backdated.CreatedAt)}, hash = '{backdated.Hash}' WHERE id = '{entries[2].Id}'; " +
            $"UPDATE {log} SET previous_hash = '{backdated.Hash}', hash = '{relinked.Hash}' WHERE id = '{entries[3].Id}'");

        await AssertNamedAsync(audit, AuditTamperKind.Backdated, 3, entries[2].Id);
    }

    [Fact]
    public async Task AuditLog_DetailsValueChanged_IsNamedByVerify_AndQueriesNeverShowAnUnhashedValue()
    {
        await using var services = BuildServices();
        var audit = services.GetRequiredService<ICrmAuditService>();
        var entries = await audit.LogManyAsync([Draft("u1"), Draft("u1", detailsJson: """{"new":"1200","old":"1000"}"""), Draft("u1")]);

        // On SQLite a duplicate key is appended to the stored text (the hash would keep the first value, a reader take
        // the second); jsonb cannot hold a duplicate key, so on PostgreSQL the forger overwrites the value.
        var forgedDetails = Kind == "sqlite" ? """{"new":"1200","old":"1000","new":"9999999"}""" : """{"new":"9999999","old":"1000"}""";
        await TamperAsync($"UPDATE {Table("crm_audit_log")} SET details = '{forgedDetails}' WHERE id = '{entries[1].Id}'");

        var result = await audit.VerifyAsync("u1");
        Assert.Equal(AuditTamperKind.Altered, result.Kind);
        Assert.Equal(entries[1].Id, result.FailedEntryId);
        Assert.Equal(2, result.FailedSequence);
    }

    [Fact]
    public async Task AuditLog_DetailsRewrittenToAnEquivalentNonCanonicalText_IsNamedByVerify()
    {
        await using var services = BuildServices();
        var audit = services.GetRequiredService<ICrmAuditService>();
        var entries = await audit.LogManyAsync([Draft("u1"), Draft("u1", detailsJson: """{"n":1.5}""") with { CreatedAt = default }]); // no occurred_at detail

        // Same value, other text: what is stored (and read) must be byte for byte what was hashed. jsonb keeps no text,
        // so on PostgreSQL the store returns the canonical text and the chain stays valid.
        await TamperAsync($"UPDATE {Table("crm_audit_log")} SET details = '{{ \"n\" : 1.50 }}' WHERE id = '{entries[1].Id}'");

        var result = await audit.VerifyAsync("u1");
        if (Kind == "sqlite")
        {
            Assert.Equal(AuditTamperKind.Altered, result.Kind);
            Assert.Equal(entries[1].Id, result.FailedEntryId);
        }
        else
        {
            Assert.True(result.IsValid, result.Message);
            Assert.Equal("""{"n":1.5}""", (await services.GetRequiredService<IAuditStore>().ReadChainAsync("u1", 2).ToListAsync())[0].Details.GetRawText());
        }
    }

    [Fact]
    public async Task AuditLog_ForgedTailWithCorrectHash_VerifiesOnItsOwn()
    {
        await using var services = BuildServices();
        var audit = services.GetRequiredService<ICrmAuditService>();
        var entries = await audit.LogManyAsync([Draft("u1"), Draft("u1")]);
        var log = Table("crm_audit_log");

        // A forged entry appended at the tail with a correct hash and link: the chain alone cannot tell.
        var forged = CrmAuditService.Sealer.Seal(entries[1] with { Id = "forged-tail", ErrorMessage = "forged", Hash = string.Empty }, 3, entries[1].Hash);
        await TamperAsync(
            $"INSERT INTO {log} (id, user_id, lead_memory_id, operation, provider, success, details, error_message, created_at, sequence, previous_hash, hash) " +
            $"SELECT 'forged-tail', user_id, lead_memory_id, operation, provider, success, details, 'forged', created_at, 3, '{entries[1].Hash}', '{forged.Hash}' FROM {log} WHERE id = '{entries[1].Id}'");

        var alone = await audit.VerifyAsync("u1");
        Assert.True(alone.IsValid, alone.Message); // what an anchor taken after the forgery would not catch either
        Assert.Equal(3, alone.EntriesVerified);
    }

    private string TimeLiteral(DateTimeOffset value)
        => Kind == "sqlite"
            ? $"'{value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture)}'"
            : $"'{value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture)}+00'";

    private static async Task AssertNamedAsync(ICrmAuditService audit, AuditTamperKind kind, long sequence, string entryId)
    {
        var result = await audit.VerifyAsync("u1");
        Assert.Equal(kind, result.Kind);
        Assert.Equal(sequence, result.FailedSequence);
        Assert.Equal(entryId, result.FailedEntryId);
    }
}
