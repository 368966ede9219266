using System.Collections.Concurrent;

namespace Aria.CrmSync.Gateways.Http;

/// <summary>What a CRM response said about the connection's limits (<see cref="CrmRateGate.Observe"/>); every part is optional.</summary>
/// <param name="WindowRemaining">Requests left in the current short window, if reported.</param>
/// <param name="WindowMax">The window's allowance, if reported.</param>
/// <param name="DailyUsed">Requests used of the daily allocation, if reported.</param>
/// <param name="DailyMax">The daily allocation, if reported.</param>
public readonly record struct RateObservation(int? WindowRemaining, int? WindowMax, long? DailyUsed, long? DailyMax);

/// <summary>
/// A per-connection gate in front of a CRM: a sliding window of send times for the short window (never more than
/// <see cref="CrmRateLimits.RequestsPerWindow"/> in any rolling <see cref="CrmRateLimits.Window"/>), a concurrency cap, and a pause when
/// the daily quota reaches its threshold or the CRM asks for a pause (429 Retry-After). Corrected live from the
/// provider's headers. Thread-safe; one instance per gateway, holding one budget per <see cref="CrmConnection.ConnectionKey"/>.
/// </summary>
/// <param name="provider">The CRM (named in the exceptions).</param>
/// <param name="limitsFor">The documented limits of a connection, read once when its budget is created (validated with <see cref="CrmRateLimits.Validate"/>).</param>
/// <param name="time">The clock the budgets refill and pause by.</param>
public sealed class CrmRateGate(CrmProvider provider, Func<CrmConnection, CrmRateLimits> limitsFor, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Budget> _budgets = new(StringComparer.Ordinal);

    /// <summary>
    /// Initializes a new instance of the <see cref="CrmRateGate"/> class whose short window counts each request from
    /// its send until its response plus the window: a request reaches the CRM at the latest when its answer comes back,
    /// so however long it queued on the way (a burst of concurrent requests), the CRM's window, counted by arrival, never
    /// holds more than the gate's.
    /// </summary>
    internal CrmRateGate(CrmProvider provider, Func<CrmConnection, CrmRateLimits> limitsFor, TimeProvider time, bool countUntilResponse)
        : this(provider, limitsFor, time) => CountsUntilResponse = countUntilResponse;

    /// <summary>Gets a value indicating whether a request counts in the window until its response arrived (else from its send).</summary>
    internal bool CountsUntilResponse { get; }

    /// <summary>Waits until the connection may send one request; the returned lease ends it (concurrency).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The lease: dispose it when the response has arrived.</returns>
    /// <exception cref="CrmRateLimitedException">The connection is paused (daily quota) longer than a short wait.</exception>
    public ValueTask<IDisposable> AcquireAsync(CrmConnection connection, CancellationToken cancellationToken)
        => AcquireAsync(connection, countInWindow: true, cancellationToken);

    /// <summary>
    /// Waits until the connection may send one request. A request that does not count in the window (one the CRM
    /// limits apart, such as HubSpot's searches) neither takes a place in the short window nor waits for its pause; it
    /// still stops at the daily pause and takes a place of the concurrency cap.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="countInWindow">Whether the request counts in the short window.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The lease: dispose it when the response has arrived.</returns>
    /// <exception cref="CrmRateLimitedException">The connection is paused (daily quota) longer than a short wait.</exception>
    internal async ValueTask<IDisposable> AcquireAsync(CrmConnection connection, bool countInWindow, CancellationToken cancellationToken)
    {
        var budget = BudgetFor(connection);
        Sent? sent;
        while (true)
        {
            var wait = budget.TryTake(time.GetUtcNow(), CountsUntilResponse, countInWindow, out var dailyPause, out sent);
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
            try
            {
                await semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                budget.Complete(sent, time.GetUtcNow());
                throw;
            }
        }

        return sent is null && budget.Concurrency is null ? NoRelease.Instance : new Release(budget, sent, budget.Concurrency, time);
    }

    /// <summary>Corrects the budget from what the CRM reported: the window's remaining requests lower the bucket, the daily usage pauses the connection at the threshold.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="observation">What the response said.</param>
    public void Observe(CrmConnection connection, RateObservation observation) => BudgetFor(connection).Observe(observation, time.GetUtcNow());

    /// <summary>Stops sending on the connection for <paramref name="delay"/> (a 429 with Retry-After); waiting requests resume after it.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="delay">The pause.</param>
    public void PauseWindow(CrmConnection connection, TimeSpan delay)
    {
        var now = time.GetUtcNow();
        BudgetFor(connection).PauseWindow(now, now + delay);
    }

    /// <summary>
    /// Stops sending on the connection until the daily quota resets (or for <see cref="CrmRateLimits.DailyQuotaPause"/>);
    /// meanwhile <see cref="AcquireAsync(CrmConnection, CancellationToken)"/> throws <see cref="CrmRateLimitedException"/>.
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
            return new Budget(limits);
        });

    /// <summary>
    /// One connection's budget. The short window is a sliding log of the send times within the last
    /// <see cref="CrmRateLimits.Window"/>: a request goes when fewer than the window's allowance were sent in the window
    /// before it, so no rolling window ever holds more than the allowance (a token bucket of the same size and rate
    /// could let twice the allowance through in one window) and a steady stream sustains the whole allowance per window.
    /// </summary>
    private sealed class Budget
    {
        private readonly Lock _gate = new();
        private readonly List<Sent> _sent = [];
        private int _capacity;
        private DateTimeOffset? _windowPausedUntil;
        private DateTimeOffset? _dailyPausedUntil;
        private long? _dailyUsed;
        private long? _dailyMax;

        public Budget(CrmRateLimits limits)
        {
            Limits = limits;
            _capacity = limits.RequestsPerWindow ?? 0;
            Concurrency = limits.MaxConcurrentRequests is { } max ? new SemaphoreSlim(max, max) : null;
        }

        public CrmRateLimits Limits { get; }

        public SemaphoreSlim? Concurrency { get; }

        public TimeSpan TryTake(DateTimeOffset now, bool untilResponse, bool inWindow, out TimeSpan? dailyPause, out Sent? sent)
        {
            lock (_gate)
            {
                dailyPause = null;
                sent = null;
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

                if (!inWindow)
                {
                    return TimeSpan.Zero;
                }

                if (_windowPausedUntil is { } windowUntil && windowUntil > now)
                {
                    return windowUntil - now;
                }

                if (_capacity == 0)
                {
                    return TimeSpan.Zero;
                }

                Expire(now);
                if (_sent.Count < _capacity)
                {
                    sent = new Sent(untilResponse ? DateTimeOffset.MaxValue : now);
                    _sent.Add(sent);
                    return TimeSpan.Zero;
                }

                // Until the oldest sends leave the window (while every one is in flight: a share of the window, then
                // look again). Whole milliseconds, at least one: timers do not resolve finer, and a wait that rounds
                // to zero must still wait rather than pass or spin.
                var oldest = _sent.Min(e => e.At);
                var wait = oldest == DateTimeOffset.MaxValue ? Limits.Window / _capacity : oldest + Limits.Window - now;
                return TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(wait.TotalMilliseconds)));
            }
        }

        public void Observe(RateObservation observation, DateTimeOffset now)
        {
            lock (_gate)
            {
                if (observation.WindowMax is > 0 && Limits.RequestsPerWindow is not null && observation.WindowMax != _capacity)
                {
                    _capacity = Math.Min(observation.WindowMax.Value, Limits.RequestsPerWindow.Value);
                }

                if (observation.WindowRemaining is { } remaining && _capacity > 0)
                {
                    // The CRM counted more in its window than this gate sent (another client of the same budget): the
                    // difference counts as sent, spread over the window as a steady stream would be, so the allowance
                    // comes back request by request rather than all at once or only after a whole window.
                    Expire(now);
                    CountAsSent((_capacity - _sent.Count) - Math.Max(0, remaining), now);
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

        /// <summary>Ends a request counted until its response: it leaves the window a window after now.</summary>
        public void Complete(Sent? sent, DateTimeOffset now)
        {
            if (sent is null)
            {
                return;
            }

            lock (_gate)
            {
                if (sent.At == DateTimeOffset.MaxValue)
                {
                    sent.At = now;
                }
            }
        }

        public void PauseWindow(DateTimeOffset now, DateTimeOffset until)
        {
            lock (_gate)
            {
                _windowPausedUntil = _windowPausedUntil is { } current && current > until ? current : until;
                if (_capacity > 0)
                {
                    // The CRM's window is full: after the pause the allowance comes back request by request.
                    Expire(now);
                    CountAsSent(_capacity - _sent.Count, _windowPausedUntil.Value);
                }
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
                Expire(now);
                return (Math.Max(0, _capacity - _sent.Count), _dailyPausedUntil ?? _windowPausedUntil, _dailyUsed, _dailyMax);
            }
        }

        /// <summary>Counts <paramref name="count"/> sends the gate did not see, spread over the window before <paramref name="from"/>: they leave it one by one from then on.</summary>
        private void CountAsSent(int count, DateTimeOffset from)
        {
            var step = Limits.Window / _capacity;
            for (var i = 1; i <= count; i++)
            {
                _sent.Add(new Sent(from - Limits.Window + (step * i)));
            }
        }

        /// <summary>Forgets the sends that left the window (sent at or before <paramref name="now"/> minus the window).</summary>
        private void Expire(DateTimeOffset now)
        {
            var edge = now - Limits.Window;
            _sent.RemoveAll(t => t.At <= edge);
        }
    }

    /// <summary>A request in the window: when it was sent (or, counted until its response, when that arrived; <see cref="DateTimeOffset.MaxValue"/> while in flight).</summary>
    private sealed class Sent(DateTimeOffset at)
    {
        public DateTimeOffset At { get; set; } = at;
    }

    private sealed class Release(Budget budget, Sent? sent, SemaphoreSlim? semaphore, TimeProvider time) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                budget.Complete(sent, time.GetUtcNow());
                semaphore?.Release();
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
