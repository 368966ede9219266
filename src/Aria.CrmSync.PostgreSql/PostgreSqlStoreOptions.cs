namespace Aria.CrmSync;

/// <summary>Options of the PostgreSQL stores chosen with <c>UsePostgreSqlStores(...)</c>.</summary>
public sealed class PostgreSqlStoreOptions
{
    /// <summary>The default schema.</summary>
    public const string DefaultSchema = "public";

    /// <summary>Gets or sets the Npgsql connection string, for example <c>Host=db;Username=aria;Password=...;Database=aria</c>.</summary>
    /// <remarks>
    /// The stores work through a transaction-mode pooler (Supabase's port 6543) as well as directly. Migrations take a
    /// transaction-scoped advisory lock, so they are safe through either.
    /// </remarks>
    /// <value>The default value is <see langword="null"/>; a value is required.</value>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets the schema holding the library's tables. Use a dedicated schema when the database already has
    /// seed-era <c>lead_memory_crm_sync</c>/<c>crm_audit_log</c> tables with uuid keys.
    /// </summary>
    /// <value>The default value is <c>public</c>.</value>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>
    /// Gets or sets whether the embedded migrations run when the stores start (once per process, serialised across
    /// instances by an advisory lock). When <see langword="false"/>, apply the SQL yourself (for example with
    /// <c>supabase db push</c>); the stores then only check that the schema is up to date.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RunMigrationsOnStart { get; set; } = true;

    /// <summary>
    /// Gets or sets the connection string the migrations run with: the tables' owner. When set, <see cref="ConnectionString"/>
    /// should name a separate login that is a member of <see cref="RuntimeRole"/>, so the library runs with least privilege
    /// (it can append to the audit trail but never change, remove or truncate it, nor disable its triggers).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: migrations use <see cref="ConnectionString"/>.</value>
    public string? MigrationConnectionString { get; set; }

    /// <summary>
    /// Gets or sets the runtime role the migration creates (NOLOGIN, if missing) and grants exactly what the stores
    /// need: <c>SELECT</c> and <c>INSERT</c> on <c>crm_audit_log</c> (no <c>UPDATE</c>, <c>DELETE</c> or <c>TRUNCATE</c>; not
    /// the owner, so it cannot disable triggers), read and write on the other tables. Grant it to the login of
    /// <see cref="ConnectionString"/> (<c>GRANT aria_crmsync_runtime TO app_login</c>). Creating it needs <c>CREATEROLE</c>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no runtime role is created or granted.</value>
    public string? RuntimeRole { get; set; }

    /// <summary>
    /// Gets or sets the anchor-writer role the migration creates (NOLOGIN, if missing) and grants <c>SELECT</c> and
    /// <c>INSERT</c> on <c>crm_audit_anchors</c> and nothing else (migration 0004). Grant it to the login of the connection
    /// string passed to <c>UsePostgreSqlAuditAnchorSink</c>; it must not be the runtime role nor the owner. The runtime
    /// role (<see cref="RuntimeRole"/>) can only read anchors.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no anchor-writer role is created or granted.</value>
    public string? AnchorWriterRole { get; set; }
}
