using System.Diagnostics;
using System.Globalization;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.TestKit;
using Npgsql;

namespace AgentCron.Bench.Scenarios;

/// <summary>
/// Several real schedulers ("nodes") in this process, each on its own <see cref="Postgres.PostgresStore"/> (its own
/// connection pool, LISTEN connection and node id), sharing one fresh database on a throwaway PostgreSQL server whose
/// commits are durable; next to SQLite with one node, measured the same way in the same run. Throughput: tasks already due,
/// inserted before the nodes start. Lateness: tasks spread over a span, created through node 1's store while all nodes
/// run, so the other nodes learn of them only through LISTEN/NOTIFY. Every measurement checks exactly-once.
/// </summary>
internal static class ClusterScenario
{
    private const string Name = "cluster";

    public static async Task RunAsync(BenchOptions options)
    {
        var count = options.Count ?? 20_000;
        const int lateCount = 1000;
        Report.Heading($"{Name}: 1 to {options.Nodes.Max()} nodes on one PostgreSQL database, next to SQLite with one node");
        Console.WriteLine("  starting a throwaway PostgreSQL server (fsync=on, synchronous_commit=on)…");
        var server = PostgresServer.Start(durableCommits: true);
        try
        {
            var facts = await ServerFactsAsync(server);
            Console.WriteLine($"  PostgreSQL {facts["version"]} on 127.0.0.1:{server.Port}; fsync={facts["fsync"]}, synchronous_commit={facts["synchronous_commit"]}, shared_buffers={facts["shared_buffers"]}");
            var postmaster = (int?)facts["postmaster_pid"];
            if (options.Warmup)
            {
                await WarmUpAsync(server, postmaster, options);
            }

            List<string[]> throughput = [["store", "nodes", "MaxConcurrentRuns", "fired runs/s", "completed runs/s", "× 1 node", "wall s", "runs per node", "runs/claim", "lateness p99 ms", "CPU cores used"]];
            var profiles = new List<(string, StoreProfile)>();
            foreach (var concurrency in options.Concurrency)
            {
                Console.WriteLine($"  throughput, {count:N0} tasks already due, MaxConcurrentRuns {concurrency} per node:");
                await using (var sqlite = await SqliteAsync(options))
                {
                    await ThroughputAsync(sqlite, options, facts, count, concurrency, null, throughput);
                }

                double? oneNode = null;
                foreach (var nodes in options.Nodes)
                {
                    await using var cluster = await PostgresAsync(server, postmaster, nodes, options);
                    var completed = await ThroughputAsync(cluster, options, facts, count, concurrency, oneNode, throughput);
                    oneNode ??= nodes == 1 ? completed : null;
                    profiles.Add(($"{cluster.Label}, MaxConcurrentRuns {concurrency}", cluster.First.Store.Profile));
                }
            }

            List<string[]> lateness = [["store", "nodes", "runs", "p50 ms", "p90 ms", "p99 ms", "max ms", "plan-lag p99 ms", "runs per node", "insert ms", "CPU cores used"]];
            Console.WriteLine($"  lateness, {lateCount:N0} tasks spread over {options.Spread.TotalSeconds:F0} s, created through node 1 while all nodes run:");
            await using (var sqlite = await SqliteAsync(options))
            {
                await LatenessAsync(sqlite, options, facts, lateCount, lateness);
            }

            foreach (var nodes in options.Nodes)
            {
                await using var cluster = await PostgresAsync(server, postmaster, nodes, options);
                await LatenessAsync(cluster, options, facts, lateCount, lateness);
            }

            Report.Table(throughput);
            Console.WriteLine("  fired = runs / (last StartedAt − first StartedAt); completed = runs / (first Start() → last durable completion);");
            Console.WriteLine("  × 1 node = completed ÷ PostgreSQL 1 node's at the same MaxConcurrentRuns (target: 3 nodes ≥ 2×).");
            Console.WriteLine("  CPU cores used = (CPU seconds ÷ wall seconds) of this process (all nodes) + the PostgreSQL server, of the whole machine's.");
            Report.Table(lateness);
            Console.WriteLine("  lateness = StartedAt − ScheduledFor; target p99 ≤ 50 ms. Every run: one per task, attempt 1, succeeded, one agent start.");
            foreach (var (label, profile) in profiles)
            {
                Console.WriteLine($"  store calls, all nodes together, {label}:");
                Report.Profile(profile);
            }

            Console.WriteLine("  → " + Path.Combine(options.Output, Name + ".jsonl"));
        }
        finally
        {
            server.Stop();
        }
    }

    /// <summary>Inserts the due tasks through node 1, then runs all nodes until every run succeeded. Returns completed runs/s.</summary>
    private static async Task<double> ThroughputAsync(Setup setup, BenchOptions options, Dictionary<string, object?> server, int count, int concurrency, double? oneNode, List<string[]> rows)
    {
        var due = BenchStore.Time.GetUtcNow() - TimeSpan.FromSeconds(1);
        var insertStart = Stopwatch.GetTimestamp();
        await setup.First.InsertAsync(count, _ => due);
        var insertTime = Stopwatch.GetElapsedTime(insertStart);

        setup.First.Store.Profile.Reset();
        var cpu = CpuUse.Start(setup.Postmaster);
        var run = await EngineRun.RunUntilFinishedAsync(setup.Nodes, new SchedulerOptions { MaxConcurrentRuns = concurrency }, count, TimeSpan.FromMinutes(10), quiet: false, whileRunning: null);
        var used = cpu();
        var runs = await setup.First.ReadAllRunsAsync();
        CheckExactlyOnce(runs, count, run);

        var fired = count / (runs.Max(r => r.StartedAt!.Value) - runs.Min(r => r.StartedAt!.Value)).TotalSeconds;
        var completed = count / run.Elapsed.TotalSeconds;
        var claim = setup.First.Store.Profile.Snapshot().FirstOrDefault(p => p.Method == "Runs.Claim");
        var late = new Stats(runs.Select(r => (r.StartedAt!.Value - r.ScheduledFor).TotalMilliseconds));
        rows.Add(
        [
            setup.Store,
            Report.N(setup.Nodes.Count),
            concurrency.ToString(CultureInfo.InvariantCulture),
            Report.F(fired, 0),
            Report.F(completed, 0),
            oneNode is { } one ? Report.F(completed / one, 2) : setup.Store == "PostgreSQL" ? "1.00" : "",
            Report.F(run.Elapsed.TotalSeconds, 2),
            PerNode(run),
            Report.F(claim.Calls == 0 ? 0 : (double)claim.Items / claim.Calls, 2),
            Report.F(late.P99, 0),
            used.Describe(),
        ]);
        Console.WriteLine($"    {setup.Label}: inserted {count:N0} in {insertTime.TotalSeconds:F1} s; all succeeded after {run.Elapsed.TotalSeconds:F2} s ({completed:N0} runs/s; {used.Describe()}; load average {used.LoadAverageAtStart:F2} before)");
        Report.Append(options, Name, new Dictionary<string, object?>
        {
            ["measure"] = "throughput",
            ["store"] = setup.Store,
            ["postgres"] = server,
            ["nodes"] = setup.Nodes.Count,
            ["count"] = count,
            ["max_concurrent_runs"] = concurrency,
            ["fired_per_s"] = Math.Round(fired, 1),
            ["completed_per_s"] = Math.Round(completed, 1),
            ["wall_s"] = Math.Round(run.Elapsed.TotalSeconds, 3),
            ["insert_s"] = Math.Round(insertTime.TotalSeconds, 3),
            ["runs_per_node"] = run.StartedPerNode,
            ["lateness_ms"] = late.ToJson(),
            ["cpu"] = used.ToJson(),
            ["store_calls"] = Report.ProfileJson(setup.First.Store.Profile),
        });
        return completed;
    }

    /// <summary>Starts all nodes, then creates the tasks through node 1 (waking its scheduler, as the API does) while they run.</summary>
    private static async Task LatenessAsync(Setup setup, BenchOptions options, Dictionary<string, object?> server, int count, List<string[]> rows)
    {
        var spread = options.Spread;
        var firstDue = DateTimeOffset.MaxValue;
        var insertTime = TimeSpan.Zero;
        var leadLeft = TimeSpan.Zero;
        setup.First.Store.Profile.Reset();
        var cpu = CpuUse.Start(setup.Postmaster);
        var run = await EngineRun.RunUntilFinishedAsync(
            setup.Nodes,
            new SchedulerOptions(),
            count,
            LatenessScenario.Lead + spread + TimeSpan.FromMinutes(3),
            quiet: true,
            async schedulers =>
            {
                firstDue = BenchStore.WholeMilliseconds(BenchStore.Time.GetUtcNow() + LatenessScenario.Lead);
                var start = Stopwatch.GetTimestamp();
                await setup.First.InsertAsync(count, i => firstDue + spread * i / count, _ => schedulers[0].Wake());
                insertTime = Stopwatch.GetElapsedTime(start);
                leadLeft = firstDue - BenchStore.Time.GetUtcNow();
            });
        var used = cpu();
        var runs = await setup.First.ReadAllRunsAsync();
        CheckExactlyOnce(runs, count, run);
        if (leadLeft < TimeSpan.FromMilliseconds(500))
        {
            Console.WriteLine($"    warning: inserting took {insertTime.TotalMilliseconds:F0} ms; only {leadLeft.TotalMilliseconds:F0} ms were left before the first task was due");
        }

        var late = new Stats(runs.Select(r => (r.StartedAt!.Value - r.ScheduledFor).TotalMilliseconds));
        var planLag = new Stats(runs.Select(r => (r.CreatedAt - r.ScheduledFor).TotalMilliseconds));
        rows.Add(
        [
            setup.Store,
            Report.N(setup.Nodes.Count),
            Report.N(runs.Count),
            Report.F(late.P50),
            Report.F(late.P90),
            Report.F(late.P99),
            Report.F(late.Max),
            Report.F(planLag.P99),
            PerNode(run),
            Report.F(insertTime.TotalMilliseconds, 0),
            used.Describe(),
        ]);
        Console.WriteLine($"    {setup.Label}: p50 / p99 / max {late.P50:F1} / {late.P99:F1} / {late.Max:F1} ms; inserted in {insertTime.TotalMilliseconds:F0} ms; load average {used.LoadAverageAtStart:F2} before");
        Report.Append(options, Name, new Dictionary<string, object?>
        {
            ["measure"] = "lateness-spread-live",
            ["store"] = setup.Store,
            ["postgres"] = server,
            ["nodes"] = setup.Nodes.Count,
            ["count"] = count,
            ["spread_s"] = spread.TotalSeconds,
            ["max_concurrent_runs"] = new SchedulerOptions().MaxConcurrentRuns,
            ["lateness_ms"] = late.ToJson(),
            ["plan_lag_ms"] = planLag.ToJson(),
            ["runs_per_node"] = run.StartedPerNode,
            ["insert_ms"] = Math.Round(insertTime.TotalMilliseconds, 1),
            ["lead_left_ms"] = Math.Round(leadLeft.TotalMilliseconds, 1),
            ["cpu"] = used.ToJson(),
            ["store_calls"] = Report.ProfileJson(setup.First.Store.Profile),
        });
    }

    /// <summary>
    /// Exactly once: one run per task, each succeeded at its first attempt, and the agents were started exactly as many
    /// times as there are tasks (so no two nodes ran the same claim, whatever the rows say).
    /// </summary>
    internal static void CheckExactlyOnce(List<TaskRun> runs, int expected, EngineRunResult run)
    {
        LatenessScenario.Check(runs, expected);
        var tasks = runs.Select(r => r.TaskId).Distinct(StringComparer.Ordinal).Count();
        var retried = runs.Count(r => r.Attempt != 1);
        var started = run.StartedPerNode.Sum();
        if (tasks != expected || retried != 0 || started != expected)
        {
            throw new InvalidOperationException($"not exactly once: {tasks:N0} tasks have a run, {retried:N0} runs went past attempt 1, agents started {started:N0} times, for {expected:N0} tasks");
        }
    }

    private static string PerNode(EngineRunResult run) => string.Join(" / ", run.StartedPerNode.Select(Report.N));

    /// <summary>200 tasks through one PostgreSQL node, so the measured phases run JIT-compiled Npgsql and store code.</summary>
    private static async Task WarmUpAsync(PostgresServer server, int? postmaster, BenchOptions options)
    {
        const int count = 200;
        await using var cluster = await PostgresAsync(server, postmaster, 1, options);
        var due = BenchStore.Time.GetUtcNow() + TimeSpan.FromMilliseconds(300);
        await cluster.First.InsertAsync(count, i => due + TimeSpan.FromMilliseconds(i % 2 == 0 ? 0 : i));
        await EngineRun.RunUntilFinishedAsync(cluster.First, new SchedulerOptions(), count, TimeSpan.FromMinutes(1), quiet: true);
        _ = await cluster.First.ReadAllRunsAsync();
        Console.WriteLine($"  warm-up: {count} runs through one PostgreSQL node on a throw-away database");
    }

    private static async Task<Setup> SqliteAsync(BenchOptions options)
    {
        var store = await BenchStore.CreateAsync(options.TempRoot, Name + "-sqlite", options.Keep);
        return new Setup("SQLite", [store], null, () => Task.CompletedTask);
    }

    /// <summary>
    /// A fresh database and <paramref name="nodes"/> stores on it. The pool is Npgsql's default (100 connections), as a
    /// daemon given a plain connection string has; the test kit's 20 would throttle 32 concurrent runs per node.
    /// </summary>
    private static async Task<Setup> PostgresAsync(PostgresServer server, int? postmaster, int nodes, BenchOptions options)
    {
        var database = await server.CreateDatabaseAsync("bench");
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString(database)) { MaxPoolSize = 100 }.ConnectionString;
        var profile = new StoreProfile();
        var finished = new FinishedRuns();
        var stores = new List<BenchStore>();
        for (var i = 1; i <= nodes; i++)
        {
            stores.Add(await BenchStore.OpenPostgresAsync(connectionString, options.TempRoot, $"{Name}-node{i}", profile, finished));
        }

        return new Setup("PostgreSQL", stores, postmaster, () => server.DropDatabaseAsync(database));
    }

    /// <summary>Server version and the settings that decide durability, and the postmaster's pid (for <see cref="CpuUse"/>).</summary>
    internal static async Task<Dictionary<string, object?>> ServerFactsAsync(PostgresServer server)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString("postgres") + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), current_setting('shared_buffers'), pg_backend_pid()",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var facts = new Dictionary<string, object?>
        {
            ["version"] = reader.GetString(0),
            ["fsync"] = reader.GetString(1),
            ["synchronous_commit"] = reader.GetString(2),
            ["shared_buffers"] = reader.GetString(3),
            ["postmaster_pid"] = CpuUse.ParentOf(reader.GetInt32(4)),
        };
        return facts;
    }

    /// <summary>
    /// The nodes of one measurement (node 1 inserts and reads back), the PostgreSQL server's postmaster whose CPU counts
    /// (none for SQLite), and the database to drop afterwards.
    /// </summary>
    private sealed class Setup(string store, IReadOnlyList<BenchStore> nodes, int? postmaster, Func<Task> drop) : IAsyncDisposable
    {
        public int? Postmaster => postmaster;
        public string Store => store;
        public IReadOnlyList<BenchStore> Nodes => nodes;
        public BenchStore First => nodes[0];
        public string Label => $"{store}, {nodes.Count} node{(nodes.Count == 1 ? "" : "s")}";

        public async ValueTask DisposeAsync()
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            await drop();
        }
    }
}
