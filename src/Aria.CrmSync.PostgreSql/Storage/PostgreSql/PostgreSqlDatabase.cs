using Npgsql;

namespace Aria.CrmSync.Storage.PostgreSql;

/// <summary>
/// The PostgreSQL database shared by the PostgreSQL stores: one pooled <see cref="NpgsqlDataSource"/>, the schema's
/// qualified table names, and the migrations run (or checked) once before first use.
/// </summary>
internal sealed class PostgreSqlDatabase : IAsyncDisposable, IDisposable
{
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private readonly bool _runMigrations;
    private readonly string? _migrationConnectionString;
    private readonly string? _runtimeRole;
    private readonly string? _anchorWriterRole;
    private readonly bool _ownsDataSource;
    private volatile bool _initialized;

    public PostgreSqlDatabase(PostgreSqlStoreOptions options)
        : this(options, dataSource: null)
    {
    }

    /// <summary>Uses <paramref name="dataSource"/> (not disposed with this object) instead of one built from the connection string.</summary>
    public PostgreSqlDatabase(PostgreSqlStoreOptions options, NpgsqlDataSource? dataSource)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (PostgreSqlStoreOptionsValidator.Check(options) is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }

        _ownsDataSource = dataSource is null;
        DataSource = dataSource ?? NpgsqlDataSource.Create(options.ConnectionString!);
        Schema = options.Schema;
        _runMigrations = options.RunMigrationsOnStart;
        _migrationConnectionString = options.MigrationConnectionString;
        _runtimeRole = options.RuntimeRole;
        _anchorWriterRole = options.AnchorWriterRole;
        var quoted = QuotedSchema;
        SyncStates = $"{quoted}.{StoredRecords.SyncStateTable}";
        Audit = $"{quoted}.{StoredRecords.AuditTable}";
        Cursors = $"{quoted}.{StoredRecords.CursorTable}";
        Leases = $"{quoted}.{StoredRecords.LeaseTable}";
        Leads = $"{quoted}.{StoredRecords.LeadTable}";
        Events = $"{quoted}.{StoredRecords.EventTable}";
    }

    public NpgsqlDataSource DataSource { get; }

    public string Schema { get; }

    public string QuotedSchema => "\"" + Schema + "\"";

    public string SyncStates { get; }

    public string Audit { get; }

    public string Cursors { get; }

    public string Leases { get; }

    public string Leads { get; }

    public string Events { get; }

    /// <summary>Opens a pooled connection, migrating (or checking) the schema first if this instance has not yet.</summary>
    public async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }

        await _initGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_initialized)
            {
                if (_runMigrations && _migrationConnectionString is not null)
                {
                    // Migrations as the owner; the stores keep their own (least-privilege) connection.
                    var owner = NpgsqlDataSource.Create(_migrationConnectionString);
                    await using (owner.ConfigureAwait(false))
                    {
                        await PostgreSqlMigrator.MigrateAsync(owner, Schema, cancellationToken, _runtimeRole, _anchorWriterRole).ConfigureAwait(false);
                    }
                }
                else if (_runMigrations)
                {
                    await PostgreSqlMigrator.MigrateAsync(DataSource, Schema, cancellationToken, _runtimeRole, _anchorWriterRole).ConfigureAwait(false);
                }
                else
                {
                    await PostgreSqlMigrator.EnsureUpToDateAsync(DataSource, Schema, cancellationToken).ConfigureAwait(false);
                }

                _initialized = true;
            }
        }
        finally
        {
            _initGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await DataSource.DisposeAsync().ConfigureAwait(false);
        }

        _initGate.Dispose();
    }

    public void Dispose()
    {
        if (_ownsDataSource)
        {
            DataSource.Dispose();
        }

        _initGate.Dispose();
    }
}
