using System.Collections.Concurrent;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Xunit;

namespace AgentCron.TestKit.StoreCompliance;

public abstract partial class StoreComplianceTests
{
    [Fact]
    public async Task ClaimAsync_LeasesOldestDueRunsToOwner_UpToTheLimit()
    {
        var task = await CreateTaskAsync();
        var newest = await InsertRunAsync(task, T0.AddMinutes(-1), exclusive: false);
        var oldest = await InsertRunAsync(task, T0.AddMinutes(-3), exclusive: false);
        var middle = await InsertRunAsync(task, T0.AddMinutes(-2), exclusive: false);

        var claimed = await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), 2, None);

        Assert.Equal([oldest.Id, middle.Id], claimed.Select(c => c.Run.Id));
        foreach (var (run, claimedTask) in claimed)
        {
            Assert.Equal(task, claimedTask);
            Assert.Equal(RunStatus.Running, run.Status);
            Assert.Equal("node-a", run.LeaseOwner);
            Assert.Equal(T0.AddSeconds(30), run.LeaseExpiresAt);
            Assert.Equal(T0, run.StartedAt);
            Assert.Equal(1, run.Attempt);
            Assert.Equal(run, await Store.Runs.FindAsync(run.Id, None));
        }

        Assert.Equal(RunStatus.Queued, (await FindRunAsync(newest.Id)).Status);
    }

    [Fact]
    public async Task ClaimAsync_TakesAsManyAsItsLimitSaysWhenAsked_AndNothingForNone()
    {
        var task = await CreateTaskAsync();
        var runs = new List<TaskRun>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await InsertRunAsync(task, T0.AddMinutes(-3 + i), exclusive: false));
        }

        Assert.Empty(await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), () => 0, None));
        foreach (var run in runs)
        {
            Assert.Equal(RunStatus.Queued, (await FindRunAsync(run.Id)).Status);
        }

        var asked = 0;
        var claimed = await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), () => ++asked * 2, None);
        Assert.Equal([runs[0].Id, runs[1].Id], claimed.Select(c => c.Run.Id));
        Assert.Equal(1, asked);
    }

    [Fact]
    public async Task ClaimAsync_RecordsTheNodeOfEachAttempt_AndTheRunKeepsItWhenItEnds()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task, T0.AddMinutes(-1));
        Assert.Null(run.Node);

        var first = await ClaimOneAsync("node-a", T0);
        Assert.Equal("node-a", first.Run.Node);
        Assert.True(await Store.Runs.CompleteAsync(run.Id, 1, "node-a", c => Retry(c, T0, "try again"), [], None));
        var second = await ClaimOneAsync("node-b", T0.AddSeconds(1));
        Assert.Equal("node-b", second.Run.Node);
        Assert.True(await Store.Runs.CompleteAsync(run.Id, 2, "node-b", c => Finish(c, RunStatus.Succeeded, T0.AddSeconds(2)), [], None));

        var finished = await FindRunAsync(run.Id);
        Assert.Equal((RunStatus.Succeeded, null, "node-b"), (finished.Status, finished.LeaseOwner, finished.Node));
    }

    [Fact]
    public async Task ClaimAsync_LeavesRunQueued_UntilItsNotBeforeHasCome()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task, T0.AddMinutes(1));

        Assert.Empty(await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), 10, None));
        Assert.Empty(await Store.Runs.ClaimAsync("node-a", T0.AddSeconds(59), T0.AddSeconds(90), 10, None));
        Assert.Equal(RunStatus.Queued, (await FindRunAsync(run.Id)).Status);

        Assert.Equal(run.Id, (await ClaimOneAsync("node-a", T0.AddMinutes(1))).Run.Id);
    }

    [Fact]
    public async Task ClaimAsync_ReturnsNothing_WhenNothingIsQueued()
    {
        var task = await CreateTaskAsync();
        await InsertRunAsync(task, T0.AddMinutes(-9), status: RunStatus.Succeeded, finishedAt: T0.AddMinutes(-8));

        Assert.Empty(await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), 10, None));
    }

    [Fact]
    public async Task ClaimAsync_ClaimsOneExclusiveRunOfATaskAtATime()
    {
        var task = await CreateTaskAsync();
        var first = await InsertRunAsync(task, T0.AddMinutes(-3));
        var second = await InsertRunAsync(task, T0.AddMinutes(-2));
        var unrelated = await InsertRunAsync(await CreateTaskAsync(), T0.AddMinutes(-1));

        var claimed = await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), 10, None);
        Assert.Equal([first.Id, unrelated.Id], claimed.Select(c => c.Run.Id).Order());
        Assert.Empty(await Store.Runs.ClaimAsync("node-b", T0, T0.AddSeconds(30), 10, None));

        var claimedFirst = claimed.Single(c => c.Run.Id == first.Id);
        Assert.True(await Store.Runs.CompleteAsync(first.Id, 1, "node-a", c => Finish(c, RunStatus.Succeeded, T0.AddSeconds(5)), [], None));

        Assert.Equal(second.Id, (await ClaimOneAsync("node-b", T0.AddSeconds(5))).Run.Id);
        Assert.Equal(RunStatus.Succeeded, (await FindRunAsync(claimedFirst.Run.Id)).Status);
    }

    [Fact]
    public async Task ClaimAsync_WaitsForRunningNonExclusiveSibling_WhenRunIsExclusive()
    {
        var task = await CreateTaskAsync();
        await InsertRunAsync(task, T0.AddMinutes(-2), exclusive: false);
        await ClaimOneAsync("node-a", T0);
        var exclusive = await InsertRunAsync(task, T0.AddMinutes(-1));

        Assert.Empty(await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), 10, None));
        Assert.Equal(RunStatus.Queued, (await FindRunAsync(exclusive.Id)).Status);
    }

    [Fact]
    public async Task ClaimAsync_ClaimsNonExclusiveRunsOfATaskTogether_WhileAnotherRuns()
    {
        var task = await CreateTaskAsync();
        await InsertRunAsync(task, T0.AddMinutes(-3), exclusive: false);
        await ClaimOneAsync("node-a", T0);
        await InsertRunAsync(task, T0.AddMinutes(-2), exclusive: false);
        await InsertRunAsync(task, T0.AddMinutes(-1), exclusive: false);

        var claimed = await Store.Runs.ClaimAsync("node-b", T0, T0.AddSeconds(30), 10, None);

        Assert.Equal(2, claimed.Count);
        Assert.Equal(3, (await AllRunsAsync(task.Id, RunStatus.Running)).Count);
    }

    [Fact]
    public async Task ClaimAsync_HandsEachRunToExactlyOneClaimer_WhenTwoInstancesRace()
    {
        const int Runs = 300;
        var other = await OpenMigratedAsync();
        var tasks = new List<AgentTask>();
        for (var i = 0; i < 10; i++)
        {
            tasks.Add(await CreateTaskAsync());
        }

        for (var i = 0; i < Runs; i++)
        {
            await InsertRunAsync(tasks[i % tasks.Count], T0.AddMilliseconds(-i), exclusive: false);
        }

        var claims = new ConcurrentBag<(string Owner, string RunId)>();
        async Task ClaimAllAsync(IAgentCronStore store, string owner)
        {
            while (true)
            {
                var claimed = await store.Runs.ClaimAsync(owner, T0, T0.AddMinutes(5), 3, None);
                // An empty claim may only mean that the others hold the rest locked (SKIP LOCKED): done when none is queued.
                if (claimed.Count == 0 && await store.Runs.NextQueuedAtAsync(null, None) is null)
                {
                    return;
                }

                foreach (var c in claimed)
                {
                    Assert.Equal(owner, c.Run.LeaseOwner);
                    claims.Add((owner, c.Run.Id));
                }
            }
        }

        await Task.WhenAll(
            Task.Run(() => ClaimAllAsync(Store, "node-a1")),
            Task.Run(() => ClaimAllAsync(Store, "node-a2")),
            Task.Run(() => ClaimAllAsync(other, "node-b1")),
            Task.Run(() => ClaimAllAsync(other, "node-b2")));

        Assert.Equal(Runs, claims.Count);
        Assert.Equal(Runs, claims.Select(c => c.RunId).Distinct().Count());
        var stored = (await AllRunsAsync()).ToDictionary(r => r.Id);
        Assert.All(claims, c =>
        {
            Assert.Equal(RunStatus.Running, stored[c.RunId].Status);
            Assert.Equal(c.Owner, stored[c.RunId].LeaseOwner);
        });
    }

    [Fact]
    public async Task ClaimAsync_NeverRunsTwoExclusiveRunsOfATask_WhenTwoInstancesRace()
    {
        var other = await OpenMigratedAsync();
        var runs = new List<TaskRun>();
        for (var t = 0; t < 15; t++)
        {
            var task = await CreateTaskAsync();
            for (var r = 0; r < 3; r++)
            {
                runs.Add(await InsertRunAsync(task, T0.AddMilliseconds(-(t * 3) - r)));
            }
        }

        var runningByTask = new ConcurrentDictionary<string, string>();
        var overlaps = new ConcurrentBag<string>();
        var finished = new ConcurrentBag<string>();
        async Task WorkAsync(IAgentCronStore store, string owner)
        {
            var idle = 0;
            while (finished.Count < runs.Count && idle < 2_000)
            {
                var claimed = await store.Runs.ClaimAsync(owner, T0, T0.AddMinutes(5), 4, None);
                idle = claimed.Count == 0 ? idle + 1 : 0;
                foreach (var c in claimed)
                {
                    if (!runningByTask.TryAdd(c.Run.TaskId, c.Run.Id))
                    {
                        overlaps.Add($"{c.Run.Id} claimed while {runningByTask[c.Run.TaskId]} was running");
                    }
                }

                foreach (var c in claimed)
                {
                    // Released before the completion commits: until then the store must still see the run as running.
                    runningByTask.TryRemove(new KeyValuePair<string, string>(c.Run.TaskId, c.Run.Id));
                    Assert.True(await store.Runs.CompleteAsync(c.Run.Id, 1, owner, x => Finish(x, RunStatus.Succeeded, T0), [], None));
                    finished.Add(c.Run.Id);
                }

                if (claimed.Count == 0)
                {
                    await Task.Yield();
                }
            }
        }

        await Task.WhenAll(Task.Run(() => WorkAsync(Store, "node-a")), Task.Run(() => WorkAsync(other, "node-b")));

        Assert.Empty(overlaps);
        Assert.Equal(runs.Select(r => r.Id).Order(), finished.Order());
        Assert.All(await AllRunsAsync(), r => Assert.Equal(RunStatus.Succeeded, r.Status));
    }

    [Fact]
    public async Task RenewLeasesAsync_ExtendsOwnLeasesAndReportsCancelFlags_ButNotOtherOwners()
    {
        var task = await CreateTaskAsync();
        var mine = await InsertRunAsync(task, T0.AddMinutes(-3), exclusive: false);
        var cancelled = await InsertRunAsync(task, T0.AddMinutes(-2), exclusive: false);
        var theirs = await InsertRunAsync(task, T0.AddMinutes(-1), exclusive: false);
        await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), 2, None);
        await ClaimOneAsync("node-b", T0);
        var done = await InsertRunAsync(task, T0, exclusive: false);
        await ClaimOneAsync("node-a", T0);
        await Store.Runs.CompleteAsync(done.Id, 1, "node-a", c => Finish(c, RunStatus.Succeeded, T0.AddSeconds(1)), [], None);
        await Store.Runs.CancelAsync(cancelled.Id, T0.AddSeconds(2), c => Finish(c, RunStatus.Cancelled, T0.AddSeconds(2)), None);

        var leases = await Store.Runs.RenewLeasesAsync("node-a", [mine.Id, cancelled.Id, theirs.Id, done.Id], T0.AddSeconds(60), None);

        Assert.Equal(
            [new LeaseState(mine.Id, false), new LeaseState(cancelled.Id, true)],
            leases.OrderBy(l => l.RunId, StringComparer.Ordinal));
        Assert.Equal(T0.AddSeconds(60), (await FindRunAsync(mine.Id)).LeaseExpiresAt);
        Assert.Equal(T0.AddSeconds(60), (await FindRunAsync(cancelled.Id)).LeaseExpiresAt);
        Assert.Equal(T0.AddSeconds(30), (await FindRunAsync(theirs.Id)).LeaseExpiresAt);
        Assert.Empty(await Store.Runs.RenewLeasesAsync("node-c", [mine.Id, theirs.Id], T0.AddSeconds(60), None));

        // A run the owner holds but does not name (its result could not be written) is left to expire.
        await Store.Runs.RenewLeasesAsync("node-a", [mine.Id], T0.AddSeconds(90), None);
        Assert.Equal(T0.AddSeconds(60), (await FindRunAsync(cancelled.Id)).LeaseExpiresAt);
        Assert.Empty(await Store.Runs.RenewLeasesAsync("node-a", [], T0.AddSeconds(90), None));
    }

    [Fact]
    public async Task SetProcessAsync_RecordsHostAndPid_OnlyForTheOwnerOfTheCurrentAttempt()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);

        await Store.Runs.SetProcessAsync(run.Id, 1, "node-b", "other-host", 111, "boot/1", None);
        await Store.Runs.SetProcessAsync(run.Id, 2, "node-a", "host-a", 222, "boot/2", None);
        Assert.Null((await FindRunAsync(run.Id)).Pid);

        await Store.Runs.SetProcessAsync(run.Id, 1, "node-a", "host-a", 4242, "boot/4242", None);
        var stored = await FindRunAsync(run.Id);
        Assert.Equal(("host-a", 4242, "boot/4242"), (stored.Host, stored.Pid, stored.PidIdentity));
    }

    [Fact]
    public async Task NextQueuedAtAsync_ReturnsEarliestNotBeforeOfQueuedRuns_OptionallyAfterAnInstant()
    {
        Assert.Null(await Store.Runs.NextQueuedAtAsync(null, None));
        var task = await CreateTaskAsync();
        await InsertRunAsync(task, T0.AddMinutes(-5), exclusive: false);
        await ClaimOneAsync("node-a", T0);
        await InsertRunAsync(task, T0.AddMinutes(7), exclusive: false);
        await InsertRunAsync(task, T0.AddMinutes(3), exclusive: false);

        Assert.Equal(T0.AddMinutes(3), await Store.Runs.NextQueuedAtAsync(null, None));
        Assert.Equal(T0.AddMinutes(7), await Store.Runs.NextQueuedAtAsync(T0.AddMinutes(3), None));
        Assert.Null(await Store.Runs.NextQueuedAtAsync(T0.AddMinutes(7), None));
    }

    [Fact]
    public async Task NextLeaseExpiryAsync_ReturnsEarliestLeaseOfRunningRuns()
    {
        Assert.Null(await Store.Runs.NextLeaseExpiryAsync(None));
        var task = await CreateTaskAsync();
        await InsertRunAsync(task, T0, exclusive: false);
        await InsertRunAsync(task, T0, exclusive: false);
        await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(40), 1, None);
        await Store.Runs.ClaimAsync("node-b", T0, T0.AddSeconds(20), 1, None);

        Assert.Equal(T0.AddSeconds(20), await Store.Runs.NextLeaseExpiryAsync(None));
    }

    [Fact]
    public async Task ActiveRunsAsync_ReturnsQueuedAndRunningRunsOfTheTaskOnly()
    {
        var task = await CreateTaskAsync();
        var running = await InsertRunAsync(task, T0.AddMinutes(-1), exclusive: false);
        await ClaimOneAsync("node-a", T0);
        var queued = await InsertRunAsync(task, T0.AddMinutes(1), exclusive: false);
        await InsertRunAsync(task, T0.AddMinutes(-9), status: RunStatus.Failed, finishedAt: T0.AddMinutes(-8));
        await InsertRunAsync(await CreateTaskAsync(), T0);

        var active = await Store.Runs.ActiveRunsAsync(task.Id, None);

        Assert.Equal([running.Id, queued.Id], active.Select(r => r.Id).Order());
    }

    [Fact]
    public async Task InsertAsync_ThrowsConflict_WhenTheOccurrenceAlreadyHasARun()
    {
        var task = await CreateTaskAsync();
        var run = NewRun(task, T0, occurrence: Occurrence(T0));
        await Store.Runs.InsertAsync(run, None);

        await Assert.ThrowsAsync<ConflictException>(() => Store.Runs.InsertAsync(NewRun(task, T0, occurrence: Occurrence(T0)), None));

        // The key is per task: another task may have the same occurrence.
        await Store.Runs.InsertAsync(NewRun(await CreateTaskAsync(), T0, occurrence: Occurrence(T0)), None);
        Assert.Equal(run, Assert.Single(await AllRunsAsync(task.Id)));
    }

    /// <summary>A manual run of a task deleted in the meantime (run now racing delete) was a foreign-key error, a 500.</summary>
    [Fact]
    public async Task InsertAsync_ThrowsNotFound_WhenTheTaskWasDeleted()
    {
        var task = await CreateTaskAsync();
        await Store.Tasks.DeleteAsync(task.Id, None);

        await Assert.ThrowsAsync<NotFoundException>(() => Store.Runs.InsertAsync(NewRun(task, T0), None));
        Assert.Empty(await AllRunsAsync(task.Id));
    }

    [Fact]
    public async Task ListAsync_PagesRunsNewestFirst_FilteredByTaskAndStatus()
    {
        var task = await CreateTaskAsync();
        var other = await CreateTaskAsync();
        var succeeded = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            succeeded.Add((await InsertRunAsync(task, T0.AddMinutes(i), status: RunStatus.Succeeded, finishedAt: T0.AddMinutes(i))).Id);
            await InsertRunAsync(task, T0.AddMinutes(i), status: RunStatus.Failed, finishedAt: T0.AddMinutes(i));
            await InsertRunAsync(other, T0.AddMinutes(i), status: RunStatus.Succeeded, finishedAt: T0.AddMinutes(i));
        }

        var first = await Store.Runs.ListAsync(new RunQuery(task.Id, RunStatus.Succeeded, Limit: 2), None);
        var second = await Store.Runs.ListAsync(new RunQuery(task.Id, RunStatus.Succeeded, first.NextCursor, 2), None);
        var third = await Store.Runs.ListAsync(new RunQuery(task.Id, RunStatus.Succeeded, second.NextCursor, 2), None);

        Assert.Equal(Enumerable.Reverse(succeeded), first.Items.Concat(second.Items).Concat(third.Items).Select(r => r.Id));
        Assert.Null(third.NextCursor);
        Assert.Equal(10, (await AllRunsAsync(task.Id)).Count);
        Assert.Equal(10, (await AllRunsAsync(status: RunStatus.Succeeded)).Count);
        Assert.Equal(15, (await AllRunsAsync()).Count);
    }
}
