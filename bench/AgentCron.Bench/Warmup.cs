using AgentCron.Core.Engine;

namespace AgentCron.Bench;

/// <summary>Runs 200 tasks through the whole engine once on a throw-away store, so the measured phases run JIT-compiled code.</summary>
internal static class Warmup
{
    public static async Task RunAsync(BenchOptions options)
    {
        const int count = 200;
        await using var store = await BenchStore.CreateAsync(options.TempRoot, "warmup", keep: false);
        var due = BenchStore.Time.GetUtcNow() + TimeSpan.FromMilliseconds(300);
        await store.InsertAsync(count, i => due + TimeSpan.FromMilliseconds(i % 2 == 0 ? 0 : i));
        await EngineRun.RunUntilFinishedAsync(store, new SchedulerOptions(), count, TimeSpan.FromMinutes(1), quiet: true);
        _ = await store.ReadAllRunsAsync();
        Console.WriteLine($"warm-up: {count} runs through the engine on a throw-away store");
    }
}
