namespace Aria.CrmSync;

/// <summary>
/// A status change the sync state machine does not allow (for example <c>synced → conflict</c>, or
/// <c>error → pending</c> after the maximum number of retries). Nothing was written. Code
/// <c>CRM_SYNC_INVALID_TRANSITION</c>, status 409.
/// </summary>
public class CrmSyncStateTransitionException : CrmSyncException
{
    /// <summary>The error code.</summary>
    public const string ErrorCode = "CRM_SYNC_INVALID_TRANSITION";

    /// <summary>Initializes a new instance.</summary>
    /// <param name="leadMemoryId">The lead.</param>
    /// <param name="from">The current status.</param>
    /// <param name="to">The requested status.</param>
    /// <param name="reason">Why the transition is refused.</param>
    public CrmSyncStateTransitionException(string leadMemoryId, SyncStatus from, SyncStatus to, string? reason = null)
        : base(
            $"Sync state of lead '{leadMemoryId}' cannot go from {Serialization.WireValue.Format(from)} to {Serialization.WireValue.Format(to)}{(reason is null ? string.Empty : ": " + reason)}",
            ErrorCode,
            409,
            new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["lead_id"] = leadMemoryId,
                ["from"] = Serialization.WireValue.Format(from),
                ["to"] = Serialization.WireValue.Format(to),
            },
            innerException: null)
    {
        From = from;
        To = to;
    }

    /// <summary>Gets the current status.</summary>
    public SyncStatus From { get; }

    /// <summary>Gets the requested status.</summary>
    public SyncStatus To { get; }
}
