using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;
using static AgentCron.Core.Tests.Engine.EngineData;

namespace AgentCron.Core.Tests.Engine;

public class CompletionPolicyTests
{
    private static readonly DateTimeOffset Now = T0.AddMinutes(3);

    private static AgentTask Recurring(int retries = 2, int maxFailures = 5, int failures = 0, TaskState status = TaskState.Active) =>
        Task(Cron("*/5 * * * *"), T0.AddMinutes(5), new TaskPolicies { Retries = retries, MaxConsecutiveFailures = maxFailures }, status) with
        {
            ConsecutiveFailures = failures,
        };

    private static AgentTask OneTime(int retries = 0) => Task(new AtTrigger(T0), null, new TaskPolicies { Retries = retries });

    private static Completion Decide(ClaimedRun claimed, RunStatus status, string? output = null, string? error = null, SchedulerOptions? options = null) =>
        CompletionPolicy.Decide(
            claimed,
            status == RunStatus.Succeeded || status == RunStatus.Failed
                ? AttemptOutcome.From(new RunnerResult(status == RunStatus.Succeeded, status == RunStatus.Succeeded ? 0 : 3, output, error, "session-1", "model-x"))
                : new AttemptOutcome(status, null, error),
            Now,
            options ?? Options,
            new Random(9));

    [Theory]
    [InlineData(RunStatus.Failed, 1)]
    [InlineData(RunStatus.Failed, 2)]
    [InlineData(RunStatus.TimedOut, 1)]
    public void Decide_RequeuesTheNextAttemptWithBackoff_WhileAttemptsRemain(RunStatus status, int attempt)
    {
        var claimed = Running(Recurring(retries: 2, failures: 1), attempt);

        var (run, task) = Decide(claimed, status, error: "exit 3");

        Assert.Equal((RunStatus.Queued, attempt + 1, (string?)null, (DateTimeOffset?)null, (int?)null), (run.Status, run.Attempt, run.LeaseOwner, run.LeaseExpiresAt, run.Pid));
        var backoff = Options.RetryBaseDelay * Math.Pow(2, attempt - 1);
        Assert.InRange(run.NotBefore - Now, backoff / 2, backoff);
        Assert.Null(run.FinishedAt);
        Assert.Equal("exit 3", run.Error);
        Assert.Equal((1, TaskState.Active, "exit 3"), (task.ConsecutiveFailures, task.Status, task.LastError));
        Assert.Null(task.LastRunStatus);
    }

    [Theory]
    [InlineData(RunStatus.Failed)]
    [InlineData(RunStatus.TimedOut)]
    public void Decide_FinishesTheRunAndCountsAFailure_WhenTheLastAttemptFails(RunStatus status)
    {
        var claimed = Running(Recurring(retries: 2, failures: 1), attempt: 3);

        var (run, task) = Decide(claimed, status, error: "still broken");

        Assert.Equal((status, Now, 3, (string?)null), (run.Status, run.FinishedAt, run.Attempt, run.LeaseOwner));
        Assert.Equal((2, status, "still broken", run.Id), (task.ConsecutiveFailures, task.LastRunStatus, task.LastError, task.LastRunId));
        Assert.Equal(TaskState.Active, task.Status);
    }

    [Fact]
    public void Decide_NeverRetries_WhenRetriesIsZero()
    {
        var (run, _) = Decide(Running(Recurring(retries: 0)), RunStatus.Failed, error: "x");

        Assert.Equal(RunStatus.Failed, run.Status);
    }

    [Fact]
    public void Decide_FinishesACancelledRunWithoutRetry_AndLeavesTheFailureCount()
    {
        var (run, task) = Decide(Running(Recurring(retries: 5, failures: 2)), RunStatus.Cancelled, error: "cancelled");

        Assert.Equal((RunStatus.Cancelled, Now), (run.Status, run.FinishedAt));
        Assert.Equal((2, RunStatus.Cancelled), (task.ConsecutiveFailures, task.LastRunStatus));
    }

    [Fact]
    public void Decide_RecordsTheResultAndResetsFailures_WhenTheAttemptSucceeds()
    {
        var output = "\n\n  Deploy is green  \nsecond line\n" + new string('x', 100);
        var options = Options with { MaxOutputChars = 40 };

        var (run, task) = Decide(Running(Recurring(failures: 4), attempt: 2), RunStatus.Succeeded, output: output, options: options);

        Assert.Equal((RunStatus.Succeeded, 0, "Deploy is green", "session-1", "model-x", (string?)null), (run.Status, run.ExitCode, run.Summary, run.SessionId, run.Model, run.Error));
        Assert.Equal("command", run.Agent);
        Assert.Equal(40, run.Output!.Length);
        Assert.EndsWith("…", run.Output, StringComparison.Ordinal);
        Assert.Equal((0, RunStatus.Succeeded, "Deploy is green", T0, (string?)null), (task.ConsecutiveFailures, task.LastRunStatus, task.LastSummary, task.LastRunAt, task.LastError));
    }

    [Fact]
    public void Decide_PausesARecurringTaskWithTheReason_AfterMaxConsecutiveFailures()
    {
        var (_, task) = Decide(Running(Recurring(retries: 0, maxFailures: 3, failures: 2)), RunStatus.Failed, error: "401 Unauthorized");

        Assert.Equal((TaskState.Paused, 3, (DateTimeOffset?)null), (task.Status, task.ConsecutiveFailures, task.NextFireAt));
        Assert.Contains("3 consecutive failed runs", task.StatusReason, StringComparison.Ordinal);
        Assert.Contains("401 Unauthorized", task.StatusReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_KeepsTheTaskActive_BelowMaxConsecutiveFailuresOrWhenItIsZero()
    {
        var below = Decide(Running(Recurring(retries: 0, maxFailures: 3, failures: 1)), RunStatus.Failed, error: "x").Task;
        var never = Decide(Running(Recurring(retries: 0, maxFailures: 0, failures: 100)), RunStatus.Failed, error: "x").Task;

        Assert.Equal((TaskState.Active, 2), (below.Status, below.ConsecutiveFailures));
        Assert.Equal((TaskState.Active, 101), (never.Status, never.ConsecutiveFailures));
    }

    [Fact]
    public void Decide_KeepsTheUsersPauseReason_WhenAPausedTaskFailsAgain()
    {
        var paused = Recurring(retries: 0, maxFailures: 1, failures: 5, status: TaskState.Paused) with { StatusReason = "paused by user" };

        var (_, task) = Decide(Running(paused), RunStatus.Failed, error: "x");

        Assert.Equal((TaskState.Paused, "paused by user"), (task.Status, task.StatusReason));
    }

    [Fact]
    public void Decide_EndsAOneTimeTaskFailed_WhenItsLastAttemptTimesOut()
    {
        var (run, task) = Decide(Running(OneTime(retries: 1), attempt: 2), RunStatus.TimedOut, error: "timed out after 30 min");

        Assert.Equal(RunStatus.TimedOut, run.Status);
        Assert.Equal((TaskState.Failed, "timed out after 30 min"), (task.Status, task.StatusReason));
    }

    [Theory]
    [InlineData(RunStatus.Succeeded, TaskState.Succeeded)]
    [InlineData(RunStatus.Failed, TaskState.Failed)]
    [InlineData(RunStatus.Cancelled, TaskState.Cancelled)]
    public void Decide_EndsAOneTimeTask_WhenItsScheduledRunFinishes(RunStatus status, TaskState expected)
    {
        var (_, task) = Decide(Running(OneTime(), trigger: RunTrigger.CatchUp), status, output: "done", error: status == RunStatus.Succeeded ? null : "why");

        Assert.Equal(expected, task.Status);
        Assert.Equal(status == RunStatus.Succeeded ? null : "why", task.StatusReason);
    }

    [Fact]
    public void Decide_RetriesAOneTimeTask_BeforeEndingIt()
    {
        var (run, task) = Decide(Running(OneTime(retries: 1)), RunStatus.Failed, error: "flaky");

        Assert.Equal(RunStatus.Queued, run.Status);
        Assert.Equal(TaskState.Active, task.Status);
    }

    [Fact]
    public void Decide_LeavesAOneTimeTaskActive_WhenAManualRunOfItFinishes()
    {
        var (_, task) = Decide(Running(OneTime(), trigger: RunTrigger.Manual), RunStatus.Failed, error: "x");

        Assert.Equal(TaskState.Active, task.Status);
        Assert.Equal(RunStatus.Failed, task.LastRunStatus);
    }

    [Fact]
    public void Decide_NeverAutoPausesAOneTimeOrManualOnlyTask()
    {
        var manualOnly = Task(null, null, new TaskPolicies { Retries = 0, MaxConsecutiveFailures = 1 });

        var (_, task) = Decide(Running(manualOnly, trigger: RunTrigger.Manual), RunStatus.Failed, error: "x");

        Assert.Equal((TaskState.Active, 1), (task.Status, task.ConsecutiveFailures));
    }

    [Fact]
    public void Requeue_ReturnsTheRunToTheQueueAsTheNextAttempt_StartingNow()
    {
        var claimed = Running(Recurring(failures: 2), attempt: 1);

        var (run, task) = CompletionPolicy.Requeue(claimed, Now, "the daemon stopped", Options, new Random(1));

        Assert.Equal((RunStatus.Queued, 2, Now, (string?)null, (int?)null, "the daemon stopped"), (run.Status, run.Attempt, run.NotBefore, run.LeaseOwner, run.Pid, run.Error));
        Assert.Equal(claimed.Task, task);
    }

    [Fact]
    public void Requeue_CancelsInstead_WhenACancelWasRequested()
    {
        var claimed = Running(Recurring(), attempt: 1);
        claimed = claimed with { Run = claimed.Run with { CancelRequested = true } };

        var (run, _) = CompletionPolicy.Requeue(claimed, Now, "the daemon stopped", Options, new Random(1));

        Assert.Equal((RunStatus.Cancelled, 1), (run.Status, run.Attempt));
        Assert.Equal("cancelled; the daemon stopped", run.Error);
    }

    [Theory]
    [InlineData(RunStatus.Failed)]
    [InlineData(RunStatus.TimedOut)]
    public void Decide_DoesNotRetry_WhenACancelWasRequestedBeforeTheAttemptFailed(RunStatus status)
    {
        var claimed = Running(Recurring(retries: 3), attempt: 1);
        claimed = claimed with { Run = claimed.Run with { CancelRequested = true } };

        var (run, _) = Decide(claimed, status, error: "exited with code 1");

        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Equal("cancelled; exited with code 1", run.Error);
    }

    [Fact]
    public void Decide_EndsAOneTimeTask_WhenItWasPausedWhileItsRunWasGoing()
    {
        var paused = OneTime() with { Status = TaskState.Paused, StatusReason = "paused by user" };

        var (_, task) = Decide(Running(paused), RunStatus.Succeeded, output: "done");

        Assert.Equal(TaskState.Succeeded, task.Status);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("\n \n", null)]
    [InlineData("  first  \nsecond", "first")]
    public void Summarize_ReturnsTheFirstNonEmptyLine(string? output, string? summary) =>
        Assert.Equal(summary, CompletionPolicy.Summarize(output));

    [Fact]
    public void Summarize_CutsALongLineTo200Characters() =>
        Assert.Equal(200, CompletionPolicy.Summarize(new string('a', 500))!.Length);

    [Fact]
    public void AbandonedEntry_NamesTheExpiredLeaseAndTheRetry_WhenTheRunIsRequeued()
    {
        var claimed = Running(Recurring(retries: 2), attempt: 1);
        var (after, _) = Decide(claimed, RunStatus.Failed, error: "lease expired");

        var entry = CompletionPolicy.AbandonedEntry(claimed.Run, after, Now);

        Assert.Equal((Now, 1, "attempt.abandoned"), (entry.At, entry.Attempt, entry.Type));
        Assert.Equal(
            """{"attempt":1,"owner":"node-test","leaseExpiredAt":"2026-03-01T00:00:30+00:00","next":"retry as attempt 2","error":"lease expired"}""",
            entry.Data.GetRawText());
    }

    [Fact]
    public void AbandonedEntry_NamesTheFinalStatus_WhenNoAttemptRemains()
    {
        var claimed = Running(Recurring(retries: 0), attempt: 1);
        var (after, _) = Decide(claimed, RunStatus.Failed, error: "lease expired");

        var entry = CompletionPolicy.AbandonedEntry(claimed.Run, after, Now);

        Assert.Equal("failed", entry.Data.GetProperty("next").GetString());
    }
}
