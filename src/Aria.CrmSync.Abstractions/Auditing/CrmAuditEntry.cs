using System.Text.Json;

namespace Aria.CrmSync;

/// <summary>
/// One entry of the audit trail (a row of the seed's <c>crm_audit_log</c>), sealed into its user's hash chain.
/// </summary>
/// <remarks>
/// <see cref="Sequence"/> numbers a user's entries 1, 2, 3… without gaps; <see cref="Hash"/> is SHA-256 over a canonical
/// encoding of the entry and <see cref="PreviousHash"/>, so altering, removing, inserting or reordering an entry is
/// detected by verification. Entries never contain credentials.
/// </remarks>
public sealed record CrmAuditEntry
{
    /// <summary>Gets the entry id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the user whose chain holds the entry.</summary>
    public required string UserId { get; init; }

    /// <summary>Gets the lead memory the operation concerned; <see langword="null"/> for connection-level operations.</summary>
    public string? LeadMemoryId { get; init; }

    /// <summary>Gets the operation.</summary>
    public required CrmAuditOperation Operation { get; init; }

    /// <summary>Gets the CRM.</summary>
    public required CrmProvider Provider { get; init; }

    /// <summary>Gets whether the operation succeeded.</summary>
    public required bool Success { get; init; }

    /// <summary>Gets operation details (a JSON object).</summary>
    public JsonElement Details { get; init; } = EmptyDetails;

    /// <summary>Gets the error message of a failed operation.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Gets when the entry was written (microsecond precision, UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets the entry's position in its user's chain (1-based, no gaps); 0 before sealing.</summary>
    public long Sequence { get; init; }

    /// <summary>Gets the hash of the previous entry in the chain; <see langword="null"/> for the first entry.</summary>
    public string? PreviousHash { get; init; }

    /// <summary>Gets the entry's hash (lower-case hex SHA-256); empty before sealing.</summary>
    public string Hash { get; init; } = string.Empty;

    /// <summary>Gets the empty details object.</summary>
    public static JsonElement EmptyDetails { get; } = JsonDocument.Parse("{}").RootElement.Clone();
}
