using System.Data.Common;

namespace Aria.CrmSync.Storage;

/// <content>
/// Fleet scheduling (<see cref="ICrmConnectionScheduler"/>) on the registry's table (migrations PostgreSQL 0006, SQLite
/// 0005): <c>next_due_at</c> (NULL: due now), a row lease (<c>lease_owner</c>, <c>lease_token</c>,
/// <c>lease_expires_at</c>) and the tenant. A claim is one statement run in a transaction the store serializes
/// (PostgreSQL: a transaction-scoped advisory lock, then <c>FOR UPDATE SKIP LOCKED</c> on the picked rows; SQLite: the
/// immediate write transaction), so the per-tenant cap counts every owner's live leases.
/// </content>
internal abstract partial class StoredConnectionRegistry
{
    private const string LeaseColumns = "user_id, provider, coalesce(tenant_id, user_id), lease_owner, lease_token, next_due_at, lease_expires_at";

    /// <summary>Gets the row-locking clause of the claim's inner select (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>).</summary>
    protected abstract string ClaimLockClause { get; }

    public async ValueTask<IReadOnlyList<CrmConnectionLease>> ClaimDueAsync(string owner, int max, int maxPerTenant, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerTenant, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        // busy: every owner's live leases per tenant; due: the claimable rows ranked within their tenant, oldest due
        // first (NULL = newly registered = most overdue); picked: the ranks the tenant's cap still allows, oldest first.
        var sql = $"""
            WITH busy AS (
              SELECT coalesce(tenant_id, user_id) AS tenant, count(*) AS leased FROM {table}
              WHERE lease_owner IS NOT NULL AND lease_expires_at > @now GROUP BY coalesce(tenant_id, user_id)
            ), due AS (
              SELECT user_id, provider, coalesce(tenant_id, user_id) AS tenant, next_due_at,
                     row_number() OVER (PARTITION BY coalesce(tenant_id, user_id) ORDER BY next_due_at NULLS FIRST, user_id, provider) AS tenant_rank
              FROM {table}
              WHERE (state = 'active' OR (paused_until IS NOT NULL AND paused_until <= @now))
                AND (next_due_at IS NULL OR next_due_at <= @now)
                AND (lease_owner IS NULL OR lease_expires_at <= @now)
            ), picked AS (
              SELECT due.user_id, due.provider FROM due LEFT JOIN busy ON busy.tenant = due.tenant
              WHERE due.tenant_rank + coalesce(busy.leased, 0) <= @per_tenant
              ORDER BY due.next_due_at NULLS FIRST, due.user_id, due.provider
              LIMIT @max
            )
            UPDATE {table} SET lease_owner = @owner, lease_token = lease_token + 1, lease_expires_at = @expires
            WHERE (user_id, provider) IN (
              SELECT locked.user_id, locked.provider FROM {table} AS locked
              WHERE (locked.user_id, locked.provider) IN (SELECT user_id, provider FROM picked) {ClaimLockClause})
            RETURNING {LeaseColumns};
            """;
        var now = time.GetUtcNow();
        var leases = await WriteQueryAsync(
            sql,
            c =>
            {
                StoreDialect.Add(c, "@owner", owner);
                StoreDialect.Add(c, "@max", max);
                StoreDialect.Add(c, "@per_tenant", (long)maxPerTenant);
                dialect.AddTime(c, "@now", now);
                dialect.AddTime(c, "@expires", now + ttl);
            },
            serialize: true,
            cancellationToken).ConfigureAwait(false);

        // RETURNING gives no order: hand them out longest-overdue first, as picked.
        return [.. leases.OrderBy(l => l.DueAt ?? DateTimeOffset.MinValue).ThenBy(l => l.UserId, StringComparer.Ordinal).ThenBy(l => l.Provider)];
    }

    public async ValueTask<IReadOnlyList<CrmConnectionLease>> RenewAsync(string owner, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);

        // Only rows this owner still holds: a claim by another process changes lease_owner first (the claim and this
        // update lock the same row, so they never interleave).
        return await WriteQueryAsync(
            $"UPDATE {table} SET lease_expires_at = @expires WHERE lease_owner = @owner RETURNING {LeaseColumns};",
            c =>
            {
                StoreDialect.Add(c, "@owner", owner);
                dialect.AddTime(c, "@expires", time.GetUtcNow() + ttl);
            },
            serialize: false,
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> CompleteAsync(CrmConnectionLease lease, DateTimeOffset nextDueAt, bool synced, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var lastSynced = synced ? "@now" : "last_synced_at";
        return await ExecuteAsync(
            $"UPDATE {table} SET lease_owner = NULL, lease_expires_at = NULL, next_due_at = @next, last_synced_at = {lastSynced} WHERE user_id = @user_id AND provider = @provider AND lease_owner = @owner AND lease_token = @token;",
            c =>
            {
                Bind(c, lease.UserId, lease.Provider, time.GetUtcNow());
                StoreDialect.Add(c, "@owner", lease.Owner);
                StoreDialect.Add(c, "@token", lease.Token);
                dialect.AddTime(c, "@next", nextDueAt);
            },
            cancellationToken).ConfigureAwait(false) > 0;
    }

    public async ValueTask<int> ReleaseAllAsync(string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        return await ExecuteAsync(
            $"UPDATE {table} SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = @owner;",
            c => StoreDialect.Add(c, "@owner", owner),
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> SetTenantAsync(string userId, CrmProvider provider, string? tenantId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        if (tenantId is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        }

        return await ExecuteAsync(
            $"UPDATE {table} SET tenant_id = @tenant, updated_at = @now WHERE user_id = @user_id AND provider = @provider;",
            c =>
            {
                Bind(c, userId, provider, time.GetUtcNow());
                StoreDialect.Add(c, "@tenant", tenantId);
            },
            cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>
    /// Runs one data-changing statement with <c>RETURNING</c> <see cref="LeaseColumns"/> in its own transaction and reads
    /// the rows; <paramref name="serialize"/> first takes the store's claim lock (PostgreSQL: a transaction-scoped
    /// advisory lock; SQLite's write transaction is already exclusive).
    /// </summary>
    protected abstract ValueTask<List<CrmConnectionLease>> WriteQueryAsync(string sql, Action<DbCommand> bind, bool serialize, CancellationToken cancellationToken);

    /// <summary>Reads the lease columns of one returned row.</summary>
    protected CrmConnectionLease ReadLease(DbDataReader reader) => new()
    {
        UserId = reader.GetString(0),
        Provider = ReadProvider(reader, 1),
        TenantId = reader.GetString(2),
        Owner = reader.GetString(3),
        Token = reader.GetInt64(4),
        DueAt = reader.IsDBNull(5) ? null : dialect.GetTime(reader, 5),
        ExpiresAt = dialect.GetTime(reader, 6),
    };
}
