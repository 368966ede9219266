namespace Aria.CrmSync.Providers.Http;

/// <summary>
/// Marks a failed write call whose records were certainly not written: it failed before any write request was sent
/// (in the read that checks preconditions first). The sync then drops the writes it had claimed as unconfirmed; a
/// failure without the mark leaves them, since the CRM may have applied them.
/// </summary>
internal static class CrmWriteFailure
{
    /// <summary>The detail (in <see cref="CrmSyncException.Details"/>, so also in the audit trail) that marks the failure.</summary>
    public const string NothingWrittenDetail = "nothing_written";

    /// <summary>Marks <paramref name="exception"/> as thrown before any of the call's writes was sent.</summary>
    public static void MarkNothingWritten(CrmSyncException exception)
        => exception.AddDetails([new KeyValuePair<string, object?>(NothingWrittenDetail, true)]);

    /// <summary>Gets a value indicating whether <paramref name="exception"/> is marked as having written nothing.</summary>
    public static bool NothingWritten(Exception exception)
        => exception is CrmSyncException crm && crm.Details.TryGetValue(NothingWrittenDetail, out var value) && value is true;
}
