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
    /// <para>
    /// The consumer never runs inside the source's own continuation: a read that completes while the consumer waits
    /// for it resumes the consumer on the thread pool (<see cref="Detach{T}"/>). Resumed inline, the consumer would process
    /// the item on top of the source's frames (the HTTP completion, the gateway's iterators), whose stack slots keep
    /// the item they had just read and the one before alive for as long as the consumer runs synchronously (a connection
    /// run's store writes do): a third change page held besides the page in hand and the page read ahead.
    /// </para>
    /// </summary>
    public static async IAsyncEnumerable<T> ReadOneAheadAsync<T>(this IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var enumerator = source.GetAsyncEnumerator(stop.Token);
        var pending = Detach(enumerator);
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
                pending = Detach(enumerator);
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

    /// <summary>
    /// Starts reading the next item; the task completes when it is read, its awaiter resuming on the thread pool, not
    /// inline in the source's continuation. A failure is the source's own exception (a cancellation too), as awaiting
    /// the read directly would throw it.
    /// </summary>
    private static Task<bool> Detach<T>(IAsyncEnumerator<T> enumerator)
    {
        var next = enumerator.MoveNextAsync();
        if (next.IsCompleted)
        {
            return next.AsTask(); // read already: awaiting it does not run inside the source
        }

        var read = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = ForwardAsync(next, read);
        return read.Task;
    }

    private static async Task ForwardAsync(ValueTask<bool> next, TaskCompletionSource<bool> read)
    {
        try
        {
            read.SetResult(await next.ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            read.SetException(ex);
        }
    }
}
