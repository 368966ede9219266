namespace Aria.CrmSync;

/// <summary>
/// Fleet scheduling of the sync worker (<see cref="CrmSyncWorkerOptions.Fleet"/>): any number of host processes on one
/// database share the registry's connections through <see cref="ICrmConnectionScheduler"/> (the SQLite and PostgreSQL
/// stores; SQLite serves one process). Each connection is due every <see cref="CrmSyncWorkerOptions.Interval"/> plus a
/// random jitter; a process claims due connections (longest-overdue first, at most
/// <see cref="MaxConcurrentPerTenant"/> per tenant across the fleet, at most <see cref="MaxConcurrentConnections"/> in
/// this process) with a lease of <see cref="LeaseTtl"/> that a heartbeat renews every <see cref="HeartbeatInterval"/>
/// and a clean stop releases. A crashed process's connections are claimed by another once their leases expire, and its
/// note claims (<see cref="CrmSyncOptions.NoteClaimDuration"/>, capped at <see cref="LeaseTtl"/> in fleet mode) expire
/// as fast.
/// </summary>
public sealed class CrmFleetOptions
{
    /// <summary>Gets or sets how long a connection lease (and a note claim) lasts without a heartbeat.</summary>
    /// <value>The default value is 30 seconds. It must exceed the slowest single note delivery and the slowest page.</value>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how often this process renews its leases.</summary>
    /// <value>The default value is 10 seconds (a third of <see cref="LeaseTtl"/>).</value>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how often this process looks for due connections while it has a free slot.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many connections this process syncs at once.</summary>
    /// <value>The default value is 8.</value>
    public int MaxConcurrentConnections { get; set; } = 8;

    /// <summary>Gets or sets how many connections of one tenant (<see cref="ICrmConnectionScheduler.SetTenantAsync"/>) run at once across the fleet.</summary>
    /// <value>The default value is 2.</value>
    public int MaxConcurrentPerTenant { get; set; } = 2;

    /// <summary>Gets or sets the random delay added to each next due time, as a fraction of the interval (spreads the load).</summary>
    /// <value>The default value is 0.1.</value>
    public double Jitter { get; set; } = 0.1;

    /// <summary>Gets or sets this process's id in the leases; <see langword="null"/>: machine name, process id and a random suffix.</summary>
    public string? WorkerId { get; set; }

    /// <summary>Returns the problems of the options (empty when usable).</summary>
    internal IEnumerable<string> Problems()
    {
        if (LeaseTtl < TimeSpan.FromSeconds(1))
        {
            yield return "Fleet.LeaseTtl must be at least 1 second.";
        }

        if (HeartbeatInterval <= TimeSpan.Zero || HeartbeatInterval * 2 > LeaseTtl)
        {
            yield return "Fleet.HeartbeatInterval must be positive and at most half of Fleet.LeaseTtl.";
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            yield return "Fleet.PollInterval must be positive.";
        }

        if (MaxConcurrentConnections < 1 || MaxConcurrentPerTenant < 1)
        {
            yield return "Fleet.MaxConcurrentConnections and Fleet.MaxConcurrentPerTenant must be at least 1.";
        }

        if (Jitter is < 0 or > 1 || double.IsNaN(Jitter))
        {
            yield return "Fleet.Jitter must be between 0 and 1.";
        }

        if (WorkerId is not null && string.IsNullOrWhiteSpace(WorkerId))
        {
            yield return "Fleet.WorkerId must not be blank.";
        }
    }
}
