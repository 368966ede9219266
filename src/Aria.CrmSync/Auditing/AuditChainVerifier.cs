namespace Aria.CrmSync.Auditing;

/// <summary>
/// Verifies a user's audit chain in one streaming pass (memory bounded by one chunk of entries, whose hashes are checked
/// on all cores) and, only when a broken link is found, a second pass to tell an inserted, removed or reordered entry apart.
/// </summary>
internal sealed class AuditChainVerifier(IAuditStore store, IAuditChainSealer sealer)
{
    /// <summary>Entries whose hashes are checked together, on all cores, while the links are checked in order.</summary>
    internal const int ChunkSize = 4096;

    public async Task<AuditVerificationResult> VerifyAsync(string userId, AuditChainHead? anchor, CancellationToken cancellationToken)
    {
        var walk = new ChainWalk(userId, anchor);
        var chunk = new List<CrmAuditEntry>(ChunkSize);
        await foreach (var entry in store.ReadChainAsync(userId, 1, cancellationToken).ConfigureAwait(false))
        {
            chunk.Add(entry);
            if (chunk.Count == ChunkSize)
            {
                if (await CheckChunkAsync(walk, chunk, cancellationToken).ConfigureAwait(false) is { } failed)
                {
                    return failed;
                }

                chunk.Clear();
            }
        }

        if (await CheckChunkAsync(walk, chunk, cancellationToken).ConfigureAwait(false) is { } failedAtEnd)
        {
            return failedAtEnd;
        }

        var (verified, previous, anchorHashSeen) = (walk.Verified, walk.Previous, walk.AnchorHashSeen);
        if (anchor is not null && anchor.Sequence > 0)
        {
            if (verified < anchor.Sequence)
            {
                return Fail(userId, AuditTamperKind.Truncated, verified + 1, null, verified, previous,
                    $"The chain ends at sequence {verified}, before the anchored head at sequence {anchor.Sequence}: entries were removed from its end.");
            }

            if (!string.Equals(anchorHashSeen, anchor.Hash, StringComparison.Ordinal))
            {
                return Fail(userId, AuditTamperKind.Altered, anchor.Sequence, null, verified, previous,
                    $"The entry at the anchored sequence {anchor.Sequence} does not have the anchored hash: the chain was rewritten.");
            }
        }

        return new AuditVerificationResult
        {
            UserId = userId,
            Kind = AuditTamperKind.None,
            EntriesVerified = verified,
            Head = new AuditChainHead(userId, previous?.Sequence ?? 0, previous?.Hash),
        };
    }

    private async Task<AuditVerificationResult> ClassifyBrokenLinkAsync(string userId, CrmAuditEntry entry, CrmAuditEntry? previous, long verified, CancellationToken cancellationToken)
    {
        // Second pass (only on failure): where does the hash this entry points to live, and what follows the entry?
        var positions = new Dictionary<string, long>(StringComparer.Ordinal);
        CrmAuditEntry? next = null;
        await foreach (var item in store.ReadChainAsync(userId, 1, cancellationToken).ConfigureAwait(false))
        {
            positions.TryAdd(item.Hash, item.Sequence);
            if (item.Sequence == entry.Sequence + 1 && next is null)
            {
                next = item;
            }
        }

        if (entry.PreviousHash is not null && positions.TryGetValue(entry.PreviousHash, out var pointsTo))
        {
            if (pointsTo > entry.Sequence)
            {
                return Fail(userId, AuditTamperKind.Reordered, entry.Sequence, entry.Id, verified, previous,
                    $"Entry {entry.Id} (sequence {entry.Sequence}) follows entry sequence {pointsTo} in the chain: entries were reordered.");
            }

            // It links to an earlier entry: what stands between was inserted.
            var inserted = previous ?? entry;
            return Fail(userId, AuditTamperKind.Inserted, inserted.Sequence, inserted.Id, verified, previous,
                $"Entry {inserted.Id} (sequence {inserted.Sequence}) is not part of the original chain: entry {entry.Id} links to sequence {pointsTo}.");
        }

        if (previous is not null && next is not null && string.Equals(next.PreviousHash, previous.Hash, StringComparison.Ordinal))
        {
            // The entry after this one links past it: this entry was inserted.
            return Fail(userId, AuditTamperKind.Inserted, entry.Sequence, entry.Id, verified, previous,
                $"Entry {entry.Id} (sequence {entry.Sequence}) is not part of the original chain: it was inserted between sequences {previous.Sequence} and {next.Sequence}.");
        }

        return Fail(userId, AuditTamperKind.Missing, entry.Sequence, entry.Id, verified, previous,
            $"The entry that preceded {entry.Id} (sequence {entry.Sequence}) is missing: the chain was renumbered after a removal.");
    }

    /// <summary>
    /// Checks a chunk of consecutive entries exactly as one entry at a time would, reporting the first failure in chain
    /// order: the hashes (the costly part) are computed in parallel first, then sequences and links are walked in order.
    /// </summary>
    private async Task<AuditVerificationResult?> CheckChunkAsync(ChainWalk walk, List<CrmAuditEntry> chunk, CancellationToken cancellationToken)
    {
        var firstAltered = FirstAltered(chunk, cancellationToken);
        for (var i = 0; i < chunk.Count; i++)
        {
            var entry = chunk[i];
            if (entry.Sequence > walk.Expected)
            {
                return Fail(walk.UserId, AuditTamperKind.Missing, walk.Expected, entry.Id, walk.Verified, walk.Previous,
                    $"Entries {walk.Expected}..{entry.Sequence - 1} are missing before entry {entry.Id} (sequence {entry.Sequence}).");
            }

            if (entry.Sequence < walk.Expected)
            {
                return Fail(walk.UserId, AuditTamperKind.Inserted, entry.Sequence, entry.Id, walk.Verified, walk.Previous,
                    $"Entry {entry.Id} repeats sequence {entry.Sequence}: it was inserted into the chain.");
            }

            if (!string.Equals(entry.PreviousHash, walk.Previous?.Hash, StringComparison.Ordinal))
            {
                return await ClassifyBrokenLinkAsync(walk.UserId, entry, walk.Previous, walk.Verified, cancellationToken).ConfigureAwait(false);
            }

            if (i == firstAltered)
            {
                return Fail(walk.UserId, AuditTamperKind.Altered, entry.Sequence, entry.Id, walk.Verified, walk.Previous,
                    CanonicalJson.Problem(entry.Details) is { } problem
                        ? $"Entry {entry.Id} (sequence {entry.Sequence}) was altered: its details are not strict canonical JSON ({problem})."
                        : !CanonicalJson.IsCanonical(entry.Details)
                            ? $"Entry {entry.Id} (sequence {entry.Sequence}) was altered: its stored details are not the canonical text that was hashed."
                            : $"Entry {entry.Id} (sequence {entry.Sequence}) was altered: its content no longer matches its hash.");
            }

            if (walk.Previous is { } before && entry.CreatedAt < before.CreatedAt)
            {
                return Fail(walk.UserId, AuditTamperKind.Backdated, entry.Sequence, entry.Id, walk.Verified, walk.Previous,
                    $"Entry {entry.Id} (sequence {entry.Sequence}) is dated {AuditTime.Format(entry.CreatedAt)}, before the entry it follows ({AuditTime.Format(before.CreatedAt)}): it was backdated.");
            }

            walk.Accept(entry);
        }

        return null;
    }

    /// <summary>The index of the first entry whose content does not match its hash, or -1.</summary>
    private int FirstAltered(List<CrmAuditEntry> chunk, CancellationToken cancellationToken)
    {
        var first = int.MaxValue;
        try
        {
            Parallel.For(0, chunk.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                if (i < Volatile.Read(ref first) && !HashMatches(chunk[i]))
                {
                    var seen = Volatile.Read(ref first);
                    while (i < seen && Interlocked.CompareExchange(ref first, i, seen) != seen)
                    {
                        seen = Volatile.Read(ref first);
                    }
                }
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            // The same exception a one-by-one check would have thrown (e.g. a CrmSyncDataException for an unreadable entry).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
        }

        return first == int.MaxValue ? -1 : first;
    }

    /// <summary>Whether the entry's hash matches its content and its details are, byte for byte, the strict canonical text that was hashed.</summary>
    private bool HashMatches(CrmAuditEntry entry)
        => (sealer is Sha256AuditChainSealer sha
                ? sha.HashMatches(entry)
                : string.Equals(sealer.ComputeHash(entry), entry.Hash, StringComparison.Ordinal))
            && CanonicalJson.IsCanonical(entry.Details);

    private static AuditVerificationResult Fail(string userId, AuditTamperKind kind, long sequence, string? entryId, long verified, CrmAuditEntry? previous, string message)
        => new()
        {
            UserId = userId,
            Kind = kind,
            FailedSequence = sequence,
            FailedEntryId = entryId,
            EntriesVerified = verified,
            Message = message,
            Head = new AuditChainHead(userId, previous?.Sequence ?? 0, previous?.Hash),
        };

    /// <summary>The state of a verification pass: what the next entry must continue.</summary>
    private sealed class ChainWalk(string userId, AuditChainHead? anchor)
    {
        public string UserId { get; } = userId;

        public long Expected { get; private set; } = 1;

        public long Verified { get; private set; }

        public CrmAuditEntry? Previous { get; private set; }

        public string? AnchorHashSeen { get; private set; }

        public void Accept(CrmAuditEntry entry)
        {
            if (anchor is not null && entry.Sequence == anchor.Sequence)
            {
                AnchorHashSeen = entry.Hash;
            }

            Previous = entry;
            Expected++;
            Verified++;
        }
    }
}
