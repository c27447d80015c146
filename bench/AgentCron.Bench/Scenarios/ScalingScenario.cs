using System.Diagnostics;
using System.Globalization;
using AgentCron.TestKit;
using Npgsql;

namespace AgentCron.Bench.Scenarios;

/// <summary>
/// Horizontal scaling with the nodes, not the database, as the bound: 1, 2, 3 scheduler nodes, each a process of its
/// own (<see cref="NodeProcess"/>) held by a CPU cgroup to <see cref="BenchOptions.NodeCpu"/> of a core, on one durable
/// PostgreSQL database holding N tasks already due. Runs/s = N ÷ (the nodes told to start → last run finished).
/// </summary>
internal static class ScalingScenario
{
    private const string Name = "scaling";
    private const int Concurrency = 32;

    public static async Task RunAsync(BenchOptions options)
    {
        var count = options.Count ?? 6_000;
        Report.Heading($"{Name}: {string.Join(" / ", options.Nodes)} node processes, each held to {options.NodeCpu:F2} of a core by a CPU cgroup, on one PostgreSQL database; {count:N0} tasks already due");
        if (CpuCgroup.Unavailable() is { } why)
        {
            Console.WriteLine($"  skipped: {why}");
            return;
        }

        var server = PostgresServer.Start(durableCommits: true);
        try
        {
            var facts = await ClusterScenario.ServerFactsAsync(server);
            var postmaster = (int?)facts["postmaster_pid"];
            Console.WriteLine($"  PostgreSQL {facts["version"]} on 127.0.0.1:{server.Port}; fsync={facts["fsync"]}, synchronous_commit={facts["synchronous_commit"]}");
            List<string[]> rows = [["nodes", "runs/s", "× 1 node", "wall s", "runs per node", "node CPU (cores, each)", "postgres cores", "machine cores"]];
            double? one = null;
            foreach (var nodes in options.Nodes)
            {
                var result = await MeasureAsync(server, postmaster, options, nodes, count);
                one ??= nodes == 1 ? result.PerSecond : null;
                var factor = one is { } o ? result.PerSecond / o : (double?)null;
                rows.Add(
                [
                    Report.N(nodes),
                    Report.F(result.PerSecond, 0),
                    factor is { } f ? Report.F(f, 2) : "",
                    Report.F(result.Wall.TotalSeconds, 2),
                    string.Join(" / ", result.StartedPerNode.Select(Report.N)),
                    string.Join(" / ", result.NodeCores.Select(c => Report.F(c, 2))),
                    Report.F(result.Cpu.ServerCores, 2),
                    Report.F(result.Cpu.MachineCores, 2),
                ]);
                Console.WriteLine($"    {nodes} node(s): {result.PerSecond:N0} runs/s in {result.Wall.TotalSeconds:F1} s; {result.Cpu.Describe()}");
                Report.Append(options, Name, new Dictionary<string, object?>
                {
                    ["nodes"] = nodes,
                    ["node_cpu_budget_cores"] = options.NodeCpu,
                    ["count"] = count,
                    ["max_concurrent_runs"] = Concurrency,
                    ["runs_per_s"] = Math.Round(result.PerSecond, 1),
                    ["x_one_node"] = factor is { } x ? Math.Round(x, 3) : null,
                    ["wall_s"] = Math.Round(result.Wall.TotalSeconds, 3),
                    ["runs_per_node"] = result.StartedPerNode,
                    ["node_cores"] = result.NodeCores.Select(c => Math.Round(c, 3)),
                    ["cpu"] = result.Cpu.ToJson(),
                    ["postgres"] = facts,
                });
            }

            Report.Table(rows);
            Console.WriteLine($"  node CPU = each node process's CPU seconds ÷ wall seconds (its budget: {options.NodeCpu:F2}); target: 3 nodes ≥ 2.5× one.");
            Console.WriteLine("  → " + Path.Combine(options.Output, Name + ".jsonl"));
        }
        finally
        {
            server.Stop();
        }
    }

    private sealed record Result(double PerSecond, TimeSpan Wall, IReadOnlyList<long> StartedPerNode, IReadOnlyList<double> NodeCores, CpuUse Cpu);

    private static async Task<Result> MeasureAsync(PostgresServer server, int? postmaster, BenchOptions options, int nodes, int count)
    {
        var database = await server.CreateDatabaseAsync(Name);
        var connection = new NpgsqlConnectionStringBuilder(server.ConnectionString(database)) { MaxPoolSize = 100 }.ConnectionString;
        var warmups = new List<string>();
        var children = new List<(Process Process, CpuCgroup Group)>();
        try
        {
            await using var store = await BenchStore.OpenPostgresAsync(connection, options.TempRoot, Name, new StoreProfile(), new FinishedRuns());
            await store.InsertAsync(count, _ => BenchStore.Time.GetUtcNow() - TimeSpan.FromSeconds(1));
            for (var i = 1; i <= nodes; i++)
            {
                var warmup = await server.CreateDatabaseAsync(Name + "warmup");
                warmups.Add(warmup);
                var group = CpuCgroup.Create($"agentcron-bench-node{i}", options.NodeCpu);
                var process = StartNode(connection, server.ConnectionString(warmup), $"node-{i}");
                group.Add(process.Id);
                children.Add((process, group));
            }

            foreach (var (process, _) in children)
            {
                var line = await process.StandardOutput.ReadLineAsync();
                if (line != "ready")
                {
                    throw new InvalidOperationException($"a node process said '{line}' instead of ready: {await process.StandardError.ReadToEndAsync()}");
                }
            }

            var before = children.Select(c => c.Process.TotalProcessorTime).ToList();
            var cpu = CpuUse.Start(postmaster);
            var startedUtc = BenchStore.Time.GetUtcNow();
            var start = Stopwatch.GetTimestamp();
            foreach (var (process, _) in children)
            {
                await process.StandardInput.WriteLineAsync("go");
                await process.StandardInput.FlushAsync();
            }

            await WaitForSucceededAsync(connection, count, start);
            var used = cpu();
            var nodeCores = children.Select((c, i) => (c.Process.TotalProcessorTime - before[i]).TotalSeconds / used.WallSeconds).ToList();
            var started = new List<long>();
            foreach (var (process, _) in children)
            {
                await process.StandardInput.WriteLineAsync("stop");
                await process.StandardInput.FlushAsync();
                var line = await process.StandardOutput.ReadLineAsync() ?? "";
                started.Add(long.Parse(line.Replace("started ", "", StringComparison.Ordinal), CultureInfo.InvariantCulture));
                await process.WaitForExitAsync();
            }

            var runs = await store.ReadAllRunsAsync();
            var wall = runs.Max(r => r.FinishedAt!.Value) - startedUtc;
            ClusterScenario.CheckExactlyOnce(runs, count, new EngineRunResult(startedUtc, wall, started));
            return new Result(count / wall.TotalSeconds, wall, started, nodeCores, used);
        }
        finally
        {
            foreach (var (process, group) in children)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }

                process.Dispose();
                group.Dispose();
            }

            foreach (var warmup in warmups)
            {
                await server.DropDatabaseAsync(warmup);
            }

            await server.DropDatabaseAsync(database);
        }
    }

    private static Process StartNode(string connection, string warmup, string nodeId)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])[typeof(ScalingScenario).Assembly.Location, "node", "--connection", connection, "--warmup-connection", warmup, "--node-id", nodeId, "--concurrency", Concurrency.ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start a node process");
    }

    /// <summary>Polls the database (every 100 ms) until <paramref name="count"/> runs have succeeded; bounded at 10 minutes.</summary>
    private static async Task WaitForSucceededAsync(string connection, int count, long start)
    {
        await using var data = NpgsqlDataSource.Create(connection);
        while (true)
        {
            await using var command = data.CreateCommand("SELECT count(*) FROM runs WHERE status = 'succeeded'");
            var succeeded = (long)(await command.ExecuteScalarAsync())!;
            if (succeeded >= count)
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"only {succeeded:N0} of {count:N0} runs succeeded within 10 minutes");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), BenchStore.Time);
        }
    }
}
