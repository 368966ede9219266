using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Aria.CrmSync.Auditing.Anchoring;

/// <summary>
/// Anchors chain heads on a schedule and checks a chain against the anchors kept. After each append, a user's head is
/// anchored when <see cref="CrmAuditOptions.AnchorEveryEntries"/> entries were added since the user's last anchor or
/// that anchor is older than <see cref="CrmAuditOptions.AnchorInterval"/> (and on the user's first append). An anchor
/// that cannot be written is logged and retried with the next append: the entries themselves are already committed.
/// </summary>
internal sealed partial class AuditAnchoring(IAuditAnchorSink? sink, IAuditAnchorSigner? signer, CrmAuditOptions options, TimeProvider time, ILogger logger)
{
    private readonly ConcurrentDictionary<string, AuditChainAnchor?> _last = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public bool HasSink => sink is not null;

    /// <summary>Signs an anchor with the signer, else the HMAC key of <see cref="CrmAuditOptions.AnchorSigningKey"/>, else leaves it unsigned.</summary>
    public AuditChainAnchor Sign(AuditChainAnchor anchor)
        => signer is not null ? signer.Sign(anchor)
            : options.KeyBytes() is { } key ? anchor.Sign(key, options.AnchorKeyId)
            : anchor;

    /// <summary>Whether an anchor read back carries a valid signature of the configured signer or key (true when neither is configured).</summary>
    public bool HasValidSignature(AuditChainAnchor anchor)
        => signer is not null ? signer.Verify(anchor)
            : options.KeyBytes() is { } key ? anchor.HasValidSignature(key)
            : true;

    /// <summary>Writes a signed anchor of <paramref name="head"/> to the sink (when there is one) and returns it.</summary>
    public async Task<AuditChainAnchor> IssueAsync(AuditChainHead head, CancellationToken cancellationToken)
    {
        var anchor = Sign(new AuditChainAnchor { Head = head, IssuedAt = time.GetUtcNow() });
        if (sink is not null)
        {
            await sink.WriteAsync(anchor, cancellationToken).ConfigureAwait(false);
            _last[head.UserId] = anchor;
        }

        return anchor;
    }

    public async Task AfterAppendAsync(IReadOnlyList<CrmAuditEntry> appended, CancellationToken cancellationToken)
    {
        if (sink is null || appended.Count == 0)
        {
            return;
        }

        var heads = new Dictionary<string, CrmAuditEntry>(StringComparer.Ordinal);
        foreach (var entry in appended)
        {
            if (!heads.TryGetValue(entry.UserId, out var head) || entry.Sequence > head.Sequence)
            {
                heads[entry.UserId] = entry;
            }
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var (userId, head) in heads)
            {
                try
                {
                    var last = await LastAsync(userId, cancellationToken).ConfigureAwait(false);
                    if (last is null
                        || head.Sequence - last.Head.Sequence >= options.AnchorEveryEntries
                        || time.GetUtcNow() - last.IssuedAt >= options.AnchorInterval)
                    {
                        if (last is null || head.Sequence > last.Head.Sequence)
                        {
                            await IssueAsync(new AuditChainHead(userId, head.Sequence, head.Hash), cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
                catch (Exception ex) when (ex is CrmSyncException or IOException or UnauthorizedAccessException)
                {
                    AnchorFailed(logger, userId, head.Sequence, ex.Message);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Checks <paramref name="chain"/> (already verified on its own) against every anchor of the user.</summary>
    public async Task<AuditVerificationResult> VerifyAsync(AuditVerificationResult chain, IAuditStore store, CancellationToken cancellationToken)
    {
        var userId = chain.UserId;
        var anchors = new List<AuditChainAnchor>();
        await foreach (var anchor in sink!.ReadAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            if (!HasValidSignature(anchor))
            {
                return chain with
                {
                    Kind = AuditTamperKind.Altered,
                    FailedAnchor = anchor,
                    FailedSequence = anchor.Head.Sequence,
                    AnchorsChecked = anchors.Count,
                    Message = $"The anchor of sequence {anchor.Head.Sequence} issued {anchor.IssuedAt:O} does not carry a valid signature of the configured key: the anchors were tampered with.",
                };
            }

            if (sink is Rfc3161AuditAnchorSink stamped && !stamped.HasValidToken(anchor, out var reason))
            {
                return chain with
                {
                    Kind = AuditTamperKind.Altered,
                    FailedAnchor = anchor,
                    FailedSequence = anchor.Head.Sequence,
                    AnchorsChecked = anchors.Count,
                    Message = $"The anchor of sequence {anchor.Head.Sequence} issued {anchor.IssuedAt:O} fails its time-stamp check ({reason}): the anchors were tampered with.",
                };
            }

            anchors.Add(anchor);
        }

        anchors.Sort(static (a, b) => a.Head.Sequence.CompareTo(b.Head.Sequence));
        var wanted = anchors.Select(a => a.Head.Sequence).ToHashSet();
        var hashes = new Dictionary<long, string>();
        await foreach (var entry in store.ReadChainAsync(userId, 1, cancellationToken).ConfigureAwait(false))
        {
            if (wanted.Contains(entry.Sequence))
            {
                hashes[entry.Sequence] = entry.Hash;
            }
        }

        long agreed = 0;
        var checkedCount = 0;
        foreach (var anchor in anchors)
        {
            if (anchor.Head.Sequence == 0)
            {
                checkedCount++;
                continue;
            }

            if (!hashes.TryGetValue(anchor.Head.Sequence, out var hash))
            {
                return chain with
                {
                    Kind = AuditTamperKind.Truncated,
                    FailedAnchor = anchor,
                    FailedIntervalStart = Math.Max(agreed, chain.Head?.Sequence ?? 0) + 1,
                    FailedSequence = (chain.Head?.Sequence ?? 0) + 1,
                    AnchorsChecked = checkedCount,
                    Message = $"The chain ends at sequence {chain.Head?.Sequence ?? 0}, before the anchor of sequence {anchor.Head.Sequence} issued {anchor.IssuedAt:O}: entries were removed from its end.",
                };
            }

            if (!string.Equals(hash, anchor.Head.Hash, StringComparison.Ordinal))
            {
                return chain with
                {
                    Kind = AuditTamperKind.Altered,
                    FailedAnchor = anchor,
                    FailedIntervalStart = agreed + 1,
                    FailedSequence = agreed + 1,
                    AnchorsChecked = checkedCount,
                    Message = $"Entries {agreed + 1}..{anchor.Head.Sequence} are not the ones anchored at {anchor.IssuedAt:O} (rewritten with recomputed hashes, or removed and appended again): the entry at sequence {anchor.Head.Sequence} does not have the anchored hash; the anchors up to sequence {agreed} agree.",
                };
            }

            agreed = anchor.Head.Sequence;
            checkedCount++;
        }

        return chain with { AnchorsChecked = checkedCount };
    }

    private async Task<AuditChainAnchor?> LastAsync(string userId, CancellationToken cancellationToken)
    {
        if (_last.TryGetValue(userId, out var known))
        {
            return known;
        }

        AuditChainAnchor? last = null;
        await foreach (var anchor in sink!.ReadAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            if (last is null || anchor.Head.Sequence >= last.Head.Sequence)
            {
                last = anchor;
            }
        }

        _last[userId] = last;
        return last;
    }

    [LoggerMessage(1002, LogLevel.Error, "The audit chain head of user {UserId} at sequence {Sequence} could not be anchored ({Error}); the next append retries.")]
    private static partial void AnchorFailed(ILogger logger, string userId, long sequence, string error);
}
