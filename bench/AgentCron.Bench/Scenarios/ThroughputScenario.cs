using System.Diagnostics;
using AgentCron.Core.Engine;

namespace AgentCron.Bench.Scenarios;

/// <summary>
/// N one-time tasks already due (all at one instant ~1 s in the past, inside the catch-up window) before the scheduler
/// starts; the clock runs from <see cref="Scheduler.Start"/> until the last run is durably <c>succeeded</c>.
/// </summary>
internal static class ThroughputScenario
{
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
            var due = BenchStore.Time.GetUtcNow() - TimeSpan.FromSeconds(1);
            var insertStart = Stopwatch.GetTimestamp();
            await store.InsertAsync(count, _ => due);
            var insertTime = Stopwatch.GetElapsedTime(insertStart);

            store.Store.Profile.Reset();
            var engine = new SchedulerOptions { MaxConcurrentRuns = concurrency };
            var run = await EngineRun.RunUntilFinishedAsync(store, engine, count, TimeSpan.FromMinutes(10));
            var runs = await store.ReadAllRunsAsync();
            LatenessScenario.Check(runs, count);

            var firstStart = runs.Min(r => r.StartedAt!.Value);
            var lastStart = runs.Max(r => r.StartedAt!.Value);
            var fired = count / (lastStart - firstStart).TotalSeconds;
            var completed = count / run.Elapsed.TotalSeconds;
            var planned = runs.Max(r => r.CreatedAt) - runs.Min(r => r.CreatedAt);
            var claim = store.Store.Profile.Snapshot().FirstOrDefault(p => p.Method == "Runs.Claim");
            var lateness = new Stats(runs.Select(r => (r.StartedAt!.Value - r.ScheduledFor).TotalMilliseconds));
            rows.Add(
            [
                concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Report.N(count),
                Report.F(fired, 0),
                Report.F(completed, 0),
                Report.F(run.Elapsed.TotalSeconds, 2),
                Report.F(planned.TotalSeconds, 2),
                Report.N(claim.Calls),
                Report.F(claim.Calls == 0 ? 0 : (double)claim.Items / claim.Calls, 2),
                Report.F(lateness.P50, 0),
                Report.F(lateness.P99, 0),
                Report.N(runs.Count(r => r.Attempt > 1)),
            ]);
            profiles.Add((concurrency, store.Store.Profile));
            Report.Append(options, name, new Dictionary<string, object?>
            {
                ["count"] = count,
                ["max_concurrent_runs"] = concurrency,
                ["fired_per_s"] = Math.Round(fired, 1),
                ["completed_per_s"] = Math.Round(completed, 1),
                ["wall_s"] = Math.Round(run.Elapsed.TotalSeconds, 3),
                ["fired_span_s"] = Math.Round((lastStart - firstStart).TotalSeconds, 3),
                ["planned_span_s"] = Math.Round(planned.TotalSeconds, 3),
                ["insert_s"] = Math.Round(insertTime.TotalSeconds, 3),
                ["lateness_ms"] = lateness.ToJson(),
                ["retried"] = runs.Count(r => r.Attempt > 1),
                ["store_calls"] = Report.ProfileJson(store.Store.Profile),
            });
            Console.WriteLine($"  MaxConcurrentRuns {concurrency}: inserted {count:N0} tasks in {insertTime.TotalSeconds:F1} s, all succeeded after {run.Elapsed.TotalSeconds:F2} s");
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
