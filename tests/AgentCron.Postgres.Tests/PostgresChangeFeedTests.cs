using AgentCron.TestKit;

namespace AgentCron.Postgres.Tests;

/// <summary>LISTEN/NOTIFY: a node's change feed wakes when another node commits due work, and survives a lost connection.</summary>
public sealed class PostgresChangeFeedTests(PostgresDatabaseFixture fixture) : PostgresTestBase(fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task WaitForChangeAsync_IsWokenByTheCommitsNotification_WhenAnotherNodeQueuesARun()
    {
        var database = await NewDatabaseAsync();
        var writer = await OpenMigratedAsync(database);
        // The listener's clock never moves, so no timed look (a poll) can be what wakes it: only the commit's NOTIFY.
        // (How fast that arrives is a measurement, not a test: docs/benchmarks.md, the cluster rows.)
        var listener = await OpenMigratedAsync(database, time: new FakeTimeProvider());
        var task = await CreateTaskAsync(writer);
        var waiting = await StartListeningAsync(listener, database);

        await InsertRunAsync(writer, task, T0);

        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task WaitForChangeAsync_IgnoresItsOwnStoresWrites_AndWritesThatMakeNothingDue()
    {
        var database = await NewDatabaseAsync();
        var writer = await OpenMigratedAsync(database);
        var listener = await OpenMigratedAsync(database);
        var task = await CreateTaskAsync(writer);
        var run = await InsertRunAsync(writer, task, T0);
        var waiting = await StartListeningAsync(listener, database);

        await CreateTaskAsync(listener);
        await writer.Logs.AppendAsync(run.Id, [new(T0, 1, "stdout", System.Text.Json.JsonSerializer.SerializeToElement(new { text = "x" }))], None);
        await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromMilliseconds(500)));
        Assert.False(waiting.IsCompleted, "woken by its own write or by a log entry");

        await CreateTaskAsync(writer);
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WaitForChangeAsync_ReconnectsAndReportsAChange_WhenItsConnectionIsKilled()
    {
        var database = await NewDatabaseAsync();
        var writer = await OpenMigratedAsync(database);
        var listener = await OpenMigratedAsync(database);
        var waiting = await StartListeningAsync(listener, database);
        var admin = await ConnectAsync(database);

        await ExecuteAsync(admin, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN {PostgresDatabase.Channel}'");

        // Notifications sent while it was away are lost, so the reconnected feed says "look again".
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        waiting = await StartListeningAsync(listener, database);
        await CreateTaskAsync(writer);
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>Starts a wait and returns it once the feed's LISTEN session is visible on the server.</summary>
    private async Task<Task> StartListeningAsync(PostgresStore listener, string database)
    {
        var waiting = listener.Changes!.WaitForChangeAsync(None);
        var admin = await ConnectAsync(database);
        await Eventually.TrueAsync(
            async () => await ScalarAsync<long>(admin, $"SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle' AND query = 'LISTEN {PostgresDatabase.Channel}'") == 1,
            TimeSpan.FromSeconds(10),
            "the change feed's LISTEN session");
        Assert.False(waiting.IsCompleted);
        return waiting;
    }
}
