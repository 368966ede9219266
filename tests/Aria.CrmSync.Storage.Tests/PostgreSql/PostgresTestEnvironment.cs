using Aria.CrmSync.Storage.PostgreSql;
using Npgsql;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("Aria.CrmSync.Storage.Tests.PostgreSql.PostgresAwareTestFramework", "Aria.CrmSync.Storage.Tests")]

namespace Aria.CrmSync.Storage.Tests.PostgreSql;

/// <summary>
/// Where the PostgreSQL tests connect: the environment variable <c>ARIA_CRMSYNC_POSTGRES</c> (an Npgsql connection string
/// of a role that may create schemas and roles; CI sets it). When it is not set, every PostgreSQL test is reported as
/// skipped with <see cref="SkipReason"/>; when it is set and the server is unreachable, the tests fail.
/// </summary>
public static class PostgresTestEnvironment
{
    public const string Variable = "ARIA_CRMSYNC_POSTGRES";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    private static readonly Lazy<NpgsqlDataSource> Shared = new(() => NpgsqlDataSource.Create(ConnectionString!));

    /// <summary>Gets one pool shared by the tests, so a test does not pay for new connections (and their authentication).</summary>
    public static NpgsqlDataSource SharedDataSource => Shared.Value;

    public static string? SkipReason => ConnectionString is null
        ? $"PostgreSQL tests need {Variable} (an Npgsql connection string); it is not set. .ci/run starts a server and sets it."
        : null;
}

/// <summary>A test that runs only when <see cref="PostgresTestEnvironment.ConnectionString"/> is set (skipped otherwise).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute() => Skip = PostgresTestEnvironment.SkipReason;
}

/// <summary>
/// Marks a class whose tests (including <c>[Fact]</c>s inherited from a contract suite, which cannot carry a
/// <see cref="FactAttribute.Skip"/>) all need PostgreSQL: <see cref="PostgresAwareTestFramework"/> reports them skipped
/// when the connection string is not set.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class RequiresPostgresAttribute : Attribute;

/// <summary>The xunit 2 framework with one change: tests of <see cref="RequiresPostgresAttribute"/> classes are skipped without PostgreSQL.</summary>
public sealed class PostgresAwareTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkDiscoverer CreateDiscoverer(IAssemblyInfo assemblyInfo)
        => new Discoverer(assemblyInfo, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Discoverer(IAssemblyInfo assemblyInfo, ISourceInformationProvider sourceProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkDiscoverer(assemblyInfo, sourceProvider, diagnosticMessageSink)
    {
        protected override bool FindTestsForMethod(ITestMethod testMethod, bool includeSourceInformation, IMessageBus messageBus, ITestFrameworkDiscoveryOptions discoveryOptions)
        {
            if (PostgresTestEnvironment.SkipReason is null
                || !testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresPostgresAttribute)).Any()
                || !testMethod.Method.GetCustomAttributes(typeof(FactAttribute)).Any())
            {
                return base.FindTestsForMethod(testMethod, includeSourceInformation, messageBus, discoveryOptions);
            }

            var testCase = new SkippedWithoutPostgresTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
            return ReportDiscoveredTestCase(testCase, includeSourceInformation, messageBus);
        }
    }
}

/// <summary>A test case skipped because PostgreSQL is not configured.</summary>
public sealed class SkippedWithoutPostgresTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippedWithoutPostgresTestCase()
    {
    }

    public SkippedWithoutPostgresTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, display, displayOptions, testMethod)
    {
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) => PostgresTestEnvironment.SkipReason ?? base.GetSkipReason(factAttribute);
}

/// <summary>
/// An isolated schema for one test: stores created through it use the schema, which is dropped (with the roles the test
/// created) on dispose.
/// </summary>
public sealed class PostgresTestSchema : IAsyncDisposable
{
    private readonly List<PostgreSqlDatabase> _databases = [];
    private readonly List<string> _roles = [];

    public PostgresTestSchema()
    {
        ConnectionString = PostgresTestEnvironment.ConnectionString
            ?? throw new InvalidOperationException(PostgresTestEnvironment.SkipReason);
        Name = "aria_test_" + Guid.NewGuid().ToString("N")[..12];
    }

    public string ConnectionString { get; }

    public string Name { get; }

    /// <summary>
    /// Opens the schema with a new database object, on the tests' shared pool or, with <paramref name="ownPool"/>, on a
    /// pool of its own (as another process would).
    /// </summary>
    internal PostgreSqlDatabase Open(bool runMigrations = true, bool ownPool = false)
    {
        var options = new PostgreSqlStoreOptions { ConnectionString = ConnectionString, Schema = Name, RunMigrationsOnStart = runMigrations };
        var database = new PostgreSqlDatabase(options, ownPool ? null : PostgresTestEnvironment.SharedDataSource);
        lock (_databases)
        {
            _databases.Add(database);
        }

        return database;
    }

    /// <summary>Opens an administrative connection (the configured role: a superuser in CI).</summary>
    public Task<NpgsqlConnection> ConnectAsync() => PostgresTestEnvironment.SharedDataSource.OpenConnectionAsync().AsTask();

    public async Task<int> ExecuteAsync(string sql)
    {
        await using var connection = await ConnectAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Migrates the schema to the package's latest version (or to <paramref name="upToVersion"/>, as an older release left
    /// it), then runs <paramref name="sql"/> (e.g. to roll a migration back as an older release left it, or to add rows).
    /// </summary>
    public async Task MigrateThenExecuteAsync(string sql, int? upToVersion = null)
    {
        await Aria.CrmSync.Storage.PostgreSql.PostgreSqlMigrator.MigrateAsync(PostgresTestEnvironment.SharedDataSource, Name, CancellationToken.None, upToVersion: upToVersion);
        await ExecuteAsync(sql);
    }

    /// <summary>Creates a login-less role without BYPASSRLS, dropped with the schema.</summary>
    public async Task<string> CreateRoleAsync()
    {
        var role = Name + "_r" + _roles.Count;
        await ExecuteAsync($"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS; GRANT USAGE ON SCHEMA {Name} TO {role};");
        _roles.Add(role);
        return role;
    }

    /// <summary>Creates a login role with a password (no BYPASSRLS), dropped with the schema.</summary>
    public async Task<(string Role, string ConnectionString)> CreateLoginRoleAsync()
    {
        var role = Name + "_l" + _roles.Count;
        var password = Guid.NewGuid().ToString("N");
        await ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD '{password}' NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;");
        _roles.Add(role);
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Username = role, Password = password, Pooling = false };
        return (role, builder.ConnectionString);
    }

    /// <summary>Drops <paramref name="role"/> (created by the code under test) with the schema.</summary>
    public void DropWithSchema(string role) => _roles.Add(role);

    public async ValueTask DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        var drop = $"DROP SCHEMA IF EXISTS {Name} CASCADE;" + string.Concat(Enumerable.Reverse(_roles).Select(r => $"DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{r}') THEN DROP OWNED BY {r}; DROP ROLE {r}; END IF; END $$;"));
        await ExecuteAsync(drop);
    }
}

/// <summary>
/// A test class's schema, created on first use and dropped by the class's <c>IAsyncLifetime.DisposeAsync</c> (xUnit 2
/// does not dispose test classes through <see cref="IAsyncDisposable"/>).
/// </summary>
public sealed class LazyPostgresSchema : IAsyncDisposable
{
    private readonly Lazy<PostgresTestSchema> _schema = new(() => new PostgresTestSchema());

    public PostgresTestSchema Value => _schema.Value;

    public ValueTask DisposeAsync() => _schema.IsValueCreated ? _schema.Value.DisposeAsync() : ValueTask.CompletedTask;
}
