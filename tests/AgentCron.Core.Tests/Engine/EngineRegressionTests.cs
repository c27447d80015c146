using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;
using AgentCron.TestKit;
using Microsoft.Data.Sqlite;

namespace AgentCron.Core.Tests.Engine;

/// <summary>Each test is named after what broke, found in review, and pins the fix.</summary>
public class EngineRegressionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

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
            await Eventually.TrueAsync(async () =>
            {
                engine.Time.Advance(TimeSpan.FromMilliseconds(500));
                return (await engine.RunAsync(id)).Status == RunStatus.Running;
            }, Patience, "the run due in 5 s to start (not after the 30 s idle sleep)");
            Assert.True(engine.Now < EngineHarness.Start + engine.Options.MaxIdle);
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
            await Eventually.TrueAsync(() => Task.FromResult(engine.Now >= EngineHarness.Start.AddMilliseconds(2)), Patience, "the dispatcher's first pass");
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
            await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref recoveries) >= 1), Patience, "the reaper's first pass");
            await Task.Delay(200); // the clock stands still: a tight loop would ask hundreds of times meanwhile
            Assert.Equal(1, Volatile.Read(ref recoveries));
            engine.Time.Advance(TimeSpan.FromMilliseconds(100));
            await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref recoveries) == 2), Patience, "the next look, 100 ms later");
        });
    }

    [Fact]
    public async Task ClaimInFlightWhenStopping_IsHandedBack_InsteadOfStartingAfterTheDrain()
    {
        await using var engine = await EngineHarness.StartAsync(new SchedulerOptions { NodeId = "node-test", ShutdownGrace = TimeSpan.Zero });
        var task = await engine.CreateTaskAsync(null);
        var run = await engine.RunNowAsync(task);
        using var blocker = Open(engine);
        Execute(blocker, "BEGIN IMMEDIATE");
        engine.Scheduler.Start();
        await Task.Delay(500); // the dispatcher's claim waits behind the other writer
        var stopping = engine.Scheduler.StopAsync(CancellationToken.None);
        await Task.Delay(200);
        Execute(blocker, "COMMIT");
        await stopping;

        Assert.Empty(engine.Scheduler.Dispatcher.Running);
        Assert.Equal(RunStatus.Queued, (await engine.RunAsync(run.Id)).Status);
    }

    [Fact]
    public async Task SucceededAttempt_StaysSucceeded_WhenTheDrainEndsWhileItsResultIsBeingWritten()
    {
        await using var engine = await EngineHarness.StartAsync();
        var task = await engine.CreateTaskAsync(null);
        var run = await engine.RunNowAsync(task);
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();
        using var blocker = Open(engine);
        Execute(blocker, "BEGIN IMMEDIATE");
        attempt.Succeed("posted to slack"); // the agent is done; its result waits for the write lock
        // Until the runner has handed its result back, a stop still cancels the attempt (and a drain re-queues it).
        await attempt.Ended.Task.WaitAsync(Patience);
        var draining = engine.Scheduler.Dispatcher.DrainAsync(TimeSpan.Zero, CancellationToken.None);
        await Task.Delay(100);
        Execute(blocker, "COMMIT");
        await draining;

        var after = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Succeeded, 1, "posted to slack"), (after.Status, after.Attempt, after.Output));
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
        await engine.Store.Tasks.UpdateAsync(current with { Status = TaskState.Paused, NextFireAt = null }, current.Version, CancellationToken.None);

        attempt.Succeed();
        await engine.WaitIdleAsync();

        Assert.Equal(TaskState.Succeeded, (await engine.TaskAsync(task.Id)).Status);
    }

    private static SqliteConnection Open(EngineHarness engine)
    {
        var connection = new SqliteConnection($"Data Source={engine.Store.Path}");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
