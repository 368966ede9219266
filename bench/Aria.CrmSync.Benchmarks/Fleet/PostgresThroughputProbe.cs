using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Aria.CrmSync.Benchmarks.Fleet;

/// <summary>
/// PostgreSQL write throughput through the library's public services, on a fresh schema: audit appends
/// (<see cref="ICrmAuditService.LogManyAsync"/>, batches of 500 as a connection sync writes them) by one user, then by
/// eight users at once; and sync-state writes (<see cref="ISyncStateStore"/>: an insert, then updates, one lead at a time, and the same through
/// <see cref="ISyncStateStore.WriteManyAsync"/> a page of 100 leads at a time) from eight writers at once. Each phase runs for <c>seconds</c>.
/// </summary>
internal static class PostgresThroughputProbe
{
    private const int Batch = 500;

    public static async Task<List<(string Name, double PerSecond, long Count)>> RunAsync(string postgres, TimeSpan phase, TextWriter log)
    {
        var schema = "probe_" + Guid.NewGuid().ToString("N")[..10];
        var services = new ServiceCollection();
        services.AddAriaCrmSync().UseInMemoryConnections().UsePostgreSqlStores(o =>
        {
            o.ConnectionString = postgres;
            o.Schema = schema;
        });
        await using var provider = services.BuildServiceProvider();
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        try
        {
            var audit = provider.GetRequiredService<ICrmAuditService>();
            var states = provider.GetRequiredService<ISyncStateStore>();
            var results = new List<(string, double, long)>
            {
                await MeasureAsync("audit append, 1 user (batches of 500)", 1, phase, (w, n) => AppendAsync(audit, w, n)),
                await MeasureAsync("audit append, 8 users at once (batches of 500)", 8, phase, (w, n) => AppendAsync(audit, w, n)),
                await MeasureAsync("sync-state writes, 8 writers (1 insert + updates per lead)", 8, phase, (w, n) => StateWriteAsync(states, w, n)),
                await MeasureAsync("sync-state writes, 8 writers (WriteManyAsync, pages of 100)", 8, phase, (w, n) => StateBatchWriteAsync(states, w, n)),
            };
            foreach (var (name, rate, count) in results)
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"postgres: {name}: {rate:N0}/s ({count:N0} in {phase.TotalSeconds:F0} s)"));
            }

            var verified = await audit.VerifyAsync("probe-user-0");
            if (!verified.IsValid)
            {
                throw new InvalidOperationException("The appended chain does not verify: " + verified.Message);
            }

            return results;
        }
        finally
        {
            await using var connection = new NpgsqlConnection(postgres);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task<(string, double, long)> MeasureAsync(string name, int writers, TimeSpan phase, Func<int, int, Task<int>> write)
    {
        await write(writers + 100, 0); // warm: JIT, pool
        long total = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var n = 1; stopwatch.Elapsed < phase; n++)
            {
                Interlocked.Add(ref total, await write(w, n));
            }
        })));
        return (name, total / stopwatch.Elapsed.TotalSeconds, total);
    }

    private static async Task<int> AppendAsync(ICrmAuditService audit, int writer, int n)
    {
        var user = "probe-user-" + writer.ToString(CultureInfo.InvariantCulture);
        var drafts = Enumerable.Range(n * Batch, Batch).Select(i => BenchData.Draft(i, user)).ToArray();
        return (await audit.LogManyAsync(drafts)).Count;
    }

    /// <summary>One lead's state: inserted, then updated (version checked) as a sync moves it along; 10 writes per call.</summary>
    private static async Task<int> StateWriteAsync(ISyncStateStore states, int writer, int n)
    {
        var id = FormattableString.Invariant($"probe-{writer}-{n}");
        var state = await states.InsertAsync(BenchData.State(n) with { Id = "sync-" + id, LeadMemoryId = id, Version = 0 });
        for (var i = 0; i < 9; i++)
        {
            state = await states.UpdateAsync(state with { RetryCount = i, UpdatedAt = state.UpdatedAt.AddSeconds(1) });
        }

        return 10;
    }

    /// <summary>A page of 100 leads' states as a connection sync writes them: inserted, then updated nine times, one batch per round.</summary>
    private static async Task<int> StateBatchWriteAsync(ISyncStateStore states, int writer, int n)
    {
        var page = Enumerable.Range(0, 100)
            .Select(i => BenchData.State(n) with { Id = FormattableString.Invariant($"sync-page-{writer}-{n}-{i}"), LeadMemoryId = FormattableString.Invariant($"page-{writer}-{n}-{i}"), Version = 0 })
            .ToArray();
        for (var round = 0; round < 10; round++)
        {
            var results = await states.WriteManyAsync(page);
            page = results.Select(r => r.Stored is { } stored
                ? stored with { RetryCount = round, UpdatedAt = stored.UpdatedAt.AddSeconds(1) }
                : throw new InvalidOperationException("A probe write was refused: " + r.Error!.Message)).ToArray();
        }

        return 1000;
    }
}
