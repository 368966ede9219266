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
    /// At most two items are held: the one the consumer has and the one read ahead. The consumer never runs on top of
    /// the frames that read an item: an item read while the consumer waits resumes it on the thread pool, an item read
    /// already is handed over synchronously in the consumer's own frame. Resumed inline, the consumer would process the
    /// item on top of the source's frames (the HTTP completion, the gateway's iterators) or an iterator's here, whose
    /// stack slots keep the items they handled alive for as long as the consumer runs synchronously (a connection run's
    /// store writes do): a third change page held besides the page in hand and the page read ahead.
    /// </para>
    /// </summary>
    public static IAsyncEnumerable<T> ReadOneAheadAsync<T>(this IAsyncEnumerable<T> source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new OneAhead<T>(source, cancellationToken);
    }

    private sealed class OneAhead<T>(IAsyncEnumerable<T> source, CancellationToken cancellationToken) : IAsyncEnumerable<T>
    {
        public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken enumeratorCancellation = default)
            => new Reader<T>(source, CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, enumeratorCancellation));
    }

    /// <summary>The enumerator: the read of the next item starts when the consumer takes the current one.</summary>
    private sealed class Reader<T> : IAsyncEnumerator<T>
    {
        private static readonly Task<bool> Ended = Task.FromResult(false);

        private readonly CancellationTokenSource _stop;
        private readonly IAsyncEnumerator<T> _source;
        private Task<bool>? _next; // the read of the item after Current; null before the first call
        private T _current = default!;

        public Reader(IAsyncEnumerable<T> source, CancellationTokenSource stop)
        {
            _stop = stop;
            _source = source.GetAsyncEnumerator(stop.Token);
        }

        public T Current => _current;

        public ValueTask<bool> MoveNextAsync()
        {
            _current = default!; // the consumer is done with the item it had
            var next = _next ??= Detach(_source);
            return next.IsCompletedSuccessfully ? new ValueTask<bool>(Take(next.Result)) : new ValueTask<bool>(TakeAsync(next));
        }

        public async ValueTask DisposeAsync()
        {
            if (_next is { IsCompleted: false } inFlight)
            {
                await _stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await inFlight.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The consumer stopped before this item: its outcome (often the cancellation itself) is not wanted.
                }
            }

            _current = default!;
            await _source.DisposeAsync().ConfigureAwait(false);
            _stop.Dispose();
        }

        private async Task<bool> TakeAsync(Task<bool> next) => Take(await next.ConfigureAwait(false));

        /// <summary>Hands the item read over and starts reading the one after it.</summary>
        private bool Take(bool read)
        {
            if (!read)
            {
                _next = Ended;
                return false;
            }

            _current = _source.Current;
            _next = Detach(_source);
            return true;
        }

        /// <summary>
        /// Starts reading the next item; the task completes when it is read, its awaiter resuming on the thread pool, not
        /// inline in the source's continuation. A failure is the source's own exception (a cancellation too), as awaiting
        /// the read directly would throw it.
        /// </summary>
        private static Task<bool> Detach(IAsyncEnumerator<T> enumerator)
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
}
