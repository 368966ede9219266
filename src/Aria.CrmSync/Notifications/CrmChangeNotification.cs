namespace Aria.CrmSync;

/// <summary>
/// A CRM's notice that records of a connection changed (a Salesforce change event, a HubSpot webhook): which records,
/// or — when the notice cannot name them (a gap overflow, an expired replay position) — that the connection must be
/// read incrementally; or that its activities changed. A notification carries no values: the records are read again, so an old or repeated notice can
/// never apply stale data.
/// </summary>
public sealed record CrmChangeNotification
{
    /// <summary>Gets the user whose connection changed.</summary>
    public required string UserId { get; init; }

    /// <summary>Gets the CRM.</summary>
    public required CrmProvider Provider { get; init; }

    /// <summary>Gets the ids of the changed records (empty with <see cref="RequiresIncrementalSync"/>).</summary>
    public IReadOnlyList<string> CrmIds { get; init; } = [];

    /// <summary>Gets a value indicating whether the connection must be read through its incremental change stream instead of by id.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool RequiresIncrementalSync { get; init; }

    /// <summary>
    /// Gets a value indicating whether the connection's activities changed (a Salesforce <c>Task</c> or <c>Event</c>
    /// change event, a HubSpot engagement webhook): the connection's activity feed is read from its checkpoint, as the
    /// periodic sync's activity phase reads it.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ActivitiesChanged { get; init; }

    /// <summary>Gets when the CRM committed the change, if it says (for latency measurement and logs).</summary>
    public DateTimeOffset? CommittedAt { get; init; }
}
