namespace Aria.CrmSync;

/// <summary>Options of the background sync worker added by <c>AddSyncWorker</c>.</summary>
public sealed class CrmSyncWorkerOptions
{
    /// <summary>Gets or sets the pause between two passes.</summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets connections synced on every pass in addition to the <see cref="ICrmConnectionRegistry"/>'s (user id and CRM):
    /// a static list for hosts that need no registry.
    /// </summary>
    public IList<(string UserId, CrmProvider Provider)> Connections { get; } = [];

    /// <summary>Gets or sets the options of each connection sync.</summary>
    public ConnectionSyncOptions ConnectionSync { get; set; } = new();

    /// <summary>Gets or sets a value indicating whether each pass also runs the per-lead retries that are due.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ProcessRetries { get; set; } = true;

    /// <summary>Gets or sets how many due leads one pass retries at most.</summary>
    /// <value>The default value is 500.</value>
    public int MaxRetriesPerPass { get; set; } = 500;

    /// <summary>
    /// Gets or sets fleet scheduling: when set, the worker claims due connections from the store's
    /// <see cref="ICrmConnectionScheduler"/> (shared by every host process on the database) instead of syncing the
    /// whole registry on every pass; <see cref="Interval"/> is then each connection's sync interval, and
    /// <see cref="Connections"/> must be empty (register them instead).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: every pass syncs every due connection of the registry.</value>
    public CrmFleetOptions? Fleet { get; set; }
}
