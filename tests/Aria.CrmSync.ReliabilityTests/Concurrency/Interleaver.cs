namespace Aria.CrmSync.ReliabilityTests.Concurrency;

/// <summary>
/// A seeded cooperative scheduler for systematic exploration of interleavings. Each actor runs until it reaches a yield
/// point (every call into a store or the CRM, through the wrappers below); when no actor is running, the scheduler picks
/// the next one to continue from the seed. Only one actor runs at a time, so a seed fixes the interleaving (at call
/// granularity) and a failing seed can be replayed. Code outside the actors (set-up, checks) is not controlled.
/// </summary>
internal sealed class Interleaver(int seed)
{
    private readonly AsyncLocal<int?> _actor = new();
    private readonly Lock _gate = new();
    private readonly Random _random = new(seed);
    private readonly List<TaskCompletionSource> _waiting = [];
    private int _running;

    /// <summary>Gets how many scheduling decisions were made (a measure of the interleaving's length).</summary>
    public int Decisions { get; private set; }

    /// <summary>Runs the actors to completion under the scheduler; returns each actor's exception, if any.</summary>
    public async Task<Exception?[]> RunAsync(TimeSpan timeout, params Func<Task>[] actors)
    {
        var errors = new Exception?[actors.Length];
        var tasks = new Task[actors.Length];
        lock (_gate)
        {
            _running = actors.Length; // each actor first waits at the gate
        }

        for (var i = 0; i < actors.Length; i++)
        {
            var index = i;
            tasks[i] = Task.Run(async () =>
            {
                _actor.Value = index;
                try
                {
                    await YieldAsync();
                    await actors[index]();
                }
                catch (Exception ex)
                {
                    errors[index] = ex;
                }
                finally
                {
                    Finished();
                }
            });
        }

        var all = Task.WhenAll(tasks);
        if (await Task.WhenAny(all, Task.Delay(timeout)) != all)
        {
            throw new TimeoutException($"Interleaving with seed {seed} did not finish within {timeout} (deadlock?).");
        }

        return errors;
    }

    /// <summary>A yield point: an actor waits here until the scheduler picks it; other code passes straight through.</summary>
    public Task YieldAsync()
    {
        if (_actor.Value is null)
        {
            return Task.CompletedTask;
        }

        var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiting.Add(turn);
            _running--;
            if (_running == 0)
            {
                ReleaseOne();
            }
        }

        return turn.Task;
    }

    private void Finished()
    {
        lock (_gate)
        {
            _running--;
            if (_running == 0 && _waiting.Count > 0)
            {
                ReleaseOne();
            }
        }
    }

    private void ReleaseOne()
    {
        var index = _random.Next(_waiting.Count);
        var next = _waiting[index];
        _waiting.RemoveAt(index);
        _running++;
        Decisions++;
        next.SetResult();
    }
}
