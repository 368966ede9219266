namespace Aria.CrmSync;

/// <summary>Filters for listing sync states (all optional; combined with AND).</summary>
public sealed record SyncStateQuery
{
    /// <summary>Gets the user filter.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the CRM filter.</summary>
    public CrmProvider? Provider { get; init; }

    /// <summary>Gets the statuses to include; empty for all.</summary>
    public IReadOnlyCollection<SyncStatus> Statuses { get; init; } = [];

    /// <summary>Gets an upper bound on <see cref="CrmSyncState.NextAttemptAt"/> (due attempts); states without a scheduled attempt are excluded when set.</summary>
    public DateTimeOffset? DueBefore { get; init; }

    /// <summary>Gets an exclusive upper bound on <see cref="CrmSyncState.RetryCount"/>.</summary>
    public int? RetryCountBelow { get; init; }

    /// <summary>Gets the maximum number of states to return; <see langword="null"/> for all.</summary>
    public int? Limit { get; init; }

    /// <summary>Returns whether <paramref name="state"/> matches the filters.</summary>
    /// <param name="state">The state.</param>
    /// <returns><see langword="true"/> when every set filter matches.</returns>
    public bool Matches(CrmSyncState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return (UserId is null || state.UserId == UserId)
            && (Provider is null || state.Provider == Provider)
            && (Statuses.Count == 0 || Statuses.Contains(state.Status))
            && (DueBefore is null || (state.NextAttemptAt is { } due && due <= DueBefore))
            && (RetryCountBelow is null || state.RetryCount < RetryCountBelow);
    }
}
