using System.Diagnostics;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;

namespace AgentCron.Bench.Scenarios;

/// <summary>What one lateness measurement found. Lateness = run.StartedAt − run.ScheduledFor, read back from the store.</summary>
internal sealed record LatenessResult(
    int Runs,
    int Retried,
    Stats Lateness,
    Stats PlanLag,
    TimeSpan LastDoneAfterDue,
    TimeSpan InsertTime,
    TimeSpan LeadLeft,
    StoreProfile Profile,
    CpuUse Cpu)
{
    public Dictionary<string, object?> ToJson() => new()
    {
        ["runs"] = Runs,
        ["retried"] = Retried,
        ["lateness_ms"] = Lateness.ToJson(),
        ["plan_lag_ms"] = PlanLag.ToJson(),
        ["last_done_after_due_ms"] = Math.Round(LastDoneAfterDue.TotalMilliseconds, 1),
        ["insert_ms"] = Math.Round(InsertTime.TotalMilliseconds, 1),
        ["lead_left_ms"] = Math.Round(LeadLeft.TotalMilliseconds, 1),
        ["store_calls"] = Report.ProfileJson(Profile),
    };
}

/// <summary>
/// N one-time tasks due at one instant (burst) or spread evenly over a span, the first due 3 s after they are created.
/// All tasks are inserted before the scheduler starts; the scheduler then sleeps until the first is due.
/// </summary>
internal static class LatenessScenario
{
    public static readonly TimeSpan Lead = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Inserts the tasks (the first due <paramref name="lead"/>, default <see cref="Lead"/>, from now), runs the engine
    /// until all ran, and reads the runs back. CPU is measured over the engine's run, with the PostgreSQL server
    /// <paramref name="postmaster"/> if given.
    /// </summary>
    public static async Task<LatenessResult> MeasureAsync(BenchStore store, int count, TimeSpan spread, SchedulerOptions options, bool quiet = false, TimeSpan? lead = null, int? postmaster = null)
    {
        var firstDue = BenchStore.WholeMilliseconds(BenchStore.Time.GetUtcNow() + (lead ?? Lead));
        var insertStart = Stopwatch.GetTimestamp();
        await store.InsertAsync(count, i => firstDue + spread * i / count);
        var insertTime = Stopwatch.GetElapsedTime(insertStart);
        var leadLeft = firstDue - BenchStore.Time.GetUtcNow();
        if (leadLeft < TimeSpan.FromMilliseconds(500) && !quiet)
        {
            Console.WriteLine($"  warning: inserting took {insertTime.TotalMilliseconds:F0} ms; only {leadLeft.TotalMilliseconds:F0} ms were left before the first task was due");
        }

        store.Store.Profile.Reset();
        var cpu = CpuUse.Start(postmaster);
        var run = await EngineRun.RunUntilFinishedAsync(store, options, count, (lead ?? Lead) + spread + TimeSpan.FromMinutes(3), quiet);
        var used = cpu();
        var profile = store.Store.Profile;

        var runs = (await store.ReadAllRunsAsync()).Where(r => r.ScheduledFor >= firstDue).ToList();
        Check(runs, count);
        var lastDue = runs.Max(r => r.ScheduledFor);
        return new LatenessResult(
            runs.Count,
            runs.Count(r => r.Attempt > 1),
            new Stats(runs.Select(r => (r.StartedAt!.Value - r.ScheduledFor).TotalMilliseconds)),
            new Stats(runs.Select(r => (r.CreatedAt - r.ScheduledFor).TotalMilliseconds)),
            run.LastFinishedUtc - lastDue,
            insertTime,
            leadLeft,
            profile,
            used);
    }

    /// <summary>Every expected run exists and succeeded; anything else means the figures are not about what we think.</summary>
    public static void Check(List<TaskRun> runs, int expected)
    {
        var succeeded = runs.Count(r => r.Status == RunStatus.Succeeded);
        if (runs.Count != expected || succeeded != expected)
        {
            var statuses = string.Join(", ", runs.GroupBy(r => r.Status).Select(g => $"{g.Key}: {g.Count()}"));
            throw new InvalidOperationException($"expected {expected} succeeded runs, found {runs.Count} runs ({statuses})");
        }
    }

    public static string[] Header(string first) => [first, "runs", "p50 ms", "p90 ms", "p99 ms", "max ms", "plan-lag p99 ms", "last done after due ms", "retried"];

    public static string[] Row(string label, LatenessResult r) =>
    [
        label,
        Report.N(r.Runs),
        Report.F(r.Lateness.P50),
        Report.F(r.Lateness.P90),
        Report.F(r.Lateness.P99),
        Report.F(r.Lateness.Max),
        Report.F(r.PlanLag.P99),
        Report.F(r.LastDoneAfterDue.TotalMilliseconds),
        Report.N(r.Retried),
    ];

    public static async Task RunAsync(BenchOptions options, bool burst)
    {
        var name = burst ? "lateness-burst" : "lateness-spread";
        var count = options.Count ?? 1000;
        var spread = burst ? TimeSpan.Zero : options.Spread;
        Report.Heading(burst
            ? $"{name}: {count:N0} one-time tasks all due at T = start + 3 s (created before the scheduler starts)"
            : $"{name}: {count:N0} one-time tasks spread evenly over {spread.TotalSeconds:F0} s from start + 3 s (created before the scheduler starts)");
        await using var store = await BenchStore.CreateAsync(options.TempRoot, name, options.Keep);
        var engine = new SchedulerOptions();
        var result = await MeasureAsync(store, count, spread, engine);

        Report.Table([Header("lateness = started − scheduled"), Row($"MaxConcurrentRuns {engine.MaxConcurrentRuns}", result)]);
        Console.WriteLine($"  inserted in {result.InsertTime.TotalMilliseconds:F0} ms; plan lag = run.CreatedAt − scheduled; retried = runs that needed a second attempt{(burst ? "" : "; target p99 ≤ 50 ms")}");
        Report.Profile(result.Profile);
        var json = result.ToJson();
        json["count"] = count;
        json["spread_s"] = spread.TotalSeconds;
        json["max_concurrent_runs"] = engine.MaxConcurrentRuns;
        Console.WriteLine("  → " + Report.Append(options, name, json));
    }
}
