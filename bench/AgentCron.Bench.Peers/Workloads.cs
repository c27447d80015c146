using System.Diagnostics;

namespace AgentCron.Bench.Peers;

/// <summary>What a workload measured, before it is written out as the result line.</summary>
internal sealed record WorkloadResult(TimeSpan? Elapsed, TimeSpan Cpu, TimeSpan? Insert, TimeSpan? LeadLeft);

/// <summary>
/// The three workloads of the <c>peers</c> scenario, the same for every peer (and mirrored for AgentCron by the bench):
/// burst — N jobs due at one instant <see cref="PeerArgs.Lead"/> after they are created, scheduler started after the
/// insert; throughput — N jobs already due (1 s ago), runs/s from start to the last job run; single — one job at a time,
/// due 1 s after it is added to an idle running scheduler.
/// </summary>
internal static class Workloads
{
    private const int WarmUpJobs = 200;

    /// <summary>
    /// Runs <see cref="WarmUpJobs"/> jobs due now through a peer of its own on the same database, so the measured
    /// phase runs JIT-compiled code (as the bench warms AgentCron's engine up), then forgets them.
    /// </summary>
    public static async Task WarmUpAsync(Func<IPeer> create, CancellationToken ct)
    {
        await using var peer = create();
        await peer.PrepareAsync(ct);
        var due = WholeMilliseconds(Now());
        await peer.AddAsync([.. Enumerable.Range(1, WarmUpJobs).Select(i => new PeerJob($"w{i}", due))], ct);
        var all = Probe.Expect(WarmUpJobs);
        await peer.StartAsync(ct);
        if (await WithinAsync(all, TimeSpan.FromMinutes(2), ct) is null)
        {
            throw new TimeoutException($"the warm-up's {WarmUpJobs} jobs did not all run within 2 minutes ({Probe.Completed} did)");
        }

        await peer.StopAsync(ct);
        Probe.Reset();
    }

    public static Task<WorkloadResult> RunAsync(IPeer peer, PeerArgs args, Action measuring, CancellationToken ct) => args.Workload switch
    {
        "burst" => DueAsync(peer, args, args.Lead, measuring, ct),
        "throughput" => DueAsync(peer, args, TimeSpan.FromSeconds(-1), measuring, ct),
        _ => SingleAsync(peer, args, measuring, ct),
    };

    private static async Task<WorkloadResult> DueAsync(IPeer peer, PeerArgs args, TimeSpan dueIn, Action measuring, CancellationToken ct)
    {
        var due = WholeMilliseconds(Now() + dueIn);
        var jobs = Enumerable.Range(1, args.Count).Select(i => new PeerJob($"j{i}", due)).ToList();
        var insertStart = Stopwatch.GetTimestamp();
        await peer.AddAsync(jobs, ct);
        var insert = Stopwatch.GetElapsedTime(insertStart);
        var leadLeft = due - Now();

        var all = Probe.Expect(args.Count);
        measuring();
        var cpu = Cpu();
        var start = Stopwatch.GetTimestamp();
        await peer.StartAsync(ct);
        var last = await WithinAsync(all, args.Timeout, ct);
        var elapsed = Stopwatch.GetElapsedTime(start, last ?? Stopwatch.GetTimestamp());
        var used = Cpu() - cpu;
        await peer.StopAsync(ct);
        return new WorkloadResult(elapsed, used, insert, args.Workload == "burst" ? leadLeft : null);
    }

    private static async Task<WorkloadResult> SingleAsync(IPeer peer, PeerArgs args, Action measuring, CancellationToken ct)
    {
        await peer.StartAsync(ct);
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        measuring();
        var cpu = Cpu();
        for (var i = 1; i <= args.Count; i++)
        {
            var ran = Probe.Expect(i);
            await peer.AddAsync([new PeerJob($"s{i}", WholeMilliseconds(Now() + TimeSpan.FromSeconds(1)))], ct);
            if (await WithinAsync(ran, args.Timeout, ct) is null)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }

        var used = Cpu() - cpu;
        await peer.StopAsync(ct);
        return new WorkloadResult(null, used, null, null);
    }

    /// <summary>The timestamp <paramref name="done"/> completes with, or null when the timeout passes first.</summary>
    private static async Task<long?> WithinAsync(Task<long> done, TimeSpan timeout, CancellationToken ct)
    {
        var finished = await Task.WhenAny(done, Task.Delay(timeout, ct));
        return finished == done ? await done : null;
    }

    private static DateTimeOffset Now() => TimeProvider.System.GetUtcNow();

    private static DateTimeOffset WholeMilliseconds(DateTimeOffset instant) =>
        new(instant.UtcTicks - instant.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    private static TimeSpan Cpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
