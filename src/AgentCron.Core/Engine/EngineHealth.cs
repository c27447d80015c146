using System.Collections.Concurrent;

namespace AgentCron.Core.Engine;

/// <summary>The engine's loops report here; the health endpoint reads it.</summary>
public sealed class EngineHealth(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, LoopHealth> _loops = new();

    public IReadOnlyDictionary<string, LoopHealth> Loops => _loops;

    /// <summary>True when no loop's latest pass failed.</summary>
    public bool Healthy => _loops.Values.All(l => l.LastError is null);

    public void Succeeded(string loop) =>
        _loops.AddOrUpdate(loop, _ => new LoopHealth(time.GetUtcNow(), null, null), (_, old) => old with { LastSuccessAt = time.GetUtcNow(), LastError = null });

    public void Failed(string loop, Exception error) =>
        _loops.AddOrUpdate(loop, _ => new LoopHealth(null, error.Message, time.GetUtcNow()), (_, old) => old with { LastError = error.Message, LastErrorAt = time.GetUtcNow() });
}

public sealed record LoopHealth(DateTimeOffset? LastSuccessAt, string? LastError, DateTimeOffset? LastErrorAt);
