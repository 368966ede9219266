namespace Aria.CrmSync;

/// <summary>
/// Seals an audit entry into a chain: assigns its sequence and previous hash and computes its hash.
/// Stores call it while they hold the chain's append lock, so the hashing rule lives in one place. Verification computes
/// hashes of many entries concurrently: implementations must be thread-safe.
/// </summary>
public interface IAuditChainSealer
{
    /// <summary>Returns <paramref name="draft"/> sealed at <paramref name="sequence"/> after <paramref name="previousHash"/>.</summary>
    /// <param name="draft">The entry with every field but the chain fields set.</param>
    /// <param name="sequence">The entry's sequence (the head's sequence + 1).</param>
    /// <param name="previousHash">The head's hash; <see langword="null"/> when the chain is empty.</param>
    /// <returns>The sealed entry.</returns>
    CrmAuditEntry Seal(CrmAuditEntry draft, long sequence, string? previousHash);

    /// <summary>Recomputes the hash an entry should have, for verification.</summary>
    /// <param name="entry">A sealed entry.</param>
    /// <returns>The expected hash.</returns>
    string ComputeHash(CrmAuditEntry entry);
}
