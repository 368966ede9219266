namespace Aria.CrmSync.Testing;

/// <summary>
/// Decides, reproducibly from a seed, which requests get which fault. Rules are evaluated in the order added; the
/// first that fires wins. Thread-safe.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];
    private readonly Dictionary<FaultKind, long> _injected = [];
    private Random _random;

    /// <summary>Initializes a new instance of the <see cref="FaultInjector"/> class.</summary>
    /// <param name="seed">The random seed: the same seed and request sequence give the same faults.</param>
    public FaultInjector(int seed = 1)
    {
        Seed = seed;
        _random = new Random(seed);
    }

    /// <summary>Gets the seed.</summary>
    public int Seed { get; private set; }

    /// <summary>Gets a value indicating whether fault injection is suspended (e.g. while a test seeds data).</summary>
    public bool Suspended { get; private set; }

    /// <summary>Gets how many faults of each kind were injected.</summary>
    public IReadOnlyDictionary<FaultKind, long> Injected
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<FaultKind, long>(_injected);
            }
        }
    }

    /// <summary>Gets the total number of faults injected.</summary>
    public long TotalInjected
    {
        get
        {
            lock (_gate)
            {
                return _injected.Values.Sum();
            }
        }
    }

    /// <summary>Adds a rule.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>This injector.</returns>
    public FaultInjector Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Rate is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rule), rule.Rate, "Rate must be between 0 and 1.");
        }

        lock (_gate)
        {
            _rules.Add(rule);
        }

        return this;
    }

    /// <summary>Injects <paramref name="kind"/> into the next <paramref name="count"/> requests to <paramref name="endpoint"/>.</summary>
    /// <param name="kind">The fault.</param>
    /// <param name="endpoint">The endpoint key (or prefix ending in <c>*</c>); <see langword="null"/> for any.</param>
    /// <param name="count">How many requests.</param>
    /// <returns>This injector.</returns>
    public FaultInjector FailNext(FaultKind kind, string? endpoint = null, int count = 1)
        => Add(new FaultRule { Kind = kind, Endpoint = endpoint, RemainingCount = count });

    /// <summary>Removes every rule and restarts the random sequence from <paramref name="seed"/> (or the current seed).</summary>
    /// <param name="seed">A new seed, if any.</param>
    public void Reset(int? seed = null)
    {
        lock (_gate)
        {
            _rules.Clear();
            _injected.Clear();
            Seed = seed ?? Seed;
            _random = new Random(Seed);
        }
    }

    /// <summary>Suspends injection until the returned scope is disposed.</summary>
    /// <returns>The scope.</returns>
    public IDisposable Suspend()
    {
        Suspended = true;
        return new SuspendScope(this);
    }

    /// <summary>Picks the fault for a request to <paramref name="endpoint"/>, if any.</summary>
    /// <param name="endpoint">The endpoint key.</param>
    /// <returns>The rule that fired, or <see langword="null"/>.</returns>
    public FaultRule? Decide(string endpoint)
    {
        if (Suspended)
        {
            return null;
        }

        lock (_gate)
        {
            for (var i = 0; i < _rules.Count; i++)
            {
                var rule = _rules[i];
                if (!rule.Matches(endpoint))
                {
                    continue;
                }

                if (rule.SkipCount > 0)
                {
                    _rules[i] = rule with { SkipCount = rule.SkipCount - 1 };
                    continue;
                }

                if (rule.Rate < 1.0 && _random.NextDouble() >= rule.Rate)
                {
                    continue;
                }

                if (rule.RemainingCount is { } remaining)
                {
                    if (remaining <= 1)
                    {
                        _rules.RemoveAt(i);
                    }
                    else
                    {
                        _rules[i] = rule with { RemainingCount = remaining - 1 };
                    }
                }

                _injected[rule.Kind] = _injected.GetValueOrDefault(rule.Kind) + 1;
                return rule;
            }
        }

        return null;
    }

    /// <summary>Returns a reproducible random cut point for a truncated body.</summary>
    /// <param name="length">The body length.</param>
    /// <returns>The number of bytes to keep.</returns>
    internal int CutPoint(int length)
    {
        lock (_gate)
        {
            return length <= 1 ? 0 : _random.Next(1, length);
        }
    }

    private sealed class SuspendScope(FaultInjector owner) : IDisposable
    {
        public void Dispose() => owner.Suspended = false;
    }
}
