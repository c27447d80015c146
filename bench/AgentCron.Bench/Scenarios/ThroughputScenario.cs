using System.Diagnostics;
using AgentCron.Core.Engine;

namespace AgentCron.Bench.Scenarios;

/// <summary>
/// What one throughput measurement found: fired = runs ÷ (last StartedAt − first StartedAt), completed = runs ÷
/// (<see cref="Scheduler.Start"/> → last durable completion).
/// </summary>
internal sealed record ThroughputResult(int Runs, TimeSpan Wall, TimeSpan FiredSpan, TimeSpan Planned, TimeSpan Insert, Stats Lateness, int Retried, CpuUse Cpu)
{
    public double Fired => Runs / FiredSpan.TotalSeconds;
    public double Completed => Runs / Wall.TotalSeconds;
}

/// <summary>
/// N one-time tasks already due (all at one instant ~1 s in the past, inside the catch-up window) before the scheduler
/// starts; the clock runs from <see cref="Scheduler.Start"/> until the last run is durably <c>succeeded</c>.
/// </summary>
internal static class ThroughputScenario
{
    /// <summary>
    /// Inserts <paramref name="count"/> tasks due 1 s ago, runs the engine from <see cref="Scheduler.Start"/> until the
    /// last run is durably finished, and checks every run succeeded. CPU is measured over the engine's run, with the
    /// PostgreSQL server <paramref name="postmaster"/> if given.
    /// </summary>
    public static async Task<ThroughputResult> MeasureAsync(BenchStore store, int count, SchedulerOptions engine, int? postmaster, bool quiet = false)
    {
        var due = BenchStore.Time.GetUtcNow() - TimeSpan.FromSeconds(1);
        var insertStart = Stopwatch.GetTimestamp();
        await store.InsertAsync(count, _ => due);
        var insertTime = Stopwatch.GetElapsedTime(insertStart);

        store.Store.Profile.Reset();
        var cpu = CpuUse.Start(postmaster);
        var run = await EngineRun.RunUntilFinishedAsync(store, engine, count, TimeSpan.FromMinutes(10), quiet);
        var used = cpu();
        var runs = await store.ReadAllRunsAsync();
        LatenessScenario.Check(runs, count);
        var starts = runs.Select(r => r.StartedAt!.Value).ToList();
        return new ThroughputResult(
            count,
            run.Elapsed,
            starts.Max() - starts.Min(),
            runs.Max(r => r.CreatedAt) - runs.Min(r => r.CreatedAt),
            insertTime,
            new Stats(runs.Select(r => (r.StartedAt!.Value - r.ScheduledFor).TotalMilliseconds)),
            runs.Count(r => r.Attempt > 1),
            used);
    }

    public static async Task RunAsync(BenchOptions options)
    {
        const string name = "throughput";
        var count = options.Count ?? 20_000;
        Report.Heading($"{name}: {count:N0} one-time tasks already due (1 s ago), scheduler started after they are inserted");
        List<string[]> rows = [["MaxConcurrentRuns", "runs", "fired runs/s", "completed runs/s", "wall s", "planned in s", "claims", "runs/claim", "lateness p50 ms", "p99 ms", "retried"]];
        var profiles = new List<(int, StoreProfile)>();
        foreach (var concurrency in options.Concurrency)
        {
            await using var store = await BenchStore.CreateAsync(options.TempRoot, $"{name}-{concurrency}", options.Keep);
            var result = await MeasureAsync(store, count, new SchedulerOptions { MaxConcurrentRuns = concurrency }, postmaster: null);
            var claim = store.Store.Profile.Snapshot().FirstOrDefault(p => p.Method == "Runs.Claim");
            rows.Add(
            [
                concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Report.N(count),
                Report.F(result.Fired, 0),
                Report.F(result.Completed, 0),
                Report.F(result.Wall.TotalSeconds, 2),
                Report.F(result.Planned.TotalSeconds, 2),
                Report.N(claim.Calls),
                Report.F(claim.Calls == 0 ? 0 : (double)claim.Items / claim.Calls, 2),
                Report.F(result.Lateness.P50, 0),
                Report.F(result.Lateness.P99, 0),
                Report.N(result.Retried),
            ]);
            profiles.Add((concurrency, store.Store.Profile));
            Report.Append(options, name, new Dictionary<string, object?>
            {
                ["count"] = count,
                ["max_concurrent_runs"] = concurrency,
                ["fired_per_s"] = Math.Round(result.Fired, 1),
                ["completed_per_s"] = Math.Round(result.Completed, 1),
                ["wall_s"] = Math.Round(result.Wall.TotalSeconds, 3),
                ["fired_span_s"] = Math.Round(result.FiredSpan.TotalSeconds, 3),
                ["planned_span_s"] = Math.Round(result.Planned.TotalSeconds, 3),
                ["insert_s"] = Math.Round(result.Insert.TotalSeconds, 3),
                ["lateness_ms"] = result.Lateness.ToJson(),
                ["retried"] = result.Retried,
                ["store_calls"] = Report.ProfileJson(store.Store.Profile),
            });
            Console.WriteLine($"  MaxConcurrentRuns {concurrency}: inserted {count:N0} tasks in {result.Insert.TotalSeconds:F1} s, all succeeded after {result.Wall.TotalSeconds:F2} s");
        }

        Report.Table(rows);
        Console.WriteLine("  fired = runs / (last StartedAt − first StartedAt); completed = runs / (Start() → last durable completion). Target ≥ 2,000 runs/s.");
        foreach (var (concurrency, profile) in profiles)
        {
            Console.WriteLine($"  store calls at MaxConcurrentRuns {concurrency}:");
            Report.Profile(profile);
        }

        Console.WriteLine("  → " + Path.Combine(options.Output, name + ".jsonl"));
    }
}
