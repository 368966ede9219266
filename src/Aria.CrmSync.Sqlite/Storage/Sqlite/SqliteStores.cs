using Microsoft.Data.Sqlite;

namespace Aria.CrmSync.Storage.Sqlite;

/// <summary>How SQLite failures become <see cref="CrmSyncStoreException"/>s (SQLITE_CONSTRAINT is a constraint violation).</summary>
internal static class SqliteStoreErrors
{
    private const int SqliteConstraint = 19;

    public static StoreErrors Instance { get; } = new("sqlite", static e => e is SqliteException { SqliteErrorCode: SqliteConstraint });
}

/// <summary>The SQLite audit store as hosts get it: input checked by the shared rules, driver errors mapped.</summary>
internal sealed class SqliteAuditStore(SqliteDatabase database) : GuardedAuditStore(new SqliteAuditStoreCore(database), SqliteStoreErrors.Instance)
{
    public SqliteDatabase Database => database;
}

/// <summary>The SQLite sync-state store as hosts get it: input checked by the shared rules, driver errors mapped.</summary>
internal sealed class SqliteSyncStateStore(SqliteDatabase database, TimeProvider timeProvider) : GuardedSyncStateStore(new SqliteSyncStateStoreCore(database, timeProvider), SqliteStoreErrors.Instance)
{
    public SqliteDatabase Database => database;
}

/// <summary>The SQLite lead store as hosts get it: input checked by the shared rules, driver errors mapped.</summary>
internal sealed class SqliteLeadMemoryStore(SqliteDatabase database) : GuardedLeadMemoryStore(new SqliteLeadMemoryStoreCore(database), SqliteStoreErrors.Instance)
{
    public SqliteDatabase Database => database;
}
