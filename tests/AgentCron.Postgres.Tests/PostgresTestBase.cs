using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Storage;
using AgentCron.TestKit;
using Npgsql;

namespace AgentCron.Postgres.Tests;

/// <summary>
/// What the PostgreSQL-specific tests share: empty stores as schemas of the class's database, opened with a chosen lease
/// clock and node clock and disposed after the test, plain SQL beside the store, and small task and run builders.
/// </summary>
public abstract class PostgresTestBase(PostgresDatabaseFixture fixture) : IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    protected static readonly CancellationToken None = CancellationToken.None;
    private readonly List<IAsyncDisposable> _opened = [];
    private int _sequence;

    protected PostgresDatabaseFixture Fixture => fixture;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var opened in _opened)
        {
            await opened.DisposeAsync();
        }

        await fixture.DropSchemasAsync();
    }

    protected Task<string> NewDatabaseAsync() => fixture.NewStoreConnectionStringAsync("store");

    /// <summary>A store on <paramref name="connectionString"/>, not migrated, disposed with the test.</summary>
    protected PostgresStore Open(string connectionString, LeaseClock clock = LeaseClock.Database, TimeProvider? time = null)
    {
        var store = new PostgresStore(connectionString, time ?? TimeProvider.System, new PostgresStoreOptions { LeaseClock = clock });
        _opened.Add(store);
        return store;
    }

    protected async Task<PostgresStore> OpenMigratedAsync(string connectionString, LeaseClock clock = LeaseClock.Database, TimeProvider? time = null)
    {
        var store = Open(connectionString, clock, time);
        await store.MigrateAsync(None);
        return store;
    }

    /// <summary>A plain connection beside the stores, for what the port does not show (locks, server time, sessions).</summary>
    protected async Task<NpgsqlConnection> ConnectAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        _opened.Add(connection);
        return connection;
    }

    protected static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    protected static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The database server's clock now.</summary>
    protected static async Task<DateTimeOffset> ServerNowAsync(NpgsqlConnection connection) =>
        new(await ScalarAsync<DateTime>(connection, "SELECT clock_timestamp()"));

    protected async Task<AgentTask> CreateTaskAsync(IAgentCronStore store, DateTimeOffset? nextFireAt = null)
    {
        var id = $"t_{Interlocked.Increment(ref _sequence):D6}";
        var at = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var task = new AgentTask
        {
            Id = id,
            Slug = id.Replace('_', '-'),
            Name = "Task " + id,
            Instructions = "check the deploy",
            Status = TaskState.Active,
            NextFireAt = nextFireAt,
            CreatedAt = at,
            UpdatedAt = at,
            Version = 1,
        };
        await store.Tasks.CreateAsync(task, null, None);
        return task;
    }

    protected async Task<TaskRun> InsertRunAsync(IAgentCronStore store, AgentTask task, DateTimeOffset notBefore, bool exclusive = false)
    {
        var id = $"r_{Interlocked.Increment(ref _sequence):D6}";
        var run = new TaskRun
        {
            Id = id,
            TaskId = task.Id,
            Occurrence = "manual:" + id,
            Trigger = RunTrigger.Manual,
            ScheduledFor = notBefore,
            NotBefore = notBefore,
            Exclusive = exclusive,
            Status = RunStatus.Queued,
            CreatedAt = notBefore,
        };
        await store.Runs.InsertAsync(run, None);
        return run;
    }

    /// <summary>What a finished attempt writes (the engine's CompletionPolicy in miniature).</summary>
    protected static Completion Finish(ClaimedRun claimed, RunStatus status, DateTimeOffset at) => new(
        claimed.Run with { Status = status, FinishedAt = at, LeaseOwner = null, LeaseExpiresAt = null },
        claimed.Task with { LastRunId = claimed.Run.Id, LastRunAt = claimed.Run.StartedAt, LastRunStatus = status });

    /// <summary>What a recovery that retries writes: the run back in the queue as the next attempt.</summary>
    protected static Completion Requeue(ClaimedRun claimed, DateTimeOffset at) => new(
        claimed.Run with { Status = RunStatus.Queued, Attempt = claimed.Run.Attempt + 1, NotBefore = at, LeaseOwner = null, LeaseExpiresAt = null },
        claimed.Task);
}

/// <summary>A node clock that is off by a fixed amount from the machine's (timers run on the machine's clock).</summary>
public sealed class SkewedTimeProvider(TimeSpan skew) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + skew;
}
