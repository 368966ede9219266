using System.Runtime.CompilerServices;
using Aria.CrmSync.Sync;

namespace Aria.CrmSync.Tests.Sync;

public sealed class ReadAheadTests
{
    [Fact]
    public async Task TheNextItemIsBeingReadWhileTheCurrentOneIsProcessed_InTheSameOrder()
    {
        var source = new GatedSource(3);
        var seen = new List<int>();
        await foreach (var item in source.ReadAsync().ReadOneAheadAsync())
        {
            seen.Add(item);
            if (item < 3)
            {
                // The consumer is still on this item; the read of the next has begun (it would deadlock otherwise).
                await source.Started[item].Task.WaitAsync(TimeSpan.FromSeconds(10));
                source.Release[item].SetResult();
            }
        }

        Assert.Equal([1, 2, 3], seen);
        Assert.True(source.Disposed);
    }

    [Fact]
    public async Task AFailedReadSurfacesAfterTheItemsBeforeIt()
    {
        var seen = new List<int>();
        var error = await Assert.ThrowsAsync<CrmConnectionException>(async () =>
        {
            await foreach (var item in FailsAfter(2).ReadOneAheadAsync())
            {
                seen.Add(item);
            }
        });

        Assert.Equal([1, 2], seen);
        Assert.Equal(CrmProvider.HubSpot, error.Provider);
    }

    [Fact]
    public async Task StoppingEarly_CancelsTheReadInFlightAndDisposesTheSource()
    {
        var source = new GatedSource(5);
        await foreach (var item in source.ReadAsync().ReadOneAheadAsync())
        {
            await source.Started[item].Task.WaitAsync(TimeSpan.FromSeconds(10));
            break; // the read of item 2 is in flight, waiting on its gate
        }

        Assert.True(source.CancelledWhileReading);
        Assert.True(source.Disposed);
    }

    [Fact]
    public async Task AnItemReadWhileTheConsumerWaits_ResumesTheConsumerOutsideTheSourcesContinuation()
    {
        // The consumer must not run on top of the source's frames (they keep the items they read alive while it works).
        var gate = new TaskCompletionSource(); // continuations inline: the source resumes inside SetResult
        await using var items = SourceGatedAfterFirst(gate).ReadOneAheadAsync().GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync());
        var next = items.MoveNextAsync(); // the consumer waits: item 2 is not read yet
        Assert.False(next.IsCompleted);
        var resumedInside = next.AsTask().ContinueWith(_ => _releasing, TaskContinuationOptions.ExecuteSynchronously);

        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null); // as on the thread completing an HTTP read: continuations run inline
        _releasing = true;
        try
        {
            gate.SetResult(); // item 2 is read here, on this thread
        }
        finally
        {
            _releasing = false;
            SynchronizationContext.SetSynchronizationContext(context);
        }

        Assert.False(await resumedInside.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, items.Current);
        Assert.False(await items.MoveNextAsync());
    }

    [ThreadStatic]
    private static bool _releasing;

    private static async IAsyncEnumerable<int> SourceGatedAfterFirst(TaskCompletionSource gate)
    {
        yield return 1;
        await gate.Task.ConfigureAwait(false);
        yield return 2;
    }

    private static async IAsyncEnumerable<int> FailsAfter(int count)
    {
        for (var i = 1; i <= count; i++)
        {
            await Task.Yield();
            yield return i;
        }

        await Task.Yield();
        throw new CrmConnectionException(CrmProvider.HubSpot, "unreachable");
    }

    /// <summary>A source whose item i+1 can only be read once item i was released by the consumer.</summary>
    private sealed class GatedSource(int count)
    {
        public Dictionary<int, TaskCompletionSource> Started { get; } = Enumerable.Range(1, count).ToDictionary(i => i, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public Dictionary<int, TaskCompletionSource> Release { get; } = Enumerable.Range(1, count).ToDictionary(i => i, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public bool Disposed { get; private set; }

        public bool CancelledWhileReading { get; private set; }

        public async IAsyncEnumerable<int> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            try
            {
                yield return 1;
                for (var i = 2; i <= count; i++)
                {
                    Started[i - 1].SetResult(); // the read of item i begins
                    try
                    {
                        await Release[i - 1].Task.WaitAsync(cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        CancelledWhileReading = true;
                        throw;
                    }

                    yield return i;
                }
            }
            finally
            {
                Disposed = true;
            }
        }
    }
}
