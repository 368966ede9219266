namespace Aria.CrmSync;

/// <summary>
/// Spreads the <see cref="ICrmConnectionRegistry"/>'s connections over any number of host processes that share one
/// database: each connection is due on an interval, and a process claims due connections with a short row lease that
/// its heartbeat renews. A lease that is not renewed (the process crashed) expires, and another process claims the
/// connection. Claims take the longest-overdue connections first, at most <c>maxPerTenant</c> leased at once per
/// tenant across all processes. The SQLite and PostgreSQL stores implement it on the registry's table (PostgreSQL:
/// <c>FOR UPDATE SKIP LOCKED</c> under a transaction-scoped advisory lock; SQLite: one process, an immediate write
/// transaction). The sync worker uses it when <c>CrmSyncWorkerOptions.Fleet</c> is set.
/// </summary>
/// <remarks>
/// A connection without a tenant is its own user's: its tenant is its user id. Paused connections are never claimed
/// until resumed or their pause ends. Store failures throw, as for <see cref="ICrmConnectionRegistry"/>.
/// </remarks>
public interface ICrmConnectionScheduler
{
    /// <summary>
    /// Claims up to <paramref name="max"/> due connections for <paramref name="owner"/>: active (or with an ended
    /// pause), due at or before now, and not leased by a live owner; longest-overdue first; never more than
    /// <paramref name="maxPerTenant"/> leased at once per tenant (counting every owner's live leases).
    /// </summary>
    /// <param name="owner">The claiming process (unique per process).</param>
    /// <param name="max">How many connections to claim at most.</param>
    /// <param name="maxPerTenant">How many connections of one tenant may be leased at once across all processes.</param>
    /// <param name="ttl">How long the leases last unless renewed.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The leases taken, longest-overdue first.</returns>
    ValueTask<IReadOnlyList<CrmConnectionLease>> ClaimDueAsync(string owner, int max, int maxPerTenant, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Extends every live lease of <paramref name="owner"/> (the heartbeat).</summary>
    /// <param name="owner">The process.</param>
    /// <param name="ttl">The new lifetime, from now.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The leases still held; a connection missing from the list was lost (expired and claimed elsewhere, or removed).</returns>
    ValueTask<IReadOnlyList<CrmConnectionLease>> RenewAsync(string owner, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Releases a lease after a run and sets when the connection is next due.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="nextDueAt">When the connection is next due.</param>
    /// <param name="synced">Whether the run completed (recorded as the last sync time).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="false"/> when the lease was lost (nothing changed).</returns>
    ValueTask<bool> CompleteAsync(CrmConnectionLease lease, DateTimeOffset nextDueAt, bool synced, CancellationToken cancellationToken = default);

    /// <summary>Releases every lease of <paramref name="owner"/> without changing when the connections are due (a clean stop).</summary>
    /// <param name="owner">The process.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many leases were released.</returns>
    ValueTask<int> ReleaseAllAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>Sets the tenant a connection counts against for the per-tenant cap.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="provider">The CRM.</param>
    /// <param name="tenantId">The tenant; <see langword="null"/>: the user is its own tenant.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="false"/> when the connection is not registered.</returns>
    ValueTask<bool> SetTenantAsync(string userId, CrmProvider provider, string? tenantId, CancellationToken cancellationToken = default);
}

/// <summary>A connection leased to one host process by <see cref="ICrmConnectionScheduler"/>.</summary>
public sealed record CrmConnectionLease
{
    /// <summary>Gets the user.</summary>
    public required string UserId { get; init; }

    /// <summary>Gets the CRM.</summary>
    public required CrmProvider Provider { get; init; }

    /// <summary>Gets the tenant the connection counts against (its user id when none was set).</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the process holding the lease.</summary>
    public required string Owner { get; init; }

    /// <summary>Gets the fencing token: it grows with every claim of the connection, so a lost lease cannot be completed.</summary>
    public required long Token { get; init; }

    /// <summary>Gets when the connection was due (<see langword="null"/>: newly registered, due at once).</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>Gets when the lease expires unless renewed.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
}
