using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Aria.CrmSync.ReliabilityTests.Infrastructure;

/// <summary>
/// One of the three stores (<c>memory</c>, <c>sqlite</c>, <c>postgresql</c>) for an <see cref="EngineHost"/>, set up for a
/// test and removed after it: a temporary SQLite file, or a PostgreSQL schema named <paramref name="schemaPrefix"/> and a
/// random suffix (dropped on dispose).
/// </summary>
public sealed class StoreChoice(string kind, string schemaPrefix) : IAsyncDisposable
{
    /// <summary>Gets every store with every CRM: the cases of a test that runs through all of them.</summary>
    public static TheoryData<string, CrmProvider> StoresAndProviders
    {
        get
        {
            var data = new TheoryData<string, CrmProvider>();
            foreach (var store in new[] { "memory", "sqlite", "postgresql" })
            {
                foreach (var provider in new[] { CrmProvider.Salesforce, CrmProvider.HubSpot })
                {
                    data.Add(store, provider);
                }
            }

            return data;
        }
    }

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"aria-{schemaPrefix}{Guid.NewGuid():N}.db");
    private readonly string _schema = schemaPrefix + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Gets whether the store cannot run here (PostgreSQL without <c>ARIA_CRMSYNC_POSTGRES</c>).</summary>
    public bool Unavailable => kind == "postgresql" && PostgresFactAttribute.ConnectionString is null;

    public void Use(IAriaCrmSyncBuilder builder)
    {
        switch (kind)
        {
            case "sqlite":
                builder.UseSqliteStores($"Data Source={_path}");
                break;
            case "postgresql":
                builder.UsePostgreSqlStores(o =>
                {
                    o.ConnectionString = PostgresFactAttribute.ConnectionString;
                    o.Schema = _schema;
                });
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (kind == "sqlite")
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
            {
                File.Delete(file);
            }
        }
        else if (kind == "postgresql" && !Unavailable)
        {
            await using var connection = new NpgsqlConnection(PostgresFactAttribute.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
