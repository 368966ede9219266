namespace Aria.CrmSync.Sync;

/// <summary>Exponential backoff with jitter, honouring a CRM's Retry-After, capped at the maximum retries.</summary>
internal sealed class RetryPolicy(CrmSyncOptions options)
{
    private readonly Lock _gate = new();
    private readonly Random _random = new();

    public int MaxRetries => options.MaxRetries;

    /// <summary>Returns whether a lead that made <paramref name="retryCount"/> retries may be retried again (seed: <c>retry_count &lt; 5</c>).</summary>
    public bool ShouldRetry(int retryCount) => retryCount < options.MaxRetries;

    /// <summary>Returns the delay before retry number <paramref name="retryCount"/> + 1.</summary>
    public TimeSpan NextDelay(int retryCount, TimeSpan? retryAfter)
    {
        var exponent = Math.Clamp(retryCount, 0, 30);
        var ticks = Math.Min(options.RetryBaseDelay.Ticks * Math.Pow(2, exponent), options.RetryMaxDelay.Ticks);
        double factor;
        lock (_gate)
        {
            factor = 1 + (options.RetryJitter * ((_random.NextDouble() * 2) - 1));
        }

        var delay = TimeSpan.FromTicks((long)(ticks * factor));
        if (retryAfter is { } after && after > delay)
        {
            delay = after;
        }

        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }
}
