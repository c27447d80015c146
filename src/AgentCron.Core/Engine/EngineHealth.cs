using System.Collections.Concurrent;

namespace AgentCron.Core.Engine;

/// <summary>
/// The engine's loops report here, and so does any lasting problem that is not a loop's (a run's result that cannot be
/// written yet); the health endpoint reads it.
/// </summary>
public sealed class EngineHealth(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, LoopHealth> _loops = new();
    private readonly ConcurrentDictionary<string, string> _problems = new();

    public IReadOnlyDictionary<string, LoopHealth> Loops => _loops;

    /// <summary>Why the engine is not healthy, one sentence per loop whose latest pass failed and per open problem; empty when it is.</summary>
    public IReadOnlyList<string> Reasons =>
    [
        .. _loops.Where(l => l.Value.LastError is not null).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"the {l.Key} loop's last pass failed: {l.Value.LastError!.TrimEnd('.')}"),
        .. _problems.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value),
    ];

    public void Succeeded(string loop) =>
        _loops.AddOrUpdate(loop, _ => new LoopHealth(time.GetUtcNow(), null, null), (_, old) => old with { LastSuccessAt = time.GetUtcNow(), LastError = null });

    public void Failed(string loop, Exception error) =>
        _loops.AddOrUpdate(loop, _ => new LoopHealth(null, error.Message, time.GetUtcNow()), (_, old) => old with { LastError = error.Message, LastErrorAt = time.GetUtcNow() });

    /// <summary>Opens (or restates) the problem <paramref name="key"/>: health is degraded, with <paramref name="reason"/>, until it is resolved.</summary>
    public void Report(string key, string reason) => _problems[key] = reason;

    /// <summary>Closes the problem <paramref name="key"/>, if open.</summary>
    public void Resolve(string key) => _problems.TryRemove(key, out _);
}

public sealed record LoopHealth(DateTimeOffset? LastSuccessAt, string? LastError, DateTimeOffset? LastErrorAt);
