namespace Aria.CrmSync.Auditing;

/// <summary>
/// Verifies a user's audit chain in one streaming pass (constant memory) and, only when a broken link is found, a
/// second pass to tell an inserted, removed or reordered entry apart.
/// </summary>
internal sealed class AuditChainVerifier(IAuditStore store, IAuditChainSealer sealer)
{
    public async Task<AuditVerificationResult> VerifyAsync(string userId, AuditChainHead? anchor, CancellationToken cancellationToken)
    {
        long expected = 1;
        long verified = 0;
        string? previousHash = null;
        CrmAuditEntry? previous = null;
        string? anchorHashSeen = null;

        await foreach (var entry in store.ReadChainAsync(userId, 1, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Sequence > expected)
            {
                return Fail(userId, AuditTamperKind.Missing, expected, entry.Id, verified, previous,
                    $"Entries {expected}..{entry.Sequence - 1} are missing before entry {entry.Id} (sequence {entry.Sequence}).");
            }

            if (entry.Sequence < expected)
            {
                return Fail(userId, AuditTamperKind.Inserted, entry.Sequence, entry.Id, verified, previous,
                    $"Entry {entry.Id} repeats sequence {entry.Sequence}: it was inserted into the chain.");
            }

            if (!string.Equals(entry.PreviousHash, previousHash, StringComparison.Ordinal))
            {
                return await ClassifyBrokenLinkAsync(userId, entry, previous, verified, cancellationToken).ConfigureAwait(false);
            }

            if (!HashMatches(entry))
            {
                return Fail(userId, AuditTamperKind.Altered, entry.Sequence, entry.Id, verified, previous,
                    $"Entry {entry.Id} (sequence {entry.Sequence}) was altered: its content no longer matches its hash.");
            }

            if (anchor is not null && entry.Sequence == anchor.Sequence)
            {
                anchorHashSeen = entry.Hash;
            }

            previousHash = entry.Hash;
            previous = entry;
            expected++;
            verified++;
        }

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

    private bool HashMatches(CrmAuditEntry entry)
        => sealer is Sha256AuditChainSealer sha
            ? sha.HashMatches(entry)
            : string.Equals(sealer.ComputeHash(entry), entry.Hash, StringComparison.Ordinal);

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
}
