using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;

namespace AgentCron.Core.Engine;

/// <summary>How an attempt ended, as the engine saw it.</summary>
public sealed record AttemptOutcome(RunStatus Status, RunnerResult? Result, string? Error)
{
    public static AttemptOutcome From(RunnerResult result) =>
        new(result.Succeeded ? RunStatus.Succeeded : RunStatus.Failed, result, result.Succeeded ? null : result.Error);
}

/// <summary>
/// Decides what an ended attempt does to its run and task: retry with backoff, or finish; reset or count consecutive
/// failures; auto-pause; end a one-time task. Pure, so the store can call it inside the transaction that writes it.
/// </summary>
public static class CompletionPolicy
{
    public static Completion Decide(ClaimedRun claimed, AttemptOutcome outcome, DateTimeOffset now, SchedulerOptions options, Random random)
    {
        var (run, task) = claimed;
        if (run.CancelRequested && outcome.Status is RunStatus.Failed or RunStatus.TimedOut)
        {
            // Someone cancelled the run before the attempt ended: it is not retried, whatever ended it.
            outcome = outcome with { Status = RunStatus.Cancelled, Error = $"cancelled; {outcome.Error}" };
        }

        var result = outcome.Result;
        var retryable = outcome.Status is RunStatus.Failed or RunStatus.TimedOut;
        if (retryable && run.Attempt <= task.Policies.Retries)
        {
            var delay = Backoff.Delay(run.Attempt, options.RetryBaseDelay, options.RetryMaxDelay, random);
            var retry = run with
            {
                Status = RunStatus.Queued,
                Attempt = run.Attempt + 1,
                NotBefore = now + delay,
                LeaseOwner = null,
                LeaseExpiresAt = null,
                Error = outcome.Error,
                ExitCode = result?.ExitCode,
                Pid = null,
                Host = null,
                PidIdentity = null,
            };
            return new Completion(retry, task with { LastError = outcome.Error }, Session(task, run, result, now));
        }

        var finished = run with
        {
            Status = outcome.Status,
            FinishedAt = now,
            LeaseOwner = null,
            LeaseExpiresAt = null,
            ExitCode = result?.ExitCode ?? run.ExitCode,
            Output = Truncate(result?.Output, options.MaxOutputChars),
            Summary = Summarize(result?.Output),
            Error = outcome.Error,
            SessionId = result?.SessionId ?? run.SessionId,
            Agent = run.Agent ?? task.Agent.Provider,
            Model = result?.Model ?? run.Model,
            InputTokens = result?.Usage?.InputTokens,
            OutputTokens = result?.Usage?.OutputTokens,
            CostUsd = result?.Usage?.CostUsd,
        };
        return new Completion(finished, UpdateTask(task, finished), Session(task, run, result, now));
    }

    /// <summary>
    /// An attempt that was interrupted through no fault of its own (the daemon shut down and killed it): the run goes
    /// back to the queue as a new attempt, to start at once wherever a daemon is running.
    /// </summary>
    public static Completion Requeue(ClaimedRun claimed, DateTimeOffset now, string reason, SchedulerOptions options, Random random)
    {
        if (claimed.Run.CancelRequested)
        {
            // It was to be cancelled anyway.
            return Decide(claimed, new AttemptOutcome(RunStatus.Cancelled, null, $"cancelled; {reason}"), now, options, random);
        }

        var requeued = claimed.Run with
        {
            Status = RunStatus.Queued,
            Attempt = claimed.Run.Attempt + 1,
            NotBefore = now,
            LeaseOwner = null,
            LeaseExpiresAt = null,
            Error = reason,
            Pid = null,
            Host = null,
            PidIdentity = null,
        };
        return new Completion(requeued, claimed.Task);
    }

    /// <summary>
    /// The <c>attempt.abandoned</c> log entry of a recovered run (<see cref="IRunStore.RecoverExpiredAsync"/>), written with
    /// its new state: whose lease expired when, and what became of the run, so its log explains the gap.
    /// </summary>
    public static NewRunLogEvent AbandonedEntry(TaskRun before, TaskRun after, DateTimeOffset now) => new(
        now,
        before.Attempt,
        "attempt.abandoned",
        System.Text.Json.JsonSerializer.SerializeToElement(new
        {
            attempt = before.Attempt,
            owner = before.LeaseOwner,
            leaseExpiredAt = before.LeaseExpiresAt,
            next = after.Status == RunStatus.Queued ? $"retry as attempt {after.Attempt}" : EnumText.ToText(after.Status),
            error = after.Error,
        }));

    /// <summary>The conversation an attempt on a thread left behind, to be resumed by the thread's next run.</summary>
    private static ThreadSession? Session(AgentTask task, TaskRun run, RunnerResult? result, DateTimeOffset now) =>
        task.Thread is { } thread && result?.SessionId is { } session
            ? new ThreadSession(thread.ToString(), run.Agent ?? task.Agent.Provider, session, now)
            : null;

    private static AgentTask UpdateTask(AgentTask task, TaskRun run)
    {
        var failed = run.Status is RunStatus.Failed or RunStatus.TimedOut;
        var failures = run.Status switch
        {
            RunStatus.Succeeded => 0,
            _ when failed => task.ConsecutiveFailures + 1,
            _ => task.ConsecutiveFailures,
        };
        var updated = task with
        {
            LastRunId = run.Id,
            LastRunAt = run.StartedAt ?? run.FinishedAt,
            LastRunStatus = run.Status,
            LastSummary = run.Summary,
            LastError = run.Error,
            ConsecutiveFailures = failures,
        };

        // The scheduled run of a one-time task decides how the task ends; a manual run leaves the schedule alone.
        if (task.Trigger is AtTrigger && run.Trigger != RunTrigger.Manual && task.Status is TaskState.Active or TaskState.Paused)
        {
            return updated with
            {
                Status = run.Status switch
                {
                    RunStatus.Succeeded => TaskState.Succeeded,
                    RunStatus.Cancelled => TaskState.Cancelled,
                    RunStatus.Skipped => TaskState.Skipped,
                    _ => TaskState.Failed,
                },
                StatusReason = run.Error,
            };
        }

        var max = task.Policies.MaxConsecutiveFailures;
        if (failed && max > 0 && failures >= max && task.Status == TaskState.Active && task.Trigger is not (null or AtTrigger))
        {
            return updated with
            {
                Status = TaskState.Paused,
                NextFireAt = null,
                StatusReason = $"paused automatically after {failures} consecutive failed runs; last error: {run.Error ?? "none"}",
            };
        }

        return updated;
    }

    /// <summary>The first non-empty line of the output, cut to 200 characters: what lists and notifications show.</summary>
    public static string? Summarize(string? output)
    {
        var line = output?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        return line is null ? null : Truncate(line, 200);
    }

    private static string? Truncate(string? text, int max) =>
        text is null || text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
