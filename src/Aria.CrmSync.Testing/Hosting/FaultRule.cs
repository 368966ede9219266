namespace Aria.CrmSync.Testing;

/// <summary>Injects a fault into a share of the requests to some endpoints.</summary>
public sealed record FaultRule
{
    /// <summary>Gets the fault.</summary>
    public required FaultKind Kind { get; init; }

    /// <summary>Gets the share of matching requests that get the fault (0–1).</summary>
    /// <value>The default value is 1 (every matching request).</value>
    public double Rate { get; init; } = 1.0;

    /// <summary>
    /// Gets the endpoint key to match (as counted by <see cref="EmulatorCallLog"/>, e.g. <c>sobjects.patch</c>); a key
    /// ending in <c>*</c> matches a prefix; <see langword="null"/> matches every endpoint except authentication.
    /// </summary>
    public string? Endpoint { get; init; }

    /// <summary>Gets the delay for <see cref="FaultKind.Latency"/> and the hang for <see cref="FaultKind.Timeout"/>.</summary>
    /// <value>The default value is 200 ms.</value>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets how many more times the rule fires; <see langword="null"/> for no limit.</summary>
    public int? RemainingCount { get; init; }

    /// <summary>
    /// Gets how many matching requests pass untouched before the rule starts firing (e.g. 1 to fail the read that follows
    /// a write, not the read before it).
    /// </summary>
    /// <value>The default value is 0.</value>
    public int SkipCount { get; init; }

    /// <summary>Returns whether the rule applies to <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">The endpoint key.</param>
    /// <returns><see langword="true"/> when it matches.</returns>
    public bool Matches(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (Endpoint is null)
        {
            return !endpoint.StartsWith("oauth", StringComparison.Ordinal);
        }

        return Endpoint.EndsWith('*')
            ? endpoint.StartsWith(Endpoint[..^1], StringComparison.Ordinal)
            : string.Equals(endpoint, Endpoint, StringComparison.Ordinal);
    }
}
