namespace Aria.CrmSync;

/// <summary>Filters for reading the audit trail (all optional; combined with AND).</summary>
public sealed record AuditQuery
{
    /// <summary>The default page size, as in the seed plan.</summary>
    public const int DefaultLimit = 100;

    /// <summary>Gets the user filter.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the lead filter.</summary>
    public string? LeadMemoryId { get; init; }

    /// <summary>Gets the operation filter.</summary>
    public CrmAuditOperation? Operation { get; init; }

    /// <summary>Gets the CRM filter.</summary>
    public CrmProvider? Provider { get; init; }

    /// <summary>Gets the success filter.</summary>
    public bool? Success { get; init; }

    /// <summary>Gets the inclusive lower bound on <see cref="CrmAuditEntry.CreatedAt"/>.</summary>
    public DateTimeOffset? DateStart { get; init; }

    /// <summary>Gets the inclusive upper bound on <see cref="CrmAuditEntry.CreatedAt"/>.</summary>
    public DateTimeOffset? DateEnd { get; init; }

    /// <summary>Gets the maximum number of entries; <see langword="null"/> for all (streaming reads and exports).</summary>
    /// <value>The default value is <see cref="DefaultLimit"/> (100).</value>
    public int? Limit { get; init; } = DefaultLimit;

    /// <summary>Gets how many matching entries to skip.</summary>
    /// <value>The default value is 0.</value>
    public int Offset { get; init; }

    /// <summary>Throws when the query is not valid.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Limit or offset is negative, or the date range is reversed.</exception>
    public void Validate()
    {
        if (Limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Limit), Limit, "Limit must not be negative.");
        }

        if (Offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Offset), Offset, "Offset must not be negative.");
        }

        if (DateStart is { } start && DateEnd is { } end && start > end)
        {
            throw new ArgumentOutOfRangeException(nameof(DateEnd), end, "DateEnd must not be before DateStart.");
        }
    }

    /// <summary>Returns whether <paramref name="entry"/> matches the filters (ignores limit and offset).</summary>
    /// <param name="entry">The entry.</param>
    /// <returns><see langword="true"/> when every set filter matches.</returns>
    public bool Matches(CrmAuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (UserId is null || entry.UserId == UserId)
            && (LeadMemoryId is null || entry.LeadMemoryId == LeadMemoryId)
            && (Operation is null || entry.Operation == Operation)
            && (Provider is null || entry.Provider == Provider)
            && (Success is null || entry.Success == Success)
            && (DateStart is null || entry.CreatedAt >= DateStart)
            && (DateEnd is null || entry.CreatedAt <= DateEnd);
    }
}
