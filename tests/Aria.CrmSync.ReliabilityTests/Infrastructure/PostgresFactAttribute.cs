namespace Aria.CrmSync.ReliabilityTests;

/// <summary>
/// A test that needs PostgreSQL: it runs when the environment variable <c>ARIA_CRMSYNC_POSTGRES</c> holds an Npgsql
/// connection string of a role that may create schemas (<c>.ci/run</c> starts a server and sets it), and is reported as
/// skipped otherwise.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (ConnectionString is null)
        {
            Skip = "PostgreSQL tests need ARIA_CRMSYNC_POSTGRES (an Npgsql connection string); it is not set.";
        }
    }

    /// <summary>Gets the connection string, or null when it is not set.</summary>
    public static string? ConnectionString => Environment.GetEnvironmentVariable("ARIA_CRMSYNC_POSTGRES") is { Length: > 0 } value ? value : null;
}

/// <summary>A theory that needs PostgreSQL (see <see cref="PostgresFactAttribute"/>).</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (PostgresFactAttribute.ConnectionString is null)
        {
            Skip = "PostgreSQL tests need ARIA_CRMSYNC_POSTGRES (an Npgsql connection string); it is not set.";
        }
    }
}
