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

    private static async Task AssertNamedAsync(ICrmAuditService audit, AuditTamperKind kind, long sequence, string entryId)
    {
        var result = await audit.VerifyAsync("u1");
        Assert.Equal(kind, result.Kind);
        Assert.Equal(sequence, result.FailedSequence);
        Assert.Equal(entryId, result.FailedEntryId);
    }
}
