using System.Globalization;
using AgentCron.Agents.Processes;
using AgentCron.Core;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;
using AgentCron.Postgres;
using AgentCron.Sqlite;
using AgentCron.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentCron.Bench;

/// <summary>
/// A store for the engine to run on, wrapped by <see cref="InstrumentedStore"/>, with its own temporary directory (the
/// runs' working directory), plus the helpers the scenarios share: inserting one-time tasks through the store port,
/// running the real engine, reading every run back. Usually a fresh SQLite database; for the <c>cluster</c> scenario one
/// node's own <see cref="PostgresStore"/> (its own pool and LISTEN connection) on a shared PostgreSQL database.
/// </summary>
internal sealed class BenchStore : IAsyncDisposable
{
    // Writes kept in flight while inserting; the store group-commits whatever is queued (up to 256 per transaction).
    private const int InsertWindow = 2048;

    private readonly IAgentCronStore _inner;
    private readonly string? _sqlitePath;
    private readonly bool _keep;
    private int _slugs;

    private BenchStore(string directory, IAgentCronStore inner, string? sqlitePath, bool keep, StoreProfile profile, FinishedRuns finished)
    {
        Directory = directory;
        _inner = inner;
        _sqlitePath = sqlitePath;
        Store = new InstrumentedStore(inner, profile, finished);
        _keep = keep;
    }

    public static TimeProvider Time => TimeProvider.System;

    public string Directory { get; }
    public InstrumentedStore Store { get; }

    /// <summary>A fresh SQLite database in a new temporary directory under <paramref name="root"/>.</summary>
    public static async Task<BenchStore> CreateAsync(string root, string label, bool keep)
    {
        var directory = NewDirectory(root, label);
        var sqlite = new SqliteStore(Path.Combine(directory, "agentcron.db"), Time);
        await sqlite.MigrateAsync(CancellationToken.None);
        return new BenchStore(directory, sqlite, sqlite.Path, keep, new StoreProfile(), new FinishedRuns());
    }

    /// <summary>
    /// One node's store on the PostgreSQL database <paramref name="connectionString"/> names: a <see cref="PostgresStore"/>
    /// of its own, counted into the <paramref name="profile"/> and <paramref name="finished"/> its cluster shares.
    /// </summary>
    public static async Task<BenchStore> OpenPostgresAsync(string connectionString, string root, string label, StoreProfile profile, FinishedRuns finished)
    {
        var postgres = new PostgresStore(connectionString, Time);
        await postgres.MigrateAsync(CancellationToken.None);
        return new BenchStore(NewDirectory(root, label), postgres, null, keep: false, profile, finished);
    }

    internal static string NewDirectory(string root, string label)
    {
        var directory = Path.Combine(root, $"{label}-{Guid.NewGuid().ToString("N")[..8]}");
        System.IO.Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Size of the database file and its WAL, in bytes.</summary>
    public long FileBytes => _sqlitePath is { } path
        ? new[] { path, path + "-wal" }.Where(File.Exists).Sum(p => new FileInfo(p).Length)
        : throw new InvalidOperationException("only a SQLite store has a database file");

    public AgentTask NewTask(DateTimeOffset instant, DateTimeOffset now)
    {
        // Whole milliseconds, as an API client writes them: the SQLite store keeps instants in microseconds while the at
        // trigger keeps its instant to the tick, and a sub-microsecond remainder makes a one-time task fire twice
        // (see docs/benchmarks.md, "Findings").
        instant = WholeMilliseconds(instant);
        var n = Interlocked.Increment(ref _slugs);
        return new AgentTask
        {
            Id = Ids.New("t", Time),
            Slug = "bench-" + n.ToString("D7", CultureInfo.InvariantCulture),
            Name = "bench task " + n.ToString(CultureInfo.InvariantCulture),
            Instructions = "do nothing",
            Trigger = new AtTrigger(instant),
            NextFireAt = instant,
            Agent = new AgentSelection { Provider = NoopRunner.Id },
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
    }

    public static DateTimeOffset WholeMilliseconds(DateTimeOffset instant) =>
        new(instant.UtcTicks - instant.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    /// <summary>Inserts one one-time task per instant through <see cref="ITaskStore.CreateAsync"/>, many writes in flight at once.</summary>
    public async Task InsertAsync(int count, Func<int, DateTimeOffset> instantOf, Action<int>? progress = null)
    {
        var inFlight = new List<Task>(InsertWindow);
        var now = Time.GetUtcNow();
        for (var i = 0; i < count; i++)
        {
            inFlight.Add(Store.Tasks.CreateAsync(NewTask(instantOf(i), now), null, CancellationToken.None));
            if (inFlight.Count == InsertWindow)
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
                now = Time.GetUtcNow();
                progress?.Invoke(i + 1);
            }
        }

        await Task.WhenAll(inFlight);
        progress?.Invoke(count);
    }

    public Scheduler NewScheduler(NoopRunner runner, SchedulerOptions options) => new(
        Store,
        new RunnerRegistry([runner], NoopRunner.Id),
        new ProcessGroupOrphanKiller(),
        options,
        new RunEnvironment("http://127.0.0.1:0", Directory, TestSandbox.None),
        new DeliveryPolicy(DeliveryChannels.None, new DeliveryOptions()),
        Time,
        NullLogger<Scheduler>.Instance);

    /// <summary>Every run in the store, read page by page (500 per page) through the port.</summary>
    public async Task<List<TaskRun>> ReadAllRunsAsync()
    {
        var runs = new List<TaskRun>();
        string? cursor = null;
        do
        {
            var page = await Store.Runs.ListAsync(new RunQuery(Cursor: cursor, Limit: 500), CancellationToken.None);
            runs.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return runs;
    }

    public async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        if (!_keep)
        {
            if (_sqlitePath is not null)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            }

            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is harmless.
            }
        }
    }
}
