using System.Globalization;
using AgentCron.Core.Engine;

namespace AgentCron.Bench;

/// <summary>
/// One scheduler node in a process of its own, for the <c>scaling</c> scenario (which puts each such process in a CPU
/// cgroup): <c>node --connection CS --warmup-connection CS --node-id ID --concurrency N</c>. It warms up on its own
/// database, opens the measured one, prints <c>ready</c>, starts its scheduler on a <c>go</c> line from stdin, and on
/// <c>stop</c> (or end of input) stops it and prints <c>started N</c>: how many attempts its runner started.
/// </summary>
internal static class NodeProcess
{
    public static async Task<int> RunAsync(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        var options = new SchedulerOptions
        {
            NodeId = values["node-id"],
            MaxConcurrentRuns = int.Parse(values["concurrency"], CultureInfo.InvariantCulture),
        };
        var root = Path.Combine(Path.GetTempPath(), "agentcron-bench");
        await using (var warmup = await BenchStore.OpenPostgresAsync(values["warmup-connection"], root, "node-warmup", new StoreProfile(), new FinishedRuns()))
        {
            const int count = 200;
            var due = BenchStore.Time.GetUtcNow() + TimeSpan.FromMilliseconds(300);
            await warmup.InsertAsync(count, i => due + TimeSpan.FromMilliseconds(i % 2 == 0 ? 0 : i));
            await EngineRun.RunUntilFinishedAsync(warmup, options, count, TimeSpan.FromMinutes(5), quiet: true);
        }

        await using var store = await BenchStore.OpenPostgresAsync(values["connection"], root, "node", new StoreProfile(), new FinishedRuns());
        var runner = new NoopRunner();
        await using var scheduler = store.NewScheduler(runner, options);
        Console.WriteLine("ready");
        if (Console.ReadLine() != "go")
        {
            return 1;
        }

        scheduler.Start();
        while (Console.ReadLine() is { } line && line != "stop")
        {
        }

        await scheduler.StopAsync(CancellationToken.None);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"started {runner.Started}"));
        return 0;
    }
}
