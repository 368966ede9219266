namespace Aria.CrmSync;

/// <summary>
/// The request budget of one CRM connection, as the provider documents it. The gateway stays under it instead of
/// collecting rate-limit errors, and corrects it live from the provider's rate-limit headers.
/// </summary>
public sealed class CrmRateLimits
{
    /// <summary>Gets or sets how many requests a rolling window allows; <see langword="null"/> for no short-window limit.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public int? RequestsPerWindow { get; set; }

    /// <summary>Gets or sets the rolling window of <see cref="RequestsPerWindow"/>.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how many requests may be in flight at once; <see langword="null"/> for no cap.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public int? MaxConcurrentRequests { get; set; }

    /// <summary>
    /// Gets or sets the share of the daily allocation after which the connection pauses (leaving the rest to other
    /// integrations of the org or portal), between 0.1 and 1.
    /// </summary>
    /// <value>The default value is 0.9.</value>
    public double DailyQuotaThreshold { get; set; } = 0.9;

    /// <summary>Gets or sets how long a connection pauses when its daily quota is exhausted and the CRM did not say when it resets.</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan DailyQuotaPause { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Throws when the limits are not usable.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (RequestsPerWindow is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(RequestsPerWindow), RequestsPerWindow, "Must be at least 1.");
        }

        if (Window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Window), Window, "Must be positive.");
        }

        if (MaxConcurrentRequests is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentRequests), MaxConcurrentRequests, "Must be at least 1.");
        }

        if (DailyQuotaThreshold is < 0.1 or > 1.0)
        {
            throw new ArgumentOutOfRangeException(nameof(DailyQuotaThreshold), DailyQuotaThreshold, "Must be between 0.1 and 1.");
        }

        if (DailyQuotaPause <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DailyQuotaPause), DailyQuotaPause, "Must be positive.");
        }
    }
}
