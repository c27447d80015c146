using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.TestKit;

namespace AgentCron.Core.Tests.Engine;

/// <summary>
/// A finished attempt whose result the store will not take (a full disk) keeps its result, keeps its run, and writes it
/// once the store takes it again; health says why it is degraded meanwhile.
/// </summary>
public class ResultWriteTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ResultWrittenWhileTheDiskIsFull_IsKeptAndWrittenOnceThereIsSpace_InsteadOfTheRunBeingRecoveredAsIfItsDaemonDied()
    {
        // The result was given up after three tries; the run then looked abandoned, and was recovered as a failed attempt.
        await using var engine = await EngineHarness.StartAsync();
        var task = await engine.CreateTaskAsync(null, new TaskPolicies { Retries = 2 });
        var run = await engine.RunNowAsync(task);
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();
        // Long past its lease, and no heartbeat ran (as when renewals do not fit on the disk either).
        engine.Time.Advance(engine.Options.Lease * 3);
        await SqliteDiskSpace.FillAsync(engine.Store);
        var output = new string('x', 50_000);

        attempt.Succeed(output);

        var reason = await Eventually.GetAsync(() => Task.FromResult(engine.Scheduler.Health.Reasons is [var first, ..] ? first : null), Patience, "health to say the result cannot be written");
        Assert.Equal($"the result of run {run.Id} could not be written: SQLite Error 13: 'database or disk is full'; retrying", reason);
        // The next try waits on the fake clock, so the reaper's pass has the store to itself. The run is still this
        // daemon's, and its reaper leaves it alone.
        Assert.Equal(0, await engine.RecoverAsync());
        Assert.Equal((RunStatus.Running, 1), ((await engine.RunAsync(run.Id)).Status, (await engine.RunAsync(run.Id)).Attempt));
        Assert.Contains(run.Id, engine.Scheduler.Attempts.Ids);

        await SqliteDiskSpace.FreeAsync(engine.Store);
        await WaitWrittenAsync(engine, run.Id);

        var after = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Succeeded, 1, output), (after.Status, after.Attempt, after.Output));
        Assert.Single(await engine.RunsAsync(task.Id));
        Assert.Single(await engine.LogAsync(run.Id), e => e.Type == "attempt.finished");
        Assert.DoesNotContain(await engine.LogAsync(run.Id), e => e.Type == "attempt.abandoned");
        Assert.Empty(engine.Scheduler.Health.Reasons);
    }

    [Fact]
    public async Task RunWhoseResultAndHeartbeatsFail_IsNotRecoveredByItsOwnDaemon_AndEndsWithTheResultItHad()
    {
        // A full disk on which not even a lease renewal fits: the lease runs out, but this daemon is alive and holds the
        // result, so its reaper must not hand the run to a new attempt.
        var failing = 1;
        await using var engine = await EngineHarness.StartAsync(interceptRuns: (method, proceed) =>
            Volatile.Read(ref failing) == 1 && method.Name is nameof(IRunStore.CompleteAsync) or nameof(IRunStore.RenewLeasesAsync)
                ? Refuse(method.ReturnType)
                : proceed());
        var task = await engine.CreateTaskAsync(null, new TaskPolicies { Retries = 2 });
        var run = await engine.RunNowAsync(task);
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();
        engine.StartHeartbeat();

        attempt.Result.TrySetResult(new RunnerResult(false, 3, "half done", "exit 3"));
        await Eventually.TrueAsync(() => Task.FromResult(engine.Scheduler.Health.Reasons.Any(r => r.StartsWith($"the result of run {run.Id}", StringComparison.Ordinal))), Patience, "health to say the result cannot be written");
        for (var i = 0; i < 3; i++)
        {
            engine.Time.Advance(engine.Options.Lease);
            Assert.Equal(0, await engine.RecoverAsync());
        }

        Assert.Equal((RunStatus.Running, 1), ((await engine.RunAsync(run.Id)).Status, (await engine.RunAsync(run.Id)).Attempt));

        Volatile.Write(ref failing, 0);
        await WaitWrittenAsync(engine, run.Id);

        // The attempt's own failure, retried per its policy: attempt 2 is a retry of "exit 3", not of an abandoned attempt.
        var after = await engine.RunAsync(run.Id);
        Assert.Equal((RunStatus.Queued, 2), (after.Status, after.Attempt));
        Assert.Contains("exit 3", after.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(await engine.LogAsync(run.Id), e => e.Type == "attempt.abandoned");
        await Eventually.TrueAsync(
            () =>
            {
                engine.Scheduler.Leases.HeartbeatNow();
                return Task.FromResult(engine.Scheduler.Health.Reasons.Count == 0);
            },
            Patience,
            "health to be ok again");
    }

    [Fact]
    public async Task ResultThatStillCannotBeWritten_IsGivenUpWhenTheShutdownGraceIsOver_SoTheDaemonStops()
    {
        await using var engine = await EngineHarness.StartAsync(new SchedulerOptions { NodeId = "node-test", ShutdownGrace = TimeSpan.FromSeconds(10) });
        var task = await engine.CreateTaskAsync(null);
        var run = await engine.RunNowAsync(task);
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();
        await SqliteDiskSpace.FillAsync(engine.Store);
        attempt.Succeed(new string('x', 50_000));
        await Eventually.TrueAsync(() => Task.FromResult(engine.Scheduler.Health.Reasons.Count > 0), Patience, "the result write to fail");

        var draining = engine.Scheduler.Dispatcher.DrainAsync(engine.Options.ShutdownGrace, CancellationToken.None);
        Assert.False(draining.IsCompleted);
        await Eventually.TrueAsync(
            () =>
            {
                engine.Time.Advance(TimeSpan.FromSeconds(1));
                return Task.FromResult(draining.IsCompleted);
            },
            Patience,
            "the drain to end once its grace is over");

        await draining;
        Assert.Empty(engine.Scheduler.Attempts.Ids);
        Assert.True(engine.Now >= EngineHarness.Start + engine.Options.ShutdownGrace, $"the drain ended at {engine.Now:O}, before its grace");
        // Left for recovery once the lease runs out: re-run as a new attempt, the only choice without the result.
        Assert.Equal(RunStatus.Running, (await engine.RunAsync(run.Id)).Status);
        await SqliteDiskSpace.FreeAsync(engine.Store);
    }

    private static Task WaitWrittenAsync(EngineHarness engine, string runId) =>
        Eventually.TrueAsync(
            async () =>
            {
                // The next try comes after a pause on the fake clock.
                engine.Time.Advance(TimeSpan.FromSeconds(5));
                return !engine.Scheduler.Attempts.Holds(runId) && (await engine.RunAsync(runId)).Status != RunStatus.Running;
            },
            Patience,
            "the result to be written");

    /// <summary>A store call failing as on a full disk, as the task its method returns.</summary>
    private static object Refuse(Type returnType)
    {
        var error = new IOException("database or disk is full");
        var result = returnType.GetGenericArguments()[0];
        return typeof(Task).GetMethod(nameof(Task.FromException), 1, [typeof(Exception)])!.MakeGenericMethod(result).Invoke(null, [error])!;
    }
}
