namespace Aria.CrmSync;

/// <summary>What verification of an audit chain found.</summary>
public enum AuditTamperKind
{
    /// <summary>No tampering found.</summary>
    None,

    /// <summary>An entry's content no longer matches its hash.</summary>
    Altered,

    /// <summary>One or more entries were removed (a gap in the sequence or a broken link).</summary>
    Missing,

    /// <summary>An entry that is not part of the original chain was inserted.</summary>
    Inserted,

    /// <summary>Entries appear in a different order than they were written.</summary>
    Reordered,

    /// <summary>The chain ends before the head an auditor anchored (entries removed from the end).</summary>
    Truncated,

    /// <summary>
    /// An entry is dated before the entry it follows: the trail assigns non-decreasing times within a chain, so an
    /// earlier time was written behind the library (even with a correctly recomputed hash).
    /// </summary>
    Backdated,
}

/// <summary>The result of verifying one user's audit chain.</summary>
public sealed record AuditVerificationResult
{
    /// <summary>Gets the user whose chain was verified.</summary>
    public required string UserId { get; init; }

    /// <summary>Gets a value indicating whether the chain is intact.</summary>
    public bool IsValid => Kind == AuditTamperKind.None;

    /// <summary>Gets the kind of the first problem found.</summary>
    public AuditTamperKind Kind { get; init; }

    /// <summary>Gets how many entries were checked.</summary>
    public long EntriesVerified { get; init; }

    /// <summary>Gets the sequence at which the first problem was found.</summary>
    public long? FailedSequence { get; init; }

    /// <summary>Gets the id of the entry named by the first problem.</summary>
    public string? FailedEntryId { get; init; }

    /// <summary>Gets a human-readable description of the first problem.</summary>
    public string? Message { get; init; }

    /// <summary>Gets the head of the chain as read (last verified entry).</summary>
    public AuditChainHead? Head { get; init; }

    /// <summary>Gets how many anchors the chain was checked against (<see cref="ICrmAuditService.VerifyAgainstAnchorsAsync"/>).</summary>
    public int AnchorsChecked { get; init; }

    /// <summary>Gets the first anchor the chain disagrees with, if any.</summary>
    public AuditChainAnchor? FailedAnchor { get; init; }

    /// <summary>
    /// Gets the first sequence of the interval that disagrees with <see cref="FailedAnchor"/>: the entries after the
    /// last anchor that agrees, up to and including the failed anchor's sequence, hold the change.
    /// </summary>
    public long? FailedIntervalStart { get; init; }
}
