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
}
