namespace AgentCron.Core.Model;

/// <summary>
/// One daemon process that works on the store (a "node"): where it runs, since when, and when it was last heard of.
/// Several nodes share one store; each renews <see cref="LastSeenAt"/> while it runs and sets <see cref="StoppedAt"/>
/// when it stops cleanly, so a node that went silent without stopping is one that died (its runs are recovered by the
/// others once their leases expire).
/// </summary>
public sealed record NodeInfo(
    string Id,
    string Host,
    int Pid,
    string Version,
    DateTimeOffset StartedAt,
    DateTimeOffset LastSeenAt,
    DateTimeOffset? StoppedAt = null);
