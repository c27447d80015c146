using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// Executes one claimed attempt: runs its agent under the task's timeout, streams the log, records the agent's process for
/// orphan clean-up, and hands the outcome to the <see cref="ResultWriter"/>. The attempt stops early on timeout, on a
/// cancel, when its lease is lost and on shutdown; a result of an attempt whose lease was lost is dropped.
/// </summary>
public sealed class AttemptExecutor(
    IAgentCronStore store,
    RunnerRegistry runners,
    SchedulerOptions options,
    RunEnvironment environment,
    TimeProvider time,
    ILogger logger,
    RunLogFlusher flusher,
    ResultWriter results,
    DeliveryPolicy deliveries,
    Action deliveriesWritten)
{
    private readonly Random _random = new();

    /// <summary>Executes the attempt and writes its result; <paramref name="agentEnded"/> is called once the agent has ended, before the write.</summary>
    internal async Task ExecuteAsync(ClaimedRun claimed, Attempt attempt, Action agentEnded)
    {
        var (run, task) = claimed;
        var log = new RunLogWriter(run.Id, run.Attempt, options.MaxLogBytesPerRun, time);
        var started = run.StartedAt ?? time.GetUtcNow();
        log.Write("attempt.started", new
        {
            attempt = run.Attempt,
            node = options.NodeId,
            agent = task.Agent.Provider,
            scheduledFor = run.ScheduledFor,
            latenessMs = Math.Round((started - run.NotBefore).TotalMilliseconds, 3),
        });

        using var flushing = new CancellationTokenSource();
        var flushed = flusher.RunAsync(log, flushing.Token);
        var processRecorded = Task.CompletedTask;
        var (outcome, stopped) = await RunAgentAsync(run, task, attempt, log, recording => processRecorded = recording);

        // From here on, a late stop (shutdown, a cancel, a lost lease) no longer changes how this attempt ended.
        attempt.Finishing = true;
        agentEnded();
        await flushing.CancelAsync();
        await flushed;
        await Ignore(processRecorded);
        if (stopped == StopReason.LeaseLost)
        {
            logger.LogWarning("Run {RunId} attempt {Attempt} lost its lease; its result is dropped", run.Id, run.Attempt);
            return;
        }

        var finished = time.GetUtcNow();
        log.WriteFinal("attempt.finished", new
        {
            attempt = run.Attempt,
            status = EnumText.ToText(outcome.Status),
            exitCode = outcome.Result?.ExitCode,
            error = outcome.Error,
            durationMs = Math.Round((finished - started).TotalMilliseconds, 3),
        });
        var delivering = false;
        await results.WriteAsync(run, log.Drain(), current =>
        {
            if (stopped == StopReason.Shutdown)
            {
                return CompletionPolicy.Requeue(current, finished, "the daemon stopped while the attempt was running", options, _random);
            }

            var completion = deliveries.Add(CompletionPolicy.Decide(current, outcome, finished, options, _random), current.Task);
            delivering = completion.Deliveries.Count > 0;
            return completion;
        });
        if (delivering)
        {
            // The result went with deliveries (or, fenced out, did not: then a look finds nothing new).
            deliveriesWritten();
        }
    }

    /// <summary>Runs the agent; returns how the attempt ended and, if something stopped it, what.</summary>
    private async Task<(AttemptOutcome Outcome, StopReason Stopped)> RunAgentAsync(TaskRun run, AgentTask task, Attempt attempt, RunLogWriter log, Action<Task> recordingProcess)
    {
        try
        {
            using var timeout = new CancellationTokenSource(task.Policies.Timeout, time);
            using var onTimeout = timeout.Token.Register(() => attempt.Stop(StopReason.Timeout));
            var runner = runners.Resolve(task.Agent.Provider);

            // A task anchored to a chat thread continues the conversation its provider keeps for that thread.
            var session = task.Thread is { } thread ? await store.Threads.FindSessionAsync(thread.ToString(), runner.Provider, attempt.Token) : null;
            if (session is not null)
            {
                log.Write("session.resumed", new { thread = session.Thread, provider = session.Provider, sessionId = session.SessionId });
            }

            var request = new RunRequest(run, task, environment.WorkingDirectory(task), environment.Sandbox, environment.For(run, task), process =>
                recordingProcess(store.Runs.SetProcessAsync(run.Id, run.Attempt, options.NodeId, Environment.MachineName, process.Pid, process.Identity, CancellationToken.None)),
                session?.SessionId,
                environment.SchedulingPrompt(task));
            var result = await runner.RunAsync(request, log, attempt.Token);
            return (AttemptOutcome.From(result), StopReason.None);
        }
        catch (OperationCanceledException) when (attempt.Reason != StopReason.None)
        {
            return (Stopped(attempt.Reason, task), attempt.Reason);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return (new AttemptOutcome(RunStatus.Failed, null, $"the {task.Agent.Provider} runner failed: {ex.Message}"), StopReason.None);
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
}
