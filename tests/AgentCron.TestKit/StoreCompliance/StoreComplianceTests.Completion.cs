using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Xunit;

namespace AgentCron.TestKit.StoreCompliance;

public abstract partial class StoreComplianceTests
{
    [Fact]
    public async Task CompleteAsync_WritesRunTaskAndLogTailTogether_WhenOwnerHoldsTheLease()
    {
        var task = await CreateTaskAsync(nextFireAt: T0.AddHours(1));
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);
        await Store.Logs.AppendAsync(run.Id, LogEntries("stdout", 1, 2), None);
        Completion? written = null;

        var ok = await Store.Runs.CompleteAsync(
            run.Id,
            1,
            "node-a",
            c => written = Finish(c, RunStatus.Succeeded, T0.AddSeconds(9), output: "all green"),
            LogEntries("attempt.finished", 3, 2),
            None);

        Assert.True(ok);
        Assert.NotNull(written);
        Assert.Equal(written.Run, await FindRunAsync(run.Id));
        var stored = await FindTaskAsync(task.Id);
        Assert.Equal(run.Id, stored.LastRunId);
        Assert.Equal(RunStatus.Succeeded, stored.LastRunStatus);
        Assert.Equal("all green", stored.LastSummary);
        Assert.Equal(T0, stored.LastRunAt);
        Assert.Equal(T0.AddHours(1), stored.NextFireAt);
        Assert.Equal([1, 2, 3, 4], Numbers(await ReadLogAsync(run.Id)));
    }

    [Fact]
    public async Task CompleteAsync_HandsDecideTheCurrentRows()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        var claimed = await ClaimOneAsync("node-a", T0);
        await Store.Runs.SetProcessAsync(run.Id, 1, "node-a", "host-a", 77, "boot/77", None);
        var edited = (await FindTaskAsync(task.Id)) with { Name = "renamed while running" };
        await UpdateTaskAsync(edited, edited.Version);
        ClaimedRun? seen = null;

        await Store.Runs.CompleteAsync(run.Id, 1, "node-a", c => { seen = c; return Finish(c, RunStatus.Succeeded, T0); }, [], None);

        Assert.NotNull(seen);
        Assert.Equal(claimed.Run with { Host = "host-a", Pid = 77, PidIdentity = "boot/77" }, seen.Run);
        Assert.Equal("renamed while running", seen.Task.Name);
    }

    [Fact]
    public async Task CompleteAsync_NeverWritesTheTaskDefinition()
    {
        var task = await CreateTaskAsync(slug: "keep-me");
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);

        await Store.Runs.CompleteAsync(run.Id, 1, "node-a", c =>
        {
            var done = Finish(c, RunStatus.Failed, T0.AddSeconds(1), error: "boom");
            return done with { Task = done.Task with { Name = "hijacked", Slug = "hijacked", Instructions = "rm -rf", Policies = new TaskPolicies { Retries = 99 } } };
        }, [], None);

        var stored = await FindTaskAsync(task.Id);
        Assert.Equal((task.Name, task.Slug, task.Instructions, task.Policies), (stored.Name, stored.Slug, stored.Instructions, stored.Policies));
        Assert.Equal(RunStatus.Failed, stored.LastRunStatus);
        Assert.Equal("boom", stored.LastError);
        Assert.Equal(1, stored.ConsecutiveFailures);
    }

    [Fact]
    public async Task CompleteAsync_ReturnsFalseAndWritesNothing_WhenAnotherOwnerHoldsTheLease()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);
        var before = await FindRunAsync(run.Id);
        var taskBefore = await FindTaskAsync(task.Id);

        var ok = await Store.Runs.CompleteAsync(run.Id, 1, "node-b", c => Finish(c, RunStatus.Succeeded, T0), LogEntries("stdout", 1, 3), None);

        Assert.False(ok);
        Assert.Equal(before, await FindRunAsync(run.Id));
        Assert.Equal(taskBefore, await FindTaskAsync(task.Id));
        Assert.Empty(await ReadLogAsync(run.Id));
    }

    [Fact]
    public async Task CompleteAsync_KeepsTokenUsageAndCost_WhenTheAgentReportsThem()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);

        await Store.Runs.CompleteAsync(
            run.Id, 1, "node-a", c => Finish(c, RunStatus.Succeeded, T0) is var done ? done with { Run = done.Run with { InputTokens = 1234, OutputTokens = 56, CostUsd = 0.0123m } } : done, [], None);

        var stored = await FindRunAsync(run.Id);
        Assert.Equal((1234L, 56L, 0.0123m), (stored.InputTokens, stored.OutputTokens, stored.CostUsd));
    }

    [Fact]
    public async Task CompleteAsync_RejectsTheOldAttempt_WhenTheRunWasRecoveredAndTakenOver()
    {
        var other = await OpenMigratedAsync();
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);
        await other.Runs.RecoverExpiredAsync(T0.AddSeconds(31), 10, c => Retry(c, T0.AddSeconds(31), "abandoned"), None);
        var takeover = await ClaimOneAsync("node-b", T0.AddSeconds(32), other);
        Assert.Equal(2, takeover.Run.Attempt);
        var logBefore = (await ReadLogAsync(run.Id)).Select(e => (e.Seq, e.Type)).ToList();

        // The first owner wakes up and reports, once under its own name and once guessing the new attempt.
        Assert.False(await Store.Runs.CompleteAsync(run.Id, 1, "node-a", c => Finish(c, RunStatus.Failed, T0.AddSeconds(40)), LogEntries("stdout", 100, 1), None));
        Assert.False(await Store.Runs.CompleteAsync(run.Id, 2, "node-a", c => Finish(c, RunStatus.Failed, T0.AddSeconds(40)), LogEntries("stdout", 101, 1), None));

        Assert.Equal(takeover.Run, await FindRunAsync(run.Id));
        Assert.Equal(logBefore, (await ReadLogAsync(run.Id)).Select(e => (e.Seq, e.Type)));
        Assert.True(await other.Runs.CompleteAsync(run.Id, 2, "node-b", c => Finish(c, RunStatus.Succeeded, T0.AddSeconds(50)), [], None));
        Assert.Equal(RunStatus.Succeeded, (await FindRunAsync(run.Id)).Status);
    }

    [Fact]
    public async Task CompleteAsync_ReturnsFalse_WhenTheRunAlreadyFinished()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);
        Assert.True(await Store.Runs.CompleteAsync(run.Id, 1, "node-a", c => Finish(c, RunStatus.Succeeded, T0.AddSeconds(1)), [], None));
        var finished = await FindRunAsync(run.Id);

        Assert.False(await Store.Runs.CompleteAsync(run.Id, 1, "node-a", c => Finish(c, RunStatus.Failed, T0.AddSeconds(2)), LogEntries("stdout", 1, 1), None));

        Assert.Equal(finished, await FindRunAsync(run.Id));
        Assert.Empty(await ReadLogAsync(run.Id));
        Assert.False(await Store.Runs.CompleteAsync("r_missing", 1, "node-a", c => Finish(c, RunStatus.Failed, T0), [], None));
    }

    [Fact]
    public async Task CompleteAsync_WritesNeitherResultNorLogTail_WhenDecideThrows()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);
        var before = await FindRunAsync(run.Id);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.Runs.CompleteAsync(
            run.Id, 1, "node-a", _ => throw new InvalidOperationException("policy bug"), LogEntries("stdout", 1, 3), None));

        Assert.Equal(before, await FindRunAsync(run.Id));
        Assert.Empty(await ReadLogAsync(run.Id));
        Assert.True(await Store.Runs.CompleteAsync(run.Id, 1, "node-a", c => Finish(c, RunStatus.Succeeded, T0.AddSeconds(1)), LogEntries("stdout", 1, 1), None));
        Assert.Equal([1], Numbers(await ReadLogAsync(run.Id)));
    }

    [Fact]
    public async Task CompleteAsync_ManyAtOnce_EndAsIfWrittenOneByOne_AndADecisionThatThrowsFailsAlone()
    {
        var tasks = new List<AgentTask>();
        var runs = new List<TaskRun>();
        for (var i = 0; i < 10; i++)
        {
            var task = await CreateTaskAsync();
            tasks.Add(task);
            runs.Add(await InsertRunAsync(task, exclusive: false));
            runs.Add(await InsertRunAsync(task, exclusive: false));
        }

        Assert.Equal(20, (await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), 100, None)).Count);
        var broken = runs[5];
        // The first decision waits until every completion has been handed in, so the rest arrive while it is written.
        using var allHandedIn = new ManualResetEventSlim();
        var completing = runs.Select((run, i) => Store.Runs.CompleteAsync(
            run.Id,
            1,
            "node-a",
            c =>
            {
                if (i == 0)
                {
                    allHandedIn.Wait(TimeSpan.FromSeconds(30));
                }

                return c.Run.Id == broken.Id ? throw new InvalidOperationException("policy bug") : Finish(c, RunStatus.Failed, T0.AddSeconds(1), error: "exit 1");
            },
            LogEntries("attempt.finished", 1, 1),
            None)).ToList();
        allHandedIn.Set();

        await Assert.ThrowsAsync<InvalidOperationException>(() => completing[5]);
        Assert.All(completing.Where((_, i) => i != 5), c => Assert.True(c.Result));
        Assert.Equal((RunStatus.Running, 1), ((await FindRunAsync(broken.Id)).Status, (await FindRunAsync(broken.Id)).Attempt));
        Assert.Empty(await ReadLogAsync(broken.Id));
        foreach (var run in runs.Where(r => r.Id != broken.Id))
        {
            Assert.Equal(RunStatus.Failed, (await FindRunAsync(run.Id)).Status);
            Assert.Equal([1], Numbers(await ReadLogAsync(run.Id)));
        }

        // Two failures of one task count twice, as two transactions in a row would have counted them.
        foreach (var task in tasks)
        {
            var stored = await FindTaskAsync(task.Id);
            Assert.Equal((task.Id == broken.TaskId ? 1 : 2, "exit 1"), (stored.ConsecutiveFailures, stored.LastError));
        }
    }

    [Fact]
    public async Task CompleteAsync_QueuesTheNextAttempt_WhenDecisionIsARetry()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);

        Assert.True(await Store.Runs.CompleteAsync(run.Id, 1, "node-a", c => Retry(c, T0.AddSeconds(20), "exit 1"), [], None));

        var queued = await FindRunAsync(run.Id);
        Assert.Equal((RunStatus.Queued, 2, T0.AddSeconds(20), (string?)null), (queued.Status, queued.Attempt, queued.NotBefore, queued.LeaseOwner));
        Assert.Equal("exit 1", (await FindTaskAsync(task.Id)).LastError);
        Assert.Empty(await Store.Runs.ClaimAsync("node-a", T0.AddSeconds(19), T0.AddSeconds(49), 10, None));
        var second = await ClaimOneAsync("node-b", T0.AddSeconds(20));
        Assert.Equal((run.Id, 2, "node-b"), (second.Run.Id, second.Run.Attempt, second.Run.LeaseOwner));
    }

    [Fact]
    public async Task RecoverExpiredAsync_RequeuesExpiredLeasesAsNewAttempts_AndLeavesLiveOnesAlone()
    {
        var task = await CreateTaskAsync();
        var expired = await InsertRunAsync(task, T0.AddMinutes(-1), exclusive: false);
        var live = await InsertRunAsync(task, T0.AddMinutes(-1).AddTicks(10), exclusive: false);
        await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), 1, None);
        await Store.Runs.ClaimAsync("node-b", T0, T0.AddSeconds(90), 1, None);
        var expiredBefore = await FindRunAsync(expired.Id);
        var liveBefore = await FindRunAsync(live.Id);
        var asked = new List<string>();

        var recovered = await Store.Runs.RecoverExpiredAsync(T0.AddSeconds(31), 10, c =>
        {
            asked.Add(c.Run.Id);
            Assert.Equal(task.Id, c.Task.Id);
            return Retry(c, T0.AddSeconds(31), "lease expired");
        }, None);

        Assert.Equal([expired.Id], asked);
        Assert.Equal(expiredBefore, Assert.Single(recovered));
        var requeued = await FindRunAsync(expired.Id);
        Assert.Equal((RunStatus.Queued, 2, (string?)null, (DateTimeOffset?)null), (requeued.Status, requeued.Attempt, requeued.LeaseOwner, requeued.LeaseExpiresAt));
        Assert.Equal(liveBefore, await FindRunAsync(live.Id));
        Assert.Empty(await Store.Runs.RecoverExpiredAsync(T0.AddSeconds(31), 10, c => throw new InvalidOperationException("nothing else is expired"), None));
        Assert.Equal(expired.Id, (await ClaimOneAsync("node-c", T0.AddSeconds(31))).Run.Id);
    }

    [Fact]
    public async Task RecoverExpiredAsync_FinishesRunAndUpdatesTask_WhenCallbackGivesUp()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);

        await Store.Runs.RecoverExpiredAsync(T0.AddMinutes(1), 10, c => Finish(c, RunStatus.Failed, T0.AddMinutes(1), error: "abandoned, no retries left"), None);

        var failed = await FindRunAsync(run.Id);
        Assert.Equal((RunStatus.Failed, T0.AddMinutes(1), "abandoned, no retries left"), (failed.Status, failed.FinishedAt, failed.Error));
        var stored = await FindTaskAsync(task.Id);
        Assert.Equal((RunStatus.Failed, 1), (stored.LastRunStatus, stored.ConsecutiveFailures));
        Assert.Null(await Store.Runs.NextLeaseExpiryAsync(None));
    }

    [Fact]
    public async Task RecoverExpiredAsync_RecoversAtMostTheLimit_PerCall()
    {
        var task = await CreateTaskAsync();
        for (var i = 0; i < 5; i++)
        {
            await InsertRunAsync(task, T0, exclusive: false);
        }

        await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), 5, None);

        Assert.Equal(2, (await Store.Runs.RecoverExpiredAsync(T0.AddMinutes(1), 2, c => Retry(c, T0.AddMinutes(1), "x"), None)).Count);
        Assert.Equal(2, (await Store.Runs.RecoverExpiredAsync(T0.AddMinutes(1), 2, c => Retry(c, T0.AddMinutes(1), "x"), None)).Count);
        Assert.Single(await Store.Runs.RecoverExpiredAsync(T0.AddMinutes(1), 2, c => Retry(c, T0.AddMinutes(1), "x"), None));
        Assert.Equal(5, (await AllRunsAsync(task.Id, RunStatus.Queued)).Count);
    }

    [Fact]
    public async Task RecoverExpiredAsync_LeavesLease_RenewedBeforeItExpired()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);
        await Store.Runs.RenewLeasesAsync("node-a", [run.Id], T0.AddSeconds(60), None);

        Assert.Empty(await Store.Runs.RecoverExpiredAsync(T0.AddSeconds(31), 10, c => Retry(c, T0, "x"), None));
        Assert.Equal(RunStatus.Running, (await FindRunAsync(run.Id)).Status);
    }

    [Fact]
    public async Task RecoverExpiredAsync_LeavesARunAsItIs_WhenRecoverAnswersNull()
    {
        var task = await CreateTaskAsync();
        var held = await InsertRunAsync(task, T0.AddMinutes(-1), exclusive: false);
        var dead = await InsertRunAsync(task, T0.AddMinutes(-1).AddTicks(10), exclusive: false);
        await Store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), 2, None);
        var heldBefore = await FindRunAsync(held.Id);

        var recovered = await Store.Runs.RecoverExpiredAsync(T0.AddMinutes(1), 10, c => c.Run.Id == held.Id ? null : Retry(c, T0.AddMinutes(1), "lease expired"), None);

        Assert.Equal(dead.Id, Assert.Single(recovered).Id);
        Assert.Equal(heldBefore, await FindRunAsync(held.Id));
        Assert.Empty(await ReadLogAsync(held.Id));
        var requeued = await FindRunAsync(dead.Id);
        Assert.Equal((RunStatus.Queued, 2), (requeued.Status, requeued.Attempt));
    }

    [Fact]
    public async Task CancelAsync_CancelsQueuedRunAtOnce_AndUpdatesItsTask()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task, T0.AddMinutes(5));

        var cancelled = await Store.Runs.CancelAsync(run.Id, T0, c => Finish(c, RunStatus.Cancelled, T0, error: "cancelled by user"), None);

        Assert.NotNull(cancelled);
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.Equal(cancelled, await FindRunAsync(run.Id));
        Assert.Equal(RunStatus.Cancelled, (await FindTaskAsync(task.Id)).LastRunStatus);
        Assert.Empty(await Store.Runs.ClaimAsync("node-a", T0.AddMinutes(6), T0.AddMinutes(7), 10, None));
    }

    [Fact]
    public async Task CancelAsync_FlagsRunningRunForItsOwner_WithoutFinishingIt()
    {
        var other = await OpenMigratedAsync();
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task);
        await ClaimOneAsync("node-a", T0);

        var flagged = await other.Runs.CancelAsync(run.Id, T0.AddSeconds(5), _ => throw new InvalidOperationException("a running run is not finished here"), None);

        Assert.NotNull(flagged);
        Assert.Equal((RunStatus.Running, true), (flagged.Status, flagged.CancelRequested));
        Assert.Equal(flagged, await FindRunAsync(run.Id));
        Assert.Equal([new LeaseState(run.Id, true)], await Store.Runs.RenewLeasesAsync("node-a", [run.Id], T0.AddSeconds(40), None));
        Assert.True(await Store.Runs.CompleteAsync(run.Id, 1, "node-a", c => Finish(c, RunStatus.Cancelled, T0.AddSeconds(6)), [], None));
    }

    [Fact]
    public async Task CancelAsync_ReturnsFinishedRunUnchanged_AndNullForAMissingRun()
    {
        var task = await CreateTaskAsync();
        var done = await InsertRunAsync(task, T0, status: RunStatus.Succeeded, finishedAt: T0);

        Assert.Equal(done, await Store.Runs.CancelAsync(done.Id, T0, _ => throw new InvalidOperationException("finished"), None));
        Assert.Equal(done, await FindRunAsync(done.Id));
        Assert.Null(await Store.Runs.CancelAsync("r_missing", T0, _ => throw new InvalidOperationException("missing"), None));
    }
}
