using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;
using AgentCron.TestKit;

namespace AgentCron.Core.Tests.Engine;

/// <summary>Each test is named after what broke, found in review, and pins the fix.</summary>
public class EngineRegressionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CancelRequestedDuringAFailingAttempt_EndsCancelled_InsteadOfRetrying()
    {
        await using var engine = await EngineHarness.StartAsync();
        var task = await engine.CreateTaskAsync(null, new TaskPolicies { Retries = 2 });
        var run = await engine.RunNowAsync(task);
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();

        // Another daemon's API sets the flag; before this daemon's heartbeat sees it, the agent fails by itself.
        await engine.Store.Runs.CancelAsync(run.Id, engine.Now, c => throw new InvalidOperationException("not queued"), CancellationToken.None);
        attempt.Result.TrySetResult(new RunnerResult(false, 1, null, "boom"));
        await engine.WaitIdleAsync();

        var after = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Cancelled, 1), (after.Status, after.Attempt));
        engine.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, await engine.DispatchAsync());
    }

    [Fact]
    public async Task Dispatcher_WakesForTheNextRunDue_WhileAnotherDueRunIsBlocked()
    {
        await using var engine = await EngineHarness.StartAsync();
        var blocked = await engine.CreateTaskAsync(null, new TaskPolicies { Overlap = OverlapPolicy.Queue });
        var other = await engine.CreateTaskAsync(null, new TaskPolicies { Overlap = OverlapPolicy.Allow });
        await engine.RunNowAsync(blocked);
        Assert.Equal(1, await engine.DispatchAsync());
        await engine.Runner.NextStartedAsync();
        await engine.RunNowAsync(blocked); // due, but waits for the first run of its task
        var id = (await engine.QueueAsync(other, engine.Now.AddSeconds(5))).Id;

        await engine.WhileLoopRunsAsync(engine.Scheduler.Dispatcher.RunAsync, async () =>
        {
            // Its first pass starts nothing (one run is blocked, the other not yet due) and sleeps until the next one is due.
            await engine.Time.WaitForTimerAsync(EngineHarness.Start.AddSeconds(5), "the dispatcher to sleep until the run due in 5 s (not the 30 s idle sleep)");
            engine.Time.Jump(TimeSpan.FromSeconds(5));
            await Eventually.TrueAsync(async () => (await engine.RunAsync(id)).Status == RunStatus.Running, Patience, "the run due in 5 s to start");
        });
    }

    [Fact]
    public async Task RunThatBecomesDueWhileTheDispatcherTalksToTheStore_StartsAtOnce_InsteadOfAfterTheIdleSleep()
    {
        // Seen on a cluster: a retry due in 8 s waited 30 s more. The dispatcher woke a hair before the retry was due, its
        // claim found it not yet due, and its second look (for the next run due "from now") read the clock again, after
        // the retry had become due, so it found nothing and slept the idle time.
        await using var engine = await EngineHarness.StartAsync(storeRoundTrip: TimeSpan.FromMilliseconds(1));
        var task = await engine.CreateTaskAsync(null, new TaskPolicies { Overlap = OverlapPolicy.Allow });
        var due = engine.Now.AddSeconds(8);
        var id = (await engine.QueueAsync(task, due)).Id;

        await engine.WhileLoopRunsAsync(engine.Scheduler.Dispatcher.RunAsync, async () =>
        {
            // Its first pass looks twice (each look a 1 ms round trip) and sleeps until the run is due.
            await engine.Time.WaitForTimerAsync(due, "the dispatcher's first pass to sleep until the run is due");
            engine.Time.SetUtcNow(due.AddTicks(-5_000)); // half a millisecond early
            engine.Scheduler.Dispatcher.Wake();

            // The clock is not moved on: the run must start from the pass that straddled its due time.
            await Eventually.TrueAsync(async () => (await engine.RunAsync(id)).Status == RunStatus.Running, Patience, "the run to start without the 30 s idle sleep");
            Assert.True(engine.Now < due.AddSeconds(1), $"the clock is at {engine.Now:O}");
        });
    }

    [Fact]
    public async Task ExpiredLeaseStillHeldByItsOwnersTransaction_IsLookedAtAgainShortly_InsteadOfInATightLoop()
    {
        // On PostgreSQL recovery skips a run whose row is locked (SKIP LOCKED), and an owner frozen in the middle of its
        // heartbeat holds that lock for as long as it is frozen. The reaper's next wake-up was "a little after the
        // expiry", already past, so it asked the store again at once, over and over.
        var recoveries = 0;
        await using var engine = await EngineHarness.StartAsync(interceptRuns: (method, proceed) =>
        {
            if (method.Name != nameof(IRunStore.RecoverExpiredAsync))
            {
                return proceed();
            }

            Interlocked.Increment(ref recoveries);
            return Task.FromResult<IReadOnlyList<TaskRun>>([]); // its row is locked: skipped
        });
        var task = await engine.CreateTaskAsync(null);
        await engine.RunNowAsync(task);
        Assert.Equal(1, await engine.DispatchAsync());
        await engine.Runner.NextStartedAsync();
        engine.Time.Advance(engine.Options.Lease + TimeSpan.FromSeconds(1)); // no heartbeat: the lease has expired

        await engine.WhileLoopRunsAsync(engine.Scheduler.Reaper.RunAsync, async () =>
        {
            // A tight loop would never sleep (it would ask again and again while the clock stands still).
            await engine.Time.WaitForTimerAsync(engine.Now.AddMilliseconds(100), "the reaper to sleep 100 ms before it looks again");
            Assert.Equal(1, Volatile.Read(ref recoveries));
            engine.Time.Jump(TimeSpan.FromMilliseconds(100));
            await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref recoveries) == 2), Patience, "the next look, 100 ms later");
        });
    }

    [Fact]
    public async Task ClaimInFlightWhenStopping_IsHandedBack_InsteadOfStartingAfterTheDrain()
    {
        var claiming = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var engine = await EngineHarness.StartAsync(
            new SchedulerOptions { NodeId = "node-test", ShutdownGrace = TimeSpan.Zero },
            interceptRuns: Hold<IReadOnlyList<ClaimedRun>>(nameof(IRunStore.ClaimAsync), claiming, release.Task));
        var task = await engine.CreateTaskAsync(null);
        var run = await engine.RunNowAsync(task);
        var dispatching = engine.DispatchAsync();
        await claiming.Task.WaitAsync(Patience);

        // A stop (StopAsync cancels the loops, then drains) begins while the claim is in the store: the drain waits for it.
        var draining = engine.Scheduler.Dispatcher.DrainAsync(TimeSpan.Zero, CancellationToken.None);
        Assert.False(draining.IsCompleted, "the drain did not wait for the claim in flight");
        release.SetResult();
        Assert.Equal(1, await dispatching);
        await draining.WaitAsync(Patience);

        Assert.Empty(engine.Scheduler.Attempts.Ids);
        var after = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Queued, 2), (after.Status, after.Attempt));
        Assert.Contains("daemon stopped", after.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SucceededAttempt_StaysSucceeded_WhenTheDrainEndsWhileItsResultIsBeingWritten()
    {
        var completing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var engine = await EngineHarness.StartAsync(interceptRuns: Hold<bool>(nameof(IRunStore.CompleteAsync), completing, release.Task));
        var task = await engine.CreateTaskAsync(null);
        var run = await engine.RunNowAsync(task);
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();
        attempt.Succeed("posted to slack");
        await completing.Task.WaitAsync(Patience); // the agent is done; its result is on its way to the store

        var draining = engine.Scheduler.Dispatcher.DrainAsync(TimeSpan.Zero, CancellationToken.None);
        release.SetResult();
        await draining.WaitAsync(Patience);

        var after = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Succeeded, 1, "posted to slack"), (after.Status, after.Attempt, after.Output));
    }

    [Fact]
    public async Task AttemptWritingItsResult_GivesItsSlotUp_ButAtMostFourResultsPerSlotAreHeld()
    {
        var completing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var engine = await EngineHarness.StartAsync(
            new SchedulerOptions { NodeId = "node-test", MaxConcurrentRuns = 1 },
            interceptRuns: Hold<bool>(nameof(IRunStore.CompleteAsync), completing, release.Task));
        var runs = new List<TaskRun>();
        for (var i = 0; i < 5; i++)
        {
            runs.Add(await engine.RunNowAsync(await engine.CreateTaskAsync(null)));
        }

        // Each agent ends and its result is held on its way to the store: its slot takes the next run.
        for (var held = 1; held <= 4; held++)
        {
            Assert.Equal(1, await engine.DispatchAsync());
            (await engine.Runner.NextStartedAsync()).Succeed();
            await Eventually.TrueAsync(() => Task.FromResult(engine.Scheduler.Attempts.Executing == 0 && engine.Scheduler.RunningCount == held), Patience, $"{held} results held");
        }

        // Four results held for one slot: no fifth claim until they are written; the first is still running in the store.
        await completing.Task.WaitAsync(Patience);
        Assert.Equal(0, await engine.DispatchAsync());
        Assert.Equal(RunStatus.Running, (await engine.RunAsync(runs[0].Id)).Status);

        release.SetResult();
        await engine.WaitRunningAsync(0);
        Assert.Equal(1, await engine.DispatchAsync());
        (await engine.Runner.NextStartedAsync()).Succeed();
        await engine.WaitIdleAsync();
        foreach (var run in runs)
        {
            Assert.Equal(RunStatus.Succeeded, (await engine.RunAsync(run.Id)).Status);
        }
    }

    [Fact]
    public async Task OneTimeTaskPausedDuringItsRun_EndsWithItsRun_InsteadOfStayingActiveForever()
    {
        await using var engine = await EngineHarness.StartAsync();
        var at = engine.Now.AddMinutes(1);
        var task = await engine.CreateTaskAsync(new AtTrigger(at));
        engine.Time.SetUtcNow(at);
        Assert.Equal(1, await engine.PlanAsync());
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();
        var current = await engine.TaskAsync(task.Id);
        await engine.Store.Tasks.UpdateAsync(current.Id, current.Version, t => t with { Status = TaskState.Paused, NextFireAt = null }, CancellationToken.None);

        attempt.Succeed();
        await engine.WaitIdleAsync();

        Assert.Equal(TaskState.Succeeded, (await engine.TaskAsync(task.Id)).Status);
    }

    /// <summary>
    /// Holds every engine call of <paramref name="method"/> in the store until <paramref name="release"/> completes, after
    /// signalling <paramref name="reached"/>: the test knows the call is in flight, and ends it when it chooses.
    /// </summary>
    private static RunStoreInterceptor Hold<T>(string method, TaskCompletionSource reached, Task release) => (called, proceed) =>
    {
        if (called.Name != method)
        {
            return proceed();
        }

        reached.TrySetResult();
        return HeldAsync();

        async Task<T> HeldAsync()
        {
            await release;
            return await (Task<T>)proceed()!;
        }
    };
}
