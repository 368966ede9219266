namespace Aria.CrmSync;

/// <summary>The last entry of a user's audit chain: what an auditor records to anchor the chain outside the database.</summary>
/// <param name="UserId">The user whose chain it is.</param>
/// <param name="Sequence">The sequence of the last entry (0 for an empty chain).</param>
/// <param name="Hash">The hash of the last entry; <see langword="null"/> for an empty chain.</param>
public sealed record AuditChainHead(string UserId, long Sequence, string? Hash);
