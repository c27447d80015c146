using System.Diagnostics;

namespace AgentCron.Bench;

/// <summary>
/// Samples the process's working set and GC heap every 20 ms while a measured phase runs. On Linux it first resets the
/// kernel's peak-RSS mark (<c>/proc/self/clear_refs</c>), so <see cref="Process.PeakWorkingSet64"/> afterwards covers
/// the measured phase only, not the seeding before it.
/// </summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _maxWorkingSet;
    private long _maxHeap;
    private long _maxCommitted;

    private MemorySampler(bool peakReset)
    {
        PeakReset = peakReset;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>True when the kernel's peak mark was reset, so <see cref="PeakWorkingSetBytes"/> is this phase's peak.</summary>
    public bool PeakReset { get; }

    public long MaxWorkingSetBytes => Interlocked.Read(ref _maxWorkingSet);

    /// <summary>Largest <see cref="GC.GetTotalMemory(bool)"/> seen (bytes the GC heap holds, live or not yet collected).</summary>
    public long MaxGcHeapBytes => Interlocked.Read(ref _maxHeap);

    /// <summary>Largest memory the GC had committed from the OS.</summary>
    public long MaxGcCommittedBytes => Interlocked.Read(ref _maxCommitted);

    public long PeakWorkingSetBytes { get; private set; }

    /// <summary>Collects garbage left by earlier phases, resets the peak mark, and starts sampling.</summary>
    public static MemorySampler Start()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var reset = false;
        if (OperatingSystem.IsLinux())
        {
            try
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
                reset = true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Older kernels or restricted containers: fall back to the sampled maximum.
            }
        }

        return new MemorySampler(reset);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        using var process = Process.GetCurrentProcess();
        PeakWorkingSetBytes = PeakReset ? process.PeakWorkingSet64 : MaxWorkingSetBytes;
    }

    private async Task LoopAsync()
    {
        using var process = Process.GetCurrentProcess();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        do
        {
            process.Refresh();
            Max(ref _maxWorkingSet, process.WorkingSet64);
            Max(ref _maxHeap, GC.GetTotalMemory(forceFullCollection: false));
            Max(ref _maxCommitted, GC.GetGCMemoryInfo().TotalCommittedBytes);
        }
        while (await Tick(timer));
    }

    private async Task<bool> Tick(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static void Max(ref long field, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref field)) && Interlocked.CompareExchange(ref field, value, current) != current)
        {
        }
    }
}
