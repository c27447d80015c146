using System.Collections.Concurrent;

namespace AgentCron.Core.Engine;

/// <summary>
/// The attempts this daemon executes, or whose result it still holds to write: the dispatcher adds and removes them, the
/// lease keeper renews their leases and stops them, the reaper leaves them alone, a cancel stops one.
/// </summary>
public sealed class RunningAttempts
{
    private readonly ConcurrentDictionary<string, Attempt> _attempts = new();

    /// <summary>Ids of the runs held now.</summary>
    public IReadOnlyCollection<string> Ids => (IReadOnlyCollection<string>)_attempts.Keys;

    public int Count => _attempts.Count;

    /// <summary>How many of the held attempts still have their agent running (the rest are writing their result).</summary>
    public int Executing => _attempts.Values.Count(a => !a.Finishing);

    public bool IsEmpty => _attempts.IsEmpty;

    /// <summary>True while this daemon executes <paramref name="runId"/> or still holds its result to write.</summary>
    public bool Holds(string runId) => _attempts.ContainsKey(runId);

    /// <summary>Stops a run this daemon is executing, at once. Returns false if it is not running here.</summary>
    public bool Cancel(string runId) => Stop(runId, StopReason.Cancelled);

    internal bool Stop(string runId, StopReason reason)
    {
        if (!_attempts.TryGetValue(runId, out var attempt))
        {
            return false;
        }

        attempt.Stop(reason);
        return true;
    }

    internal IReadOnlyList<Attempt> All => [.. _attempts.Values];

    internal Attempt Add(string runId) => _attempts[runId] = new Attempt(runId);

    internal void Remove(Attempt attempt)
    {
        _attempts.TryRemove(attempt.RunId, out _);
        attempt.Dispose();
    }
}

/// <summary>Why an attempt was stopped before its agent ended by itself.</summary>
internal enum StopReason
{
    None,
    Timeout,
    Cancelled,
    LeaseLost,
    Shutdown,
}

/// <summary>One attempt held by this daemon: how to stop it, why it was stopped, and the task that executes it.</summary>
internal sealed class Attempt(string runId) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private int _reason;

    public string RunId { get; } = runId;
    public Task Completion { get; set; } = Task.CompletedTask;
    public CancellationToken Token => _stop.Token;
    public StopReason Reason => (StopReason)Volatile.Read(ref _reason);

    /// <summary>Set once the agent has ended: a late stop (shutdown, a cancel, a lost lease) no longer changes the outcome.</summary>
    public volatile bool Finishing;

    /// <summary>The first reason wins: a run that timed out stays timed out even if it is cancelled while dying.</summary>
    public void Stop(StopReason reason)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)StopReason.None) == (int)StopReason.None)
        {
            _stop.Cancel();
        }
    }

    public void Dispose() => _stop.Dispose();
}
