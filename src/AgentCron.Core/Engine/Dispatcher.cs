using System.Collections.Concurrent;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Processes;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// Claims queued runs under a lease (up to the concurrency limit), runs each with its agent, heartbeats the leases, and
/// writes each result with the run's last log entries in one fenced transaction. Stops an attempt on timeout, on cancel
/// (local or flagged in the store by any process), when its lease is lost, and on shutdown. A result the store will not
/// take (a full disk) is kept and written again and again, its run still held and heartbeated, until the store takes it.
/// </summary>
public sealed class Dispatcher : IDisposable
{
    private static readonly TimeSpan LogFlushInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Pauses between tries to write a result the store refused: from 1 s, doubling, at most 30 s.</summary>
    private static readonly TimeSpan ResultRetryBase = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan ResultRetryMax = TimeSpan.FromSeconds(30);

    private readonly IAgentCronStore _store;
    private readonly RunnerRegistry _runners;
    private readonly SchedulerOptions _options;
    private readonly RunEnvironment _environment;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EngineHealth _health;
    private readonly ConcurrentDictionary<string, Execution> _running = new();
    private readonly WakeSignal _wake = new();
    private readonly WakeSignal _heartbeatNow = new();
    private readonly CancellationTokenSource _heartbeatStop = new();
    private readonly CancellationTokenSource _resultsGiveUp = new();
    private readonly SemaphoreSlim _dispatchGate = new(1, 1);
    private bool _draining;
    private readonly Random _random = new();

    public Dispatcher(IAgentCronStore store, RunnerRegistry runners, SchedulerOptions options, RunEnvironment environment, TimeProvider time, ILogger logger, EngineHealth health)
    {
        _store = store;
        _runners = runners;
        _options = options;
        _environment = environment;
        _time = time;
        _logger = logger;
        _health = health;
    }

    /// <summary>Ids of the runs this daemon is executing now.</summary>
    public IReadOnlyCollection<string> Running => (IReadOnlyCollection<string>)_running.Keys;

    /// <summary>True while this daemon executes <paramref name="runId"/> or still holds its result to write.</summary>
    public bool Holds(string runId) => _running.ContainsKey(runId);

    public void Wake() => _wake.Set();

    public void HeartbeatNow() => _heartbeatNow.Set();

    /// <summary>Stops a run this daemon is executing, at once. Returns false if it is not running here.</summary>
    public bool CancelLocal(string runId)
    {
        if (!_running.TryGetValue(runId, out var execution))
        {
            return false;
        }

        execution.Stop(StopReason.Cancelled);
        return true;
    }

    /// <summary>Claims what is due and free slots allow, and starts it. Returns how many runs were started.</summary>
    public Task<int> DispatchOnceAsync(CancellationToken cancellationToken) => DispatchAsync(_time.GetUtcNow(), cancellationToken);

    /// <summary>Claims what is due at <paramref name="now"/> and free slots allow, and starts it.</summary>
    private async Task<int> DispatchAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The gate lets a stopping daemon wait for a claim in flight, so no run starts after the drain has begun.
        await _dispatchGate.WaitAsync(cancellationToken);
        try
        {
            var free = _options.MaxConcurrentRuns - _running.Count;
            if (_draining || free <= 0)
            {
                return 0;
            }

            if (await _store.Runs.NextQueuedAtAsync(null, cancellationToken) is not { } next || next > now)
            {
                return 0;
            }

            var claimed = await _store.Runs.ClaimAsync(_options.NodeId, now, now + _options.Lease, free, cancellationToken);
            foreach (var run in claimed)
            {
                var execution = new Execution(run.Run.Id);
                _running[run.Run.Id] = execution;
                execution.Completion = Task.Run(() => ExecuteAsync(run, execution), CancellationToken.None);
            }

            return claimed.Count;
        }
        finally
        {
            _dispatchGate.Release();
        }
    }

    public Task RunAsync(CancellationToken cancellationToken) => EngineLoop.RunAsync(
        "dispatcher",
        _wake,
        async token =>
        {
            var free = _options.MaxConcurrentRuns - _running.Count;
            // One instant for the whole pass: a run that becomes due while the pass talks to the store is found by the
            // second look (due after `now`) rather than mistaken for a blocked one, which would sleep the idle time.
            var now = _time.GetUtcNow();
            var started = await DispatchAsync(now, token);
            if (free > 0 && started == free)
            {
                return TimeSpan.Zero;
            }

            // Runs due at `now` but not claimed are blocked by a running sibling or by the limit: a completion wakes us.
            // Otherwise sleep until the next run that becomes due (a retry's backoff, a jittered start).
            return free > started && await _store.Runs.NextQueuedAtAsync(now, token) is { } next
                ? EngineLoop.Until(next, _time, _options.MaxIdle)
                : _options.MaxIdle;
        },
        TimeSpan.FromSeconds(1),
        _time,
        _health,
        _logger,
        cancellationToken);

    /// <summary>Renews this daemon's leases every third of the lease, and acts on cancel flags and lost leases.</summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        // Heartbeats go on while running agents drain after a stop request, so their leases stay ours until they end.
        var token = _heartbeatStop.Token;
        while (!token.IsCancellationRequested)
        {
            await EngineLoop.WaitAsync(_heartbeatNow, _options.Lease / 3, _time, token);
            if (token.IsCancellationRequested)
            {
                continue;
            }

            if (_running.IsEmpty)
            {
                // Nothing to renew is a pass that did not fail: a heartbeat that failed for the last run held must not
                // leave health degraded until the next run starts.
                _health.Succeeded("heartbeat");
                continue;
            }

            try
            {
                // Only runs claimed before the renewal can be judged by its answer: one claimed meanwhile is not in it.
                var executions = _running.Values.ToList();
                var held = (await _store.Runs.RenewLeasesAsync(_options.NodeId, [.. executions.Select(e => e.RunId)], _time.GetUtcNow() + _options.Lease, token))
                    .ToDictionary(s => s.RunId);
                foreach (var execution in executions)
                {
                    if (!held.TryGetValue(execution.RunId, out var state))
                    {
                        if (!execution.Finishing)
                        {
                            execution.Stop(StopReason.LeaseLost);
                        }
                    }
                    else if (state.CancelRequested)
                    {
                        execution.Stop(StopReason.Cancelled);
                    }
                }

                _health.Succeeded("heartbeat");
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _health.Failed("heartbeat", ex);
                _logger.LogError(ex, "Heartbeat failed");
            }
        }
    }

    /// <summary>
    /// Waits up to <paramref name="grace"/> for running agents and for results still being written; then kills the
    /// agents left and hands their runs back to the queue, and gives each result not yet written one last try.
    /// </summary>
    public async Task DrainAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        await _dispatchGate.WaitAsync(CancellationToken.None);
        _draining = true;
        _dispatchGate.Release();

        var all = Task.WhenAll(_running.Values.Select(e => e.Completion));
        if (!all.IsCompleted)
        {
            _logger.LogInformation("Waiting up to {Grace} for {Count} running agents", grace, _running.Count);
            await Task.WhenAny(all, Task.Delay(grace, _time, cancellationToken));
            foreach (var execution in _running.Values.Where(e => !e.Finishing))
            {
                execution.Stop(StopReason.Shutdown);
            }

            await _resultsGiveUp.CancelAsync();
            await Task.WhenAll(_running.Values.Select(e => e.Completion));
        }

        await _heartbeatStop.CancelAsync();
    }

    public void Dispose()
    {
        _heartbeatStop.Dispose();
        _resultsGiveUp.Dispose();
        _dispatchGate.Dispose();
    }

    private async Task ExecuteAsync(ClaimedRun claimed, Execution execution)
    {
        var (run, task) = claimed;
        var log = new RunLogWriter(run.Id, run.Attempt, _options.MaxLogBytesPerRun, _time);
        var started = run.StartedAt ?? _time.GetUtcNow();
        log.Write("attempt.started", new
        {
            attempt = run.Attempt,
            node = _options.NodeId,
            agent = task.Agent.Provider,
            scheduledFor = run.ScheduledFor,
            latenessMs = Math.Round((started - run.NotBefore).TotalMilliseconds, 3),
        });

        using var flushing = new CancellationTokenSource();
        var flusher = FlushLogAsync(log, flushing.Token);
        var processRecorded = Task.CompletedTask;
        var (outcome, stopped) = await RunAgentAsync(run, task, execution, log, recording => processRecorded = recording);

        // From here on, a late stop (shutdown, a cancel, a lost lease) no longer changes how this attempt ended.
        execution.Finishing = true;
        await flushing.CancelAsync();
        await flusher;
        await Ignore(processRecorded);
        try
        {
            if (stopped == StopReason.LeaseLost)
            {
                _logger.LogWarning("Run {RunId} attempt {Attempt} lost its lease; its result is dropped", run.Id, run.Attempt);
                return;
            }

            var finished = _time.GetUtcNow();
            log.WriteFinal("attempt.finished", new
            {
                attempt = run.Attempt,
                status = EnumText.ToText(outcome.Status),
                exitCode = outcome.Result?.ExitCode,
                error = outcome.Error,
                durationMs = Math.Round((finished - started).TotalMilliseconds, 3),
            });
            await CompleteAsync(run, log.Drain(), current => stopped == StopReason.Shutdown
                ? CompletionPolicy.Requeue(current, finished, "the daemon stopped while the attempt was running", _options, _random)
                : CompletionPolicy.Decide(current, outcome, finished, _options, _random));
        }
        finally
        {
            _running.TryRemove(run.Id, out _);
            execution.Dispose();
            Wake();
        }
    }

    /// <summary>Runs the agent; returns how the attempt ended and, if something stopped it, what.</summary>
    private async Task<(AttemptOutcome Outcome, StopReason Stopped)> RunAgentAsync(TaskRun run, AgentTask task, Execution execution, RunLogWriter log, Action<Task> recordingProcess)
    {
        try
        {
            using var timeout = new CancellationTokenSource(task.Policies.Timeout, _time);
            using var onTimeout = timeout.Token.Register(() => execution.Stop(StopReason.Timeout));
            var runner = _runners.Resolve(task.Agent.Provider);

            // A task anchored to a chat thread continues the conversation its provider keeps for that thread.
            var session = task.Thread is { } thread ? await _store.Threads.FindSessionAsync(thread.ToString(), runner.Provider, execution.Token) : null;
            if (session is not null)
            {
                log.Write("session.resumed", new { thread = session.Thread, provider = session.Provider, sessionId = session.SessionId });
            }

            var request = new RunRequest(run, task, _environment.WorkingDirectory(task), _environment.Sandbox, _environment.For(run, task), pid =>
                recordingProcess(_store.Runs.SetProcessAsync(run.Id, run.Attempt, _options.NodeId, Environment.MachineName, pid, ProcessGroup.Identify(pid), CancellationToken.None)),
                session?.SessionId,
                _environment.SchedulingPrompt(task));
            var result = await runner.RunAsync(request, log, execution.Token);
            return (AttemptOutcome.From(result), StopReason.None);
        }
        catch (OperationCanceledException) when (execution.Reason != StopReason.None)
        {
            return (Stopped(execution.Reason, task), execution.Reason);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return (new AttemptOutcome(RunStatus.Failed, null, $"the {task.Agent.Provider} runner failed: {ex.Message}"), StopReason.None);
        }
    }

    /// <summary>
    /// Writes the attempt's result. If the store refuses it (a full disk, a database that is away), the result is kept and
    /// written again, with growing pauses, until the store takes it; meanwhile the run stays in <see cref="_running"/>, so
    /// the heartbeat keeps its lease and this daemon's reaper leaves it alone, and health says why it is degraded. Only a
    /// stopping daemon gives up, once its shutdown grace is over: the run is then recovered when its lease runs out.
    /// </summary>
    private async Task CompleteAsync(TaskRun run, IReadOnlyList<NewRunLogEvent> logTail, Func<ClaimedRun, Completion> decide)
    {
        var problem = "result:" + run.Id;
        for (var failures = 0; ; failures++)
        {
            try
            {
                if (!await _store.Runs.CompleteAsync(run.Id, run.Attempt, _options.NodeId, decide, logTail, CancellationToken.None))
                {
                    if (failures == 0)
                    {
                        _logger.LogWarning("Run {RunId} attempt {Attempt} no longer holds its lease; its result is dropped", run.Id, run.Attempt);
                    }
                    else
                    {
                        // One of the failed tries may have committed after all (PostgreSQL: the answer to COMMIT lost).
                        _logger.LogWarning("Run {RunId} attempt {Attempt} no longer holds its lease: it was taken over, or an earlier try wrote the result after all; nothing more is written", run.Id, run.Attempt);
                    }
                }
                else if (failures > 0)
                {
                    _logger.LogInformation("The result of run {RunId} attempt {Attempt} was written after {Failures} failed tries", run.Id, run.Attempt, failures);
                }

                _health.Resolve(problem);
                return;
            }
            catch (Exception ex) when (_resultsGiveUp.IsCancellationRequested)
            {
                _health.Resolve(problem);
                _logger.LogError(ex, "The daemon is stopping and the result of run {RunId} attempt {Attempt} still cannot be written; it is lost, and the run will be recovered when its lease expires", run.Id, run.Attempt);
                return;
            }
            catch (Exception ex)
            {
                _health.Report(problem, $"the result of run {run.Id} could not be written: {ex.Message.TrimEnd('.')}; retrying");
                var pause = Backoff.Delay(failures + 1, ResultRetryBase, ResultRetryMax, Random.Shared);
                if (failures == 0)
                {
                    _logger.LogError(ex, "Could not write the result of run {RunId} attempt {Attempt}; it is kept and written again until the store takes it", run.Id, run.Attempt);
                }
                else
                {
                    _logger.LogWarning("Still cannot write the result of run {RunId} attempt {Attempt} ({Failures} tries): {Error}; next try in {Pause}", run.Id, run.Attempt, failures + 1, ex.Message, pause);
                }

                try
                {
                    await Task.Delay(pause, _time, _resultsGiveUp.Token);
                }
                catch (OperationCanceledException)
                {
                    // The shutdown grace is over: one last try.
                }
            }
        }
    }

    private async Task FlushLogAsync(RunLogWriter log, CancellationToken cancellationToken)
    {
        var failing = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<NewRunLogEvent> entries = [];
            try
            {
                await Task.Delay(LogFlushInterval, _time, cancellationToken);
                entries = log.Drain();
                if (entries.Count > 0)
                {
                    // Drained entries must reach the store even if the attempt ends meanwhile.
                    await _store.Logs.AppendAsync(log.RunId, entries, CancellationToken.None);
                    failing = false;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Kept for the next flush or, at the latest, the write of the attempt's result; said once per streak,
                // not five times a second.
                log.PutBack(entries);
                if (!failing)
                {
                    _logger.LogWarning(ex, "Could not append to the log of run {RunId}; its entries are kept and written later", log.RunId);
                }

                failing = true;
            }
        }
    }

    private static AttemptOutcome Stopped(StopReason reason, AgentTask task) => reason switch
    {
        StopReason.Timeout => new AttemptOutcome(RunStatus.TimedOut, null, $"timed out after {Time.Durations.Humanize(task.Policies.Timeout)}; the agent's process tree was killed"),
        StopReason.Cancelled => new AttemptOutcome(RunStatus.Cancelled, null, "cancelled; the agent's process tree was killed"),
        _ => new AttemptOutcome(RunStatus.Failed, null, "the daemon stopped while the attempt was running"),
    };

    private static async Task Ignore(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // Recording the pid only helps orphan clean-up; the run goes on without it.
        }
    }

    private enum StopReason
    {
        None,
        Timeout,
        Cancelled,
        LeaseLost,
        Shutdown,
    }

    private sealed class Execution(string runId) : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private int _reason;

        public string RunId { get; } = runId;
        public Task Completion { get; set; } = Task.CompletedTask;
        public CancellationToken Token => _stop.Token;
        public StopReason Reason => (StopReason)Volatile.Read(ref _reason);
        public volatile bool Finishing;

        /// <summary>The first reason wins: a run that timed out stays timed out even if it is cancelled while dying.</summary>
        public void Stop(StopReason reason)
        {
            if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)StopReason.None) == (int)StopReason.None)
            {
                _stop.Cancel();
            }
        }

        public void Dispose() => _stop.Dispose();
    }
}
