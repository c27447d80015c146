using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Storage;
using AgentCron.TestKit;

namespace AgentCron.Postgres.Tests;

/// <summary>Several nodes on one database: migrations under the advisory lock, claims and planning with SKIP LOCKED.</summary>
public sealed class PostgresConcurrencyTests(PostgresDatabaseFixture fixture) : PostgresTestBase(fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task MigrateAsync_AppliesEachScriptOnce_WhenEightNodesStartAtOnce()
    {
        var database = await NewDatabaseAsync();
        var stores = Enumerable.Range(0, 8).Select(_ => Open(database)).ToList();

        await Task.WhenAll(stores.Select(s => Task.Run(() => s.MigrateAsync(None))));

        var connection = await ConnectAsync(database);
        var scripts = typeof(PostgresStore).Assembly.GetManifestResourceNames().Count(n => n.EndsWith(".sql", StringComparison.Ordinal));
        Assert.Equal(scripts, await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM schema_version"));
        Assert.Equal(scripts, await ScalarAsync<long>(connection, "SELECT COUNT(DISTINCT version) FROM schema_version"));
        var task = await CreateTaskAsync(stores[3]);
        Assert.Equal(task, await stores[7].Tasks.FindAsync(task.Id, None));
    }

    [Fact]
    public async Task ClaimAsync_SkipsRunsAnotherTransactionHasLocked_WithoutWaitingForIt()
    {
        var database = await NewDatabaseAsync();
        var store = await OpenMigratedAsync(database, LeaseClock.Caller);
        var first = await InsertRunAsync(store, await CreateTaskAsync(store), T0.AddMinutes(-2));
        var second = await InsertRunAsync(store, await CreateTaskAsync(store), T0.AddMinutes(-1));

        // Another node is in the middle of claiming the oldest run: its row is locked until that transaction ends.
        var other = await ConnectAsync(database);
        await using var transaction = await other.BeginTransactionAsync();
        await ExecuteAsync(other, $"SELECT id FROM runs WHERE id = '{first.Id}' FOR UPDATE");

        var claimed = await store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), 10, None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([second.Id], claimed.Select(c => c.Run.Id));
        await transaction.RollbackAsync();
        Assert.Equal([first.Id], (await store.Runs.ClaimAsync("node-b", T0, T0.AddSeconds(30), 10, None)).Select(c => c.Run.Id));
    }

    [Fact]
    public async Task ClaimAsync_NeverHandsARunToTwoNodes_WhenEightNodesClaimAtOnce()
    {
        var database = await NewDatabaseAsync();
        var stores = new List<PostgresStore>();
        for (var i = 0; i < 8; i++)
        {
            stores.Add(await OpenMigratedAsync(database));
        }

        var tasks = new List<AgentTask>();
        for (var i = 0; i < 20; i++)
        {
            tasks.Add(await CreateTaskAsync(stores[0]));
        }

        for (var i = 0; i < 400; i++)
        {
            await InsertRunAsync(stores[0], tasks[i % tasks.Count], T0.AddMilliseconds(-i));
        }

        async Task<List<string>> ClaimAllAsync(PostgresStore store, string owner)
        {
            var mine = new List<string>();
            while (true)
            {
                var claimed = await store.Runs.ClaimAsync(owner, TimeProvider.System.GetUtcNow(), TimeProvider.System.GetUtcNow().AddMinutes(5), 5, None);
                if (claimed.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(claimed.Select(c => c.Run.Id));
            }
        }

        var claims = await Task.WhenAll(stores.Select((s, i) => Task.Run(() => ClaimAllAsync(s, $"node-{i}"))));

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(400, all.Count);
        Assert.Equal(400, all.Distinct().Count());
        Assert.True(claims.Count(c => c.Count > 0) > 1, "the work should spread over several nodes");
    }

    [Fact]
    public async Task PlanDueAsync_SkipsTasksAnotherPlannerHolds_AndPlansTheRest()
    {
        var database = await NewDatabaseAsync();
        var store = await OpenMigratedAsync(database, LeaseClock.Caller);
        var held = await CreateTaskAsync(store, T0.AddMinutes(-2));
        var free = await CreateTaskAsync(store, T0.AddMinutes(-1));

        var other = await ConnectAsync(database);
        await using var transaction = await other.BeginTransactionAsync();
        await ExecuteAsync(other, $"SELECT id FROM tasks WHERE id = '{held.Id}' FOR NO KEY UPDATE");
        var offered = new List<string>();

        var result = await store.Tasks.PlanDueAsync(T0, 10, input =>
        {
            offered.Add(input.Task.Id);
            return new PlanDecision([], T0.AddDays(1), TaskState.Active);
        }, None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([free.Id], offered);
        Assert.Equal(new PlanResult(1, 0), result);
    }

    [Fact]
    public async Task CompleteAsync_KeepsAPauseThatCommitsWhileItWrites()
    {
        var database = await NewDatabaseAsync();
        var store = await OpenMigratedAsync(database, LeaseClock.Caller);
        var task = await CreateTaskAsync(store, T0.AddHours(1));
        var run = await InsertRunAsync(store, task, T0.AddMinutes(-1));
        Assert.Single(await store.Runs.ClaimAsync("node-a", T0, T0.AddMinutes(5), 1, None));

        // A user pauses the task on another node; that transaction has written but not yet committed when the run ends.
        var pausing = await ConnectAsync(database);
        await using var transaction = await pausing.BeginTransactionAsync();
        await ExecuteAsync(pausing, $"UPDATE tasks SET status = 'paused', status_reason = 'paused by user', next_fire_at = NULL, version = version + 1 WHERE id = '{task.Id}'");
        var completing = Task.Run(() => store.Runs.CompleteAsync(run.Id, 1, "node-a", c => Finish(c, RunStatus.Succeeded, T0.AddSeconds(30)), [], None));
        var observer = await ConnectAsync(database);
        await Eventually.TrueAsync(
            async () => await ScalarAsync<long>(observer, $"SELECT COUNT(*) FROM pg_stat_activity WHERE {pausing.ProcessID} = ANY(pg_blocking_pids(pid))") > 0,
            TimeSpan.FromSeconds(30),
            "the completion to wait for the pause's lock");
        await transaction.CommitAsync();

        Assert.True(await completing.WaitAsync(TimeSpan.FromSeconds(30)));
        var after = (await store.Tasks.FindAsync(task.Id, None))!;
        Assert.Equal((TaskState.Paused, null, run.Id), (after.Status, after.NextFireAt, after.LastRunId));
    }
}
