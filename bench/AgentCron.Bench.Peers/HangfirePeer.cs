using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.States;
using Hangfire.Storage.SQLite;

namespace AgentCron.Bench.Peers;

/// <summary>
/// Hangfire with Hangfire.Storage.SQLite or Hangfire.PostgreSql. A job is a scheduled background job (its "do this
/// later" path: <c>BackgroundJobClient.Schedule</c>), moved to its queue by the server's delayed-job scheduler when due.
/// Defaults: 10 workers here (min(5 × cores, 20)), schedule and queue polled every 15 s. Best: 32 workers, the delayed
/// jobs polled every second, the queue every 100 ms (PostgreSQL: woken by LISTEN/NOTIFY as well), Hangfire 1.8's
/// recommended serializer settings.
/// </summary>
internal sealed class HangfirePeer(PeerArgs args) : IPeer
{
    private static readonly TimeSpan BestSchedulePolling = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan BestQueuePolling = TimeSpan.FromMilliseconds(100);
    private const int BestWorkers = 32;

    private JobStorage? _storage;
    private BackgroundJobServer? _server;

    public string Product => "Hangfire";
    public string Version => QuartzPeer.VersionOf(typeof(BackgroundJobServer).Assembly);

    public IReadOnlyDictionary<string, object> Settings
    {
        get
        {
            var server = ServerOptions();
            var settings = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["WorkerCount"] = server.WorkerCount,
                ["SchedulePollingInterval_ms"] = server.SchedulePollingInterval.TotalMilliseconds,
                ["QueuePollInterval_ms"] = (args.Best ? BestQueuePolling : TimeSpan.FromSeconds(15)).TotalMilliseconds,
            };
            if (args.Best)
            {
                settings["serializer"] = "CompatibilityLevel.Version_180, simple assembly names, recommended settings";
                if (args.Database == "postgres")
                {
                    settings["EnableLongPolling"] = true;
                }
            }

            return settings;
        }
    }

    private JobStorage Storage => _storage ?? throw new InvalidOperationException("PrepareAsync first");

    public Task PrepareAsync(CancellationToken ct)
    {
        if (args.Best)
        {
            GlobalConfiguration.Configuration
                .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
        }

        // Both storages create their schema when constructed.
        _storage = args.Database == "sqlite" ? SqliteStorage() : PostgresStorage();
        return Task.CompletedTask;
    }

    public Task AddAsync(IReadOnlyList<PeerJob> jobs, CancellationToken ct)
    {
        var client = new BackgroundJobClient(Storage);
        void Schedule(PeerJob job) =>
            client.Create(Hangfire.Common.Job.FromExpression(() => HangfireNoopJob.Run(job.Id, job.Due.ToUnixTimeMilliseconds())), new ScheduledState(job.Due.UtcDateTime));

        // One transaction per job is the client's only way; PostgreSQL takes them from several connections at once,
        // SQLite has one writer.
        if (args.Database == "sqlite")
        {
            foreach (var job in jobs)
            {
                Schedule(job);
            }

            return Task.CompletedTask;
        }

        return Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, (job, _) =>
        {
            Schedule(job);
            return ValueTask.CompletedTask;
        });
    }

    public Task StartAsync(CancellationToken ct)
    {
        _server = new BackgroundJobServer(ServerOptions(), Storage);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct)
    {
        _server?.Dispose();
        _server = null;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    private BackgroundJobServerOptions ServerOptions() => args.Best
        ? new BackgroundJobServerOptions { WorkerCount = BestWorkers, SchedulePollingInterval = BestSchedulePolling }
        : new BackgroundJobServerOptions();

    private SQLiteStorage SqliteStorage()
    {
        var options = new SQLiteStorageOptions();
        if (args.Best)
        {
            options.QueuePollInterval = BestQueuePolling;
            options.PoolSize = BestWorkers + 8;
        }

        return new SQLiteStorage(args.Connection, options);
    }

    private PostgreSqlStorage PostgresStorage()
    {
        var options = new PostgreSqlStorageOptions();
        if (args.Best)
        {
            options.QueuePollInterval = BestQueuePolling;
            options.EnableLongPolling = true;
        }

        return new PostgreSqlStorage(new NpgsqlConnectionFactory(args.Connection, options), options);
    }
}

/// <summary>The no-op job: reports to the probe under its id, against the time it was due.</summary>
public static class HangfireNoopJob
{
    public static void Run(string id, long dueUnixMilliseconds) => Probe.Ran(id, DateTimeOffset.FromUnixTimeMilliseconds(dueUnixMilliseconds));
}
