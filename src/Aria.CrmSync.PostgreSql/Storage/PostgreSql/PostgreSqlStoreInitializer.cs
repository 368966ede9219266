using Microsoft.Extensions.Hosting;

namespace Aria.CrmSync.Storage.PostgreSql;

/// <summary>
/// Migrates (or checks) the PostgreSQL schema when the host starts, so an unreachable server or a missing migration
/// fails start-up rather than the first sync. Does nothing when another <c>Use*Stores</c> replaced the PostgreSQL stores.
/// </summary>
internal sealed class PostgreSqlStoreInitializer(ISyncStateStore syncStates, IAuditStore audit, ILeadMemoryStore leads) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var databases = new[] { (syncStates as PostgreSqlSyncStateStore)?.Database, (audit as PostgreSqlAuditStore)?.Database, (leads as PostgreSqlLeadMemoryStore)?.Database };
        foreach (var database in databases.OfType<PostgreSqlDatabase>().Distinct())
        {
            await database.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
