using Microsoft.Extensions.Hosting;

namespace Aria.CrmSync.Storage.Sqlite;

/// <summary>
/// Creates or migrates the SQLite schema when the host starts, so a bad path or a newer schema fails start-up rather than
/// the first sync. Does nothing when the registered stores are no longer the SQLite ones (another <c>Use*Stores</c> won).
/// </summary>
internal sealed class SqliteStoreInitializer(ISyncStateStore syncStates, IAuditStore audit, ILeadMemoryStore leads) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var databases = new[] { (syncStates as SqliteSyncStateStore)?.Database, (audit as SqliteAuditStore)?.Database, (leads as SqliteLeadMemoryStore)?.Database };
        foreach (var database in databases.OfType<SqliteDatabase>().Distinct())
        {
            database.EnsureInitialized();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
