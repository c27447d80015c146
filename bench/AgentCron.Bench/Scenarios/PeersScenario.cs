using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentCron.Core.Engine;
using AgentCron.TestKit;
using Npgsql;

namespace AgentCron.Bench.Scenarios;

/// <summary>One product, store and setting on one workload: what the <c>peers</c> scenario prints and appends.</summary>
internal sealed record PeerResult(
    string Product,
    string Version,
    string Database,
    string Settings,
    int Workers,
    object? SettingsDetail,
    string Workload,
    int Count,
    int Completed,
    int Duplicates,
    Stats Lateness,
    double? RunsPerSecond,
    double CpuMillisecondsPerRun,
    double? InsertMilliseconds,
    double? LeadLeftMilliseconds,
    string? Error = null)
{
    public string Key => $"{Database}/{Settings}/{Workload}";
}

/// <summary>
/// AgentCron next to its peers, in one invocation on one machine and one durable PostgreSQL server (fsync and
/// synchronous_commit on): Quartz.NET 4.7.3 (ADO.NET job store) and Hangfire 1.8.25 (Hangfire.Storage.SQLite,
/// Hangfire.PostgreSql) in processes of their own (bench/AgentCron.Bench.Peers), graphile-worker 0.16 under Node
/// (bench/peers/graphile-worker, installed by npm ci on first use). Each at its defaults and at its best settings
/// (AgentCron: MaxConcurrentRuns at its default and 32), each on a fresh database, each warmed up first, with a no-op job.
/// Workloads: a burst of 1,000 due at one instant 10 s after they are created (lateness), 20,000 already due (runs/s),
/// one task at a time due 1 s after it is created on an idle scheduler (lateness).
/// </summary>
internal static class PeersScenario
{
    private const string Name = "peers";
    private const string AgentCron = "AgentCron";
    private const int BurstCount = 1000;
    private const int SingleCount = 5;
    private const int BestWorkers = 32;
    private static readonly TimeSpan BurstLead = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WorkloadTimeout = TimeSpan.FromMinutes(3);
    private static readonly string[] Workloads = ["burst", "throughput", "single"];

    public static async Task RunAsync(BenchOptions options)
    {
        var count = options.Count ?? 20_000;
        Report.Heading($"{Name}: AgentCron next to {string.Join(", ", options.Peers.Where(p => p != "agentcron"))} on the same machine and PostgreSQL server");
        var commands = await PeerCommands.PrepareAsync(options);
        Console.WriteLine("  starting a throwaway PostgreSQL server (fsync=on, synchronous_commit=on)…");
        var server = PostgresServer.Start(durableCommits: true);
        try
        {
            var facts = await ClusterScenario.ServerFactsAsync(server);
            var postmaster = (int?)facts["postmaster_pid"];
            Console.WriteLine($"  PostgreSQL {facts["version"]} on 127.0.0.1:{server.Port}; fsync={facts["fsync"]}, synchronous_commit={facts["synchronous_commit"]}");
            var setup = new Setup(server, postmaster, options, commands);
            if (options.Warmup && options.Peers.Contains("agentcron"))
            {
                await AgentCronAsync(setup, "postgres", best: false, "burst", 200);
            }

            var results = new List<PeerResult>();
            foreach (var workload in Workloads)
            {
                var workloadCount = workload switch { "burst" => BurstCount, "throughput" => count, _ => SingleCount };
                Console.WriteLine($"  {workload} ({Describe(workload, workloadCount)}):");
                foreach (var (product, database) in Products(options.Peers))
                {
                    foreach (var best in new[] { false, true })
                    {
                        var result = await MeasureAsync(setup, product, database, best, workload, workloadCount);
                        results.Add(result);
                        Console.WriteLine("    " + Summary(result));
                        Report.Append(options, Name, ToJson(result, results, facts));
                    }
                }
            }

            foreach (var workload in Workloads)
            {
                PrintTable(workload, [.. results.Where(r => r.Workload == workload)], results);
            }

            Console.WriteLine("  → " + Path.Combine(options.Output, Name + ".jsonl"));
        }
        finally
        {
            server.Stop();
        }
    }

    private static string Describe(string workload, int count) => workload switch
    {
        "burst" => $"{count:N0} due at one instant {BurstLead.TotalSeconds:F0} s after they are created; scheduler started after the insert",
        "throughput" => $"{count:N0} already due (1 s ago); scheduler started after the insert",
        _ => $"{count} times one task due 1 s after it is created, on an idle running scheduler",
    };

    private static IEnumerable<(string Product, string Database)> Products(IReadOnlyList<string> peers)
    {
        foreach (var product in peers)
        {
            if (product != "graphile-worker")
            {
                yield return (product, "sqlite");
            }

            yield return (product, "postgres");
        }
    }

    private static async Task<PeerResult> MeasureAsync(Setup setup, string product, string database, bool best, string workload, int count)
    {
        try
        {
            return product == "agentcron"
                ? await AgentCronAsync(setup, database, best, workload, count)
                : await ChildAsync(setup, product, database, best, workload, count);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or NpgsqlException)
        {
            return new PeerResult(product, "?", database, best ? "best" : "defaults", 0, null, workload, count, 0, 0, new Stats([]), null, double.NaN, null, null, ex.Message);
        }
    }

    /// <summary>AgentCron's engine in this process, measured as the lateness and throughput scenarios measure it.</summary>
    private static async Task<PeerResult> AgentCronAsync(Setup setup, string database, bool best, string workload, int count)
    {
        var engine = best ? new SchedulerOptions { MaxConcurrentRuns = BestWorkers } : new SchedulerOptions();
        var postmaster = database == "postgres" ? setup.Postmaster : null;
        string? postgresDatabase = null;
        BenchStore store;
        if (database == "sqlite")
        {
            store = await BenchStore.CreateAsync(setup.Options.TempRoot, $"{Name}-{workload}", setup.Options.Keep);
        }
        else
        {
            postgresDatabase = await setup.Server.CreateDatabaseAsync(Name);
            store = await BenchStore.OpenPostgresAsync(setup.ConnectionString(postgresDatabase), setup.Options.TempRoot, $"{Name}-{workload}", new StoreProfile(), new FinishedRuns());
        }

        try
        {
            PeerResult Result(int completed, Stats lateness, double? runsPerSecond, CpuUse cpu, double? insert = null, double? leadLeft = null) => new(
                AgentCron,
                typeof(Scheduler).Assembly.GetName().Version?.ToString(3) ?? "?",
                database,
                best ? "best" : "defaults",
                engine.MaxConcurrentRuns,
                new Dictionary<string, object> { ["MaxConcurrentRuns"] = engine.MaxConcurrentRuns },
                workload,
                count,
                completed,
                0,
                lateness,
                runsPerSecond,
                cpu.Milliseconds / completed,
                insert,
                leadLeft);

            switch (workload)
            {
                case "burst":
                    var burst = await LatenessScenario.MeasureAsync(store, count, TimeSpan.Zero, engine, quiet: true, BurstLead, postmaster);
                    return Result(burst.Runs, burst.Lateness, null, burst.Cpu, burst.InsertTime.TotalMilliseconds, burst.LeadLeft.TotalMilliseconds);
                case "throughput":
                    var throughput = await ThroughputScenario.MeasureAsync(store, count, engine, postmaster, quiet: true);
                    return Result(throughput.Runs, throughput.Lateness, throughput.Completed, throughput.Cpu, throughput.Insert.TotalMilliseconds);
                default:
                    var (lateness, cpu) = await SingleAsync(store, engine, count, postmaster);
                    return Result(lateness.Count, lateness, null, cpu);
            }
        }
        finally
        {
            await store.DisposeAsync();
            if (postgresDatabase is not null)
            {
                await setup.Server.DropDatabaseAsync(postgresDatabase);
            }
        }
    }

    /// <summary>
    /// The engine started idle; then, <paramref name="count"/> times, one task due 1 s after it is created (waking the
    /// scheduler, as the API does), the next created 0.5 s after the previous one finished.
    /// </summary>
    private static async Task<(Stats Lateness, CpuUse Cpu)> SingleAsync(BenchStore store, SchedulerOptions engine, int count, int? postmaster)
    {
        CpuUse? used = null;
        await EngineRun.RunUntilFinishedAsync([store], engine, count, WorkloadTimeout, quiet: true, async schedulers =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2), BenchStore.Time);
            var cpu = CpuUse.Start(postmaster);
            for (var i = 0; i < count; i++)
            {
                var finished = store.Store.Finished.Count;
                var due = BenchStore.WholeMilliseconds(BenchStore.Time.GetUtcNow() + TimeSpan.FromSeconds(1));
                await store.InsertAsync(1, _ => due, _ => schedulers[0].Wake());
                while (store.Store.Finished.Count == finished)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(5), BenchStore.Time);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), BenchStore.Time);
            }

            used = cpu();
        });
        var runs = await store.ReadAllRunsAsync();
        LatenessScenario.Check(runs, count);
        return (new Stats(runs.Select(r => (r.StartedAt!.Value - r.ScheduledFor).TotalMilliseconds)), used!);
    }

    /// <summary>
    /// A peer in a process of its own, on a fresh database. It prints {"event":"measuring"} as its measured phase
    /// begins (PostgreSQL's CPU is sampled from then) and one {"event":"result",…} line at the end.
    /// </summary>
    private static async Task<PeerResult> ChildAsync(Setup setup, string product, string database, bool best, string workload, int count)
    {
        var directory = BenchStore.NewDirectory(setup.Options.TempRoot, $"{Name}-{product}");
        string? postgresDatabase = null;
        string connection;
        if (database == "sqlite")
        {
            connection = product == "quartz" ? $"Data Source={Path.Combine(directory, "quartz.db")}" : Path.Combine(directory, "hangfire.db");
        }
        else
        {
            postgresDatabase = await setup.Server.CreateDatabaseAsync(Name);
            connection = product == "graphile-worker" ? $"postgres://postgres@127.0.0.1:{setup.Server.Port}/{postgresDatabase}" : setup.ConnectionString(postgresDatabase);
        }

        try
        {
            var start = setup.Commands.StartInfo(product);
            foreach (var argument in (string[])[
                "--product", product, "--database", database, "--connection", connection, "--workload", workload,
                "--count", count.ToString(CultureInfo.InvariantCulture), "--settings", best ? "best" : "defaults",
                "--lead-ms", BurstLead.TotalMilliseconds.ToString(CultureInfo.InvariantCulture),
                "--timeout-s", WorkloadTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ])
            {
                start.ArgumentList.Add(argument);
            }

            var (result, serverCpu) = await RunChildAsync(start, database == "postgres" ? setup.Postmaster : null);
            var lateness = new Stats(result.GetProperty("lateness_ms").EnumerateArray().Select(e => e.GetDouble()));
            var completed = result.GetProperty("completed").GetInt32();
            var detail = result.GetProperty("settings_detail");
            return new PeerResult(
                result.GetProperty("product").GetString()!,
                result.GetProperty("version").GetString()!,
                database,
                best ? "best" : "defaults",
                Workers(detail),
                detail,
                workload,
                count,
                completed,
                result.GetProperty("duplicates").GetInt32(),
                lateness,
                Number(result, "elapsed_ms") is { } elapsed && workload == "throughput" ? completed / (elapsed / 1000) : null,
                (result.GetProperty("cpu_ms").GetDouble() + serverCpu) / Math.Max(1, completed),
                Number(result, "insert_ms"),
                Number(result, "lead_left_ms"),
                completed < count ? $"only {completed:N0} of {count:N0} ran within {WorkloadTimeout.TotalSeconds:F0} s" : null);
        }
        finally
        {
            if (postgresDatabase is not null)
            {
                await setup.Server.DropDatabaseAsync(postgresDatabase);
            }

            if (!setup.Options.Keep)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>Runs the child to its end; returns its result line and the PostgreSQL server's CPU ms over its measured phase.</summary>
    private static async Task<(JsonElement Result, double ServerCpuMilliseconds)> RunChildAsync(ProcessStartInfo start, int? postmaster)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var errors = new Queue<string>();
        var stderr = Task.Run(async () =>
        {
            while (await child.StandardError.ReadLineAsync() is { } line)
            {
                errors.Enqueue(line);
                if (errors.Count > 20)
                {
                    errors.Dequeue();
                }
            }
        });
        Func<CpuUse>? cpu = null;
        JsonElement? result = null;
        var serverCpu = 0d;
        using var deadline = new CancellationTokenSource(WorkloadTimeout * 4);
        try
        {
            while (await child.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                if (!line.StartsWith('{'))
                {
                    continue;
                }

                var message = JsonDocument.Parse(line).RootElement;
                switch (message.GetProperty("event").GetString())
                {
                    case "measuring":
                        cpu = CpuUse.Start(postmaster);
                        break;
                    case "result":
                        var used = cpu?.Invoke();
                        serverCpu = used is null || double.IsNaN(used.ServerCores) ? 0 : used.ServerCores * used.WallSeconds * 1000;
                        result = message.Clone();
                        break;
                }
            }

            await child.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList.Take(8))} did not finish within {(WorkloadTimeout * 4).TotalMinutes:F0} minutes");
        }

        await stderr;
        if (child.ExitCode != 0 || result is null)
        {
            throw new InvalidOperationException($"exit {child.ExitCode}: {string.Join(" | ", errors)}");
        }

        return (result.Value, serverCpu);
    }

    private static double? Number(JsonElement result, string name) =>
        result.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    /// <summary>The peer's worker count, whatever its own name for it.</summary>
    private static int Workers(JsonElement detail)
    {
        foreach (var name in (string[])["threadPool.maxConcurrency", "WorkerCount", "concurrency"])
        {
            if (detail.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number)
            {
                return value.GetInt32();
            }
        }

        return 0;
    }

    private static PeerResult? AgentCronFor(PeerResult row, IReadOnlyList<PeerResult> all) =>
        all.FirstOrDefault(r => r.Product == AgentCron && r.Key == row.Key && r.Error is null);

    /// <summary>How many times AgentCron does better than this row: runs/s ÷ runs/s, or lateness ÷ lateness.</summary>
    private static double? Ratio(PeerResult row, IReadOnlyList<PeerResult> all, Func<PeerResult, double?> figure, bool higherIsBetter)
    {
        if (AgentCronFor(row, all) is not { } ours || figure(ours) is not { } mine || figure(row) is not { } theirs || row.Error is not null)
        {
            return null;
        }

        return higherIsBetter ? mine / theirs : theirs / Math.Max(mine, 0.001);
    }

    private static string Summary(PeerResult r) => r.Error is not null && r.Completed == 0
        ? $"{r.Product} {r.Database} {r.Settings}: failed — {r.Error}"
        : string.Create(CultureInfo.InvariantCulture, $"{r.Product} {r.Version} {r.Database} {r.Settings} ({r.Workers} workers): ")
            + (r.RunsPerSecond is { } perSecond ? $"{perSecond:N0} runs/s" : $"lateness p50 {r.Lateness.P50:N1} / p99 {r.Lateness.P99:N1} ms")
            + string.Create(CultureInfo.InvariantCulture, $", CPU {r.CpuMillisecondsPerRun:N2} ms/run")
            + (r.Error is null ? "" : $" ({r.Error})");

    private static void PrintTable(string workload, List<PeerResult> rows, List<PeerResult> all)
    {
        Report.Heading($"{Name}: {workload}");
        if (workload == "throughput")
        {
            List<string[]> table = [["product", "store", "settings", "workers", "runs/s", "AgentCron ×", "CPU ms/run", "lateness p99 ms", "note"]];
            table.AddRange(rows.Select(r => (string[])[
                r.Product, r.Database, r.Settings, Report.N(r.Workers), r.RunsPerSecond is { } s ? Report.F(s, 0) : "—",
                RatioText(Ratio(r, all, x => x.RunsPerSecond, higherIsBetter: true)), Report.F(r.CpuMillisecondsPerRun, 2),
                Report.F(r.Lateness.P99, 0), r.Error ?? ""]));
            Report.Table(table);
            Console.WriteLine("  runs/s: AgentCron = runs ÷ (Start() → last durable completion); peers = jobs ÷ (start → last job body run), which favours them.");
        }
        else
        {
            List<string[]> table = [["product", "store", "settings", "workers", "p50 ms", "p99 ms", "max ms", "AgentCron × (p99)", "CPU ms/run", "note"]];
            table.AddRange(rows.Select(r => (string[])[
                r.Product, r.Database, r.Settings, Report.N(r.Workers), Report.F(r.Lateness.P50), Report.F(r.Lateness.P99),
                Report.F(r.Lateness.Max), RatioText(Ratio(r, all, x => x.Lateness.Count == 0 ? null : x.Lateness.P99, higherIsBetter: false)),
                Report.F(r.CpuMillisecondsPerRun, 2), r.Error ?? ""]));
            Report.Table(table);
            Console.WriteLine("  lateness = when the job's body (AgentCron: the run) started − when it was due.");
        }

        Console.WriteLine("  AgentCron × = how many times better AgentCron did on the same store at the same settings class (defaults or best);");
        Console.WriteLine("  CPU ms/run = CPU of the scheduler's process + the PostgreSQL server over the measured phase ÷ runs.");
    }

    private static string RatioText(double? ratio) => ratio is { } r ? Report.F(r, 1) + "×" : "";

    private static Dictionary<string, object?> ToJson(PeerResult r, IReadOnlyList<PeerResult> all, Dictionary<string, object?> postgres) => new()
    {
        ["product"] = r.Product,
        ["version"] = r.Version,
        ["store"] = r.Database,
        ["settings"] = r.Settings,
        ["settings_detail"] = r.SettingsDetail,
        ["workers"] = r.Workers,
        ["workload"] = r.Workload,
        ["count"] = r.Count,
        ["completed"] = r.Completed,
        ["duplicates"] = r.Duplicates,
        ["lateness_ms"] = r.Lateness.Count == 0 ? null : r.Lateness.ToJson(),
        ["runs_per_s"] = r.RunsPerSecond is { } s ? Math.Round(s, 1) : null,
        ["cpu_ms_per_run"] = double.IsNaN(r.CpuMillisecondsPerRun) ? null : Math.Round(r.CpuMillisecondsPerRun, 3),
        ["agentcron_ratio"] = r.Workload == "throughput"
            ? Ratio(r, all, x => x.RunsPerSecond, higherIsBetter: true)
            : Ratio(r, all, x => x.Lateness.Count == 0 ? null : x.Lateness.P99, higherIsBetter: false),
        ["insert_ms"] = r.InsertMilliseconds,
        ["lead_left_ms"] = r.LeadLeftMilliseconds,
        ["error"] = r.Error,
        ["postgres"] = postgres,
    };

    /// <summary>What every measurement shares: the server, its postmaster (for CPU), the options, how to start peers.</summary>
    private sealed record Setup(PostgresServer Server, int? Postmaster, BenchOptions Options, PeerCommands Commands)
    {
        /// <summary>Npgsql's default pool (100), as a daemon given a plain connection string has.</summary>
        public string ConnectionString(string database) =>
            new NpgsqlConnectionStringBuilder(Server.ConnectionString(database)) { MaxPoolSize = 100 }.ConnectionString;
    }
}
