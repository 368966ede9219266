using Npgsql;

namespace Aria.CrmSync.Storage.PostgreSql;

/// <summary>
/// Applies the embedded <c>Migrations/NNNN_*.sql</c> scripts a schema lacks, in order, in one transaction holding a
/// transaction-scoped advisory lock (so several instances starting at once apply each script exactly once, and the
/// lock is safe through a transaction-mode pooler), with <c>search_path</c> set to the target schema. Each script is
/// recorded in <c>crm_sync_migrations</c>; running the migrator again changes nothing.
/// </summary>
internal static class PostgreSqlMigrator
{
    /// <summary>The advisory lock key of migrations ("AriaCrmS"), one per database: the auth compatibility layer is database-wide.</summary>
    public const long LockKey = 0x41726961_43726D53;

    public static IReadOnlyList<MigrationScript> Scripts { get; } = MigrationScript.Load(typeof(PostgreSqlMigrator).Assembly, "Aria.CrmSync.PostgreSql.Migrations.");

    /// <summary>
    /// Applies the missing scripts, up to <paramref name="upToVersion"/> when given (a schema as an older release left it,
    /// for the migration tests), then grants the roles.
    /// </summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken, string? runtimeRole = null, string? anchorWriterRole = null, int? upToVersion = null)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(@key);", cancellationToken, ("@key", LockKey)).ConfigureAwait(false);
                var quoted = "\"" + schema + "\"";
                await ExecuteAsync(connection, $"DO $$ BEGIN IF to_regnamespace('{quoted}') IS NULL THEN CREATE SCHEMA {quoted}; END IF; END $$; SET LOCAL search_path TO {quoted};", cancellationToken).ConfigureAwait(false);

                var applied = await ReadAppliedAsync(connection, schema, cancellationToken).ConfigureAwait(false);
                CheckNotNewer(applied, schema);
                foreach (var script in Scripts)
                {
                    if (applied.Contains(script.Version) || script.Version > upToVersion)
                    {
                        continue;
                    }

                    await ExecuteAsync(connection, script.Sql, cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(
                        connection,
                        $"INSERT INTO {StoredRecords.MigrationTable} (version, name) VALUES (@version, @name) ON CONFLICT (version) DO NOTHING;",
                        cancellationToken,
                        ("@version", script.Version),
                        ("@name", script.Name)).ConfigureAwait(false);
                }

                if (runtimeRole is not null)
                {
                    // Idempotent: (re)grants exactly the runtime privileges, also when the role was created earlier.
                    await ExecuteAsync(connection, "SELECT crm_sync_grant_runtime(@role);", cancellationToken, ("@role", runtimeRole)).ConfigureAwait(false);
                    await ExecuteAsync(connection, "SELECT crm_sync_grant_anchor_reader(@role);", cancellationToken, ("@role", runtimeRole)).ConfigureAwait(false);
                }

                if (anchorWriterRole is not null)
                {
                    // The only role that may insert anchors (migration 0004); the runtime role reads them.
                    await ExecuteAsync(connection, "SELECT crm_sync_grant_anchor_writer(@role);", cancellationToken, ("@role", anchorWriterRole)).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Throws unless every embedded migration is recorded in <paramref name="schema"/> (used when migrations are applied outside the library).</summary>
    public static async Task EnsureUpToDateAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var applied = await ReadAppliedAsync(connection, schema, cancellationToken).ConfigureAwait(false);
            CheckNotNewer(applied, schema);
            var missing = Scripts.Where(s => !applied.Contains(s.Version)).Select(s => s.Name).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidOperationException($"PostgreSQL schema '{schema}' lacks Aria.CrmSync migrations {string.Join(", ", missing)}: apply them (supabase db push, psql) or set PostgreSqlStoreOptions.RunMigrationsOnStart.");
            }
        }
    }

    private static async Task<HashSet<int>> ReadAppliedAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        var applied = new HashSet<int>();
        var table = $"\"{schema}\".{StoredRecords.MigrationTable}";
        using (var exists = new NpgsqlCommand("SELECT to_regclass(@table) IS NOT NULL;", connection))
        {
            exists.Parameters.AddWithValue("@table", table);
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                return applied; // a new schema: nothing applied yet
            }
        }

        using var command = new NpgsqlCommand($"SELECT version FROM {table};", connection);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            applied.Add(reader.GetInt32(0));
        }

        return applied;
    }

    private static void CheckNotNewer(HashSet<int> applied, string schema)
    {
        var latest = Scripts[^1].Version;
        if (applied.Count > 0 && applied.Max() > latest)
        {
            throw new InvalidOperationException($"PostgreSQL schema '{schema}' is at Aria.CrmSync schema version {applied.Max()}, newer than this version of Aria.CrmSync.PostgreSql knows ({latest}); upgrade the package.");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
