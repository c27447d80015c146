using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Xunit;

namespace AgentCron.TestKit.StoreCompliance;

public abstract partial class StoreComplianceTests
{
    [Fact]
    public async Task PruneAsync_DeletesFinishedRunsOlderThanTheCutoff_WithTheirLogs()
    {
        var task = await CreateTaskAsync();
        var old = await InsertRunAsync(task, T0.AddDays(-40), status: RunStatus.Succeeded, finishedAt: T0.AddDays(-40));
        var oldSkipped = await InsertRunAsync(task, T0.AddDays(-35), status: RunStatus.Skipped, finishedAt: T0.AddDays(-35));
        var recent = await InsertRunAsync(task, T0.AddDays(-1), status: RunStatus.Failed, finishedAt: T0.AddDays(-1));
        var oldQueued = await InsertRunAsync(task, T0.AddDays(-50), exclusive: false);
        var oldRunning = await InsertRunAsync(task, T0.AddDays(-60), exclusive: false);
        await ClaimOneAsync("node-a", T0.AddDays(-60));
        await Store.Logs.AppendAsync(old.Id, LogEntries("stdout", 1, 3), None);
        await Store.Logs.AppendAsync(recent.Id, LogEntries("stdout", 1, 2), None);

        var deleted = await Store.Runs.PruneAsync(T0.AddDays(-30), 1000, 100, None);

        Assert.Equal(2, deleted);
        Assert.Null(await Store.Runs.FindAsync(old.Id, None));
        Assert.Null(await Store.Runs.FindAsync(oldSkipped.Id, None));
        Assert.Empty(await ReadLogAsync(old.Id));
        Assert.Equal(
            new[] { oldQueued.Id, oldRunning.Id, recent.Id }.Order(),
            (await AllRunsAsync(task.Id)).Select(r => r.Id).Order());
        Assert.Equal(2, (await ReadLogAsync(recent.Id)).Count);
        Assert.Equal(0, await Store.Runs.PruneAsync(T0.AddDays(-30), 1000, 100, None));
    }

    [Fact]
    public async Task PruneAsync_KeepsTheNewestRunsPerTask_SoAChattyTaskCannotPushOutAnothersHistory()
    {
        var chatty = await CreateTaskAsync();
        var quiet = await CreateTaskAsync();
        var quietRuns = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            // The quiet task's runs are older than all of the chatty task's.
            quietRuns.Add((await InsertRunAsync(quiet, T0.AddHours(-10 + i), status: RunStatus.Succeeded, finishedAt: T0.AddHours(-10 + i))).Id);
        }

        var chattyRuns = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            chattyRuns.Add((await InsertRunAsync(chatty, T0.AddMinutes(-60 + i), status: RunStatus.Succeeded, finishedAt: T0.AddMinutes(-60 + i))).Id);
        }

        var queued = await InsertRunAsync(chatty, T0.AddMinutes(-100), exclusive: false);

        var deleted = await Store.Runs.PruneAsync(T0.AddDays(-30), 5, 100, None);

        Assert.Equal(15, deleted);
        Assert.Equal(quietRuns, (await AllRunsAsync(quiet.Id)).Select(r => r.Id).Order());
        Assert.Equal(chattyRuns.TakeLast(5).Append(queued.Id).Order(), (await AllRunsAsync(chatty.Id)).Select(r => r.Id).Order());
    }

    [Fact]
    public async Task PruneAsync_DeletesAtMostTheBatch_PerCall()
    {
        var task = await CreateTaskAsync();
        for (var i = 0; i < 25; i++)
        {
            var run = await InsertRunAsync(task, T0.AddDays(-60).AddMinutes(i), status: RunStatus.Succeeded, finishedAt: T0.AddDays(-60).AddMinutes(i));
            await Store.Logs.AppendAsync(run.Id, LogEntries("stdout", 1, 2), None);
        }

        var recent = await InsertRunAsync(task, T0, status: RunStatus.Succeeded, finishedAt: T0);
        var batches = new List<int>();
        int deleted;
        do
        {
            deleted = await Store.Runs.PruneAsync(T0.AddDays(-30), 1000, 10, None);
            batches.Add(deleted);
        }
        while (deleted == 10 && batches.Count < 10);

        Assert.Equal([10, 10, 5], batches);
        Assert.Equal(recent.Id, Assert.Single(await AllRunsAsync(task.Id)).Id);
    }

    [Fact]
    public async Task MigrateAsync_IsIdempotent_WhenRunAgainOnAMigratedDatabase()
    {
        var task = await CreateTaskAsync(nextFireAt: T0);
        var run = await InsertRunAsync(task);

        await Store.MigrateAsync(None);
        await Store.MigrateAsync(None);
        var other = await OpenMigratedAsync();

        Assert.Equal(task, await other.Tasks.FindAsync(task.Id, None));
        Assert.Equal(run, await other.Runs.FindAsync(run.Id, None));
    }

    [Fact]
    public async Task MigrateAsync_Succeeds_WhenSeveralInstancesMigrateAFreshDatabaseAtOnce()
    {
        var stores = new List<IAgentCronStore>();
        for (var i = 0; i < 3; i++)
        {
            stores.Add(await OpenAsync("fresh"));
        }

        await Task.WhenAll(stores.Select(s => Task.Run(() => s.MigrateAsync(None))));

        var task = NewTask(slug: "after-migration");
        await stores[0].Tasks.CreateAsync(task, null, None);
        Assert.Equal(task, await stores[2].Tasks.FindAsync("after-migration", None));
        await Task.WhenAll(stores.Select(s => s.MigrateAsync(None)));
        Assert.Single((await stores[1].Tasks.ListAsync(new TaskQuery(), None)).Items);
    }

    [Fact]
    public async Task Changes_WakeAWaiter_WhenAnotherInstanceCommits()
    {
        // The port allows a store without a change feed (the engine then relies on timed wake-ups), but every store under
        // this suite has one, and a store that lost it must fail here rather than pass without testing anything.
        var changes = Assert.IsAssignableFrom<IStoreChangeFeed>(Store.Changes);
        var other = await OpenMigratedAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var waiting = changes.WaitForChangeAsync(timeout.Token);

        // Keep committing until the waiter notices: when it started listening is the store's business.
        for (var i = 0; !waiting.IsCompleted && !timeout.IsCancellationRequested; i++)
        {
            await other.Tasks.CreateAsync(NewTask(), null, None);
            await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, timeout.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        }

        await waiting;
        Assert.False(timeout.IsCancellationRequested);
    }
}
