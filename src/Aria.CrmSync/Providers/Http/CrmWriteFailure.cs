using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;

namespace Aria.CrmSync.Gateways.Http;

/// <summary>
/// The write outcome of failed requests and write calls (<see cref="CrmSyncException.WriteOutcome"/>). A request the
/// CRM certainly did not process — never sent (the rate gate refused it, the pipeline failed before any attempt went
/// out), or its only attempt refused with a 4xx status — fails with <see cref="CrmWriteOutcome.NothingWritten"/>
/// (<see cref="NotProcessed"/>). A write call keeps that outcome only while none of its writes went out: the gateways'
/// write paths report later refusals per record (<see cref="FailUnwritten"/>) and mark a failure of the reads before
/// their first write (<see cref="RethrowNothingWritten"/>). The sync then drops the writes it had claimed as unconfirmed;
/// any other failure leaves them, since the CRM may have applied them.
/// </summary>
/// <remarks>
/// The classification a gateway reports: <see cref="CrmWriteOutcome.Written"/> for a write the CRM confirmed,
/// <see cref="CrmWriteOutcome.NothingWritten"/> when the CRM certainly applied nothing (refused before or at its only
/// attempt), <see cref="CrmWriteOutcome.Unknown"/> otherwise (a timeout after the request went out): the engine reads
/// the record back before it decides.
/// </remarks>
public static class CrmWriteFailure
{
    private const string KnownResultsKey = "Aria.CrmSync.KnownResults";

    /// <summary>Gets a value indicating whether <paramref name="exception"/> failed a call (or request) that certainly wrote nothing.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when its <see cref="CrmSyncException.WriteOutcome"/> is <see cref="CrmWriteOutcome.NothingWritten"/>.</returns>
    public static bool NothingWritten(Exception exception)
        => exception is CrmSyncException { WriteOutcome: CrmWriteOutcome.NothingWritten };

    /// <summary>Gets a value indicating whether <paramref name="exception"/> was thrown for a request the CRM did not process (the same test as <see cref="NothingWritten"/>).</summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when the request was not processed.</returns>
    public static bool NotProcessed(Exception exception) => NothingWritten(exception);

    /// <summary>Returns a copy of a not yet thrown <paramref name="exception"/> that says the request was not processed.</summary>
    /// <typeparam name="TException">The exception type.</typeparam>
    /// <param name="exception">The exception.</param>
    /// <returns>The copy.</returns>
    public static TException MarkNotProcessed<TException>(TException exception)
        where TException : CrmSyncException
        => (TException)exception.WithWriteOutcome(CrmWriteOutcome.NothingWritten);

    /// <summary>
    /// Throws a copy of the caught <paramref name="exception"/> that says nothing was written, keeping its stack trace.
    /// Never returns; typed so that callers write <c>throw CrmWriteFailure.RethrowNothingWritten(ex);</c>.
    /// </summary>
    /// <param name="exception">The caught failure.</param>
    /// <returns>Never returns.</returns>
    [DoesNotReturn]
    public static Exception RethrowNothingWritten(CrmSyncException exception)
    {
        ExceptionDispatchInfo.Throw(exception.WithWriteOutcome(CrmWriteOutcome.NothingWritten));
        return exception; // not reached
    }

    /// <summary>Returns a copy of a not yet thrown <paramref name="exception"/> with <paramref name="details"/> added.</summary>
    /// <typeparam name="TException">The exception type.</typeparam>
    /// <param name="exception">The exception.</param>
    /// <param name="details">Non-secret details (for example a broker's request id).</param>
    /// <returns>The copy.</returns>
    public static TException WithDetails<TException>(TException exception, IEnumerable<KeyValuePair<string, object?>> details)
        where TException : CrmSyncException
        => (TException)exception.WithDetails(details);

    /// <summary>
    /// Fills the missing results of a write call stopped by <paramref name="failure"/> after some of its requests were
    /// written: the updates without a result were not written and may be retried.
    /// </summary>
    /// <param name="updates">The call's updates.</param>
    /// <param name="results">The results so far, in request order; the missing ones are filled.</param>
    /// <param name="failure">The failure that stopped the call.</param>
    public static void FailUnwritten(IReadOnlyList<CrmRecordUpdate> updates, CrmWriteResult?[] results, CrmSyncException failure)
    {
        for (var i = 0; i < results.Length; i++)
        {
            results[i] ??= new CrmWriteResult { CrmId = updates[i].CrmId, Success = false, ErrorCode = failure.Code, ErrorMessage = failure.Message, IsTransient = true, Outcome = CrmWriteOutcome.NothingWritten };
        }
    }

    /// <summary>
    /// Keeps, on the failure of a write call, the per-update results the call had settled before it failed: updates it
    /// refused without sending them (a failed precondition, a record gone, a stage that does not map) and updates of
    /// earlier requests that the CRM answered. The sync settles those by their result instead of guessing from a
    /// read-back: a refused update certainly wrote nothing, whatever the record shows now. Kept in
    /// <see cref="Exception.Data"/>, a channel from the gateways to the engine only (not the audit trail); the results
    /// are a copy taken as the failure propagates, before anyone else sees the exception.
    /// </summary>
    /// <param name="exception">The failure of the write call, before it leaves the gateway.</param>
    /// <param name="results">The results settled so far, in request order (<see langword="null"/> for an update without one).</param>
    public static void KeepKnownResults(Exception exception, CrmWriteResult?[] results)
    {
        if (Array.Exists(results, r => r is not null))
        {
            exception.Data[KnownResultsKey] = (CrmWriteResult?[])results.Clone();
        }
    }

    /// <summary>Gets the result the failed call had settled for update <paramref name="index"/>, or <see langword="null"/>.</summary>
    /// <param name="exception">The failure of the write call.</param>
    /// <param name="index">The update's index in the call.</param>
    /// <returns>The settled result, or <see langword="null"/>.</returns>
    public static CrmWriteResult? KnownResult(Exception exception, int index)
        => exception.Data[KnownResultsKey] is CrmWriteResult?[] known && index < known.Length ? known[index] : null;
}
