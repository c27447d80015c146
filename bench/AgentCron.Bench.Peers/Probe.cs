using System.Collections.Concurrent;
using System.Diagnostics;

namespace AgentCron.Bench.Peers;

/// <summary>
/// What the no-op jobs report: each job's lateness (wall clock when its body ran − its due time) the first time it
/// runs, how many times a job ran again, and when the expected number of jobs had run. Static because the peers
/// create their job objects themselves.
/// </summary>
internal static class Probe
{
    private static readonly ConcurrentDictionary<string, double> LatenessById = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();
    private static int _duplicates;
    private static int _target = int.MaxValue;
    private static TaskCompletionSource<long>? _reached;

    public static int Completed => LatenessById.Count;
    public static int Duplicates => Volatile.Read(ref _duplicates);
    public static IReadOnlyCollection<double> Lateness => [.. LatenessById.Values];

    /// <summary>Completes with the <see cref="Stopwatch"/> timestamp at which <paramref name="total"/> distinct jobs have run.</summary>
    public static Task<long> Expect(int total)
    {
        lock (Gate)
        {
            _target = total;
            _reached = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (LatenessById.Count >= total)
            {
                _reached.TrySetResult(Stopwatch.GetTimestamp());
            }

            return _reached.Task;
        }
    }

    /// <summary>Forgets the warm-up's jobs.</summary>
    public static void Reset()
    {
        lock (Gate)
        {
            LatenessById.Clear();
            Volatile.Write(ref _duplicates, 0);
            _target = int.MaxValue;
            _reached = null;
        }
    }

    public static void Ran(string id, DateTimeOffset due)
    {
        var lateness = (TimeProvider.System.GetUtcNow() - due).TotalMilliseconds;
        if (!LatenessById.TryAdd(id, lateness))
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        if (LatenessById.Count >= Volatile.Read(ref _target))
        {
            lock (Gate)
            {
                _reached?.TrySetResult(Stopwatch.GetTimestamp());
            }
        }
    }
}
