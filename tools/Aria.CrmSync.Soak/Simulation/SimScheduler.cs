namespace Aria.CrmSync.Soak.Simulation;

/// <summary>
/// The deterministic scheduler of a simulated soak, in the spirit of FoundationDB's simulator: every worker is an
/// <see cref="SimActor"/> (an async flow in this process, not a process), every store call and every CRM request is a
/// yield point (<see cref="YieldAsync"/>), and only one flow runs at a time. When nothing can run, the scheduler picks
/// the next parked flow from the seed (after moving virtual time on a little: every step takes time), or, when every
/// flow waits for time, advances the <see cref="SimClock"/> to its next timer. A killed actor is abandoned where it
/// parked: its flows are never resumed, like a process that died there.
/// </summary>
/// <remarks>
/// Determinism needs everything else to be single-threaded too: the process runs the simulation on a thread pool of
/// one thread (<see cref="EnsureSingleThreadedPool"/>), so continuations queued to the pool (a semaphore's waiter, a
/// task run elsewhere) run in a fixed order; the scheduler decides only when no other work is queued
/// (<see cref="ThreadPool.PendingWorkItemCount"/> is 0 while the scheduler's own work item runs). Anything waiting on
/// real time instead (a real timer) is counted in <see cref="Stalls"/>: a run with stalls is not guaranteed to replay.
/// </remarks>
public sealed class SimScheduler(int seed, SimClock clock)
{
    private readonly Random _random = new(seed);
    private readonly AsyncLocal<SimActor?> _current = new();
    private readonly List<(SimActor Actor, TaskCompletionSource Turn)> _parked = [];
    private readonly List<SimActor> _actors = [];
    private TaskCompletionSource? _idle;

    /// <summary>Gets the number of scheduling decisions made so far (the step a kill or a trace line refers to).</summary>
    public long Steps { get; private set; }

    /// <summary>Gets how often nothing could run although some actor had not finished (it waited for real time).</summary>
    public long Stalls { get; private set; }

    /// <summary>Gets or sets what the driver does before each decision (expire tokens, kill a worker, start one).</summary>
    public Action? BeforeStep { get; set; }

    /// <summary>Gets the actor the calling flow belongs to (null for the driver).</summary>
    public SimActor? Current => _current.Value;

    /// <summary>Limits the thread pool to one thread (the simulation's only thread); false when the runtime refuses.</summary>
    public static bool EnsureSingleThreadedPool()
        => ThreadPool.SetMinThreads(1, 1) && ThreadPool.SetMaxThreads(1, 1) || ThreadPool.ThreadCount <= 1;

    /// <summary>Starts an actor: it parks at once, so the scheduler decides when it takes its first step.</summary>
    public SimActor Start(string name, Func<Task> body)
    {
        var actor = new SimActor(name);
        _actors.Add(actor);
        actor.Completion = RunActorAsync(actor, body);
        return actor;
    }

    /// <summary>Kills an actor: its parked flows are dropped and none of its flows passes a yield point again.</summary>
    public void Kill(SimActor actor)
    {
        actor.Dead = true;
        _parked.RemoveAll(p => p.Actor == actor);
    }

    /// <summary>A yield point: an actor's flow parks until the scheduler picks it; the driver's code passes straight through.</summary>
    public Task YieldAsync()
    {
        var actor = _current.Value;
        if (actor is null)
        {
            return Task.CompletedTask;
        }

        var turn = new TaskCompletionSource();
        if (!actor.Dead)
        {
            _parked.Add((actor, turn));
        }

        return turn.Task; // a dead actor's flow waits here for ever
    }

    /// <summary>Runs until every actor started so far (and any started on the way) has finished or was killed.</summary>
    public Task RunUntilIdleAsync()
    {
        _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post();
        return _idle.Task;
    }

    private async Task RunActorAsync(SimActor actor, Func<Task> body)
    {
        _current.Value = actor;
        await YieldAsync();
        try
        {
            await body();
        }
        catch (Exception ex)
        {
            actor.Error = ex;
        }
        finally
        {
            actor.Finished = true;
        }
    }

    private void Post() => ThreadPool.UnsafeQueueUserWorkItem(static s => ((SimScheduler)s!).Tick(), this, preferLocal: false);

    private void Tick()
    {
        if (ThreadPool.PendingWorkItemCount > 0)
        {
            Post(); // other work first: decide only when nothing else can run
            return;
        }

        BeforeStep?.Invoke();
        if (_parked.Count > 0)
        {
            Steps++;
            clock.Advance(TimeSpan.FromMilliseconds(1 + _random.Next(4))); // every step takes a little time
            if (_parked.Count > 0)
            {
                var index = _random.Next(_parked.Count);
                var (actor, turn) = _parked[index];
                _parked.RemoveAt(index);
                if (!actor.Dead)
                {
                    turn.SetResult(); // the flow runs here, inline, until it parks or waits again
                }
            }

            Post();
            return;
        }

        if (_actors.TrueForAll(a => a.Finished || a.Dead))
        {
            _actors.Clear();
            _idle?.TrySetResult();
            return;
        }

        if (clock.TryAdvanceToNextTimer())
        {
            Post();
            return;
        }

        // Some actor waits for something outside the simulation (real time): let it come back.
        Stalls++;
        _ = Task.Delay(1).ContinueWith(static (_, s) => ((SimScheduler)s!).Post(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}

/// <summary>One simulated worker process.</summary>
public sealed class SimActor(string name)
{
    public string Name { get; } = name;

    public Task Completion { get; set; } = Task.CompletedTask;

    public bool Finished { get; set; }

    public bool Dead { get; set; }

    public Exception? Error { get; set; }
}
