namespace Aria.CrmSync;

/// <summary>
/// What a CRM write left in the CRM: carried by each <see cref="CrmWriteResult"/> and by the
/// <see cref="CrmSyncException.WriteOutcome"/> of a failed write call (see <see cref="ICrmGateway"/>).
/// </summary>
/// <remarks>
/// The engine relies on it to keep or drop the writes it claimed before the call: <see cref="NothingWritten"/> drops
/// them (the next sync compares against the last agreement again), <see cref="Unknown"/> makes it read the records back
/// and settle each write by what the record shows.
/// </remarks>
public enum CrmWriteOutcome
{
    /// <summary>The CRM may or may not have applied the write (for example the connection dropped after the request was sent).</summary>
    Unknown = 0,

    /// <summary>The CRM applied the write.</summary>
    Written = 1,

    /// <summary>
    /// The CRM certainly did not apply the write: it was refused without being processed, or the call failed before the
    /// write request was sent.
    /// </summary>
    NothingWritten = 2,
}
