using Npgsql;

namespace Aria.CrmSync.Storage.PostgreSql;

/// <summary>How PostgreSQL failures become <see cref="CrmSyncStoreException"/>s (SQLSTATE class 23 is a constraint violation).</summary>
internal static class PostgreSqlStoreErrors
{
    public static StoreErrors Instance { get; } = new("postgresql", static e => e is PostgresException p && p.SqlState.StartsWith("23", StringComparison.Ordinal));
}

/// <summary>The PostgreSQL audit store as hosts get it: input checked by the shared rules, driver errors mapped.</summary>
internal sealed class PostgreSqlAuditStore(PostgreSqlDatabase database) : GuardedAuditStore(new PostgreSqlAuditStoreCore(database), PostgreSqlStoreErrors.Instance)
{
    public PostgreSqlDatabase Database => database;
}

/// <summary>The PostgreSQL sync-state store as hosts get it: input checked by the shared rules, driver errors mapped.</summary>
internal sealed class PostgreSqlSyncStateStore(PostgreSqlDatabase database, TimeProvider timeProvider) : GuardedSyncStateStore(new PostgreSqlSyncStateStoreCore(database, timeProvider), PostgreSqlStoreErrors.Instance)
{
    public PostgreSqlDatabase Database => database;
}

/// <summary>The PostgreSQL lead store as hosts get it: input checked by the shared rules, driver errors mapped.</summary>
internal sealed class PostgreSqlLeadMemoryStore(PostgreSqlDatabase database) : GuardedLeadMemoryStore(new PostgreSqlLeadMemoryStoreCore(database), PostgreSqlStoreErrors.Instance)
{
    public PostgreSqlDatabase Database => database;
}
