using System.Globalization;
using AgentCron.Core;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;
using AgentCron.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentCron.Bench;

/// <summary>
/// A fresh SQLite store in its own temporary directory, wrapped by <see cref="InstrumentedStore"/>, plus the helpers the
/// scenarios share: inserting one-time tasks through the store port, running the real engine, reading every run back.
/// </summary>
internal sealed class BenchStore : IAsyncDisposable
{
    // Writes kept in flight while inserting; the store group-commits whatever is queued (up to 256 per transaction).
    private const int InsertWindow = 2048;

    private readonly bool _keep;
    private int _slugs;

    private BenchStore(string directory, SqliteStore sqlite, bool keep)
    {
        Directory = directory;
        Sqlite = sqlite;
        Store = new InstrumentedStore(sqlite);
        _keep = keep;
    }

    public static TimeProvider Time => TimeProvider.System;

    public string Directory { get; }
    public SqliteStore Sqlite { get; }
    public InstrumentedStore Store { get; }
    public string DatabasePath => Sqlite.Path;

    public static async Task<BenchStore> CreateAsync(string root, string label, bool keep)
    {
        var directory = Path.Combine(root, $"{label}-{Guid.NewGuid().ToString("N")[..8]}");
        System.IO.Directory.CreateDirectory(directory);
        var sqlite = new SqliteStore(Path.Combine(directory, "agentcron.db"), Time);
        await sqlite.MigrateAsync(CancellationToken.None);
        return new BenchStore(directory, sqlite, keep);
    }

    /// <summary>Size of the database file and its WAL, in bytes.</summary>
    public long FileBytes =>
        new[] { DatabasePath, DatabasePath + "-wal" }.Where(File.Exists).Sum(p => new FileInfo(p).Length);

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
        options,
        new RunEnvironment("http://127.0.0.1:0", Directory),
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
        await Sqlite.DisposeAsync();
        if (!_keep)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
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
