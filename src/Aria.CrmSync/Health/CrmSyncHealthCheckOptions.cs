namespace Aria.CrmSync;

/// <summary>Options of the Aria.CrmSync health checks (<c>AddAriaCrmSyncChecks</c>).</summary>
public sealed class CrmSyncHealthCheckOptions
{
    /// <summary>Gets or sets how many dead-lettered leads (state <c>error</c>, retries used up) are tolerated before the check reports Degraded.</summary>
    /// <value>The default value is 0.</value>
    public int DeadLetterThreshold { get; set; }

    /// <summary>Gets or sets how long a verification of a user's audit chain counts: within it the check reuses the last result.</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan AuditVerificationWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets how many users' chains one check verifies at most (the registry's users, in order).</summary>
    /// <value>The default value is 100.</value>
    public int MaxAuditChainsPerCheck { get; set; } = 100;
}
