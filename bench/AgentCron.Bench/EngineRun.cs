using System.Diagnostics;
using System.Globalization;
using AgentCron.Core.Engine;

namespace AgentCron.Bench;

/// <summary>When the engine started and when the last expected run was durably finished, on both clocks.</summary>
/// <param name="StartedUtc">Wall-clock time of the first <see cref="Scheduler.Start"/> (the clock the store's timestamps use).</param>
/// <param name="Elapsed">From the first <see cref="Scheduler.Start"/> to the commit of the last expected run (Stopwatch).</param>
/// <param name="StartedPerNode">Attempts each node's runner started: their sum is how many times an agent really ran.</param>
internal sealed record EngineRunResult(DateTimeOffset StartedUtc, TimeSpan Elapsed, IReadOnlyList<long> StartedPerNode)
{
    public DateTimeOffset LastFinishedUtc => StartedUtc + Elapsed;
}

internal static class EngineRun
{
    /// <summary>
    /// Starts the real scheduler on <paramref name="store"/>, waits until <paramref name="expected"/> runs have been
    /// written as finished (counted by <see cref="InstrumentedStore"/>, no polling), then stops it.
    /// </summary>
    public static Task<EngineRunResult> RunUntilFinishedAsync(BenchStore store, SchedulerOptions options, int expected, TimeSpan timeout, bool quiet = false) =>
        RunUntilFinishedAsync([store], options, expected, timeout, quiet, whileRunning: null);

    /// <summary>
    /// Starts one real scheduler per node (each on its own store, with its own <see cref="SchedulerOptions.NodeId"/>), runs
    /// <paramref name="whileRunning"/> (if any; it gets the schedulers, to wake them as the API does) once all are started, waits until <paramref name="expected"/> runs have been
    /// written as finished by any of them (the nodes share one <see cref="FinishedRuns"/>), then stops them all.
    /// </summary>
    public static async Task<EngineRunResult> RunUntilFinishedAsync(
        IReadOnlyList<BenchStore> nodes,
        SchedulerOptions options,
        int expected,
        TimeSpan timeout,
        bool quiet,
        Func<IReadOnlyList<Scheduler>, Task>? whileRunning)
    {
        var counter = nodes[0].Store.Finished;
        if (nodes.Any(n => n.Store.Finished != counter))
        {
            throw new ArgumentException("the nodes of one run must share one FinishedRuns", nameof(nodes));
        }

        var runners = nodes.Select(_ => new NoopRunner()).ToArray();
        var schedulers = nodes
            .Select((node, i) => node.NewScheduler(runners[i], i == 0 ? options : options with { NodeId = $"{options.NodeId}-{i + 1}" }))
            .ToArray();
        try
        {
            var finished = counter.Expect(expected);
            var baseline = counter.Count;
            var startedUtc = BenchStore.Time.GetUtcNow();
            var start = Stopwatch.GetTimestamp();
            foreach (var scheduler in schedulers)
            {
                scheduler.Start();
            }

            var feeding = whileRunning?.Invoke(schedulers) ?? Task.CompletedTask;
            using var progress = new PeriodicTimer(TimeSpan.FromSeconds(5), BenchStore.Time);
            Task<bool>? tick = null;
            while (!finished.IsCompleted)
            {
                tick ??= progress.WaitForNextTickAsync().AsTask();
                await Task.WhenAny(finished, tick, feeding.IsCompleted ? finished : feeding);
                if (feeding.IsFaulted)
                {
                    await feeding;
                }

                if (finished.IsCompleted || !tick.IsCompleted)
                {
                    continue;
                }

                tick = null;
                var elapsed = Stopwatch.GetElapsedTime(start);
                var done = counter.Count - baseline;
                if (!quiet)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    … {elapsed.TotalSeconds,5:F0} s: {done:N0} / {expected:N0} runs finished ({runners.Sum(r => r.Started):N0} started)"));
                }

                if (elapsed > timeout)
                {
                    throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"only {done:N0} of {expected:N0} runs finished within {timeout.TotalSeconds:F0} s; engine health: {string.Join(" | ", schedulers.Select(DescribeHealth))}"));
                }
            }

            var last = await finished;
            await feeding;
            await Task.WhenAll(schedulers.Select(s => s.StopAsync(CancellationToken.None)));
            return new EngineRunResult(startedUtc, Stopwatch.GetElapsedTime(start, last), [.. runners.Select(r => r.Started)]);
        }
        finally
        {
            foreach (var scheduler in schedulers)
            {
                await scheduler.DisposeAsync();
            }
        }
    }

    private static string DescribeHealth(Scheduler scheduler) =>
        $"{scheduler.Options.NodeId}: " + string.Join("; ", scheduler.Health.Loops.Select(l => $"{l.Key}: {l.Value.LastError ?? "ok"}"));
}
