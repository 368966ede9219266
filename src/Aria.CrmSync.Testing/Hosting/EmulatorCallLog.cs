using System.Collections.Concurrent;

namespace Aria.CrmSync.Testing;

/// <summary>Counts the requests an emulator received, per endpoint, and those counted against the CRM's API limit.</summary>
public sealed class EmulatorCallLog
{
    private readonly ConcurrentDictionary<string, long> _byEndpoint = new(StringComparer.Ordinal);
    private long _total;
    private long _apiCalls;

    /// <summary>Gets the total number of requests received.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Gets the number of requests counted against the API limit (what the CRM bills).</summary>
    public long ApiCalls => Interlocked.Read(ref _apiCalls);

    /// <summary>Gets the request count per endpoint key.</summary>
    public IReadOnlyDictionary<string, long> ByEndpoint => new Dictionary<string, long>(_byEndpoint, StringComparer.Ordinal);

    /// <summary>Gets the count for one endpoint key (0 when never called).</summary>
    /// <param name="endpoint">The endpoint key.</param>
    /// <returns>The count.</returns>
    public long Count(string endpoint) => _byEndpoint.TryGetValue(endpoint, out var count) ? count : 0;

    /// <summary>Gets the total count of endpoint keys starting with <paramref name="prefix"/>.</summary>
    /// <param name="prefix">The key prefix.</param>
    /// <returns>The count.</returns>
    public long CountPrefix(string prefix) => _byEndpoint.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(p => p.Value);

    /// <summary>Resets every counter.</summary>
    public void Reset()
    {
        _byEndpoint.Clear();
        Interlocked.Exchange(ref _total, 0);
        Interlocked.Exchange(ref _apiCalls, 0);
    }

    /// <summary>Records a request.</summary>
    /// <param name="endpoint">The endpoint key.</param>
    /// <param name="countsAgainstLimit">Whether it counts against the API limit.</param>
    internal void Record(string endpoint, bool countsAgainstLimit)
    {
        _byEndpoint.AddOrUpdate(endpoint, 1, static (_, c) => c + 1);
        Interlocked.Increment(ref _total);
        if (countsAgainstLimit)
        {
            Interlocked.Increment(ref _apiCalls);
        }
    }
}
