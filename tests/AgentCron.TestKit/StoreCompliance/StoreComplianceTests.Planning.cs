using System.Collections.Concurrent;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Xunit;

namespace AgentCron.TestKit.StoreCompliance;

public abstract partial class StoreComplianceTests
{
    private static readonly TimeSpan Daily = TimeSpan.FromDays(1);

    [Fact]
    public async Task PlanDueAsync_OffersOnlyActiveDueTasks_UpToTheLimitPerCall()
    {
        var due = new[]
        {
            await CreateTaskAsync(nextFireAt: T0.AddMinutes(-2)),
            await CreateTaskAsync(nextFireAt: T0.AddMinutes(-1)),
            await CreateTaskAsync(nextFireAt: T0),
        };
        await CreateTaskAsync(nextFireAt: T0.AddTicks(10));
        await CreateTaskAsync(nextFireAt: T0.AddMinutes(-5), status: TaskState.Paused);
        await CreateTaskAsync();

        var offered = new List<string>();
        var first = await Store.Tasks.PlanDueAsync(T0, 2, input => { offered.Add(input.Task.Id); return RunAndAdvance(input, T0, Daily); }, None);
        var second = await Store.Tasks.PlanDueAsync(T0, 2, input => { offered.Add(input.Task.Id); return RunAndAdvance(input, T0, Daily); }, None);
        var third = await Store.Tasks.PlanDueAsync(T0, 2, input => { offered.Add(input.Task.Id); return RunAndAdvance(input, T0, Daily); }, None);

        Assert.Equal(new PlanResult(2, 2), first);
        Assert.Equal(new PlanResult(1, 1), second);
        Assert.Equal(new PlanResult(0, 0), third);
        Assert.Equal(due.Select(t => t.Id).Order(), offered.Order());
    }

    [Fact]
    public async Task PlanDueAsync_AppliesDecision_RunsNextFireTimeAndStatus()
    {
        var task = await CreateTaskAsync(nextFireAt: T0);
        var ran = NewRun(task, T0, occurrence: Occurrence(T0));
        var skipped = NewRun(task, T0.AddMinutes(-10), occurrence: Occurrence(T0.AddMinutes(-10))) with
        {
            Status = RunStatus.Skipped,
            FinishedAt = T0,
            Error = "skipped: missed",
        };

        var result = await Store.Tasks.PlanDueAsync(
            T0.AddSeconds(1),
            10,
            input => new PlanDecision([skipped, ran], null, TaskState.Skipped, StatusReason: "missed beyond its window"),
            None);

        Assert.Equal(new PlanResult(1, 2), result);
        var stored = await FindTaskAsync(task.Id);
        Assert.Null(stored.NextFireAt);
        Assert.Equal(TaskState.Skipped, stored.Status);
        Assert.Equal("missed beyond its window", stored.StatusReason);
        Assert.Equal(ran, await Store.Runs.FindAsync(ran.Id, None));
        Assert.Equal(skipped, await Store.Runs.FindAsync(skipped.Id, None));
        Assert.Null(await Store.Tasks.NextFireAtAsync(None));
    }

    [Fact]
    public async Task PlanDueAsync_ReportsQueuedAndRunningCounts_WhenTaskHasActiveRuns()
    {
        var task = await CreateTaskAsync(nextFireAt: T0);
        await InsertRunAsync(task, T0.AddMinutes(-3), exclusive: false);
        await InsertRunAsync(task, T0.AddMinutes(-2), exclusive: false);
        await InsertRunAsync(task, T0.AddMinutes(-1), exclusive: false);
        await InsertRunAsync(task, T0.AddMinutes(-9), status: RunStatus.Succeeded, finishedAt: T0.AddMinutes(-8));
        await ClaimOneAsync("node-a", T0);

        PlanInput? seen = null;
        await Store.Tasks.PlanDueAsync(T0, 10, input => { seen = input; return RunAndAdvance(input, T0, Daily); }, None);

        Assert.NotNull(seen);
        Assert.Equal(2, seen.QueuedRuns);
        Assert.Equal(1, seen.RunningRuns);
    }

    [Fact]
    public async Task PlanDueAsync_InsertsNothing_WhenTheSameOccurrenceIsPlannedTwice()
    {
        var task = await CreateTaskAsync(nextFireAt: T0);
        Assert.Equal(new PlanResult(1, 1), await Store.Tasks.PlanDueAsync(T0, 10, i => RunAndAdvance(i, T0, Daily), None));

        // Put the task back on the same due instant, as a planner with a stale view would find it.
        var planned = await FindTaskAsync(task.Id);
        await UpdateTaskAsync(planned with { NextFireAt = T0 }, planned.Version);
        var again = await Store.Tasks.PlanDueAsync(T0, 10, i => RunAndAdvance(i, T0, Daily), None);

        Assert.Equal(new PlanResult(1, 0), again);
        var run = Assert.Single(await AllRunsAsync(task.Id));
        Assert.Equal(Occurrence(T0), run.Occurrence);
        Assert.Equal(T0 + Daily, (await FindTaskAsync(task.Id)).NextFireAt);
    }

    [Fact]
    public async Task PlanDueAsync_InsertsOnlyNewOccurrences_WhenDecisionRepeatsAnExistingOne()
    {
        var task = await CreateTaskAsync(nextFireAt: T0);
        var existing = await InsertRunAsync(task);
        var repeat = NewRun(task, T0, occurrence: existing.Occurrence);
        var fresh = NewRun(task, T0, occurrence: Occurrence(T0));

        var result = await Store.Tasks.PlanDueAsync(T0, 10, _ => new PlanDecision([repeat, fresh], T0 + Daily, TaskState.Active), None);

        Assert.Equal(new PlanResult(1, 1), result);
        Assert.Null(await Store.Runs.FindAsync(repeat.Id, None));
        Assert.Equal(existing, await Store.Runs.FindAsync(existing.Id, None));
        Assert.Equal(fresh, await Store.Runs.FindAsync(fresh.Id, None));
    }

    [Fact]
    public async Task PlanDueAsync_FlagsOnlyRunningRunsOfTheTask_WhenDecisionCancelsRunning()
    {
        var task = await CreateTaskAsync(nextFireAt: T0);
        var other = await CreateTaskAsync();
        var running = await InsertRunAsync(task, T0.AddMinutes(-5));
        await ClaimOneAsync("node-a", T0.AddMinutes(-5));
        var otherRunning = await InsertRunAsync(other, T0.AddMinutes(-4));
        await ClaimOneAsync("node-a", T0.AddMinutes(-4));

        await Store.Tasks.PlanDueAsync(T0, 10, i => RunAndAdvance(i, T0, Daily) with { CancelRunning = true }, None);

        Assert.True((await FindRunAsync(running.Id)).CancelRequested);
        Assert.Equal(RunStatus.Running, (await FindRunAsync(running.Id)).Status);
        Assert.False((await FindRunAsync(otherRunning.Id)).CancelRequested);
        var queued = Assert.Single(await AllRunsAsync(task.Id, RunStatus.Queued));
        Assert.False(queued.CancelRequested);
    }

    [Fact]
    public async Task PlanDueAsync_CreatesOneRunPerOccurrence_WhenTwoInstancesRace()
    {
        var other = await OpenMigratedAsync();
        var tasks = new List<AgentTask>();
        for (var i = 0; i < 40; i++)
        {
            tasks.Add(await CreateTaskAsync(nextFireAt: T0.AddSeconds(-i)));
        }

        async Task<int> PlanAllAsync(IAgentCronStore store)
        {
            var inserted = 0;
            while (true)
            {
                var result = await store.Tasks.PlanDueAsync(T0, 3, i => RunAndAdvance(i, T0, Daily), None);
                inserted += result.Runs;
                if (result.Tasks == 0)
                {
                    return inserted;
                }
            }
        }

        var counts = await Task.WhenAll(Task.Run(() => PlanAllAsync(Store)), Task.Run(() => PlanAllAsync(other)));

        Assert.Equal(40, counts.Sum());
        var runs = await AllRunsAsync();
        Assert.Equal(40, runs.Count);
        Assert.Equal(tasks.Select(t => t.Id).Order(), runs.Select(r => r.TaskId).Order());
        Assert.All(tasks, t => Assert.Contains(runs, r => r.TaskId == t.Id && r.Occurrence == Occurrence(t.NextFireAt!.Value)));
    }

    [Fact]
    public async Task PlanDueAsync_KeepsOneRunPerOccurrence_WhenStalePlannersOnTwoInstancesRepeatIt()
    {
        var other = await OpenMigratedAsync();
        var tasks = new List<AgentTask>();
        for (var i = 0; i < 20; i++)
        {
            tasks.Add(await CreateTaskAsync(nextFireAt: T0));
        }

        // A planner that never advances the next fire time proposes the same occurrence on every pass, from both instances.
        var inserted = new ConcurrentBag<int>();
        async Task PlanRepeatedlyAsync(IAgentCronStore store)
        {
            for (var pass = 0; pass < 5; pass++)
            {
                var result = await store.Tasks.PlanDueAsync(T0, 100, i => RunAndAdvance(i, T0, Daily) with { NextFireAt = i.Task.NextFireAt }, None);
                inserted.Add(result.Runs);
            }
        }

        await Task.WhenAll(Task.Run(() => PlanRepeatedlyAsync(Store)), Task.Run(() => PlanRepeatedlyAsync(other)));

        Assert.Equal(20, inserted.Sum());
        var runs = await AllRunsAsync();
        Assert.Equal(20, runs.Count);
        Assert.All(runs.GroupBy(r => r.TaskId), g => Assert.Equal(Occurrence(T0), Assert.Single(g).Occurrence));
    }
}
