namespace Aria.CrmSync;

/// <summary>
/// A write was based on a stale version (another writer changed the record first). Nothing was written;
/// re-read and try again. Code <c>CRM_SYNC_CONCURRENCY</c>, status 409.
/// </summary>
public class CrmSyncConcurrencyException : CrmSyncException
{
    /// <summary>The error code.</summary>
    public const string ErrorCode = "CRM_SYNC_CONCURRENCY";

    /// <summary>Initializes a new instance.</summary>
    /// <param name="resource">What was written, for example <c>CRM sync state</c>.</param>
    /// <param name="resourceId">Its id.</param>
    /// <param name="expectedVersion">The version the writer read.</param>
    /// <param name="actualVersion">The stored version, when known.</param>
    public CrmSyncConcurrencyException(string resource, string resourceId, long expectedVersion, long? actualVersion)
        : base(
            $"{resource} '{resourceId}' was changed by another writer (expected version {expectedVersion}, found {(actualVersion is { } a ? a.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")})",
            ErrorCode,
            409,
            new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["resource"] = resource,
                ["resource_id"] = resourceId,
                ["expected_version"] = expectedVersion,
                ["actual_version"] = actualVersion,
            },
            innerException: null)
    {
        ResourceId = resourceId;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>Gets the id of what was written.</summary>
    public string ResourceId { get; }

    /// <summary>Gets the version the writer read.</summary>
    public long ExpectedVersion { get; }

    /// <summary>Gets the stored version, when known.</summary>
    public long? ActualVersion { get; }
}
