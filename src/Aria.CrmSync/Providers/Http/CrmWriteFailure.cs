namespace Aria.CrmSync.Providers.Http;

/// <summary>
/// Marks a failed write call whose records were certainly not written: it failed before any write request was sent
/// (in the read that checks preconditions first), or the CRM refused its first write request without processing it
/// (<see cref="NotProcessed"/>). The sync then drops the writes it had claimed as unconfirmed; a failure without the
/// mark leaves them, since the CRM may have applied them.
/// </summary>
internal static class CrmWriteFailure
{
    private const string NotProcessedKey = "Aria.CrmSync.NotProcessed";
    private const string KnownResultsKey = "Aria.CrmSync.KnownResults";

    /// <summary>The detail (in <see cref="CrmSyncException.Details"/>, so also in the audit trail) that marks the failure.</summary>
    public const string NothingWrittenDetail = "nothing_written";

    /// <summary>Marks <paramref name="exception"/> as thrown before any of the call's writes was sent.</summary>
    public static void MarkNothingWritten(CrmSyncException exception)
        => exception.AddDetails([new KeyValuePair<string, object?>(NothingWrittenDetail, true)]);

    /// <summary>Gets a value indicating whether <paramref name="exception"/> is marked as having written nothing.</summary>
    public static bool NothingWritten(Exception exception)
        => exception is CrmSyncException crm && crm.Details.TryGetValue(NothingWrittenDetail, out var value) && value is true;

    /// <summary>
    /// Marks <paramref name="exception"/> as thrown for a request the CRM certainly did not process: it was never sent
    /// (the rate gate refused it, or the pipeline failed before any attempt went out), or its only attempt was refused
    /// with a 4xx status (a rate limit, an expired session, a malformed request). Kept in <see cref="Exception.Data"/>:
    /// it tells the gateway's write paths, not the audit trail.
    /// </summary>
    /// <typeparam name="TException">The exception type.</typeparam>
    /// <param name="exception">The exception.</param>
    /// <returns><paramref name="exception"/>.</returns>
    public static TException MarkNotProcessed<TException>(TException exception)
        where TException : Exception
    {
        exception.Data[NotProcessedKey] = true;
        return exception;
    }

    /// <summary>Gets a value indicating whether <paramref name="exception"/> was thrown for a request the CRM did not process.</summary>
    public static bool NotProcessed(Exception exception) => exception.Data[NotProcessedKey] is true;

    /// <summary>
    /// Fills the missing results of a write call stopped by <paramref name="failure"/> after some of its requests were
    /// written: the updates without a result were not written and may be retried.
    /// </summary>
    public static void FailUnwritten(IReadOnlyList<CrmRecordUpdate> updates, CrmWriteResult?[] results, CrmSyncException failure)
    {
        for (var i = 0; i < results.Length; i++)
        {
            results[i] ??= new CrmWriteResult { CrmId = updates[i].CrmId, Success = false, ErrorCode = failure.Code, ErrorMessage = failure.Message, IsTransient = true };
        }
    }

    /// <summary>
    /// Keeps, on the failure of a write call, the per-update results the call had settled before it failed: updates it
    /// refused without sending them (a failed precondition, a record gone, a stage that does not map) and updates of
    /// earlier requests that the CRM answered. The sync settles those by their result instead of guessing from a
    /// read-back: a refused update certainly wrote nothing, whatever the record shows now. Kept in
    /// <see cref="Exception.Data"/> for the engine only.
    /// </summary>
    public static void KeepKnownResults(Exception exception, CrmWriteResult?[] results)
    {
        if (Array.Exists(results, r => r is not null))
        {
            exception.Data[KnownResultsKey] = (CrmWriteResult?[])results.Clone();
        }
    }

    /// <summary>Gets the result the failed call had settled for update <paramref name="index"/>, or <see langword="null"/>.</summary>
    public static CrmWriteResult? KnownResult(Exception exception, int index)
        => exception.Data[KnownResultsKey] is CrmWriteResult?[] known && index < known.Length ? known[index] : null;
}
