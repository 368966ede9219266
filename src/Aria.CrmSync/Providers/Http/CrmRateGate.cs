using System.Collections.Concurrent;

namespace Aria.CrmSync.Gateways.Http;

/// <summary>What a CRM response said about the connection's limits (<see cref="CrmRateGate.Observe"/>); every part is optional.</summary>
/// <param name="WindowRemaining">Requests left in the current short window, if reported.</param>
/// <param name="WindowMax">The window's allowance, if reported.</param>
/// <param name="DailyUsed">Requests used of the daily allocation, if reported.</param>
/// <param name="DailyMax">The daily allocation, if reported.</param>
public readonly record struct RateObservation(int? WindowRemaining, int? WindowMax, long? DailyUsed, long? DailyMax);

/// <summary>
/// A per-connection gate in front of a CRM: a token bucket for the short window, a concurrency cap, and a pause when
/// the daily quota reaches its threshold or the CRM asks for a pause (429 Retry-After). Corrected live from the
/// provider's headers. Thread-safe; one instance per gateway, holding one budget per <see cref="CrmConnection.ConnectionKey"/>.
/// </summary>
/// <param name="provider">The CRM (named in the exceptions).</param>
/// <param name="limitsFor">The documented limits of a connection, read once when its budget is created (validated with <see cref="CrmRateLimits.Validate"/>).</param>
/// <param name="time">The clock the budgets refill and pause by.</param>
public sealed class CrmRateGate(CrmProvider provider, Func<CrmConnection, CrmRateLimits> limitsFor, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Budget> _budgets = new(StringComparer.Ordinal);

    /// <summary>Waits until the connection may send one request; the returned lease ends it (concurrency).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The lease: dispose it when the response has arrived.</returns>
    /// <exception cref="CrmRateLimitedException">The connection is paused (daily quota) longer than a short wait.</exception>
    public async ValueTask<IDisposable> AcquireAsync(CrmConnection connection, CancellationToken cancellationToken)
    {
        var budget = BudgetFor(connection);
        while (true)
        {
            var wait = budget.TryTake(time.GetUtcNow(), out var dailyPause);
            if (dailyPause is { } pause)
            {
                throw new CrmRateLimitedException(provider, pause, CrmRateLimitScope.Daily,
                    $"{Serialization.WireValue.Format(provider)} daily API quota of connection '{connection.ConnectionKey}' is used up to its threshold; the connection pauses for {pause.TotalMinutes:0.#} min");
            }

            if (wait <= TimeSpan.Zero)
            {
                break;
            }

            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }

        if (budget.Concurrency is { } semaphore)
        {
            await semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Release(semaphore);
        }

        return NoRelease.Instance;
    }

    /// <summary>Corrects the budget from what the CRM reported: the window's remaining requests lower the bucket, the daily usage pauses the connection at the threshold.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="observation">What the response said.</param>
    public void Observe(CrmConnection connection, RateObservation observation) => BudgetFor(connection).Observe(observation, time.GetUtcNow());

    /// <summary>Stops sending on the connection for <paramref name="delay"/> (a 429 with Retry-After); waiting requests resume after it.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="delay">The pause.</param>
    public void PauseWindow(CrmConnection connection, TimeSpan delay) => BudgetFor(connection).PauseWindow(time.GetUtcNow() + delay);

    /// <summary>
    /// Stops sending on the connection until the daily quota resets (or for <see cref="CrmRateLimits.DailyQuotaPause"/>);
    /// meanwhile <see cref="AcquireAsync"/> throws <see cref="CrmRateLimitedException"/>.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="retryAfter">When the CRM said the quota resets, if it did.</param>
    /// <returns>The pause applied.</returns>
    public TimeSpan PauseDaily(CrmConnection connection, TimeSpan? retryAfter)
    {
        var budget = BudgetFor(connection);
        var pause = retryAfter ?? budget.Limits.DailyQuotaPause;
        budget.PauseDaily(time.GetUtcNow() + pause);
        return pause;
    }

    /// <summary>Gets the connection's state, for diagnostics and tests.</summary>
    internal (double Tokens, DateTimeOffset? PausedUntil, long? DailyUsed, long? DailyMax) Snapshot(CrmConnection connection)
        => BudgetFor(connection).Snapshot(time.GetUtcNow());

    private Budget BudgetFor(CrmConnection connection)
        => _budgets.GetOrAdd(connection.ConnectionKey, _ =>
        {
            var limits = limitsFor(connection);
            limits.Validate();
            return new Budget(limits, time.GetUtcNow());
        });

    private sealed class Budget
    {
        private readonly Lock _gate = new();
        private double _tokens;
        private int _capacity;
        private DateTimeOffset _refilledAt;
        private DateTimeOffset? _windowPausedUntil;
        private DateTimeOffset? _dailyPausedUntil;
        private long? _dailyUsed;
        private long? _dailyMax;

        public Budget(CrmRateLimits limits, DateTimeOffset now)
        {
            Limits = limits;
            _capacity = limits.RequestsPerWindow ?? 0;
            _tokens = _capacity;
            _refilledAt = now;
            Concurrency = limits.MaxConcurrentRequests is { } max ? new SemaphoreSlim(max, max) : null;
        }

        public CrmRateLimits Limits { get; }

        public SemaphoreSlim? Concurrency { get; }

        public TimeSpan TryTake(DateTimeOffset now, out TimeSpan? dailyPause)
        {
            lock (_gate)
            {
                dailyPause = null;
                if (_dailyPausedUntil is { } dailyUntil)
                {
                    if (dailyUntil > now)
                    {
                        dailyPause = dailyUntil - now;
                        return TimeSpan.Zero;
                    }

                    _dailyPausedUntil = null;
                    _dailyUsed = null; // the next response tells the new usage
                }

                if (_windowPausedUntil is { } windowUntil && windowUntil > now)
                {
                    return windowUntil - now;
                }

                if (_capacity == 0)
                {
                    return TimeSpan.Zero;
                }

                Refill(now);
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return TimeSpan.Zero;
                }

                // Whole milliseconds, at least one: timers do not resolve finer, and a shortfall that rounds to
                // zero must still wait rather than pass without a token (or spin on sub-millisecond delays).
                var shortfall = Limits.Window / _capacity * (1 - _tokens);
                return TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(shortfall.TotalMilliseconds)));
            }
        }

        public void Observe(RateObservation observation, DateTimeOffset now)
        {
            lock (_gate)
            {
                if (observation.WindowMax is > 0 && Limits.RequestsPerWindow is not null && observation.WindowMax != _capacity)
                {
                    _capacity = Math.Min(observation.WindowMax.Value, Limits.RequestsPerWindow.Value);
                    _tokens = Math.Min(_tokens, _capacity);
                }

                if (observation.WindowRemaining is { } remaining && _capacity > 0)
                {
                    Refill(now);
                    _tokens = Math.Min(_tokens, Math.Max(0, remaining));
                }

                if (observation.DailyMax is > 0 && observation.DailyUsed is { } used)
                {
                    _dailyUsed = used;
                    _dailyMax = observation.DailyMax;
                    if (used >= observation.DailyMax.Value * Limits.DailyQuotaThreshold && _dailyPausedUntil is null)
                    {
                        _dailyPausedUntil = now + Limits.DailyQuotaPause;
                    }
                }
            }
        }

        public void PauseWindow(DateTimeOffset until)
        {
            lock (_gate)
            {
                _windowPausedUntil = _windowPausedUntil is { } current && current > until ? current : until;
                _tokens = 0;
            }
        }

        public void PauseDaily(DateTimeOffset until)
        {
            lock (_gate)
            {
                _dailyPausedUntil = _dailyPausedUntil is { } current && current > until ? current : until;
            }
        }

        public (double, DateTimeOffset?, long?, long?) Snapshot(DateTimeOffset now)
        {
            lock (_gate)
            {
                Refill(now);
                return (_tokens, _dailyPausedUntil ?? _windowPausedUntil, _dailyUsed, _dailyMax);
            }
        }

        private void Refill(DateTimeOffset now)
        {
            if (_capacity == 0)
            {
                return;
            }

            var elapsed = now - _refilledAt;
            if (elapsed > TimeSpan.Zero)
            {
                _tokens = Math.Min(_capacity, _tokens + (elapsed / Limits.Window * _capacity));
                _refilledAt = now;
            }
        }
    }

    private sealed class Release(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }

    private sealed class NoRelease : IDisposable
    {
        public static readonly NoRelease Instance = new();

        public void Dispose()
        {
        }
    }
}
