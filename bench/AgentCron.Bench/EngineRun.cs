using System.Diagnostics;
using System.Globalization;
using AgentCron.Core.Engine;

namespace AgentCron.Bench;

/// <summary>When the engine started and when the last expected run was durably finished, on both clocks.</summary>
/// <param name="StartedUtc">Wall-clock time of <see cref="Scheduler.Start"/> (the clock the store's timestamps use).</param>
/// <param name="Elapsed">From <see cref="Scheduler.Start"/> to the commit of the last expected run (Stopwatch).</param>
internal sealed record EngineRunResult(DateTimeOffset StartedUtc, TimeSpan Elapsed)
{
    public DateTimeOffset LastFinishedUtc => StartedUtc + Elapsed;
}

internal static class EngineRun
{
    /// <summary>
    /// Starts the real scheduler on <paramref name="store"/>, waits until <paramref name="expected"/> runs have been
    /// written as finished (counted by <see cref="InstrumentedStore"/>, no polling), then stops it.
    /// </summary>
    public static async Task<EngineRunResult> RunUntilFinishedAsync(BenchStore store, SchedulerOptions options, int expected, TimeSpan timeout, bool quiet = false)
    {
        var runner = new NoopRunner();
        var finished = store.Store.ExpectFinishedRuns(expected);
        var baseline = store.Store.FinishedRuns;
        await using var scheduler = store.NewScheduler(runner, options);
        var startedUtc = BenchStore.Time.GetUtcNow();
        var start = Stopwatch.GetTimestamp();
        scheduler.Start();

        using var progress = new PeriodicTimer(TimeSpan.FromSeconds(5), BenchStore.Time);
        while (!finished.IsCompleted)
        {
            var tick = progress.WaitForNextTickAsync().AsTask();
            await Task.WhenAny(finished, tick);
            if (finished.IsCompleted)
            {
                break;
            }

            var elapsed = Stopwatch.GetElapsedTime(start);
            if (!quiet)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    … {elapsed.TotalSeconds,5:F0} s: {store.Store.FinishedRuns - baseline:N0} / {expected:N0} runs finished ({runner.Started:N0} started)"));
            }

            if (elapsed > timeout)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"only {store.Store.FinishedRuns - baseline:N0} of {expected:N0} runs finished within {timeout.TotalSeconds:F0} s; engine health: {DescribeHealth(scheduler)}"));
            }
        }

        var done = await finished;
        await scheduler.StopAsync(CancellationToken.None);
        return new EngineRunResult(startedUtc, Stopwatch.GetElapsedTime(start, done));
    }

    private static string DescribeHealth(Scheduler scheduler) =>
        string.Join("; ", scheduler.Health.Loops.Select(l => $"{l.Key}: {l.Value.LastError ?? "ok"}"));
}
