using System.Runtime.CompilerServices;

namespace Aria.CrmSync.Sync;

/// <summary>Reading a paged stream one page ahead of its consumer.</summary>
internal static class ReadAhead
{
    /// <summary>
    /// Yields the items of <paramref name="source"/> while the next one is already being read: a CRM change stream's next
    /// page is fetched (and waits for its rate budget) while the current page is merged and written, so a connection sync
    /// is bound by the slower of the two rather than their sum. Items come in the same order, and a failure to read an item
    /// surfaces where that item would have been yielded, after every earlier item was processed. When the consumer stops
    /// early, the read in flight is cancelled and awaited before the source is disposed.
    /// </summary>
    public static async IAsyncEnumerable<T> ReadOneAheadAsync<T>(this IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var enumerator = source.GetAsyncEnumerator(stop.Token);
        var pending = enumerator.MoveNextAsync();
        var inFlight = true;
        try
        {
            while (true)
            {
                inFlight = false;
                if (!await pending.ConfigureAwait(false))
                {
                    yield break;
                }

                var current = enumerator.Current;
                pending = enumerator.MoveNextAsync();
                inFlight = true;
                yield return current;
            }
        }
        finally
        {
            if (inFlight)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await pending.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The consumer stopped before this item: its outcome (often the cancellation itself) is not wanted.
                }
            }

            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
