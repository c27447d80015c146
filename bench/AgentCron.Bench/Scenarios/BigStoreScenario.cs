using System.Diagnostics;
using AgentCron.Core.Engine;

namespace AgentCron.Bench.Scenarios;

/// <summary>
/// lateness-spread on top of a store holding many future one-time tasks (due in 2–7 days, so none fires), next to the
/// same measurement on an empty store, with the process's memory during the measured phase. Seeding is timed apart.
/// </summary>
internal static class BigStoreScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        const string name = "big-store";
        var count = options.Count ?? 1000;
        var future = options.FutureTasks;
        Report.Heading($"{name}: lateness-spread ({count:N0} tasks over {options.Spread.TotalSeconds:F0} s) on an empty store and on {future:N0} future tasks");
        var engine = new SchedulerOptions();

        Console.WriteLine("  empty store:");
        LatenessResult empty;
        Measured emptyMemory;
        await using (var store = await BenchStore.CreateAsync(options.TempRoot, name + "-empty", options.Keep))
        {
            (empty, emptyMemory) = await MeasureWithMemoryAsync(store, count, options.Spread, engine);
        }

        await using var big = await BenchStore.CreateAsync(options.TempRoot, name, options.Keep);
        Console.WriteLine($"  seeding {future:N0} future tasks through ITaskStore.CreateAsync…");
        var seedStart = Stopwatch.GetTimestamp();
        var from = BenchStore.Time.GetUtcNow() + TimeSpan.FromDays(2);
        var step = TimeSpan.FromDays(5) / Math.Max(future, 1);
        var reportEvery = Math.Max(future / 10, 1);
        var nextReport = reportEvery;
        await big.InsertAsync(future, i => from + step * i, done =>
        {
            if (done >= nextReport)
            {
                nextReport += reportEvery;
                var elapsed = Stopwatch.GetElapsedTime(seedStart);
                Console.WriteLine($"    … {done:N0} tasks in {elapsed.TotalSeconds:F0} s ({done / elapsed.TotalSeconds:N0}/s)");
            }
        });
        var seedTime = Stopwatch.GetElapsedTime(seedStart);
        var seedBytes = big.FileBytes;
        Console.WriteLine($"  seeded {future:N0} tasks in {seedTime.TotalSeconds:F1} s ({future / seedTime.TotalSeconds:N0}/s); database {Report.Mb(seedBytes)}");

        Console.WriteLine($"  {future:N0} future tasks:");
        var (loaded, loadedMemory) = await MeasureWithMemoryAsync(big, count, options.Spread, engine);

        Report.Table(
        [
            [.. LatenessScenario.Header("lateness = started − scheduled"), "peak RSS", "max GC heap", "max GC committed"],
            [.. LatenessScenario.Row("empty store", empty), .. emptyMemory.Cells()],
            [.. LatenessScenario.Row($"{future:N0} future tasks", loaded), .. loadedMemory.Cells()],
        ]);
        Console.WriteLine($"  peak RSS is the kernel's high-water mark {(loadedMemory.PeakReset ? "reset before the measured phase" : "(not resettable here: sampled maximum)")}; target < 300 MB, lateness within noise of the empty store.");
        Console.WriteLine("  store calls on the big store:");
        Report.Profile(loaded.Profile);

        var json = new Dictionary<string, object?>
        {
            ["count"] = count,
            ["spread_s"] = options.Spread.TotalSeconds,
            ["future_tasks"] = future,
            ["seed_s"] = Math.Round(seedTime.TotalSeconds, 2),
            ["seed_per_s"] = Math.Round(future / seedTime.TotalSeconds, 0),
            ["db_bytes"] = seedBytes,
            ["empty"] = With(empty.ToJson(), emptyMemory),
            ["loaded"] = With(loaded.ToJson(), loadedMemory),
        };
        Console.WriteLine("  → " + Report.Append(options, name, json));
    }

    private static async Task<(LatenessResult, Measured)> MeasureWithMemoryAsync(BenchStore store, int count, TimeSpan spread, SchedulerOptions engine)
    {
        LatenessResult result;
        var sampler = MemorySampler.Start();
        await using (sampler)
        {
            result = await LatenessScenario.MeasureAsync(store, count, spread, engine);
        }

        return (result, new Measured(sampler.PeakWorkingSetBytes, sampler.MaxGcHeapBytes, sampler.MaxGcCommittedBytes, sampler.PeakReset));
    }

    private static Dictionary<string, object?> With(Dictionary<string, object?> json, Measured memory)
    {
        json["peak_working_set_bytes"] = memory.PeakWorkingSet;
        json["max_gc_heap_bytes"] = memory.MaxGcHeap;
        json["max_gc_committed_bytes"] = memory.MaxGcCommitted;
        json["peak_reset"] = memory.PeakReset;
        return json;
    }

    private sealed record Measured(long PeakWorkingSet, long MaxGcHeap, long MaxGcCommitted, bool PeakReset)
    {
        public string[] Cells() => [Report.Mb(PeakWorkingSet), Report.Mb(MaxGcHeap), Report.Mb(MaxGcCommitted)];
    }
}
