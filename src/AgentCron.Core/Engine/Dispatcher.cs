using AgentCron.Core.Ports;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// Claims queued runs under a lease, up to the concurrency limit, and starts each attempt on the
/// <see cref="AttemptExecutor"/>; sleeps until the next run becomes due or an attempt ends. <see cref="DrainAsync"/> stops
/// the claiming and winds down the attempts in flight.
/// </summary>
public sealed class Dispatcher(
    IAgentCronStore store,
    RunningAttempts attempts,
    AttemptExecutor executor,
    ResultWriter results,
    SchedulerOptions options,
    TimeProvider time,
    ILogger logger,
    EngineHealth health) : IDisposable
{
    private readonly WakeSignal _wake = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _draining;
    private bool _lastClaimFull;

    public void Wake() => _wake.Set();

    /// <summary>
    /// Slots for new attempts. <see cref="SchedulerOptions.MaxConcurrentRuns"/> bounds the agents running at once: an
    /// attempt whose agent has ended gives its slot up while its result is written, so the next claim does not wait for
    /// that write (and, on SQLite, shares its commit). Results being written are bounded too, at four per slot: a store
    /// that takes claims but refuses results does not get run after run claimed.
    /// </summary>
    private int Free => Math.Min(options.MaxConcurrentRuns - attempts.Executing, 4 * options.MaxConcurrentRuns - attempts.Count);

    /// <summary>Claims what is due and free slots allow, and starts it. Returns how many runs were started.</summary>
    public Task<int> DispatchOnceAsync(CancellationToken cancellationToken) => DispatchAsync(time.GetUtcNow(), cancellationToken);

    public Task RunAsync(CancellationToken cancellationToken) => EngineLoop.RunAsync(
        "dispatcher",
        _wake,
        async token =>
        {
            // One instant for the whole pass: a run that becomes due while the pass talks to the store is found by the
            // second look (due after `now`) rather than mistaken for a blocked one, which would sleep the idle time.
            var now = time.GetUtcNow();
            if (await DispatchAsync(now, token) > 0 && _lastClaimFull)
            {
                return TimeSpan.Zero;
            }

            // Runs due at `now` but not claimed are blocked by a running sibling or by the limit: an attempt's end wakes
            // us. Otherwise sleep until the next run that becomes due (a retry's backoff, a jittered start).
            return Free > 0 && await store.Runs.NextQueuedAtAsync(now, token) is { } next
                ? EngineLoop.Until(next, time, options.MaxIdle)
                : options.MaxIdle;
        },
        TimeSpan.FromSeconds(1),
        time,
        health,
        logger,
        cancellationToken);

    /// <summary>
    /// Stops claiming; waits up to <paramref name="grace"/> for running agents and for results still being written; then
    /// kills the agents left, which hands their runs back to the queue, and gives each result not yet written one last try.
    /// </summary>
    public async Task DrainAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        // The gate lets the drain wait for a claim in flight, so no attempt starts after it has begun.
        await _gate.WaitAsync(CancellationToken.None);
        _draining = true;
        _gate.Release();

        var all = Task.WhenAll(attempts.All.Select(a => a.Completion));
        if (all.IsCompleted)
        {
            return;
        }

        logger.LogInformation("Waiting up to {Grace} for {Count} running agents", grace, attempts.Count);
        await Task.WhenAny(all, Task.Delay(grace, time, cancellationToken));
        foreach (var attempt in attempts.All.Where(a => !a.Finishing))
        {
            attempt.Stop(StopReason.Shutdown);
        }

        await results.GiveUpAsync();
        await Task.WhenAll(attempts.All.Select(a => a.Completion));
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Claims what is due at <paramref name="now"/> and free slots allow, and starts it.</summary>
    private async Task<int> DispatchAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var free = Free;
            if (_draining || free <= 0)
            {
                return 0;
            }

            // A look before the claim spares the write (SQLite's one writer) when nothing is due; after a claim that took
            // all it asked for, more is probably waiting, and the look would be a round trip for nothing.
            if (!_lastClaimFull && (await store.Runs.NextQueuedAtAsync(null, cancellationToken) is not { } next || next > now))
            {
                return 0;
            }

            // The slots are counted again when the claim runs: attempts that end while it waits for the database are
            // replaced by it, instead of each waking a claim of its own.
            var asked = free;
            var claimed = await store.Runs.ClaimAsync(options.NodeId, now, now + options.Lease, () => asked = Free, cancellationToken);
            _lastClaimFull = claimed.Count == asked;
            foreach (var run in claimed)
            {
                var attempt = attempts.Add(run.Run.Id);
                attempt.Completion = Task.Run(() => ExecuteAsync(run, attempt), CancellationToken.None);
            }

            return claimed.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ExecuteAsync(ClaimedRun claimed, Attempt attempt)
    {
        try
        {
            await executor.ExecuteAsync(claimed, attempt, Wake);
        }
        finally
        {
            attempts.Remove(attempt);
            Wake();
        }
    }
}
