namespace Aria.CrmSync;

/// <summary>
/// A store (SQLite, PostgreSQL) failed to carry out an operation: the database was unreachable, timed out, refused the
/// statement or reported a constraint violation. The driver's exception is the <see cref="Exception.InnerException"/>;
/// nothing of the operation was written. Code <c>CRM_SYNC_STORE</c>, status 503 (409 for a constraint violation such as
/// a duplicate id).
/// </summary>
public class CrmSyncStoreException : CrmSyncException
{
    /// <summary>The error code.</summary>
    public const string ErrorCode = "CRM_SYNC_STORE";

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="store">The store and operation, for example <c>postgresql audit append</c>.</param>
    /// <param name="isConstraintViolation">Whether the database refused the write because of a unique or check constraint.</param>
    /// <param name="innerException">The driver's exception.</param>
    public CrmSyncStoreException(string message, string store, bool isConstraintViolation, Exception? innerException)
        : base(
            $"{message} ({store})",
            ErrorCode,
            isConstraintViolation ? 409 : 503,
            new Dictionary<string, object?>(StringComparer.Ordinal) { ["store"] = store, ["constraint_violation"] = isConstraintViolation },
            innerException)
    {
        Store = store;
        IsConstraintViolation = isConstraintViolation;
    }

    /// <summary>Gets the store and operation that failed.</summary>
    public string Store { get; }

    /// <summary>Gets a value indicating whether the database refused the write because of a constraint (retrying the same write fails again).</summary>
    public bool IsConstraintViolation { get; }
}
