using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;
using AgentCron.TestKit;

namespace AgentCron.Core.Tests.Engine;

/// <summary>The engine's passes on a real SQLite file, with the fake clock moved by the test.</summary>
public class SchedulerTests
{
    private static Trigger Cron(string expression) => Trigger.Create(TriggerKind.Cron, expression, "UTC", null);

    [Fact]
    public async Task PlanOnceAsync_FiresARecurringCronTaskOncePerOccurrence_AsTheClockAdvances()
    {
        await using var engine = await EngineHarness.StartAsync();
        engine.Runner.Script = _ => new RunnerResult(true, 0, "ok", null);
        var task = await engine.CreateTaskAsync(Cron("*/5 * * * *"));
        Assert.Equal(EngineHarness.Start.AddMinutes(5), task.NextFireAt);

        engine.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await engine.PlanAsync());
        for (var i = 1; i <= 3; i++)
        {
            engine.Time.SetUtcNow(EngineHarness.Start.AddMinutes(5 * i));
            Assert.Equal(1, await engine.PlanAsync());
            Assert.Equal(0, await engine.PlanAsync());
            Assert.Equal(1, await engine.DispatchAsync());
            await engine.WaitIdleAsync();
            engine.Time.Advance(TimeSpan.FromSeconds(30));
            Assert.Equal(0, await engine.PlanAsync());
        }

        var runs = await engine.RunsAsync(task.Id);
        Assert.Equal([5, 10, 15], runs.Select(r => (int)(r.ScheduledFor - EngineHarness.Start).TotalMinutes));
        Assert.All(runs, r => Assert.Equal((RunStatus.Succeeded, RunTrigger.Schedule, 1, "test"), (r.Status, r.Trigger, r.Attempt, r.Agent)));
        var stored = await engine.TaskAsync(task.Id);
        Assert.Equal((EngineHarness.Start.AddMinutes(20), RunStatus.Succeeded, "ok", runs[^1].Id), (stored.NextFireAt, stored.LastRunStatus, stored.LastSummary, stored.LastRunId));
        Assert.Equal(3, engine.Runner.Calls);
    }

    [Fact]
    public async Task PlanOnceAsync_PlansEveryDueTask_WhenThereAreMoreThanOneBatch()
    {
        await using var engine = await EngineHarness.StartAsync(new SchedulerOptions { NodeId = "node-test", PlanBatch = 2 });
        for (var i = 0; i < 5; i++)
        {
            await engine.CreateTaskAsync(Cron("0 * * * *"));
        }

        engine.Time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(5, await engine.PlanAsync());
        Assert.Equal(0, await engine.PlanAsync());
    }

    [Fact]
    public async Task DispatchOnceAsync_RetriesAFailingRunWithBackoff_ThenFailsIt_AndAutoPausesTheTask()
    {
        await using var engine = await EngineHarness.StartAsync();
        engine.Runner.Script = call => new RunnerResult(false, 2, null, $"exit 2 (call {call})");
        var task = await engine.CreateTaskAsync(
            new EveryTrigger(TimeSpan.FromMinutes(10), EngineHarness.Start),
            new TaskPolicies { Retries = 1, MaxConsecutiveFailures = 2 });

        for (var occurrence = 1; occurrence <= 2; occurrence++)
        {
            engine.Time.SetUtcNow(EngineHarness.Start.AddMinutes(10 * occurrence));
            Assert.Equal(1, await engine.PlanAsync());
            Assert.Equal(1, await engine.DispatchAsync());
            await engine.WaitIdleAsync();

            var run = (await engine.RunsAsync(task.Id))[^1];
            Assert.Equal((RunStatus.Queued, 2), (run.Status, run.Attempt));
            Assert.InRange(run.NotBefore - engine.Now, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
            Assert.Equal(0, await engine.DispatchAsync());

            engine.Time.SetUtcNow(run.NotBefore);
            Assert.Equal(1, await engine.DispatchAsync());
            await engine.WaitIdleAsync();

            run = await engine.RunAsync(run.Id);
            Assert.Equal((RunStatus.Failed, 2, $"exit 2 (call {occurrence * 2})"), (run.Status, run.Attempt, run.Error));
            Assert.Equal(occurrence, (await engine.TaskAsync(task.Id)).ConsecutiveFailures);
        }

        var paused = await engine.TaskAsync(task.Id);
        Assert.Equal(TaskState.Paused, paused.Status);
        Assert.Contains("2 consecutive failed runs", paused.StatusReason, StringComparison.Ordinal);

        engine.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await engine.PlanAsync());
        Assert.Equal(4, engine.Runner.Calls);
    }

    [Fact]
    public async Task RecoverOnceAsync_RequeuesARunWhoseOwnerDied_AsAttemptTwo_AndRejectsTheDeadOwnersLateResult()
    {
        await using var engine = await EngineHarness.StartAsync();
        engine.Runner.Script = _ => new RunnerResult(true, 0, "recovered fine", null);
        var task = await engine.CreateTaskAsync(null);
        var run = await engine.RunNowAsync(task);

        // Another daemon claims the run and dies without a heartbeat.
        Assert.Single(await engine.Store.Runs.ClaimAsync("dead-node", engine.Now, engine.Now + engine.Options.Lease, 10, CancellationToken.None));
        Assert.Equal(0, await engine.DispatchAsync());
        engine.Time.Advance(engine.Options.Lease - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await engine.RecoverAsync());

        engine.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await engine.RecoverAsync());

        var requeued = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Queued, 2, (string?)null), (requeued.Status, requeued.Attempt, requeued.LeaseOwner));
        Assert.Contains("dead-node", requeued.Error, StringComparison.Ordinal);
        engine.Time.SetUtcNow(requeued.NotBefore);
        Assert.Equal(1, await engine.DispatchAsync());
        await engine.WaitIdleAsync();

        var done = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Succeeded, 2, "recovered fine"), (done.Status, done.Attempt, done.Output));
        var late = await engine.Store.Runs.CompleteAsync(
            run.Id, 1, "dead-node", c => CompletionPolicy.Decide(c, new AttemptOutcome(RunStatus.Failed, null, "late"), engine.Now, engine.Options, new Random(1)), [], CancellationToken.None);
        Assert.False(late);
        Assert.Equal(done, await engine.RunAsync(run.Id));
        var log = await engine.LogAsync(run.Id);
        Assert.Equal(["attempt.abandoned", "attempt.started", "stdout", "attempt.finished"], log.Select(e => e.Type));
        Assert.Equal([1, 2, 2, 2], log.Select(e => e.Attempt));
    }

    [Fact]
    public async Task RecoverOnceAsync_FinishesTheRunCancelled_WhenItWasCancelledBeforeItsOwnerDied()
    {
        // Regression: the reaper re-queued a run the user had cancelled, so a cancel sent while its daemon was dying ran it again.
        await using var engine = await EngineHarness.StartAsync();
        var task = await engine.CreateTaskAsync(null);
        var run = await engine.RunNowAsync(task);
        await engine.Store.Runs.ClaimAsync("dead-node", engine.Now, engine.Now + engine.Options.Lease, 10, CancellationToken.None);
        await engine.Store.Runs.CancelAsync(run.Id, engine.Now, c => throw new InvalidOperationException("running"), CancellationToken.None);

        engine.Time.Advance(engine.Options.Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await engine.RecoverAsync());

        var cancelled = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Cancelled, 1), (cancelled.Status, cancelled.Attempt));
        Assert.NotNull(cancelled.FinishedAt);
        Assert.Equal(RunStatus.Cancelled, (await engine.TaskAsync(task.Id)).LastRunStatus);
        engine.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, await engine.DispatchAsync());
    }

    [Fact]
    public async Task DispatchOnceAsync_StartsNoMoreThanMaxConcurrentRuns()
    {
        await using var engine = await EngineHarness.StartAsync(new SchedulerOptions { NodeId = "node-test", MaxConcurrentRuns = 2 });
        var runs = new List<TaskRun>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await engine.RunNowAsync(await engine.CreateTaskAsync(null)));
        }

        Assert.Equal(2, await engine.DispatchAsync());
        var first = await engine.Runner.NextStartedAsync();
        var second = await engine.Runner.NextStartedAsync();
        Assert.Equal(0, await engine.DispatchAsync());
        Assert.Equal(2, engine.Scheduler.RunningCount);

        first.Succeed();
        await engine.WaitRunningAsync(1);
        Assert.Equal(1, await engine.DispatchAsync());
        var third = await engine.Runner.NextStartedAsync();
        Assert.Equal(0, await engine.DispatchAsync());

        second.Succeed();
        third.Succeed();
        await engine.WaitIdleAsync();
        foreach (var run in runs)
        {
            Assert.Equal(RunStatus.Succeeded, (await engine.RunAsync(run.Id)).Status);
        }
    }

    [Fact]
    public async Task DispatchOnceAsync_EndsTheRunTimedOut_AndCancelsTheRunnersToken_WhenTheTimeoutPasses()
    {
        await using var engine = await EngineHarness.StartAsync();
        var task = await engine.CreateTaskAsync(null, new TaskPolicies { Timeout = TimeSpan.FromMinutes(5), Retries = 0 });
        var run = await engine.RunNowAsync(task);
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();

        engine.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.False(attempt.Token.IsCancellationRequested);
        engine.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(attempt.Token.IsCancellationRequested);
        await engine.WaitIdleAsync();

        var timedOut = await engine.RunAsync(run.Id);
        Assert.Equal(RunStatus.TimedOut, timedOut.Status);
        Assert.Contains("timed out after 5 min", timedOut.Error, StringComparison.Ordinal);
        Assert.Equal(RunStatus.TimedOut, (await engine.TaskAsync(task.Id)).LastRunStatus);
        Assert.Contains(await engine.LogAsync(run.Id), e => e.Type == "attempt.finished" && e.Data.GetProperty("status").GetString() == "timed_out");
    }

    [Fact]
    public async Task Cancel_EndsARunningRunCancelled_AndCancelsTheRunnersToken()
    {
        await using var engine = await EngineHarness.StartAsync();
        var task = await engine.CreateTaskAsync(Cron("0 9 * * *"), new TaskPolicies { Retries = 3 });
        var run = await engine.RunNowAsync(task);
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();

        Assert.False(engine.Scheduler.Attempts.Cancel("r_unknown"));
        Assert.True(engine.Scheduler.Attempts.Cancel(run.Id));
        await engine.WaitIdleAsync();

        Assert.True(attempt.Token.IsCancellationRequested);
        var cancelled = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Cancelled, 1), (cancelled.Status, cancelled.Attempt));
        var stored = await engine.TaskAsync(task.Id);
        Assert.Equal((TaskState.Active, RunStatus.Cancelled, 0), (stored.Status, stored.LastRunStatus, stored.ConsecutiveFailures));
    }

    [Fact]
    public async Task DispatchOnceAsync_RunsAOneTimeTaskOnce_AndEndsItSucceeded()
    {
        await using var engine = await EngineHarness.StartAsync();
        engine.Runner.Script = _ => new RunnerResult(true, 0, "reported in thread", null);
        var task = await engine.CreateTaskAsync(new AtTrigger(EngineHarness.Start.AddMinutes(20)));

        engine.Time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(1, await engine.PlanAsync());
        Assert.Equal(1, await engine.DispatchAsync());
        await engine.WaitIdleAsync();

        var stored = await engine.TaskAsync(task.Id);
        Assert.Equal((TaskState.Succeeded, (DateTimeOffset?)null), (stored.Status, stored.NextFireAt));
        engine.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await engine.PlanAsync());
        Assert.Equal(1, engine.Runner.Calls);
    }

    [Fact]
    public async Task SweepOnceAsync_DeletesOldFinishedRunsInBatches_UntilNoneAreLeft()
    {
        await using var engine = await EngineHarness.StartAsync(new SchedulerOptions
        {
            NodeId = "node-test",
            RetentionMaxAge = TimeSpan.FromDays(1),
            RetentionBatch = 3,
            RetentionKeepPerTask = 100,
        });
        engine.Runner.Script = _ => new RunnerResult(true, 0, "ok", null);
        var task = await engine.CreateTaskAsync(null);
        for (var i = 0; i < 7; i++)
        {
            await engine.RunNowAsync(task);
            Assert.Equal(1, await engine.DispatchAsync());
            await engine.WaitIdleAsync();
            engine.Time.Advance(TimeSpan.FromMinutes(1));
        }

        var recent = await engine.RunNowAsync(task);
        engine.Time.Advance(TimeSpan.FromDays(2));
        await engine.DispatchAsync();
        await engine.WaitIdleAsync();

        Assert.Equal(7, await engine.Scheduler.Retention.SweepOnceAsync(CancellationToken.None));
        Assert.Equal(recent.Id, Assert.Single(await engine.RunsAsync(task.Id)).Id);
    }

    [Fact]
    public async Task LeaseKeeper_StopsTheAttemptWithoutWriting_WhenAnotherNodeTookTheRunOver()
    {
        await using var engine = await EngineHarness.StartAsync();
        var task = await engine.CreateTaskAsync(null);
        var run = await engine.RunNowAsync(task);
        engine.StartHeartbeat();
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();

        // Seen from another node whose clock says the lease is long gone, the run is recovered as attempt 2.
        Assert.Single(await engine.Store.Runs.RecoverExpiredAsync(
            engine.Now.AddHours(1), 10, c => CompletionPolicy.Requeue(c, engine.Now, "taken over", engine.Options, new Random(1)), CancellationToken.None));
        engine.Scheduler.Leases.HeartbeatNow();
        await engine.WaitIdleAsync();

        Assert.True(attempt.Token.IsCancellationRequested);
        var takenOver = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Queued, 2, "taken over"), (takenOver.Status, takenOver.Attempt, takenOver.Error));
        Assert.DoesNotContain(await engine.LogAsync(run.Id), e => e.Type == "attempt.finished");
    }

    [Fact]
    public async Task LeaseKeeper_CancelsTheAttempt_WhenAnotherProcessFlaggedTheRun()
    {
        await using var engine = await EngineHarness.StartAsync();
        var task = await engine.CreateTaskAsync(null, new TaskPolicies { Retries = 2 });
        var run = await engine.RunNowAsync(task);
        engine.StartHeartbeat();
        await engine.Time.WaitForTimerAsync(engine.Now + (engine.Options.Lease / 3), "the heartbeat to sleep until its first beat");
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();

        await engine.Store.Runs.CancelAsync(run.Id, engine.Now, c => throw new InvalidOperationException("running"), CancellationToken.None);
        engine.Time.Advance(engine.Options.Lease / 3);
        await engine.WaitIdleAsync();

        Assert.True(attempt.Token.IsCancellationRequested);
        Assert.Equal((RunStatus.Cancelled, 1), ((await engine.RunAsync(run.Id)).Status, (await engine.RunAsync(run.Id)).Attempt));
    }

    [Fact]
    public async Task StopAsync_KillsAttemptsAfterTheGrace_AndHandsTheirRunsBackToTheQueue()
    {
        var options = new SchedulerOptions { NodeId = "node-test", ShutdownGrace = TimeSpan.FromSeconds(10) };
        await using var engine = await EngineHarness.StartAsync(options);
        var task = await engine.CreateTaskAsync(null, new TaskPolicies { Retries = 0 });
        var run = await engine.RunNowAsync(task);
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();

        var stoppedAt = engine.Now;
        var stopping = engine.Scheduler.StopAsync(CancellationToken.None);
        await engine.Time.WaitForTimerAsync(stoppedAt + options.ShutdownGrace, "the stop to wait out the grace");
        engine.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(attempt.Token.IsCancellationRequested);
        engine.Time.Advance(TimeSpan.FromSeconds(1));

        // The killed attempt finishes on the thread pool.
        await stopping.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System);
        Assert.True(attempt.Token.IsCancellationRequested);

        var requeued = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Queued, 2, (string?)null), (requeued.Status, requeued.Attempt, requeued.LeaseOwner));
        Assert.Equal(stoppedAt + options.ShutdownGrace, requeued.NotBefore);
        Assert.Contains("daemon stopped", requeued.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DispatchOnceAsync_GivesARetriedAttemptTheSameRunIdAndTheNextAttemptNumber(bool daemonDied)
    {
        // AGENTCRON_RUN_ID is the idempotency key a run's program uses (docs/scheduling.md): execution is at-least-once.
        await using var engine = await EngineHarness.StartAsync();
        var task = await engine.CreateTaskAsync(null, new TaskPolicies { Retries = 2 });
        var run = await engine.RunNowAsync(task);
        Assert.Equal(1, await engine.DispatchAsync());
        var first = await engine.Runner.NextStartedAsync();
        if (daemonDied)
        {
            // Its daemon freezes (no heartbeat) and another daemon recovers the run; the agent of attempt 1 finished its
            // work anyway, but too late: its result is refused, so attempt 2 does the work again.
            engine.Time.Advance(engine.Options.Lease + TimeSpan.FromSeconds(1));
            Assert.Equal(1, await engine.RecoverFromAnotherDaemonAsync());
            first.Succeed();
        }
        else
        {
            first.Result.TrySetResult(new RunnerResult(false, 1, null, "exit 1"));
        }

        await engine.WaitIdleAsync();
        var retry = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Queued, 2), (retry.Status, retry.Attempt));
        engine.Time.SetUtcNow(retry.NotBefore);
        Assert.Equal(1, await engine.DispatchAsync());
        var second = await engine.Runner.NextStartedAsync();
        second.Succeed();
        await engine.WaitIdleAsync();

        Assert.Equal((run.Id, run.Id), (first.Request.Environment["AGENTCRON_RUN_ID"], second.Request.Environment["AGENTCRON_RUN_ID"]));
        Assert.Equal(("1", "2"), (first.Request.Environment["AGENTCRON_ATTEMPT"], second.Request.Environment["AGENTCRON_ATTEMPT"]));
        Assert.Equal((RunStatus.Succeeded, 2), ((await engine.RunAsync(run.Id)).Status, (await engine.RunAsync(run.Id)).Attempt));
    }

    [Fact]
    public async Task DispatchOnceAsync_KeepsTheLogUpToItsLimitThenSaysItWasTruncated_AndKeepsTheResult_WhenTheAgentLogsMore()
    {
        const int limit = 4_000;
        await using var engine = await EngineHarness.StartAsync(new SchedulerOptions { NodeId = "node-test", MaxLogBytesPerRun = limit });
        engine.Runner.Output = log =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                log.Write("stdout", new { text = $"line {i}" });
            }
        };
        engine.Runner.Script = _ => new RunnerResult(true, 0, "the final answer", null);
        var task = await engine.CreateTaskAsync(null);
        var run = await engine.RunNowAsync(task);

        Assert.Equal(1, await engine.DispatchAsync());
        await engine.WaitIdleAsync();

        var done = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Succeeded, 0, "the final answer"), (done.Status, done.ExitCode, done.Output));
        var log = await engine.LogAsync(run.Id);
        var marker = log.FindIndex(e => e.Type == "log.truncated");
        Assert.True(marker > 0, string.Join(", ", log.Select(e => e.Type)));
        var kept = log[..marker];
        Assert.Equal("attempt.started", kept[0].Type);
        // The agent's entries are kept in order from the first, up to the limit.
        var lines = kept.Where(e => e.Type == "stdout").Select(e => e.Data.GetProperty("text").GetString()).Skip(1).ToList();
        Assert.Equal(Enumerable.Range(0, lines.Count).Select(i => $"line {i}"), lines);
        Assert.InRange(lines.Count, 10, 999);
        Assert.InRange(kept.Sum(e => e.Data.GetRawText().Length + e.Type.Length), limit - 100, limit);
        Assert.Contains("limit of 4,000 bytes", log[marker].Data.GetProperty("reason").GetString(), StringComparison.Ordinal);
        // After the marker only the engine's closing entry, which says how the attempt ended.
        var finished = Assert.Single(log[(marker + 1)..]);
        Assert.Equal(("attempt.finished", "succeeded"), (finished.Type, finished.Data.GetProperty("status").GetString()));
    }
}
