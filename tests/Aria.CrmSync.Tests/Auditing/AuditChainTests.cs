using System.Text.Json;
using Aria.CrmSync.Auditing;
using Aria.CrmSync.Storage.InMemory;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;

namespace Aria.CrmSync.Tests.Auditing;

/// <summary>Tamper evidence: altering, removing, inserting, reordering or truncating entries is detected and located.</summary>
public class AuditChainTests
{
    private const string User = "user-1";

    [Fact]
    public async Task VerifyAsync_IntactChain_IsValid()
    {
        var (audit, store, _) = Create();
        await AppendAsync(audit, 10);

        var result = await audit.VerifyAsync(User);

        Assert.True(result.IsValid);
        Assert.Equal(AuditTamperKind.None, result.Kind);
        Assert.Equal(10, result.EntriesVerified);
        Assert.Equal(10, result.Head!.Sequence);
        Assert.Equal((await store.GetChainHeadAsync(User)).Hash, result.Head.Hash);
    }

    [Fact]
    public async Task VerifyAsync_EmptyChain_IsValid()
    {
        var (audit, _, _) = Create();
        var result = await audit.VerifyAsync(User);
        Assert.True(result.IsValid);
        Assert.Equal(0, result.EntriesVerified);
    }

    [Fact]
    public async Task Chains_ArePerUser_WithGaplessSequences()
    {
        var (audit, store, _) = Create();
        for (var i = 0; i < 6; i++)
        {
            await audit.LogSyncOperationAsync(i % 2 == 0 ? "a" : "b", "l", CrmAuditOperation.Push, CrmProvider.Salesforce, true);
        }

        Assert.Equal([1L, 2, 3], (await store.ReadChainAsync("a").ToListAsync()).Select(e => e.Sequence));
        Assert.Equal([1L, 2, 3], (await store.ReadChainAsync("b").ToListAsync()).Select(e => e.Sequence));
        Assert.True((await audit.VerifyAsync("a")).IsValid);
        Assert.True((await audit.VerifyAsync("b")).IsValid);
    }

    [Fact]
    public async Task VerifyAsync_AlteredDetails_NamesTheEntry()
    {
        var (audit, store, _) = Create();
        var entries = await AppendAsync(audit, 10);

        store.TamperWithChain(User, chain => chain[4] = chain[4] with { Details = JsonDocument.Parse("""{"fields_updated":["amount"]}""").RootElement });

        var result = await audit.VerifyAsync(User);
        Assert.Equal(AuditTamperKind.Altered, result.Kind);
        Assert.Equal(5, result.FailedSequence);
        Assert.Equal(entries[4].Id, result.FailedEntryId);
        Assert.Equal(4, result.EntriesVerified);
    }

    [Theory]
    [InlineData("success")]
    [InlineData("error_message")]
    [InlineData("created_at")]
    [InlineData("operation")]
    [InlineData("lead_memory_id")]
    public async Task VerifyAsync_AnyAlteredField_IsDetected(string field)
    {
        var (audit, store, _) = Create();
        await AppendAsync(audit, 5);

        store.TamperWithChain(User, chain => chain[2] = field switch
        {
            "success" => chain[2] with { Success = !chain[2].Success },
            "error_message" => chain[2] with { ErrorMessage = "nothing happened" },
            "created_at" => chain[2] with { CreatedAt = chain[2].CreatedAt.AddSeconds(-1) },
            "operation" => chain[2] with { Operation = CrmAuditOperation.Retry },
            _ => chain[2] with { LeadMemoryId = "another-lead" },
        });

        var result = await audit.VerifyAsync(User);
        Assert.Equal(AuditTamperKind.Altered, result.Kind);
        Assert.Equal(3, result.FailedSequence);
    }

    [Fact]
    public async Task VerifyAsync_DeletedEntry_IsReportedMissing()
    {
        var (audit, store, _) = Create();
        var entries = await AppendAsync(audit, 10);

        store.TamperWithChain(User, chain => chain.RemoveAt(6));

        var result = await audit.VerifyAsync(User);
        Assert.Equal(AuditTamperKind.Missing, result.Kind);
        Assert.Equal(7, result.FailedSequence);
        Assert.Equal(entries[7].Id, result.FailedEntryId);
        Assert.Contains("7..7", result.Message);
    }

    [Fact]
    public async Task VerifyAsync_DeletedEntryWithRenumberedTail_IsReportedMissing()
    {
        var (audit, store, _) = Create();
        var entries = await AppendAsync(audit, 10);

        store.TamperWithChain(User, chain =>
        {
            chain.RemoveAt(6);
            for (var i = 6; i < chain.Count; i++)
            {
                chain[i] = chain[i] with { Sequence = i + 1 };
            }
        });

        var result = await audit.VerifyAsync(User);
        Assert.Equal(AuditTamperKind.Missing, result.Kind);
        Assert.Equal(7, result.FailedSequence);
        Assert.Equal(entries[7].Id, result.FailedEntryId);
    }

    [Fact]
    public async Task VerifyAsync_InsertedEntryWithDuplicateSequence_IsReportedInserted()
    {
        var (audit, store, _) = Create();
        var entries = await AppendAsync(audit, 5);
        var forged = entries[2] with { Id = "forged", ErrorMessage = "forged" };

        store.TamperWithChain(User, chain => chain.Insert(3, forged));

        var result = await audit.VerifyAsync(User);
        Assert.Equal(AuditTamperKind.Inserted, result.Kind);
        Assert.Equal("forged", result.FailedEntryId);
    }

    [Fact]
    public async Task VerifyAsync_InsertedWellFormedEntryWithRenumberedTail_IsReportedInserted()
    {
        var (audit, store, _) = Create();
        var entries = await AppendAsync(audit, 6);

        // The forger even computes a valid hash for the inserted entry; the entry after it still points past it.
        var forged = AuditChainSealerFor().Seal(entries[2] with { Id = "forged", Hash = string.Empty, ErrorMessage = "forged" }, 4, entries[2].Hash);
        store.TamperWithChain(User, chain =>
        {
            chain.Insert(3, forged);
            for (var i = 4; i < chain.Count; i++)
            {
                chain[i] = chain[i] with { Sequence = i + 1 };
            }
        });

        var result = await audit.VerifyAsync(User);
        Assert.Equal(AuditTamperKind.Inserted, result.Kind);
        Assert.Equal(4, result.FailedSequence);
        Assert.Equal("forged", result.FailedEntryId);
    }

    [Fact]
    public async Task VerifyAsync_SwappedEntries_IsReportedReordered()
    {
        var (audit, store, _) = Create();
        var entries = await AppendAsync(audit, 8);

        store.TamperWithChain(User, chain =>
        {
            (chain[3], chain[4]) = (chain[4] with { Sequence = 4 }, chain[3] with { Sequence = 5 });
        });

        var result = await audit.VerifyAsync(User);
        Assert.Equal(AuditTamperKind.Reordered, result.Kind);
        Assert.Equal(4, result.FailedSequence);
        Assert.Equal(entries[4].Id, result.FailedEntryId);
    }

    [Fact]
    public async Task VerifyAsync_TruncatedTail_IsCaughtAgainstAnAnchor()
    {
        var (audit, store, _) = Create();
        await AppendAsync(audit, 10);
        var anchor = await audit.GetChainHeadAsync(User);

        store.TamperWithChain(User, chain => chain.RemoveRange(7, 3));

        Assert.True((await audit.VerifyAsync(User)).IsValid); // without an anchor the shorter chain is self-consistent
        var result = await audit.VerifyAsync(User, anchor);
        Assert.Equal(AuditTamperKind.Truncated, result.Kind);
        Assert.Equal(8, result.FailedSequence);
    }

    [Fact]
    public async Task VerifyAsync_RewrittenChain_IsCaughtAgainstAnAnchor()
    {
        var (audit, store, _) = Create();
        await AppendAsync(audit, 4);
        var anchor = await audit.GetChainHeadAsync(User);
        var sealer = AuditChainSealerFor();

        // A superuser rewrites the whole chain consistently, with a changed third entry.
        store.TamperWithChain(User, chain =>
        {
            string? previous = null;
            for (var i = 0; i < chain.Count; i++)
            {
                var draft = i == 2 ? chain[i] with { Success = false } : chain[i];
                chain[i] = sealer.Seal(draft, i + 1, previous);
                previous = chain[i].Hash;
            }
        });

        Assert.True((await audit.VerifyAsync(User)).IsValid);
        var result = await audit.VerifyAsync(User, anchor);
        Assert.False(result.IsValid);
        Assert.Equal(4, result.FailedSequence);
    }

    [Fact]
    public async Task Hash_IsStableAcrossEquivalentDetailsEncodings_ButStoredTextMustBeTheCanonicalText()
    {
        var (audit, store, _) = Create();
        var entry = await audit.LogSyncOperationAsync(User, "l", CrmAuditOperation.Pull, CrmProvider.Salesforce, true, new Dictionary<string, object?> { ["b"] = 1.0m, ["a"] = 2.50m });
        Assert.Equal("""{"a":2.5,"b":1}""", entry.Details.GetRawText()); // stored as the canonical text that is hashed

        // The same value in another encoding (what a jsonb column renders) hashes the same ...
        var reencoded = entry with { Details = JsonDocument.Parse("""{"b": 1.0, "a": 2.50}""").RootElement };
        Assert.Equal(entry.Hash, CrmAuditService.Sealer.ComputeHash(reencoded));

        // ... but a store must return the canonical text itself: a reader must see byte for byte what the hash covers.
        store.TamperWithChain(User, chain => chain[0] = reencoded);
        var result = await audit.VerifyAsync(User);
        Assert.Equal(AuditTamperKind.Altered, result.Kind);
        Assert.Equal(entry.Id, result.FailedEntryId);
        Assert.Contains("canonical", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendAsync_ConcurrentWriters_KeepOneGaplessChain()
    {
        var (audit, store, _) = Create();

        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await audit.LogSyncOperationAsync(User, "l" + i, CrmAuditOperation.Pull, CrmProvider.Salesforce, true, cancellationToken: ct));

        var chain = await store.ReadChainAsync(User).ToListAsync();
        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i), chain.Select(e => e.Sequence));
        Assert.True((await audit.VerifyAsync(User)).IsValid);
    }

    [Property(MaxTest = 200)]
    public Property AnySingleTamper_IsDetectedAtOrNextToItsPosition()
    {
        var scenario =
            from length in Gen.Choose(2, 25)
            from position in Gen.Choose(0, length - 1)
            from kind in Gen.Elements("alter", "delete", "swap", "duplicate")
            select (length, position, kind);

        return Prop.ForAll(Arb.From(scenario), s =>
        {
            var (audit, store, _) = Create();
            AppendAsync(audit, s.length).GetAwaiter().GetResult();
            var position = s.kind == "swap" ? Math.Min(s.position, s.length - 2) : s.position;
            store.TamperWithChain(User, chain =>
            {
                switch (s.kind)
                {
                    case "alter":
                        chain[position] = chain[position] with { ErrorMessage = "edited" };
                        break;
                    case "delete":
                        chain.RemoveAt(position);
                        break;
                    case "swap":
                        (chain[position], chain[position + 1]) = (chain[position + 1] with { Sequence = position + 1 }, chain[position] with { Sequence = position + 2 });
                        break;
                    default:
                        chain.Insert(position + 1, chain[position] with { Id = "copy" });
                        break;
                }
            });

            var result = audit.VerifyAsync(User).GetAwaiter().GetResult();
            var deletedLast = s.kind == "delete" && position == s.length - 1;
            return deletedLast
                ? result.IsValid // removing the last entry is only visible against an anchor (tested above)
                : !result.IsValid && Math.Abs(result.FailedSequence!.Value - (position + 1)) <= 1;
        });
    }

    [Fact]
    public async Task Verify_EntryBackdatedWithRecomputedHashes_IsBackdated()
    {
        var (audit, store, time) = Create();
        var entries = new List<CrmAuditEntry>();
        for (var i = 0; i < 4; i++)
        {
            entries.Add(await audit.LogSyncOperationAsync(User, "l", CrmAuditOperation.Pull, CrmProvider.Salesforce, true));
            time.Advance(TimeSpan.FromMinutes(1));
        }

        var backdated = CrmAuditService.Sealer.Seal(entries[2] with { CreatedAt = entries[0].CreatedAt.AddDays(-400), Hash = string.Empty }, 3, entries[1].Hash);
        var relinked = CrmAuditService.Sealer.Seal(entries[3] with { Hash = string.Empty }, 4, backdated.Hash);
        store.TamperWithChain(User, chain => (chain[2], chain[3]) = (backdated, relinked));

        var result = await audit.VerifyAsync(User);
        Assert.Equal(AuditTamperKind.Backdated, result.Kind);
        Assert.Equal(entries[2].Id, result.FailedEntryId);
        Assert.Equal(3, result.FailedSequence);
    }

    [Fact]
    public async Task Verify_DuplicateKeyAppendedToStoredDetails_IsAltered()
    {
        var (audit, store, _) = Create();
        var entry = await audit.LogSyncOperationAsync(User, "l", CrmAuditOperation.Push, CrmProvider.Salesforce, true, new Dictionary<string, object?> { ["new"] = "1200" });

        // The hash of the canonical form would keep one value while a reader takes the other: refused as not strict.
        store.TamperWithChain(User, chain => chain[0] = chain[0] with { Details = JsonDocument.Parse("""{"new":"1200","new":"9999999"}""").RootElement.Clone() });

        var result = await audit.VerifyAsync(User);
        Assert.Equal(AuditTamperKind.Altered, result.Kind);
        Assert.Equal(entry.Id, result.FailedEntryId);
        Assert.Contains("twice", result.Message, StringComparison.Ordinal);
    }

    internal static (ICrmAuditService Audit, InMemoryAuditStore Store, FakeTimeProvider Time) Create()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 2, 4, 9, 0, 0, TimeSpan.Zero));
        var store = new InMemoryAuditStore();
        var audit = new CrmAuditService(store, time, new Diagnostics.CrmSyncTelemetry());
        return (audit, store, time);
    }

    private static IAuditChainSealer AuditChainSealerFor() => CrmAuditService.Sealer;

    private static async Task<List<CrmAuditEntry>> AppendAsync(ICrmAuditService audit, int count)
    {
        var entries = new List<CrmAuditEntry>();
        for (var i = 0; i < count; i++)
        {
            entries.Add(await audit.LogSyncOperationAsync(User, "lead-" + i, i % 3 == 0 ? CrmAuditOperation.Push : CrmAuditOperation.Pull, CrmProvider.Salesforce, i % 5 != 4,
                new Dictionary<string, object?> { ["n"] = i, ["fields"] = new[] { "stage", "amount" } }, i % 5 == 4 ? "failed" : null));
        }

        return entries;
    }
}
